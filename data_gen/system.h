// The seam between the dataset format and the physical systems: every system
// (coupled harmonic oscillators, the pendulum, ...) implements `System` in a
// file of its own under data_gen/systems/ and registers itself under the name
// of its field in SimulationConfig's `system` oneof. Nothing outside that file
// names a concrete system: the dataset, evaluation, sweeps and reports reach a
// system only through this interface (FindSystem / SystemFor).
//
// Conventions shared by every system:
//   * A state is a row [q, p] of width 2n, n = the degrees of freedom;
//     batches are batch-major matrices, states [B, 2n].
//   * A system's parameters are a `ParameterGroup`: named float64 arrays that
//     the dataset writes under /parameters/<name> and reads back generically;
//     the system alone interprets them (CheckParameters, Energy, Evolve, ...).
//   * Trajectory k of a dataset is generated from the config alone
//     (deterministic in SimulationConfig.seed); time t[j] = j * time_step.
//
// Implementations must be thread-compatible and const: the registry holds
// one instance per system for the life of the process.
#ifndef AANET_DATA_GEN_SYSTEM_H_
#define AANET_DATA_GEN_SYSTEM_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proto/experiment.pb.h"

namespace aanet::data_gen {

// One named float64 array of a system's parameter group. `shape` is HDF5's
// row-major dimensions (empty for a scalar); `values` holds prod(shape)
// numbers in row-major order.
struct NamedArray {
  std::string name;
  std::vector<int> shape;
  std::vector<double> values;
};

// A system's parameters, in the order the system writes them (the order is
// part of DatasetHash).
struct ParameterGroup {
  std::vector<NamedArray> arrays;

  // The array called `name`, or nullptr.
  const NamedArray* Find(std::string_view name) const;
};

// What a system generates: K trajectories, each q and p [T, n], plus, where
// the system knows them, each trajectory's true actions and angular
// frequencies (both [K, n]; left empty when unknown, e.g. a chaotic system).
struct GeneratedTrajectories {
  std::vector<Eigen::MatrixXd> q, p;  // K entries, each [T, n]
  ParameterGroup parameters;
  Eigen::MatrixXd true_actions;      // [K, n] or empty
  Eigen::MatrixXd true_frequencies;  // [K, n] or empty, radians per time unit
};

class System {
 public:
  virtual ~System() = default;

  // The name of the system's field in SimulationConfig's oneof, which is
  // also the dataset's `system` attribute ("harmonic", "pendulum").
  virtual std::string_view name() const = 0;

  // Checks the system's part of `config` (and anything of num_samples,
  // time_step, num_trajectories it depends on). Errors name the field path,
  // e.g. "simulation.pendulum.initial_angle.max: must be < pi, got 4"; all
  // problems are reported, separated by "; ".
  virtual absl::Status ValidateConfig(
      const aanet::SimulationConfig& config) const = 0;

  // n for a valid config, without generating anything.
  virtual int DegreesOfFreedom(const aanet::SimulationConfig& config) const = 0;

  // The K = num_trajectories trajectories of a valid config at times t [T].
  virtual absl::StatusOr<GeneratedTrajectories> Generate(
      const aanet::SimulationConfig& config,
      const Eigen::VectorXd& t) const = 0;

  // OK if `parameters` (as read from a file) is a valid parameter group of
  // this system for n degrees of freedom and K trajectories; errors name the
  // array, e.g. "parameters/masses has shape [3], expected [2]".
  virtual absl::Status CheckParameters(const ParameterGroup& parameters,
                                       int num_degrees_of_freedom,
                                       int num_trajectories) const = 0;

  // The Hamiltonian of each state: states [B, 2n] -> [B]. `parameters`
  // passed CheckParameters.
  virtual Eigen::VectorXd Energy(const ParameterGroup& parameters,
                                 const Eigen::MatrixXd& states) const = 0;

  // The true states [B, 2n] after time dt >= 0 from `states` [B, 2n]: a
  // closed form where the system has one, otherwise the project's
  // Dormand-Prince at tight tolerance.
  virtual absl::StatusOr<Eigen::MatrixXd> Evolve(
      const ParameterGroup& parameters, const Eigen::MatrixXd& states,
      double dt) const = 0;

  // The true actions and angular frequencies of each state, both [B, n], or
  // Unimplemented if the system has none (not integrable) or does not know
  // them.
  virtual absl::Status ActionsAndFrequencies(
      const ParameterGroup& parameters, const Eigen::MatrixXd& states,
      Eigen::MatrixXd* actions, Eigen::MatrixXd* frequencies) const = 0;

  // The names of the quantities besides the energy that the true dynamics
  // conserve, e.g. {"angular_momentum"} for Kepler orbits; default none.
  // Evaluation reports their drift along predictions as it does the
  // energy's.
  virtual std::vector<std::string> ConservedQuantityNames() const { return {}; }

  // Those quantities of each state: states [B, 2n] -> [B, names.size()], in
  // the order of ConservedQuantityNames(). `parameters` passed
  // CheckParameters.
  virtual Eigen::MatrixXd ConservedQuantities(
      const ParameterGroup& parameters, const Eigen::MatrixXd& states) const {
    return Eigen::MatrixXd(states.rows(), 0);
  }

  // One line naming the system and its physical parameters for reports and
  // messages, e.g. "harmonic: masses [1, 2], k_wall [1, 1], k_pair 0.5".
  virtual std::string Describe(const ParameterGroup& parameters) const = 0;

  // The names of the parameter group's arrays in the order Generate gives
  // them, for ReadDataset to look up: a name "g/x" is the file's array /g/x
  // (a group of the system's own beside /parameters, as the harmonic
  // system's normal modes have always been stored), any other name
  // /parameters/<name>. The default, empty, means every array under
  // /parameters, in name order (GenerateDataset then sorts the group by
  // name, so that a generated and a read dataset hash alike).
  virtual std::vector<std::string> ParameterNames() const { return {}; }
};

// For implementations of System::CheckParameters: one array a system's
// parameter group must hold.
struct ExpectedArray {
  std::string name;
  std::vector<int> shape;  // row-major; empty for a scalar
  bool positive = false;   // every value must be > 0
};

// The problems of `parameters` (as read from a file) against `expected`, in
// the words every system uses: "parameters/x is not a <system> parameter
// (expected ...)", "... is missing", "... has shape [3], expected [2]",
// "... has N values for shape [K]", "... has a non-finite value v",
// "... must be > 0, got v". Empty if none.
std::vector<std::string> ParameterGroupProblems(
    std::string_view system_name, const ParameterGroup& parameters,
    const std::vector<ExpectedArray>& expected);

// The registered system called `name`; NotFound listing the registered names
// ("unknown system 'x' (registered: harmonic, pendulum)").
absl::StatusOr<const System*> FindSystem(std::string_view name);

// The system a config sets; InvalidArgument "simulation: no system set
// (expected one of: harmonic, pendulum)" if none.
absl::StatusOr<const System*> SystemFor(const aanet::SimulationConfig& config);

// The registered names, sorted.
std::vector<std::string> RegisteredSystemNames();

namespace internal {
// Called by AANET_REGISTER_SYSTEM at static-initialisation time; a second
// registration of one name is a programming error and aborts at start-up.
bool RegisterSystem(std::unique_ptr<System> system);
}  // namespace internal

}  // namespace aanet::data_gen

// Registers a default-constructed `SystemClass` (put it in the system's .cc
// file, in namespace aanet::data_gen; the library needs alwayslink = 1):
//   AANET_REGISTER_SYSTEM(PendulumSystem);
#define AANET_REGISTER_SYSTEM(SystemClass)                      \
  [[maybe_unused]] static const bool kRegistered##SystemClass = \
      ::aanet::data_gen::internal::RegisterSystem(              \
          std::make_unique<SystemClass>())

#endif  // AANET_DATA_GEN_SYSTEM_H_
