#include "eval/trajectories.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "data_gen/splits.h"
#include "eval/learned_actions.h"
#include "eval/truth.h"
#include "h5/hdf5_io.h"
#include "status/status_macros.h"

namespace aanet::eval {
namespace {

// Rows of `m` with a non-finite value.
int NonFiniteRows(const Eigen::MatrixXd& m) {
  int count = 0;
  for (Eigen::Index r = 0; r < m.rows(); ++r) {
    count += m.row(r).allFinite() ? 0 : 1;
  }
  return count;
}

std::string Failure(const Predictor& predictor) {
  const std::string reason = predictor.model().last_failure();
  return reason.empty() ? "non-finite predicted state" : reason;
}

}  // namespace

absl::StatusOr<PicturedArrays> ComputePicturedTrajectory(
    const Predictor& predictor, const data_gen::Dataset& dataset, int num_test,
    int num_jumps) {
  const auto begin = std::chrono::steady_clock::now();
  if (num_jumps < 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "picture_jumps: must be >= 1 (0: no pictured trajectory), got %d",
        num_jumps));
  }
  if (num_test < 1 || num_test > dataset.num_samples()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "the test window of %d samples does not fit the dataset's %d", num_test,
        dataset.num_samples()));
  }
  const auto& listed =
      predictor.experiment().training().held_out_trajectories();
  AANET_ASSIGN_OR_RETURN(const data_gen::TrajectorySplit split,
                         data_gen::MakeTrajectorySplit(
                             dataset.num_trajectories(),
                             std::vector<int>(listed.begin(), listed.end())));
  const bool held_out = !split.held_out.empty();
  const int k = held_out ? split.held_out.front() : 0;
  const int start = dataset.num_samples() - num_test;
  const int n = dataset.num_degrees_of_freedom();
  const double dt = dataset.t[1] - dataset.t[0];
  const int recorded = dataset.num_samples() - start;  // rows 0..recorded-1
  // Imported trajectories have no truth past their samples.
  const int jumps =
      dataset.imported() ? std::min(num_jumps, recorded - 1) : num_jumps;
  if (jumps < 1) {
    return absl::InvalidArgumentError(
        "the pictured trajectory's test window has a single sample, and an "
        "imported dataset has no truth past it");
  }

  PicturedArrays out;
  out.model_kind = predictor.model().kind();
  out.config_text = predictor.config_text();
  out.t.resize(jumps + 1);
  for (int j = 0; j <= jumps; ++j) out.t[j] = j * dt;
  out.truth.resize(jumps + 1, 2 * n);
  const int from_samples = std::min(recorded, jumps + 1);
  // The recorded rows first (the block must match: the window can be
  // shorter than the picture), then the system's truth past them.
  out.truth.topLeftCorner(from_samples, n) =
      dataset.q[k].middleRows(start, from_samples);
  out.truth.topRightCorner(from_samples, n) =
      dataset.p[k].middleRows(start, from_samples);
  const Eigen::MatrixXd s0 = out.truth.topRows(1);
  for (int j = from_samples; j <= jumps; ++j) {
    AANET_ASSIGN_OR_RETURN(const Eigen::MatrixXd state,
                           TrueStates(dataset, s0, j * dt));
    out.truth.row(j) = state.row(0);
  }

  std::string failure;
  out.one_shot.resize(jumps + 1, 2 * n);
  out.one_shot.row(0) = s0.row(0);
  const std::vector<Eigen::MatrixXd> grid =
      predictor.PredictGrid(s0, dt, jumps);
  for (int j = 1; j <= jumps; ++j) out.one_shot.row(j) = grid[j - 1].row(0);
  const int one_shot_failed = NonFiniteRows(out.one_shot);
  if (one_shot_failed > 0) failure = Failure(predictor);

  out.rollout.resize(jumps + 1, 2 * n);
  out.rollout.row(0) = s0.row(0);
  Eigen::MatrixXd state = s0;
  for (int j = 1; j <= jumps; ++j) {
    if (!state.allFinite()) {
      out.rollout.row(j).setConstant(std::numeric_limits<double>::quiet_NaN());
      continue;
    }
    state = predictor.Predict(state, dt);
    out.rollout.row(j) = state.row(0);
    if (!state.allFinite() && failure.empty()) failure = Failure(predictor);
  }

  PicturedTrajectory& summary = out.summary;
  absl::StatusOr<ActionAngleState> inspected = predictor.Inspect(out.truth);
  if (inspected.ok()) {
    const absl::StatusOr<double> scale = PhysicalActionScale(predictor);
    out.actions =
        scale.ok() ? PhysicalActions(inspected->actions, *scale)
                   : Eigen::MatrixXd(inspected->actions.array().square() / 2);
    summary.set_action_units(
        scale.ok() ? absl::StrFormat("physical (C = %.17g)", *scale)
                   : std::string("latent (r^2 / 2)"));
  } else if (absl::IsFailedPrecondition(inspected.status())) {
    out.actions.resize(0, 0);  // not an Action-Angle Network
  } else {
    return inspected.status();
  }
  summary.set_trajectory(k);
  summary.set_held_out(held_out);
  summary.set_start_sample(start);
  summary.set_num_jumps(jumps);
  summary.set_dt(dt);
  summary.set_num_recorded_rows(from_samples);
  summary.set_num_non_finite_one_shot(one_shot_failed);
  summary.set_num_non_finite_rollout(NonFiniteRows(out.rollout));
  summary.set_failure(failure);
  summary.set_wall_seconds(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin)
          .count());
  return out;
}

absl::Status WritePicturedTrajectory(const PicturedArrays& arrays,
                                     const std::string& path) {
  return h5::WriteFileAtomically(path, [&](H5::H5File& file) -> absl::Status {
    const PicturedTrajectory& s = arrays.summary;
    AANET_RETURN_IF_ERROR(h5::WriteVector(file, "t", arrays.t));
    AANET_RETURN_IF_ERROR(h5::WriteMatrix(file, "truth", arrays.truth));
    AANET_RETURN_IF_ERROR(h5::WriteMatrix(file, "one_shot", arrays.one_shot));
    AANET_RETURN_IF_ERROR(h5::WriteMatrix(file, "rollout", arrays.rollout));
    if (arrays.actions.size() > 0) {
      AANET_RETURN_IF_ERROR(h5::WriteMatrix(file, "actions", arrays.actions));
    }
    AANET_RETURN_IF_ERROR(
        h5::WriteIntAttribute(file, "trajectory", s.trajectory()));
    AANET_RETURN_IF_ERROR(
        h5::WriteIntAttribute(file, "held_out", s.held_out() ? 1 : 0));
    AANET_RETURN_IF_ERROR(
        h5::WriteIntAttribute(file, "start_sample", s.start_sample()));
    AANET_RETURN_IF_ERROR(
        h5::WriteIntAttribute(file, "num_jumps", s.num_jumps()));
    AANET_RETURN_IF_ERROR(h5::WriteDoubleAttribute(file, "dt", s.dt()));
    AANET_RETURN_IF_ERROR(h5::WriteIntAttribute(file, "num_recorded_rows",
                                                s.num_recorded_rows()));
    AANET_RETURN_IF_ERROR(h5::WriteIntAttribute(file, "num_non_finite_one_shot",
                                                s.num_non_finite_one_shot()));
    AANET_RETURN_IF_ERROR(h5::WriteIntAttribute(file, "num_non_finite_rollout",
                                                s.num_non_finite_rollout()));
    AANET_RETURN_IF_ERROR(
        h5::WriteStringAttribute(file, "failure", s.failure()));
    AANET_RETURN_IF_ERROR(
        h5::WriteStringAttribute(file, "action_units", s.action_units()));
    AANET_RETURN_IF_ERROR(
        h5::WriteStringAttribute(file, "model_kind", arrays.model_kind));
    return h5::WriteStringAttribute(file, "config", arrays.config_text);
  });
}

absl::StatusOr<PicturedArrays> ReadPicturedTrajectory(const std::string& path) {
  PicturedArrays out;
  AANET_RETURN_IF_ERROR(
      h5::ReadFile(path, [&](const H5::H5File& file) -> absl::Status {
        AANET_ASSIGN_OR_RETURN(const h5::Array t,
                               h5::OpenArray(file, "t", "t"));
        AANET_ASSIGN_OR_RETURN(out.t, h5::ReadVector(t));
        const hsize_t rows = static_cast<hsize_t>(out.t.size());
        AANET_ASSIGN_OR_RETURN(const h5::Array truth,
                               h5::OpenArray(file, "truth", "truth"));
        AANET_RETURN_IF_ERROR(h5::CheckRank(truth, 2, "[N+1, 2n]"));
        const hsize_t width = truth.dims[1];
        if (width == 0 || width % 2 != 0) {
          return absl::InvalidArgumentError(absl::StrFormat(
              "dataset 'truth' has shape %s, expected [N+1, 2n]",
              h5::ShapeString(truth.dims)));
        }
        for (const char* name : {"truth", "one_shot", "rollout"}) {
          AANET_ASSIGN_OR_RETURN(const h5::Array a,
                                 h5::OpenArray(file, name, name));
          AANET_RETURN_IF_ERROR(
              h5::CheckShape(a, {rows, width}, "[N+1, 2n]", "t, truth"));
          AANET_ASSIGN_OR_RETURN(Eigen::MatrixXd m, h5::ReadMatrix(a));
          if (std::string(name) == "truth") {
            out.truth = std::move(m);
          } else if (std::string(name) == "one_shot") {
            out.one_shot = std::move(m);
          } else {
            out.rollout = std::move(m);
          }
        }
        AANET_ASSIGN_OR_RETURN(const bool has_actions,
                               h5::HasChild(file, "actions"));
        if (has_actions) {
          AANET_ASSIGN_OR_RETURN(const h5::Array a,
                                 h5::OpenArray(file, "actions", "actions"));
          AANET_RETURN_IF_ERROR(
              h5::CheckShape(a, {rows, width / 2}, "[N+1, n]", "t, truth"));
          AANET_ASSIGN_OR_RETURN(out.actions, h5::ReadMatrix(a));
        }
        PicturedTrajectory& s = out.summary;
        AANET_ASSIGN_OR_RETURN(const int64_t trajectory,
                               h5::ReadIntAttribute(file, "trajectory"));
        s.set_trajectory(static_cast<int>(trajectory));
        AANET_ASSIGN_OR_RETURN(const int64_t held_out,
                               h5::ReadIntAttribute(file, "held_out"));
        s.set_held_out(held_out != 0);
        AANET_ASSIGN_OR_RETURN(const int64_t start,
                               h5::ReadIntAttribute(file, "start_sample"));
        s.set_start_sample(static_cast<int>(start));
        s.set_num_jumps(static_cast<int>(rows) - 1);
        AANET_ASSIGN_OR_RETURN(const double dt,
                               h5::ReadDoubleAttribute(file, "dt"));
        s.set_dt(dt);
        AANET_ASSIGN_OR_RETURN(const int64_t recorded,
                               h5::ReadIntAttribute(file, "num_recorded_rows"));
        s.set_num_recorded_rows(static_cast<int>(recorded));
        s.set_num_non_finite_one_shot(NonFiniteRows(out.one_shot));
        s.set_num_non_finite_rollout(NonFiniteRows(out.rollout));
        AANET_ASSIGN_OR_RETURN(const std::string failure,
                               h5::ReadStringAttribute(file, "failure"));
        s.set_failure(failure);
        AANET_ASSIGN_OR_RETURN(const std::string units,
                               h5::ReadStringAttribute(file, "action_units"));
        s.set_action_units(units);
        AANET_ASSIGN_OR_RETURN(out.model_kind,
                               h5::ReadStringAttribute(file, "model_kind"));
        AANET_ASSIGN_OR_RETURN(out.config_text,
                               h5::ReadStringAttribute(file, "config"));
        return absl::OkStatus();
      }));
  return out;
}

}  // namespace aanet::eval
