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
  // The entry's SweepDataset.name, else the config's `name`, else its file
  // stem; unique within the sweep.
  std::string name;
  std::string config_path;  // absolute (for a `file` entry: the file)
  std::string path;         // absolute .h5 path: out/datasets/<name>.h5
  // A `file` entry (SweepDataset.file): `path` is that file, read as it is.
  bool from_file = false;
  Experiment experiment;  // the simulation config
  std::string config_text;
  std::string system;             // sweep/system_description.h
  std::string system_parameters;  // DescribeSystem of the config
  // Set once the file is in place (EnsureDataset, prepare.h):
  // data_gen::DatasetHash of its contents (with the name, the dataset's
  // identity) and its degrees of freedom as the file records them.
  std::string hash;
  int degrees_of_freedom = 0;
};

struct PlannedPoint {
  // Status PENDING; directory relative to sweep_dir. dataset_hash is filled
  // in by PrepareSweep once the dataset is in place.
  SweepPoint point;
  // What the worker runs; resolved_settings is filled in by PrepareSweep
  // (it depends on the dataset's degrees of freedom, read from its file).
  PointSpec spec;
  std::string directory;  // absolute
  int dataset_index = 0;  // into SweepPlan.datasets
  Experiment experiment;  // the point's training config
};

struct SweepPlan {
  std::string sweep_dir;  // absolute: out/sweeps/<name>
  std::vector<PlannedDataset> datasets;
  std::vector<PlannedPoint> points;
  std::string reference_dataset;  // the name of the reference points' dataset
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
