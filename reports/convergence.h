// Whether a point's training converged, judged on its test loss at fixed
// jumps (never on the training loss, which the jump curriculum moves), and
// the training curves the report plots.
//
// The rule: for each test jump logged during training, compare the median
// test loss of the evaluations in the window (0.7 S, 0.8 S] with the median
// in (0.9 S, S], S the point's steps. The point converged at that jump if
// the later median improves on the earlier one by less than
// kConvergenceThreshold (10 %) relative, i.e. the last fifth of training
// bought less than 10 %. A loss that got worse counts as converged (more
// steps would not help). Windows without an evaluation give no verdict.
#ifndef AANET_REPORTS_CONVERGENCE_H_
#define AANET_REPORTS_CONVERGENCE_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace aanet::reports {

inline constexpr double kConvergenceThreshold = 0.10;

// A point's evaluations during training (train/trainer.h, metrics.jsonl).
struct TrainingCurve {
  std::vector<int64_t> steps;
  // Test jump -> the test prediction loss at each of `steps`.
  std::map<int, std::vector<double>> test_losses;
  int64_t best_step = -1;  // of the last evaluation; -1 if none
};

// Parses a metrics.jsonl; an error names the file and the line.
absl::StatusOr<TrainingCurve> ReadTrainingCurve(const std::string& path);

struct ConvergenceVerdict {
  int jump = 0;
  bool judged = false;     // both windows had evaluations
  double earlier = 0;      // median test loss over (0.7 S, 0.8 S]
  double later = 0;        // median test loss over (0.9 S, S]
  double improvement = 0;  // (earlier - later) / earlier
  bool converged = false;  // judged && improvement < kConvergenceThreshold
};

// One verdict per test jump of `curve`, in increasing jump order.
std::vector<ConvergenceVerdict> JudgeConvergence(const TrainingCurve& curve,
                                                 int64_t num_steps);

}  // namespace aanet::reports

#endif  // AANET_REPORTS_CONVERGENCE_H_
