// Whether a point's training converged, judged on its test loss at fixed
// jumps (never on the training loss, which the jump curriculum moves), and
// the training curves the report plots.
//
// The rule: only evaluations after the jump curriculum's ramp has ended
// (train/jump_schedule.h RampEndStep) are judged, so that both windows see
// the same curriculum. The later window is the last tenth of the S steps,
// (0.9 S, S], or, when the ramp ends after 0.8 S, the later half of the
// steps after the ramp; the earlier window is as long and ends where the
// later begins. For each test jump logged during training, with the medians
// of the test losses in the two windows:
//   diverged             a logged test loss at that jump is not finite;
//   too few evaluations  a window holds fewer than kMinEvaluationsPerWindow;
//   improving            the later median is lower by kConvergenceThreshold
//                        (10 %) or more, relative to the earlier;
//   worse                the later median is higher by 10 % or more;
//   converged            it changed by less than 10 % either way.
#ifndef AANET_REPORTS_CONVERGENCE_H_
#define AANET_REPORTS_CONVERGENCE_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace aanet::reports {

inline constexpr double kConvergenceThreshold = 0.10;
inline constexpr int kMinEvaluationsPerWindow = 3;
// The later window's length as a fraction of the steps, when the ramp
// leaves room for two such windows after it.
inline constexpr double kWindowFraction = 0.10;

// A point's evaluations during training (train/trainer.h, metrics.jsonl).
struct TrainingCurve {
  std::vector<int64_t> steps;
  // Test jump -> the test prediction loss at each of `steps` (NaN where a
  // line did not log that jump).
  std::map<int, std::vector<double>> test_losses;
  // Test jump -> how many logged test losses were not finite.
  std::map<int, int> num_non_finite;
  int64_t best_step = -1;  // of the last evaluation; -1 if none
};

// Parses a metrics.jsonl; an error names the file and the line.
absl::StatusOr<TrainingCurve> ReadTrainingCurve(const std::string& path);

// The two windows of steps compared: (earlier_begin, later_begin] and
// (later_begin, later_end].
struct JudgingWindows {
  double earlier_begin = 0;
  double later_begin = 0;
  double later_end = 0;
};

// The windows of a run of `num_steps` steps whose ramp ends after
// `ramp_end` steps (see the rule above). Empty windows if the ramp never
// ends.
JudgingWindows ChooseWindows(int64_t num_steps, int64_t ramp_end);

// The windows of a trained point from the training config it recorded
// (EvaluationReport.config_text): its ramp as the trainer resolves it
// (jump_ramp_steps, default num_steps; max_jump lowered to
// num_train_samples - 1). A config that does not parse or has no max_jump
// gives the windows of a run without a ramp.
JudgingWindows WindowsOfPoint(const std::string& config_text, int64_t num_steps,
                              int num_train_samples);

enum class Verdict {
  kConverged,
  kImproving,
  kWorse,
  kDiverged,
  kTooFewEvaluations,
};

// "converged", "improving", "worse", "diverged", "too few evaluations".
std::string VerdictName(Verdict verdict);

struct ConvergenceVerdict {
  int jump = 0;
  Verdict verdict = Verdict::kTooFewEvaluations;
  JudgingWindows windows;
  int earlier_count = 0;  // finite evaluations in the earlier window
  int later_count = 0;
  double earlier = 0;      // median test loss in the earlier window
  double later = 0;        // median in the later window
  double improvement = 0;  // (earlier - later) / earlier
};

// One verdict per test jump of `curve`, in increasing jump order.
std::vector<ConvergenceVerdict> JudgeConvergence(const TrainingCurve& curve,
                                                 const JudgingWindows& windows);

}  // namespace aanet::reports

#endif  // AANET_REPORTS_CONVERGENCE_H_
