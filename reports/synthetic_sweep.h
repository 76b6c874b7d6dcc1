// A small synthetic sweep with known numbers, for the report's tests and for
// trying the report without running a sweep:
//   bazel run //reports:write_synthetic_sweep -- --out=/tmp/sweep
//   bazel run //reports:report -- --sweep_dir=/tmp/sweep --out=/tmp/report
//
// Grid: models action_angle_flow (model_kind action_angle) and neural_ode
// (model_kind neural_ode) x the shipped harmonic datasets by their names,
// harmonic_k_pair_0.1, harmonic_k_pair_0.5 (the reference dataset) and
// harmonic_k_pair_1.0 (k_pair 0.1, 0.5, 1), recorded with their system,
// parameters, shape and a made-up hash as a sweep records them, x 10, 100,
// 500 training samples x seeds 1 and 2. Like the sweep runner
// (sweep/plan.cc), the points on harmonic_k_pair_0.5 with 100 samples are
// the reference points (is_reference): evaluated at jumps
// 1 2 5 10 20 50 100 200 400 with timings; the others at jumps 1 10 50
// without. The points of seed 1 on harmonic_k_pair_0.1 are SKIPPED,
// neural_ode on harmonic_k_pair_1.0 with 500 samples and seed 2 FAILED
// (kSyntheticError, no evaluation file), the others DONE.
// Every metric is the formula below times a seed factor of 1 for seed 1
// and 3 for seed 2, so a cell's two seeds have mean 2 f and sample std
// sqrt(2) f.
#ifndef AANET_REPORTS_SYNTHETIC_SWEEP_H_
#define AANET_REPORTS_SYNTHETIC_SWEEP_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "proto/evaluation.pb.h"
#include "proto/sweep.pb.h"

namespace aanet::reports {

inline constexpr char kSyntheticError[] =
    "train: step 1200: loss is NaN | diverged";

struct SyntheticSweepOptions {
  bool include_action_angle = true;  // false: neural_ode only
  // true: neural_ode's reference point of seed 2 has failed solves
  // (kSyntheticFailure): every prediction and both timings at jump 400,
  // and kSyntheticFailedPairs of the pairs at jump 200 (timed normally).
  bool include_failed_solve = false;
  // Adds kSyntheticEqualComputeModel (EQUAL_COMPUTE, 50,000 steps) on
  // default with 100 and 500 samples, seeds 1 and 2: action_angle_flow's
  // losses divided by 10.
  bool include_equal_compute = false;
  // Every jump of every evaluation records the change of one conserved
  // quantity, kSyntheticQuantity (SyntheticQuantityChange), and every
  // reference point's VPT (median 40 times the seed factor, 50 start
  // states, max_jump 1000) its rollout at SyntheticRolloutJumps(), as
  // evaluations of a system that declares one do. With
  // include_failed_solve, the quantity's changes are NaN where every
  // prediction failed.
  bool include_conserved_quantities = false;
};

inline constexpr char kSyntheticQuantity[] = "synthetic_invariant";
// The relative change of kSyntheticQuantity at a jump (times the seed
// factor): 1e-4 jump for action_angle_flow, 1e-3 sqrt(jump) for neural_ode;
// the absolute change is twice it (|Q| = 2 everywhere).
double SyntheticQuantityChange(const std::string& model, int jump);
// The jumps of the synthetic VPT rollout (max_jump 1000); its relative change
// is SyntheticQuantityChange there too.
std::vector<int> SyntheticRolloutJumps();

inline constexpr char kSyntheticFailure[] =
    "the latent ODE solve failed: state: non-finite at t = 12.3 (step 0.1)";
inline constexpr int kSyntheticFailedPairs = 7;

inline constexpr char kSyntheticEqualComputeModel[] =
    "action_angle_flow@equal_compute";

// The jumps the reference points and the other points are evaluated at.
std::vector<int> SyntheticReferenceJumps();
std::vector<int> SyntheticJumps();

// The description in the synthetic sweep's config.
inline constexpr char kSyntheticDescription[] =
    "synthetic: numbers from formulas, no training";

// Factor of seed 1 and 2 (1 and 3).
double SyntheticSeedFactor(uint64_t seed);

// The metrics of seed 1 (multiply by SyntheticSeedFactor for others).
// Prediction loss: (model base) * (100 / samples) * (k_pair / 0.5) *
// jump^e with base 1, e = 0.1 for action_angle_flow and base 4, e = 0.5
// for neural_ode; so action_angle_flow at k_pair 0.5, 100 samples, jump 1
// has losses 1 and 3 over its seeds.
double SyntheticLoss(const std::string& model, double k_pair, int samples,
                     int jump);
// The pair spring of a synthetic dataset, by its name (0.5 for another
// name): the formulas' parameter, which the points no longer record.
double SyntheticKPair(const std::string& dataset);
// The same loss in the test split's units (prediction_loss_test_scaled):
// SyntheticLoss times samples / 500, as if the test split's variance were
// 500 / samples times the training split's.
double SyntheticTestScaledRatio(int samples);
// The trivial predictors' levels in the test split's units, the same at
// every point: training mean 2, random phase 1; in the published unit
// divided by SyntheticTestScaledRatio (e.g. 10 and 5 at 100 samples). Not
// multiplied by the seed factor.
inline constexpr double kSyntheticTrainMeanLevel = 2.0;
inline constexpr double kSyntheticRandomPhaseLevel = 1.0;
// Mean absolute energy change.
double SyntheticEnergyChange(const std::string& model, int jump);
// Median single-state prediction time (seconds); the batch median is 100
// times it.
double SyntheticSingleStateSeconds(const std::string& model, int jump);
// Parameter count.
int SyntheticNumParameters(const std::string& model);
// True normal-mode frequencies of a k_pair (ascending) and the learned mean
// of each for a seed and training-set size.
std::vector<double> SyntheticTrueFrequencies(double k_pair);
double SyntheticLearnedFrequency(double true_frequency, int samples,
                                 uint64_t seed);

// The evaluation report of one synthetic point.
EvaluationReport SyntheticEvaluation(const SweepPoint& point,
                                     const SyntheticSweepOptions& options = {});

// Writes the sweep into `dir` (created): sweep_results.json and every
// evaluation file, both protobuf JSON with the proto field names.
absl::Status WriteSyntheticSweep(const std::string& dir,
                                 const SyntheticSweepOptions& options = {});

}  // namespace aanet::reports

#endif  // AANET_REPORTS_SYNTHETIC_SWEEP_H_
