#include "reports/aggregate.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <tuple>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"
#include "proto/experiment.pb.h"

namespace aanet::reports {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool TimingMeasured(const Timing& timing) { return timing.repetitions() > 0; }

// The value of `candidates` closest to `target`; ties go to the
// smaller value. `candidates` must not be empty.
template <typename T>
T Closest(const std::set<T>& candidates, double target) {
  T best = *candidates.begin();
  double best_distance = std::abs(static_cast<double>(best) - target);
  for (const T& candidate : candidates) {
    const double distance = std::abs(static_cast<double>(candidate) - target);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace

MeanStd ComputeMeanStd(const std::vector<double>& values) {
  MeanStd result;
  result.count = static_cast<int>(values.size());
  if (values.empty()) return result;
  double sum = 0;
  for (double v : values) sum += v;
  result.mean = sum / values.size();
  if (values.size() < 2) return result;
  double squares = 0;
  for (double v : values) squares += (v - result.mean) * (v - result.mean);
  result.std = std::sqrt(squares / (values.size() - 1));
  return result;
}

double Percentile(std::vector<double> values, double q) {
  if (values.empty()) return kNaN;
  std::sort(values.begin(), values.end());
  const double position = q / 100.0 * (values.size() - 1);
  const size_t below = static_cast<size_t>(std::floor(position));
  const size_t above = std::min(below + 1, values.size() - 1);
  const double fraction = position - below;
  return values[below] + fraction * (values[above] - values[below]);
}

std::vector<DatasetInfo> DatasetsOf(const StudyData& study) {
  std::map<std::string, std::set<std::string>> hashes_of_name;
  for (const StudyPoint& p : study.points) {
    hashes_of_name[p.point.dataset()].insert(p.point.dataset_hash());
  }
  std::vector<DatasetInfo> datasets;
  std::set<std::pair<std::string, std::string>> seen;
  for (const StudyPoint& p : study.points) {
    const SweepPoint& point = p.point;
    if (!seen.insert({point.dataset(), point.dataset_hash()}).second) continue;
    DatasetInfo d;
    d.name = point.dataset();
    d.hash = point.dataset_hash();
    d.label = hashes_of_name[d.name].size() > 1
                  ? absl::StrCat(d.name, " [", d.hash.substr(0, 8), "]")
                  : d.name;
    d.system = point.system();
    d.system_parameters = point.system_parameters();
    d.num_trajectories = point.dataset_num_trajectories();
    d.num_samples = point.dataset_num_samples();
    d.time_step = point.dataset_time_step();
    datasets.push_back(std::move(d));
  }
  const std::string& reference = study.results.reference_dataset();
  bool found = false;
  for (DatasetInfo& d : datasets) {
    d.is_reference = !found && d.name == reference;
    found = found || d.is_reference;
  }
  if (!found && !datasets.empty()) datasets.front().is_reference = true;
  return datasets;
}

std::string DatasetLabel(const std::vector<DatasetInfo>& datasets,
                         const SweepPoint& point) {
  for (const DatasetInfo& d : datasets) {
    if (d.name == point.dataset() && d.hash == point.dataset_hash()) {
      return d.label;
    }
  }
  return point.dataset();
}

std::vector<Cell> GroupIntoCells(const StudyData& study, Protocol protocol) {
  const std::vector<DatasetInfo> datasets = DatasetsOf(study);
  auto rank_of = [&](const SweepPoint& p) {
    for (size_t i = 0; i < datasets.size(); ++i) {
      if (datasets[i].name == p.dataset() &&
          datasets[i].hash == p.dataset_hash()) {
        return static_cast<int>(i);
      }
    }
    return 0;  // not reached: every point's dataset is in `datasets`
  };
  std::map<std::tuple<std::string, int, int>, Cell> cells;
  for (const StudyPoint& point : study.points) {
    if (!point.evaluation.has_value()) continue;
    if (point.point.protocol() != protocol) continue;
    const SweepPoint& p = point.point;
    const int rank = rank_of(p);
    Cell& cell = cells[{p.model(), rank, p.num_train_samples()}];
    if (cell.points.empty()) {
      cell.model = p.model();
      cell.model_kind = p.model_kind().empty() ? point.evaluation->model_kind()
                                               : p.model_kind();
      cell.dataset = datasets[rank].label;
      cell.dataset_rank = rank;
      cell.on_reference_dataset = datasets[rank].is_reference;
      cell.num_train_samples = p.num_train_samples();
    }
    cell.is_reference = cell.is_reference || p.is_reference();
    cell.points.push_back(&point);
  }
  std::vector<Cell> result;
  result.reserve(cells.size());
  for (auto& [key, cell] : cells) {
    std::stable_sort(cell.points.begin(), cell.points.end(),
                     [](const StudyPoint* a, const StudyPoint* b) {
                       return a->point.seed() < b->point.seed();
                     });
    result.push_back(std::move(cell));
  }
  return result;
}

std::vector<std::string> ModelNames(const std::vector<Cell>& cells) {
  std::vector<std::string> names;
  for (const Cell& cell : cells) {
    if (names.empty() || names.back() != cell.model) {
      names.push_back(cell.model);
    }
  }
  return names;
}

std::optional<GridPoint> ChooseReferencePoint(
    const std::vector<GridPoint>& available,
    const std::string& reference_dataset, int target_samples) {
  if (available.empty()) return std::nullopt;
  GridPoint chosen;
  chosen.dataset = available.front().dataset;
  for (const GridPoint& point : available) {
    if (point.dataset == reference_dataset) chosen.dataset = reference_dataset;
  }
  std::set<int> samples;
  for (const GridPoint& point : available) {
    if (point.dataset == chosen.dataset) {
      samples.insert(point.num_train_samples);
    }
  }
  chosen.num_train_samples = Closest(samples, target_samples);
  return chosen;
}

const Cell* ReferenceCell(const std::vector<Cell>& cells,
                          const std::string& model) {
  std::vector<GridPoint> available, marked;
  std::string reference_dataset;
  for (const Cell& cell : cells) {
    if (cell.on_reference_dataset) reference_dataset = cell.dataset;
    if (cell.model != model) continue;
    available.push_back({cell.dataset, cell.num_train_samples});
    if (cell.is_reference) {
      marked.push_back({cell.dataset, cell.num_train_samples});
    }
  }
  if (!marked.empty()) available = marked;
  std::optional<GridPoint> reference =
      ChooseReferencePoint(available, reference_dataset);
  if (!reference.has_value()) return nullptr;
  return FindCell(cells, model, *reference);
}

const Cell* FindCell(const std::vector<Cell>& cells, const std::string& model,
                     const GridPoint& point) {
  for (const Cell& cell : cells) {
    if (cell.model == model && cell.dataset == point.dataset &&
        cell.num_train_samples == point.num_train_samples) {
      return &cell;
    }
  }
  return nullptr;
}

std::optional<double> PredictionLoss(const JumpMetrics& metrics) {
  return metrics.prediction_loss();
}

std::optional<double> EnergyChange(const JumpMetrics& metrics) {
  // Absent: no Hamiltonian known (imported trajectories).
  if (!metrics.has_mean_abs_energy_change()) return std::nullopt;
  return metrics.mean_abs_energy_change();
}

std::optional<double> SingleStateMedianSeconds(const JumpMetrics& metrics) {
  if (!metrics.has_single_state() || !TimingMeasured(metrics.single_state()) ||
      metrics.single_state().failed()) {
    return std::nullopt;
  }
  return metrics.single_state().median_seconds();
}

std::optional<double> BatchMedianSeconds(const JumpMetrics& metrics) {
  if (!metrics.has_batch() || !TimingMeasured(metrics.batch()) ||
      metrics.batch().failed()) {
    return std::nullopt;
  }
  return metrics.batch().median_seconds();
}

std::optional<double> SingleStateFailed(const JumpMetrics& metrics) {
  if (!metrics.has_single_state()) return std::nullopt;
  return metrics.single_state().failed() ? 1.0 : 0.0;
}

std::optional<double> BatchFailed(const JumpMetrics& metrics) {
  if (!metrics.has_batch()) return std::nullopt;
  return metrics.batch().failed() ? 1.0 : 0.0;
}

std::optional<double> TestScaledPredictionLoss(const JumpMetrics& metrics) {
  if (!metrics.has_prediction_loss_test_scaled()) return std::nullopt;
  return metrics.prediction_loss_test_scaled();
}

std::optional<double> TrainMeanLoss(const JumpMetrics& metrics) {
  if (!metrics.has_train_mean_loss()) return std::nullopt;
  return metrics.train_mean_loss();
}

std::optional<double> TrainMeanLossTestScaled(const JumpMetrics& metrics) {
  if (!metrics.has_train_mean_loss_test_scaled()) return std::nullopt;
  return metrics.train_mean_loss_test_scaled();
}

std::optional<double> RandomPhaseLoss(const JumpMetrics& metrics) {
  if (!metrics.has_random_phase_loss()) return std::nullopt;
  return metrics.random_phase_loss();
}

std::optional<double> RandomPhaseLossTestScaled(const JumpMetrics& metrics) {
  if (!metrics.has_random_phase_loss_test_scaled()) return std::nullopt;
  return metrics.random_phase_loss_test_scaled();
}

std::vector<FailedPredictions> CellFailedPredictions(const Cell& cell) {
  std::map<int, FailedPredictions> by_jump;
  for (const StudyPoint* point : cell.points) {
    for (const JumpMetrics& metrics : point->evaluation->jumps()) {
      if (metrics.num_failed_pairs() <= 0) continue;
      FailedPredictions& f = by_jump[metrics.jump()];
      f.jump = metrics.jump();
      f.num_failed += metrics.num_failed_pairs();
      f.num_pairs += metrics.num_pairs();
      if (f.num_seeds++ == 0) f.failure = metrics.failure();
      if (metrics.num_failed_pairs() >= metrics.num_pairs()) {
        ++f.num_seeds_all_failed;
      }
    }
  }
  std::vector<FailedPredictions> failures;
  for (const auto& [jump, f] : by_jump) failures.push_back(f);
  return failures;
}

std::vector<JumpStatistic> AggregateJumpMetric(const Cell& cell,
                                               const JumpMetric& metric) {
  // jump -> (dt of the first seed that has it, values over seeds)
  std::map<int, std::pair<double, std::vector<double>>> by_jump;
  for (const StudyPoint* point : cell.points) {
    for (const JumpMetrics& metrics : point->evaluation->jumps()) {
      std::optional<double> value = metric(metrics);
      if (!value.has_value()) continue;
      auto [it, inserted] = by_jump.try_emplace(metrics.jump(), metrics.dt(),
                                                std::vector<double>());
      it->second.second.push_back(*value);
    }
  }
  std::vector<JumpStatistic> statistics;
  statistics.reserve(by_jump.size());
  for (const auto& [jump, dt_values] : by_jump) {
    JumpStatistic statistic;
    statistic.jump = jump;
    statistic.dt = dt_values.first;
    statistic.value = ComputeMeanStd(dt_values.second);
    statistics.push_back(statistic);
  }
  return statistics;
}

const JumpStatistic* FindJump(const std::vector<JumpStatistic>& statistics,
                              int jump) {
  for (const JumpStatistic& statistic : statistics) {
    if (statistic.jump == jump) return &statistic;
  }
  return nullptr;
}

std::vector<ModeFrequency> AggregateFrequencies(const Cell& cell) {
  std::map<int, std::vector<const FrequencyMatch*>> by_mode;
  for (const StudyPoint* point : cell.points) {
    const auto& matches = point->evaluation->frequencies();
    for (int mode = 0; mode < matches.size(); ++mode) {
      by_mode[mode].push_back(&matches[mode]);
    }
  }
  std::vector<ModeFrequency> modes;
  for (const auto& [mode, matches] : by_mode) {
    std::vector<double> truth, learned, error;
    for (const FrequencyMatch* match : matches) {
      truth.push_back(match->true_frequency());
      learned.push_back(match->learned_mean());
      error.push_back(match->relative_error());
    }
    ModeFrequency frequency;
    frequency.mode = mode;
    frequency.true_frequency = ComputeMeanStd(truth);
    frequency.learned_mean = ComputeMeanStd(learned);
    frequency.relative_error = ComputeMeanStd(error);
    modes.push_back(frequency);
  }
  return modes;
}

absl::StatusOr<std::vector<std::vector<double>>> AbsAngularVelocitiesByMode(
    const Cell& cell) {
  std::vector<std::vector<double>> by_mode;
  for (const StudyPoint* point : cell.points) {
    const EvaluationReport& evaluation = *point->evaluation;
    const int pairs = evaluation.num_latent_pairs();
    const int size = evaluation.angular_velocities_size();
    if (size == 0) continue;
    if (pairs <= 0 || size % pairs != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          point->point.evaluation_file(), ": ", size,
          " angular_velocities do not form rows of num_latent_pairs = ", pairs,
          " (", PointLabel(point->point), ")"));
    }
    // mode_of_latent[latent index] = mode
    std::vector<int> mode_of_latent(pairs);
    std::iota(mode_of_latent.begin(), mode_of_latent.end(), 0);
    if (evaluation.frequencies_size() > 0) {
      if (evaluation.frequencies_size() != pairs) {
        return absl::InvalidArgumentError(absl::StrCat(
            point->point.evaluation_file(), ": ", evaluation.frequencies_size(),
            " frequency matches for ", pairs, " latent pairs (",
            PointLabel(point->point), ")"));
      }
      std::vector<bool> seen(pairs, false);
      for (int mode = 0; mode < pairs; ++mode) {
        const int latent = evaluation.frequencies(mode).latent_index();
        if (latent < 0 || latent >= pairs || seen[latent]) {
          return absl::InvalidArgumentError(absl::StrCat(
              point->point.evaluation_file(), ": frequencies[", mode,
              "].latent_index = ", latent, " is out of range or repeated (",
              PointLabel(point->point), ")"));
        }
        seen[latent] = true;
        mode_of_latent[latent] = mode;
      }
    }
    if (static_cast<int>(by_mode.size()) < pairs) by_mode.resize(pairs);
    for (int i = 0; i < size; ++i) {
      by_mode[mode_of_latent[i % pairs]].push_back(
          std::abs(evaluation.angular_velocities(i)));
    }
  }
  return by_mode;
}

double SilvermanBandwidth(const std::vector<double>& values) {
  if (values.empty()) return kNaN;
  const MeanStd moments = ComputeMeanStd(values);
  const double iqr_spread =
      (Percentile(values, 75) - Percentile(values, 25)) / 1.34;
  const double sd = moments.count > 1 ? moments.std : 0.0;
  double spread;
  if (sd > 0 && iqr_spread > 0) {
    spread = std::min(sd, iqr_spread);
  } else if (sd > 0) {
    spread = sd;
  } else if (iqr_spread > 0) {
    spread = iqr_spread;
  } else {
    spread = moments.mean != 0 ? 0.01 * std::abs(moments.mean) : 1.0;
  }
  return 0.9 * spread * std::pow(static_cast<double>(values.size()), -0.2);
}

absl::StatusOr<Density> GaussianKde(const std::vector<double>& values,
                                    int num_points) {
  if (num_points < 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "kernel density: need at least 2 grid points, got ", num_points));
  }
  std::vector<double> finite;
  finite.reserve(values.size());
  for (double v : values) {
    if (std::isfinite(v)) finite.push_back(v);
  }
  if (finite.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("kernel density: no finite value among ", values.size()));
  }
  Density density;
  density.num_values = static_cast<int>(finite.size());
  density.num_non_finite = static_cast<int>(values.size() - finite.size());
  const double h = SilvermanBandwidth(finite);
  density.bandwidth = h;
  const auto [lowest, highest] =
      std::minmax_element(finite.begin(), finite.end());
  const double from = *lowest - 4 * h;
  const double to = *highest + 4 * h;
  const double step = (to - from) / (num_points - 1);
  const double norm = 1.0 / (finite.size() * h * std::sqrt(2 * M_PI));
  density.x.resize(num_points);
  density.density.resize(num_points);
  for (int i = 0; i < num_points; ++i) {
    const double x = from + i * step;
    double sum = 0;
    for (double v : finite) {
      const double z = (x - v) / h;
      sum += std::exp(-0.5 * z * z);
    }
    density.x[i] = x;
    density.density[i] = sum * norm;
  }
  return density;
}

std::optional<int> TrainedMaxJump(const Cell& cell) {
  std::optional<int> trained;
  for (const StudyPoint* p : cell.points) {
    Experiment config;
    if (!p->evaluation.has_value() ||
        !google::protobuf::TextFormat::ParseFromString(
            p->evaluation->config_text(), &config) ||
        !config.training().has_max_jump()) {
      continue;
    }
    int max_jump = config.training().max_jump();
    if (cell.num_train_samples > 1) {
      max_jump = std::min(max_jump, cell.num_train_samples - 1);
    }
    trained = std::max(trained.value_or(max_jump), max_jump);
  }
  return trained;
}

}  // namespace aanet::reports
