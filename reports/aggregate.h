// The numbers of the report: statistics over seeds of a sweep's grid cells,
// the choice of the reference point, frequency recovery and kernel density
// estimates. Pure functions of a loaded sweep (reports/study.h); no I/O.
#ifndef AANET_REPORTS_AGGREGATE_H_
#define AANET_REPORTS_AGGREGATE_H_

#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/evaluation.pb.h"
#include "reports/study.h"

namespace aanet::reports {

// The paper's reference setting: 100 training samples
// (train_split_proportion 0.1 of 1000), on the sweep's reference dataset.
inline constexpr int kReferenceNumTrainSamples = 100;

// Mean and sample standard deviation of a set of values.
struct MeanStd {
  double mean = std::numeric_limits<double>::quiet_NaN();  // NaN if count 0
  // Sample standard deviation (divisor count - 1); NaN if count < 2.
  double std = std::numeric_limits<double>::quiet_NaN();
  int count = 0;
};

// Mean and sample standard deviation of `values`. Non-finite values
// propagate (a diverged seed makes its cell's mean non-finite).
MeanStd ComputeMeanStd(const std::vector<double>& values);

// The q-th percentile (q in [0, 100]) of `values`, interpolating linearly
// between the sorted values like numpy's default; NaN if `values` is empty.
double Percentile(std::vector<double> values, double q);

// A dataset of a study as its points record it (DatasetsOf). Its key is its
// name and content hash: two datasets never share a cell because they share
// a parameter, nor because they share a name.
struct DatasetInfo {
  // The name the report shows and keys cells on: SweepPoint.dataset, with
  // " [<hash prefix>]" appended when the study holds the name with more than
  // one hash (never within one sweep, which refuses that, but possible in
  // records put together by hand).
  std::string label;
  std::string name;    // SweepPoint.dataset
  std::string hash;    // SweepPoint.dataset_hash; empty in older records
  std::string system;  // empty in older records
  std::string system_parameters;  // empty in older records
  int num_trajectories = 0;       // 0: not recorded
  int num_samples = 0;
  double time_step = 0;
  bool is_reference = false;  // the sweep's reference dataset
};

// The datasets of `study`'s points in order of first appearance (the
// sweep's order). The reference is SweepResults.reference_dataset, else the
// first.
std::vector<DatasetInfo> DatasetsOf(const StudyData& study);

// The label (DatasetInfo.label) of a point's dataset in `datasets`.
std::string DatasetLabel(const std::vector<DatasetInfo>& datasets,
                         const SweepPoint& point);

// A cell of the sweep grid: one model trained on one dataset with one
// training-set size. Its points differ only in the seed.
struct Cell {
  std::string model;       // SweepPoint.model, the model config's name
  std::string model_kind;  // e.g. "action_angle"
  std::string dataset;     // DatasetInfo.label
  int dataset_rank = 0;    // its index in DatasetsOf: the sweep's order
  bool on_reference_dataset = false;
  int num_train_samples = 0;
  // Whether the sweep marked any of its points is_reference (the point that
  // gets the full error-vs-dt study and the timings).
  bool is_reference = false;
  // The cell's evaluated (DONE or SKIPPED) points, ascending seed; pointers
  // into the StudyData the cell was made from. Never empty.
  std::vector<const StudyPoint*> points;
};

// The cells of every evaluated point of `study` whose model entry has
// `protocol`, sorted by model, dataset (in the sweep's order) and
// num_train_samples. Every dataset has cells of its own. The cells point
// into `study`, which must outlive them. The report's sections show the
// equal-step cells; the equal-compute ones have a section of their own
// (reports/sections/equal_compute.h).
std::vector<Cell> GroupIntoCells(const StudyData& study,
                                 Protocol protocol = EQUAL_STEPS);

// The distinct models of `cells`, in the order of the cells (sorted).
std::vector<std::string> ModelNames(const std::vector<Cell>& cells);

// A (dataset, num_train_samples) point of the grid.
struct GridPoint {
  std::string dataset;  // DatasetInfo.label
  int num_train_samples = 0;
  bool operator==(const GridPoint& other) const {
    return dataset == other.dataset &&
           num_train_samples == other.num_train_samples;
  }
};

// The reference point among `available` (in the sweep's order): the
// dataset `reference_dataset` if some point has it, else the first point's,
// then, among the points on that dataset, the num_train_samples closest to
// `target_samples` (ties go to the smaller value). nullopt if `available`
// is empty.
std::optional<GridPoint> ChooseReferencePoint(
    const std::vector<GridPoint>& available,
    const std::string& reference_dataset,
    int target_samples = kReferenceNumTrainSamples);

// The cell of `model` at its reference point: the cell the sweep marked
// is_reference, else ChooseReferencePoint over the model's cells (over the
// marked ones if several are) with the reference dataset. nullptr if `model`
// has no cells.
const Cell* ReferenceCell(const std::vector<Cell>& cells,
                          const std::string& model);

// The cell of `model` at `point`; nullptr if there is none.
const Cell* FindCell(const std::vector<Cell>& cells, const std::string& model,
                     const GridPoint& point);

// One metric of one evaluated jump; nullopt where the evaluation does not
// have it (e.g. timing that was not measured).
using JumpMetric = std::function<std::optional<double>(const JumpMetrics&)>;

// JumpMetric values: the prediction loss, the mean absolute energy change,
// and the median wall time of a single-state / a batch prediction (seconds;
// nullopt if not measured or if the timing failed: a failed solve has no
// time, see SingleStateFailed).
std::optional<double> PredictionLoss(const JumpMetrics& metrics);
std::optional<double> EnergyChange(const JumpMetrics& metrics);
std::optional<double> SingleStateMedianSeconds(const JumpMetrics& metrics);
std::optional<double> BatchMedianSeconds(const JumpMetrics& metrics);

// 1 if the timing's solve failed (Timing.failed), 0 if it was measured;
// nullopt if it was not measured. Over seeds, mean * count is the number of
// failed seeds.
std::optional<double> SingleStateFailed(const JumpMetrics& metrics);
std::optional<double> BatchFailed(const JumpMetrics& metrics);

// The prediction loss in the test split's units
// (JumpMetrics.prediction_loss_test_scaled), and the trivial predictors'
// losses (train_mean_loss*, random_phase_loss*) in the published and in the
// test split's units; nullopt in evaluations written before they were
// measured.
std::optional<double> TestScaledPredictionLoss(const JumpMetrics& metrics);
std::optional<double> TrainMeanLoss(const JumpMetrics& metrics);
std::optional<double> TrainMeanLossTestScaled(const JumpMetrics& metrics);
std::optional<double> RandomPhaseLoss(const JumpMetrics& metrics);
std::optional<double> RandomPhaseLossTestScaled(const JumpMetrics& metrics);

// Predictions of one jump that failed (JumpMetrics.num_failed_pairs), over
// the seeds of a cell.
struct FailedPredictions {
  int jump = 0;
  int num_failed = 0;            // failed pairs, summed over seeds
  int num_pairs = 0;             // pairs, summed over the same seeds
  int num_seeds = 0;             // seeds with a failed pair
  int num_seeds_all_failed = 0;  // seeds whose every pair failed
  std::string failure;           // the first seed's reason
};

// The jumps (ascending) at which some seed of `cell` has a failed
// prediction; empty if none has.
std::vector<FailedPredictions> CellFailedPredictions(const Cell& cell);

// A metric of one jump, over the seeds of a cell.
struct JumpStatistic {
  int jump = 0;
  double dt = 0;  // the jump's time interval, in the dataset's time unit
  MeanStd value;
};

// For every jump any seed of `cell` evaluated (ascending), the mean and
// standard deviation over the seeds that have `metric` at that jump. Jumps
// where no seed has it are left out.
std::vector<JumpStatistic> AggregateJumpMetric(const Cell& cell,
                                               const JumpMetric& metric);

// The largest jump the points of `cell` were trained on (larger evaluated
// jumps are extrapolation): `training.max_jump` of the config each
// evaluation records (EvaluationReport.config_text), lowered to
// num_train_samples - 1 as training lowers it (train/training_options.h);
// the largest over the seeds. nullopt if no evaluation records a max_jump.
std::optional<int> TrainedMaxJump(const Cell& cell);

// The statistic of `jump` in `statistics`, or nullptr.
const JumpStatistic* FindJump(const std::vector<JumpStatistic>& statistics,
                              int jump);

// How well an Action-Angle Network recovered one normal mode, over seeds.
struct ModeFrequency {
  int mode = 0;            // 0-based, in order of ascending true frequency
  MeanStd true_frequency;  // radians per time unit
  MeanStd learned_mean;    // of FrequencyMatch.learned_mean
  MeanStd relative_error;  // of FrequencyMatch.relative_error
};

// The frequency matches of the evaluations of `cell`, per mode. Empty if
// they have none (not an Action-Angle Network).
std::vector<ModeFrequency> AggregateFrequencies(const Cell& cell);

// |angular velocity| on every test state, per mode, pooled over the seeds of
// `cell`. A seed's latent pair goes to the mode its FrequencyMatch assigns
// it (latent pairs are matched per seed); an evaluation without matches
// contributes latent pair i to mode i. An error names the point whose
// angular_velocities do not fit its num_latent_pairs or matches.
absl::StatusOr<std::vector<std::vector<double>>> AbsAngularVelocitiesByMode(
    const Cell& cell);

// Silverman's rule-of-thumb bandwidth of a Gaussian kernel density estimate:
// 0.9 * min(sample std, IQR / 1.34) * n^(-1/5). If one of the two spreads is
// zero the other is used; if both are (all values equal, or n = 1) the
// spread is 1% of |mean| (1 if the mean is 0). NaN if `values` is empty.
double SilvermanBandwidth(const std::vector<double>& values);

// A Gaussian kernel density estimate evaluated on a regular grid.
struct Density {
  double bandwidth = 0;
  int num_values = 0;      // finite values the estimate is made of
  int num_non_finite = 0;  // values left out (NaN or infinite)
  std::vector<double> x;   // ascending, evenly spaced
  std::vector<double> density;
};

// The Gaussian kernel density estimate of the finite `values` with
// Silverman's bandwidth, on `num_points` evenly spaced points from
// min - 4 h to max + 4 h (so it integrates to 1 within 1e-4). An error if
// there is no finite value or num_points < 2.
absl::StatusOr<Density> GaussianKde(const std::vector<double>& values,
                                    int num_points = 256);

}  // namespace aanet::reports

#endif  // AANET_REPORTS_AGGREGATE_H_
