#include "eval/truth.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "models/prediction_loss.h"
#include "proto/text_config.h"
#include "status/status_macros.h"

namespace aanet::eval {
namespace {

namespace fs = std::filesystem;

}  // namespace

absl::StatusOr<data_gen::Dataset> LoadTruthDataset(const std::string& path) {
  const std::string extension =
      absl::AsciiStrToLower(fs::path(path).extension().string());
  if (extension == ".h5" || extension == ".hdf5") {
    return data_gen::ReadDataset(path);
  }
  if (extension == ".pbtxt") {
    AANET_ASSIGN_OR_RETURN(ExperimentConfig config, ReadExperimentConfig(path));
    absl::StatusOr<data_gen::Dataset> dataset =
        data_gen::GenerateDataset(config.experiment, config.text);
    if (!dataset.ok()) {
      return absl::Status(dataset.status().code(),
                          absl::StrCat(path, ": ", dataset.status().message()));
    }
    return dataset;
  }
  return absl::InvalidArgumentError(
      absl::StrCat(path, ": unknown format '", extension,
                   "' (expected a dataset .h5 or a dataset config .pbtxt)"));
}

absl::StatusOr<Eigen::MatrixXd> TrueStates(const data_gen::Dataset& dataset,
                                           const Eigen::MatrixXd& states,
                                           double dt) {
  const int n = dataset.num_degrees_of_freedom();
  AANET_RETURN_IF_ERROR(Predictor::CheckStates(states, n));
  AANET_RETURN_IF_ERROR(Predictor::CheckDt(dt));
  AANET_ASSIGN_OR_RETURN(const data_gen::System* system,
                         data_gen::DatasetSystem(dataset));
  return system->Evolve(dataset.parameters, states, dt);
}

absl::Status CheckTruthSystem(const Predictor& predictor,
                              const std::string& checkpoint_path,
                              const data_gen::Dataset& dataset,
                              const std::string& dataset_path,
                              bool* unchecked) {
  *unchecked = false;
  if (dataset.num_degrees_of_freedom() != predictor.num_degrees_of_freedom()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: has %d degree(s) of freedom, but the checkpoint "
                        "%s was trained on %d",
                        dataset_path, dataset.num_degrees_of_freedom(),
                        checkpoint_path, predictor.num_degrees_of_freedom()));
  }
  // Imported trajectories have no truth to compare with (and none to
  // regenerate): refused before anything is computed from a system.
  if (absl::StatusOr<const data_gen::System*> s =
          data_gen::DatasetSystem(dataset);
      !s.ok()) {
    return absl::Status(s.status().code(),
                        absl::StrCat(dataset_path, ": ", s.status().message()));
  }
  if (predictor.dataset_config_text().empty()) {
    *unchecked = true;
    return absl::OkStatus();
  }
  Experiment recorded;
  AANET_RETURN_IF_ERROR(ParseTextProto(
      predictor.dataset_config_text(),
      absl::StrCat(checkpoint_path, " (recorded dataset config)"), &recorded));
  if (recorded.simulation().has_imported()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the checkpoint ", checkpoint_path,
        " was trained on imported trajectories, which no system of the "
        "project describes: there is no truth to compare its predictions "
        "with"));
  }
  // The system's physical parameters follow from the recorded config: the
  // systems' descriptions (System::Describe, which names them to 10 digits)
  // must agree.
  AANET_ASSIGN_OR_RETURN(
      const data_gen::Dataset trained_dataset,
      data_gen::GenerateDataset(recorded, predictor.dataset_config_text()));
  AANET_ASSIGN_OR_RETURN(const data_gen::System* trained_system,
                         data_gen::DatasetSystem(trained_dataset));
  AANET_ASSIGN_OR_RETURN(const data_gen::System* given_system,
                         data_gen::DatasetSystem(dataset));
  const std::string trained =
      trained_system->Describe(trained_dataset.parameters);
  const std::string given = given_system->Describe(dataset.parameters);
  if (trained != given) {
    return absl::InvalidArgumentError(absl::StrCat(
        dataset_path, ": its system (", given,
        ") is not the one the checkpoint ", checkpoint_path,
        " was trained on (", trained,
        "); give the dataset, or dataset config, of the checkpoint's run"));
  }
  return absl::OkStatus();
}

absl::StatusOr<EnergyRange> TrainingEnergyRange(
    const Predictor& predictor, const data_gen::Dataset& dataset) {
  const TrainingConfig& training = predictor.experiment().training();
  const int num_samples = dataset.num_samples();
  int num_train = 0;
  // As train/training_options.cc resolves the training split's size.
  switch (training.train_size_case()) {
    case TrainingConfig::kTrainSplitProportion:
      num_train = static_cast<int>(
          std::lround(training.train_split_proportion() * num_samples));
      break;
    case TrainingConfig::kNumTrainSamples:
      num_train = training.num_train_samples();
      break;
    case TrainingConfig::TRAIN_SIZE_NOT_SET:
      return absl::InvalidArgumentError(
          "the checkpoint's config records no training split size "
          "(training.num_train_samples or train_split_proportion)");
  }
  if (num_train < 1 || num_train > num_samples) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "the checkpoint's training split of %d samples does not fit the "
        "dataset's %d samples per trajectory",
        num_train, num_samples));
  }
  EnergyRange range;
  range.num_train_samples = num_train;
  range.num_trajectories = dataset.num_trajectories();
  range.min = INFINITY;
  range.max = -INFINITY;
  AANET_ASSIGN_OR_RETURN(const data_gen::System* system,
                         data_gen::DatasetSystem(dataset));
  for (int k = 0; k < dataset.num_trajectories(); ++k) {
    Eigen::MatrixXd states(num_train, 2 * dataset.num_degrees_of_freedom());
    states << dataset.q[k].topRows(num_train), dataset.p[k].topRows(num_train);
    const Eigen::VectorXd e = system->Energy(dataset.parameters, states);
    range.min = std::min(range.min, e.minCoeff());
    range.max = std::max(range.max, e.maxCoeff());
  }
  return range;
}

absl::StatusOr<TruthComparison> CompareWithTruth(
    const Predictor& predictor, const std::string& checkpoint_path,
    const data_gen::Dataset& dataset, const std::string& dataset_path,
    const Eigen::MatrixXd& states, const std::vector<double>& dts,
    const std::vector<Eigen::MatrixXd>& predicted) {
  bool unchecked = false;
  AANET_RETURN_IF_ERROR(CheckTruthSystem(predictor, checkpoint_path, dataset,
                                         dataset_path, &unchecked));
  AANET_RETURN_IF_ERROR(predictor.CheckStates(states));
  if (predicted.size() != dts.size()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%d predictions for %d dt", predicted.size(), dts.size()));
  }
  TruthComparison truth;
  truth.dataset_path = dataset_path;
  if (unchecked) {
    truth.warnings.push_back(absl::StrCat(
        checkpoint_path,
        " records no dataset config (written before it was recorded); ",
        dataset_path, " is assumed to be its system"));
  }
  const StandardScaler& scaler = predictor.scaler();
  for (size_t d = 0; d < dts.size(); ++d) {
    AANET_ASSIGN_OR_RETURN(Eigen::MatrixXd true_states,
                           TrueStates(dataset, states, dts[d]));
    const Eigen::MatrixXd a = scaler.Transform(predicted[d]);
    const Eigen::MatrixXd b = scaler.Transform(true_states);
    // The prediction loss of each row alone (mean over its 2n coordinates).
    Eigen::VectorXd errors(states.rows());
    for (Eigen::Index r = 0; r < states.rows(); ++r) {
      errors(r) =
          PredictionLoss(Eigen::MatrixXd(a.row(r)), Eigen::MatrixXd(b.row(r)));
    }
    truth.true_states.push_back(std::move(true_states));
    truth.errors.push_back(std::move(errors));
  }
  // The training split is that of the checkpoint's own dataset: the one
  // given if it is that dataset (same hash), else regenerated from the
  // recorded config (a config or a dataset of other trajectories of the
  // same system gives the truth but not the training range).
  const data_gen::Dataset* training = &dataset;
  std::string training_source = dataset_path;
  std::optional<data_gen::Dataset> regenerated;
  if (!predictor.dataset_config_text().empty() &&
      data_gen::DatasetHash(dataset) != predictor.dataset_hash()) {
    Experiment recorded;
    AANET_RETURN_IF_ERROR(ParseTextProto(
        predictor.dataset_config_text(),
        absl::StrCat(checkpoint_path, " (recorded dataset config)"),
        &recorded));
    AANET_ASSIGN_OR_RETURN(
        regenerated,
        data_gen::GenerateDataset(recorded, predictor.dataset_config_text()));
    training = &*regenerated;
    training_source =
        absl::StrCat(checkpoint_path, "'s recorded dataset config");
  }
  AANET_ASSIGN_OR_RETURN(const EnergyRange range,
                         TrainingEnergyRange(predictor, *training));
  const int n = dataset.num_degrees_of_freedom();
  AANET_ASSIGN_OR_RETURN(const data_gen::System* system,
                         data_gen::DatasetSystem(dataset));
  const Eigen::VectorXd energies = system->Energy(dataset.parameters, states);
  // Beyond rounding: a batch and a single state may differ in the last bits.
  const auto slack = [](double min, double max) {
    return 1e-9 * std::max({std::abs(min), std::abs(max), max - min});
  };
  const double energy_slack = slack(range.min, range.max);
  // The Action-Angle Network's encoded actions too: a state of a known
  // energy may still map to actions the network never saw.
  ActionAngleState encoded, trained;
  Eigen::RowVectorXd action_min, action_max;
  const bool actions = predictor.model().kind() == "action_angle";
  if (actions) {
    AANET_ASSIGN_OR_RETURN(encoded, predictor.Inspect(states));
    Eigen::MatrixXd training_states(
        training->num_trajectories() * range.num_train_samples, 2 * n);
    for (int k = 0; k < training->num_trajectories(); ++k) {
      training_states.middleRows(k * range.num_train_samples,
                                 range.num_train_samples)
          << training->q[k].topRows(range.num_train_samples),
          training->p[k].topRows(range.num_train_samples);
    }
    AANET_ASSIGN_OR_RETURN(trained, predictor.Inspect(training_states));
    action_min = trained.actions.colwise().minCoeff();
    action_max = trained.actions.colwise().maxCoeff();
  }
  truth.outside_training_range = Eigen::VectorXi::Zero(states.rows());
  const std::string split = absl::StrFormat(
      "(%s: the first %d samples of %d trajectory(ies))", training_source,
      range.num_train_samples, range.num_trajectories);
  for (Eigen::Index r = 0; r < states.rows(); ++r) {
    const double e = energies(r);
    std::vector<std::string> reasons;
    if (e < range.min - energy_slack || e > range.max + energy_slack) {
      reasons.push_back(
          absl::StrFormat("energy %.6g outside the training split's "
                          "[%.6g, %.6g]",
                          e, range.min, range.max));
    }
    for (Eigen::Index i = 0; actions && i < encoded.actions.cols(); ++i) {
      const double a = encoded.actions(r, i);
      const double lo = action_min(i), hi = action_max(i);
      if (a < lo - slack(lo, hi) || a > hi + slack(lo, hi)) {
        reasons.push_back(absl::StrFormat(
            "action_%d %.6g outside the training split's [%.6g, %.6g]", i, a,
            lo, hi));
      }
    }
    if (!reasons.empty()) {
      truth.outside_training_range(r) = 1;
      truth.warnings.push_back(absl::StrFormat(
          "state %d: %s %s", r, absl::StrJoin(reasons, ", "), split));
    }
  }
  return truth;
}

}  // namespace aanet::eval
