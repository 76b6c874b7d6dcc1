// Trajectories of the user's own (another simulation code, measurements)
// brought into the dataset format (dataset.h) with no system of the project:
// the readers of the three source formats, their validation, and the
// imported Dataset (system kImportedSystem). The `import` binary
// (import_main.cc) is the command line; data_gen/README.md, "Your own
// trajectories", documents the formats and rules.
//
// Every refusal is one line naming the file and the first sample, line or
// column that breaks the rule, e.g.
//   traj.csv: line 18 (trajectory 0, sample 16): t = 1.7 breaks the even
//   spacing 0.1 (expected 1.6)
#ifndef AANET_DATA_GEN_IMPORT_H_
#define AANET_DATA_GEN_IMPORT_H_

#include <functional>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "absl/status/statusor.h"
#include "data_gen/dataset.h"
#include "proto/experiment.pb.h"

namespace aanet::data_gen {

// How far a sample time may lie from its place on the even grid, as a
// fraction of the step: t[i] - t[i-1] within this of t[1] - t[0], and t[i]
// within this (in steps) of t[0] + i * (t[T-1] - t[0]) / (T-1).
inline constexpr double kImportTimeTolerance = 1e-3;

// q and p as read, before they become a Dataset: K trajectories of T
// samples of n degrees of freedom, on one time axis t [T] as the source has
// it (not shifted).
struct SourceTrajectories {
  Eigen::VectorXd t;
  std::vector<Eigen::MatrixXd> q, p;  // K entries, each [T, n]
};

// Checks the sample times of a source: at least 2, strictly increasing and
// evenly spaced within kImportTimeTolerance. `where(i)` names sample i in
// messages, e.g. "t.npy: sample 16" or "traj.csv: line 18 (trajectory 0,
// sample 16)"; `source` names the file for the count.
absl::Status CheckSourceTimes(const Eigen::VectorXd& t,
                              const std::string& source,
                              const std::function<std::string(int)>& where);

// An HDF5 file's float64 datasets `q_dataset`, `p_dataset` ([K, T, n] or
// [T, n], the same shape) and `t_dataset` ([T]).
absl::StatusOr<SourceTrajectories> ReadHdf5Source(const std::string& path,
                                                  const std::string& q_dataset,
                                                  const std::string& p_dataset,
                                                  const std::string& t_dataset);

// Three .npy files (float64, float32, int64 or int32; C or Fortran order):
// q and p [K, T, n] or [T, n] of one shape, t [T].
absl::StatusOr<SourceTrajectories> ReadNpySource(const std::string& q_path,
                                                 const std::string& p_path,
                                                 const std::string& t_path);

// A CSV file: one header row naming the columns, in any order: `t`,
// q_1..q_n and p_1..p_n (or q_0..q_{n-1}, p_0..p_{n-1}), and optionally
// `trajectory` (an integer id; a trajectory's rows together, in time order;
// trajectories in order of first appearance). Blank lines and lines
// starting with '#' are skipped. `source` names the file in messages.
absl::StatusOr<SourceTrajectories> ParseCsvSource(const std::string& text,
                                                  const std::string& source);
absl::StatusOr<SourceTrajectories> ReadCsvSource(const std::string& path);

// A Hamiltonian the project knows, named by a dataset config
// (--hamiltonian_config): its system and parameters give the energy.
struct NamedHamiltonian {
  std::string path;          // for messages
  aanet::Experiment config;  // its simulation is recorded
  std::string config_text;
};

struct ImportedDataset {
  Dataset dataset;
  // One line each: e.g. the energy under the named Hamiltonian drifting
  // more than 0.1 % along a trajectory (refused beyond 10 %).
  std::vector<std::string> warnings;
};

// The imported Dataset named `name`: t shifted to start at 0 (t[j] = j * dt,
// dt the source's mean step; `source.t_start` set to the source's first
// time), q and p as given, no true actions or frequencies. `source` says
// where they came from (format, files, HDF5 paths) and is recorded in the
// config. With `hamiltonian`, its system (with the degrees of freedom of the
// data) and its parameters, and the energy of every state under it; refused
// if a trajectory's energy spreads over more than 10 % of the energies'
// scale (the data do not follow that Hamiltonian).
absl::StatusOr<ImportedDataset> MakeImportedDataset(
    SourceTrajectories source_trajectories, const std::string& name,
    aanet::ImportedTrajectories source, const NamedHamiltonian* hamiltonian);

}  // namespace aanet::data_gen

#endif  // AANET_DATA_GEN_IMPORT_H_
