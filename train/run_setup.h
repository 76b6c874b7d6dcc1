// What the `train` binary's flags mean: which config, dataset and run
// directory a run uses, and whether it continues a checkpoint.
//
//   --config=C [--set=...]        a new run of C (with overrides)
//   --resume                      continue RUN's checkpoint; the config and
//                                 the dataset default to the run's own
//                                 (RUN/config.pbtxt, the dataset path the
//                                 checkpoint records)
//   --extend_to=N                 as --resume, with training.num_steps raised
//                                 to N (ExtendTrainingConfig)
//   --init_from=CHECKPOINT        a new run that starts from CHECKPOINT's
//                                 parameters and scaler (training.init_from)
#ifndef AANET_TRAIN_RUN_SETUP_H_
#define AANET_TRAIN_RUN_SETUP_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "data_gen/dataset.h"
#include "fileio/directory_lock.h"
#include "proto/text_config.h"

namespace aanet::train {

// The flags, paths already resolved; empty strings and 0 mean "not given".
struct RunFlags {
  std::string config;
  std::vector<std::string> overrides;  // --set values
  std::string dataset;
  std::string out;
  bool resume = false;
  int64_t extend_to = 0;
  std::string init_from;
};

struct RunSetup {
  ExperimentConfig config;    // the effective config and its recorded text
  std::string config_source;  // the file it was read from, for messages
  std::string dataset_path;
  data_gen::Dataset dataset;
  std::string run_dir;
  bool resume = false;  // continue run_dir/checkpoint.h5
  // The run directory's lock, if the directory existed: taken before any
  // check of its contents, so that a second writer hears "in use by
  // host:PID" rather than a misleading "already holds a run". Hand it to
  // the Trainer (AdoptRunDirectoryLock).
  std::optional<DirectoryLock> lock;
};

// Resolves the flags into a run. Without --out the run directory is
// out/runs/<config stem><OverridesSuffix>. Errors name the flag or file,
// e.g. "--extend_to: RUN: holds no run to continue (no checkpoint.h5)" or
// "RUN: already holds a run (checkpoint.h5); pass --resume ...".
absl::StatusOr<RunSetup> SetUpRun(const RunFlags& flags);

}  // namespace aanet::train

#endif  // AANET_TRAIN_RUN_SETUP_H_
