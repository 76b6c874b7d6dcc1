// The simulated dataset of any registered physical system (system.h):
// generating it from an Experiment config, and its one on-disk form, an HDF5
// file whose layout is the contract between the generator and every reader
// (C++ here, h5py elsewhere). Nothing here names a concrete system: each
// system's parameters are a ParameterGroup it alone interprets.
//
// In memory (batch-major; rows are time samples):
//   t [T]; q[k], p[k] [T, n] for trajectory k = 0..K-1; energy [K, T] (the
//   system's Hamiltonian); parameters: the system's named arrays;
//   true_actions, true_frequencies [K, n] (each trajectory's, at t = 0) or
//   empty where the system does not know them.
//
// HDF5 layout (format_version 1). Every dataset is float64 (IEEE, 8 bytes);
// shapes are HDF5's row-major dimensions, i.e. what h5py's .shape shows:
//   /q, /p                [K, T, n]
//   /t                    [T]        t = 0, dt, ..., (T-1) dt
//   /energy               [K, T]     Hamiltonian of each stored sample
//   /parameters/<name>    the system's arrays, in its group's order; an
//                         array named "g/x" is stored at /g/x instead (the
//                         harmonic system's /normal_modes/*)
//   /true_actions         [K, n]     when known
//   /true_frequencies     [K, n]     when known, radians per time unit
//   root attributes: system = the system's name, e.g. "harmonic"
//     (variable-length UTF-8 string), format_version = 1 (int64), config =
//     the text-format Experiment config that produced the file
//     (variable-length UTF-8 string), name = the config's `name` (string),
//     num_degrees_of_freedom = n (int64).
// Files written before systems were plug-ins have no name,
// num_degrees_of_freedom, true_actions nor true_frequencies: the reader
// takes the name from the config, n from 'p', and the true actions and
// frequencies from System::ActionsAndFrequencies of each trajectory's first
// state (as GenerateDataset computes them). The harmonic system's parameters
// are exactly those files' /parameters and /normal_modes.
//
// HDF5 (serial build) is not thread-safe: do not call WriteDataset or
// ReadDataset from several threads at once.
#ifndef AANET_DATA_GEN_DATASET_H_
#define AANET_DATA_GEN_DATASET_H_

#include <string>
#include <vector>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "data_gen/system.h"
#include "proto/experiment.pb.h"

namespace aanet::data_gen {

// The version written to, and the only one accepted from, the
// `format_version` attribute.
inline constexpr int kFormatVersion = 1;

// Largest K * T * n accepted when generating or reading (2 GiB per array of
// float64), so that a typo in a config or a corrupt file header fails with an
// error rather than exhausting memory.
inline constexpr long long kMaxValuesPerArray = 1LL << 28;

// The `system` of a dataset of imported trajectories (//data_gen:import):
// no system of the project made them, so nothing needs their true dynamics
// (DatasetSystem refuses them). The file records their source in the
// config's `simulation.imported`, and, if the user named one, the system
// whose Hamiltonian gives their energy (attribute `hamiltonian`, with that
// system's parameters under /parameters); without one there is no /energy.
inline constexpr char kImportedSystem[] = "imported";

struct Dataset {
  std::string system;                 // the System's name, e.g. "harmonic"
  std::string name;                   // the Experiment config's `name`
  std::string config_text;            // text-format Experiment config
  Eigen::VectorXd t;                  // [T]
  std::vector<Eigen::MatrixXd> q, p;  // K entries, each [T, n]
  Eigen::MatrixXd energy;             // [K, T]
  ParameterGroup parameters;          // the system's (system.h)
  Eigen::MatrixXd true_actions;       // [K, n] or empty
  Eigen::MatrixXd true_frequencies;   // [K, n] or empty
  // Imported trajectories only: the registered system whose Energy (with
  // `parameters`) gave `energy`, or empty (no energy known, `energy` and
  // `parameters` empty).
  std::string hamiltonian;

  bool imported() const { return system == kImportedSystem; }
  int num_trajectories() const { return static_cast<int>(q.size()); }
  int num_samples() const { return static_cast<int>(t.size()); }
  int num_degrees_of_freedom() const {
    return q.empty() ? 0 : static_cast<int>(q[0].cols());
  }
};

// The registered system of a dataset (FindSystem(dataset.system)). For
// imported trajectories FailedPrecondition: "dataset 'x' holds imported
// trajectories (csv: traj.csv), which no system of the project describes:
// their true dynamics, actions and frequencies are unknown".
absl::StatusOr<const System*> DatasetSystem(const Dataset& dataset);

// The system whose Energy(dataset.parameters, states) is the dataset's
// Hamiltonian: its own system, or the one named at import; for imported
// trajectories without one FailedPrecondition ("... no Hamiltonian was named
// at import (--hamiltonian_config): their energy is unknown").
absl::StatusOr<const System*> DatasetHamiltonian(const Dataset& dataset);

// "csv: traj.csv" (the format and source files of imported trajectories, from
// the recorded config), or "" for any other dataset.
std::string ImportedSource(const Dataset& dataset);

// Checks a SimulationConfig: a registered system must be set (SystemFor:
// "simulation: no system set (expected one of: harmonic, ...)") and pass its
// System::ValidateConfig, num_samples >= 2, time_step > 0 (finite),
// num_trajectories >= 1 (all three required), and K * T * n <=
// kMaxValuesPerArray. seed defaults to 0. Errors name field paths, e.g.
// "simulation.num_samples: must be >= 2, got 1"; all problems are reported,
// separated by "; ".
absl::Status ValidateSimulationConfig(const aanet::SimulationConfig& config);

// Checks that the members of `dataset` have the shapes documented above
// (K, T, n >= 1, from q and t), a registered system whose CheckParameters
// accepts the parameters, and CheckSampleTimes(t). Imported trajectories:
// no true actions nor frequencies; energy and parameters as the named
// Hamiltonian's, or both empty without one.
absl::Status ValidateDataset(const Dataset& dataset);

// The sample times every model assumes: at least 2, strictly increasing and
// uniformly spaced (each step within a relative 1e-6 of t[1] - t[0]; models
// step by jump * (t[1] - t[0])). Errors, e.g. "dataset 't' must be strictly
// increasing: t[1] = 0 after t[0] = 0", "dataset 't' must be uniformly
// spaced: t[5] - t[4] = 2, but t[1] - t[0] = 1".
absl::Status CheckSampleTimes(const Eigen::VectorXd& t);

// The identity of a dataset's contents, recorded in checkpoints: 16 hex
// digits of a 64-bit FNV-1a hash over the shapes and float64 bit patterns of
// t, q, p, energy and the parameter group's arrays in order (a scalar as
// [1, 1], a vector [n] as [n, 1], a matrix [r, c] as [r, c] in column-major
// order: the hash of format_version 1, kept so that checkpoints stay valid).
// The true actions and frequencies are derived from these and not hashed.
// It depends on the numbers only, not on the file's bytes (HDF5 layout,
// timestamps) nor its config text (recorded beside it).
std::string DatasetHash(const Dataset& dataset);

// Simulates experiment.simulation() with its system (System::Generate) and
// records `config_text` (the text the experiment was parsed from) and the
// experiment's name. InvalidArgument if the config is invalid or the system
// refuses it (e.g. harmonic: "simulation.num_trajectories: trajectories 0
// and 2 would be identical ...").
absl::StatusOr<Dataset> GenerateDataset(const aanet::Experiment& experiment,
                                        std::string config_text);

// GenerateDataset with a given system, whatever the config's oneof sets (for
// a registered system that has no field in the config, e.g. a test's toy).
absl::StatusOr<Dataset> GenerateDatasetWith(const System& system,
                                            const aanet::Experiment& experiment,
                                            std::string config_text);

// Writes `dataset` to `path` in the layout above, atomically: the file is
// written to `path + ".tmp-<pid>"` in the same directory and renamed over
// `path` once complete, so readers never see a partial file. Creates the
// parent directory if missing. On failure the temporary is removed and the
// error names `path`.
absl::Status WriteDataset(const Dataset& dataset, const std::string& path);

// Reads and fully validates a file written by WriteDataset (presence, dtype,
// rank and mutually consistent shapes of every item, attributes, finite
// values, a valid system). Errors name the file and the item, e.g.
//   /x/d.h5: no such file                       (NotFound)
//   /x/d.h5: not an HDF5 file (or truncated)
//   /x/d.h5: missing dataset 'energy'
//   /x/d.h5: dataset 'q' has shape [1,1000,3], expected [K,T,n] =
//     [1,1000,2] to match 'p'
// (K, T, n are taken from 'p'; every other item is checked against them), and
//   /x/d.h5: dataset 't' must be strictly increasing: ...  (CheckSampleTimes)
// Never crashes on malformed input.
absl::StatusOr<Dataset> ReadDataset(const std::string& path);

// ReadDataset from a file's bytes in memory (h5::ReadImage); `name` stands
// for the file in messages.
absl::StatusOr<Dataset> ReadDatasetImage(const std::string& image,
                                         const std::string& name);

}  // namespace aanet::data_gen

#endif  // AANET_DATA_GEN_DATASET_H_
