// A toy system for tests, registered through the registry alone: one degree
// of freedom with H = (q^2 + p^2) / 2 (unit mass and frequency), so that
// q(t) = q0 cos t + p0 sin t, p(t) = p0 cos t - q0 sin t, the action is H
// and the angular frequency 1. Trajectory k starts at rest at q = 1 + k.
// Its SimulationConfig field, toy_oscillator_for_tests, is the one line the
// registry's end-to-end test (tests/toy_system_test.cc) adds to the proto;
// binaries do not link this file and refuse that field as an unknown system.
// Its parameter group ("omega", then "initial_q" [K])
// is not in name order and it keeps the default ParameterNames, so it exercises
// the generic path of the dataset.
#include <cmath>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "data_gen/system.h"

namespace aanet::data_gen {
namespace {

class ToyUnitOscillator final : public System {
 public:
  std::string_view name() const override { return "toy_oscillator_for_tests"; }

  absl::Status ValidateConfig(
      const aanet::SimulationConfig& config) const override {
    return absl::OkStatus();
  }

  int DegreesOfFreedom(const aanet::SimulationConfig& config) const override {
    return 1;
  }

  absl::StatusOr<GeneratedTrajectories> Generate(
      const aanet::SimulationConfig& config,
      const Eigen::VectorXd& t) const override {
    GeneratedTrajectories out;
    NamedArray start{"initial_q", {config.num_trajectories()}, {}};
    Eigen::MatrixXd states(config.num_trajectories(), 2);
    for (int k = 0; k < config.num_trajectories(); ++k) {
      const double q0 = 1.0 + k;
      start.values.push_back(q0);
      out.q.push_back(q0 * t.array().cos().matrix());
      out.p.push_back(-q0 * t.array().sin().matrix());
      states.row(k) << q0, 0.0;
    }
    out.parameters.arrays = {{"omega", {}, {1.0}}, start};
    if (absl::Status s = ActionsAndFrequencies(
            out.parameters, states, &out.true_actions, &out.true_frequencies);
        !s.ok()) {
      return s;
    }
    return out;
  }

  absl::Status CheckParameters(const ParameterGroup& parameters,
                               int num_degrees_of_freedom,
                               int num_trajectories) const override {
    const NamedArray* omega = parameters.Find("omega");
    if (num_degrees_of_freedom != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("n is ", num_degrees_of_freedom, ", expected 1"));
    }
    if (omega == nullptr || !omega->shape.empty() || omega->values[0] != 1.0) {
      return absl::InvalidArgumentError(
          "parameters/omega: expected the scalar 1");
    }
    const NamedArray* start = parameters.Find("initial_q");
    if (start == nullptr ||
        start->shape != std::vector<int>{num_trajectories}) {
      return absl::InvalidArgumentError(absl::StrCat(
          "parameters/initial_q: expected shape [", num_trajectories, "]"));
    }
    return absl::OkStatus();
  }

  Eigen::VectorXd Energy(const ParameterGroup& parameters,
                         const Eigen::MatrixXd& states) const override {
    return 0.5 * states.rowwise().squaredNorm();
  }

  absl::StatusOr<Eigen::MatrixXd> Evolve(const ParameterGroup& parameters,
                                         const Eigen::MatrixXd& states,
                                         double dt) const override {
    const double c = std::cos(dt), s = std::sin(dt);
    Eigen::MatrixXd out(states.rows(), 2);
    out.col(0) = states.col(0) * c + states.col(1) * s;
    out.col(1) = states.col(1) * c - states.col(0) * s;
    return out;
  }

  absl::Status ActionsAndFrequencies(
      const ParameterGroup& parameters, const Eigen::MatrixXd& states,
      Eigen::MatrixXd* actions, Eigen::MatrixXd* frequencies) const override {
    *actions = Energy(parameters, states);
    *frequencies = Eigen::MatrixXd::Ones(states.rows(), 1);
    return absl::OkStatus();
  }

  std::string Describe(const ParameterGroup& parameters) const override {
    return "toy_oscillator_for_tests: omega 1";
  }
};

AANET_REGISTER_SYSTEM(ToyUnitOscillator);

}  // namespace
}  // namespace aanet::data_gen
