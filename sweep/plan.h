// A sweep's grid, expanded into points: which model config, dataset, number
// of training samples and seed each point trains, where its files go and how
// it is evaluated.
#ifndef AANET_SWEEP_PLAN_H_
#define AANET_SWEEP_PLAN_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/experiment.pb.h"
#include "proto/sweep.pb.h"

namespace aanet::sweep {

struct SweepConfigFile {
  SweepConfig config;
  std::string text;  // as read, recorded in sweep_results.json
};

// Reads and validates a text-format SweepConfig; errors name the file and
// the field, e.g. "configs/sweeps/x.pbtxt: num_train_samples: must not be
// empty".
absl::StatusOr<SweepConfigFile> ReadSweepConfig(const std::string& path);

// A dataset of the sweep: its simulation config and where its file lives.
struct PlannedDataset {
  std::string name;         // the config file's stem, e.g. "k_pair_0.1"
  std::string config_path;  // absolute
  std::string path;         // absolute .h5 path under out/datasets/
  Experiment experiment;    // the simulation config
  std::string config_text;
  double k_pair = 0;
  // data_gen::DatasetHash of its contents, set once the file is in place
  // (EnsureDataset, prepare.h): with the name, the dataset's identity.
  std::string hash;
};

struct PlannedPoint {
  SweepPoint point;       // status PENDING; directory relative to sweep_dir
  PointSpec spec;         // what the worker runs
  std::string directory;  // absolute
};

struct SweepPlan {
  std::string sweep_dir;  // absolute: out/sweeps/<name>
  std::vector<PlannedDataset> datasets;
  std::vector<PlannedPoint> points;
};

// Expands the grid in the order models x datasets x samples x seeds.
// Config paths in the sweep config are relative to `workspace`;
// `output_root` is where datasets/ and sweeps/ go. Reads every model and
// dataset config; errors name the file.
absl::StatusOr<SweepPlan> PlanSweep(const SweepConfig& config,
                                    const std::string& workspace,
                                    const std::string& output_root);

}  // namespace aanet::sweep

#endif  // AANET_SWEEP_PLAN_H_
