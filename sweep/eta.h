// The ETA of a running sweep, per model and from the running points'
// progress. A sweep mixes models whose points differ by an order of
// magnitude (a flow model's point takes seconds, an integrating baseline's
// minutes), so one mean over all completed points is wrong for every model,
// and a point that runs for minutes must move the estimate while it runs.
//
// The estimator:
// - A model's point time T_m is the mean wall time of its points completed
//   with results in this run; before the first, the mean projection of its
//   running points, elapsed / (progress gained in this run), progress being
//   training steps done / steps planned (the last line of the point's
//   metrics.jsonl). That projection covers training only, not the
//   evaluation after it: an underestimate until a point of the model
//   completes. Failed points do not count (a bad config fails in a second,
//   a killed task after hours).
// - A running point needs the larger of its own projection,
//   elapsed * (1 - progress) / (progress gained), and
//   T_m * (1 - progress when this run started it) - elapsed (at least 0);
//   with no progress yet, the latter.
// - Pending points need T_m each and start, in order, on the first of
//   `parallel` workers to become free (the running points occupy theirs);
//   the ETA is when the last worker finishes.
// - A point whose model has no T_m yet counts as 0 and makes the ETA a lower
//   bound (">12:00"); with no T_m for any model, the ETA is "?".
#ifndef AANET_SWEEP_ETA_H_
#define AANET_SWEEP_ETA_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace aanet::sweep {

// A point running now.
struct RunningPoint {
  std::string model;  // SweepPoint::model
  double elapsed_seconds = 0;
  // Training progress in [0, 1] when this run started the point (a resumed
  // point starts past 0) and now; 0 if unknown.
  double start_progress = 0;
  double progress = 0;
};

// What the ETA is estimated from.
struct EtaInputs {
  // Per model, the wall seconds of its points completed with results in
  // this run.
  std::map<std::string, std::vector<double>> completed_seconds;
  std::vector<RunningPoint> running;
  // The models of the points not started yet, in the order they will start.
  std::vector<std::string> pending;
  int parallel = 1;  // points that run at once (>= 1)
};

struct Eta {
  double seconds = 0;
  // Some point's model has no time estimate yet: the ETA is at least
  // `seconds`.
  bool lower_bound = false;
};

// nullopt when no running or pending point's model has an estimate.
std::optional<Eta> EstimateEta(const EtaInputs& inputs);

// "12:00", ">12:00" (a lower bound) or "?".
std::string FormatEta(const std::optional<Eta>& eta);

// Training progress of the run in `point_directory`: the step of the last
// complete line of its metrics.jsonl over `num_steps`, in [0, 1]; 0 if the
// file is missing, empty or unreadable. Reads at most the file's last 4 KiB.
double TrainingProgress(const std::string& point_directory, int64_t num_steps);

}  // namespace aanet::sweep

#endif  // AANET_SWEEP_ETA_H_
