// One point of a sweep, run in its own worker process: train the point's
// config on its dataset (continuing an interrupted run), then evaluate the
// best state.
//
// The point's directory holds
//   point.pbtxt        the PointSpec (written by the sweep before starting)
//   checkpoint.h5, best.h5, metrics.jsonl, config.pbtxt   (train/trainer.h)
//   evaluation.json    (eval/evaluation.h), written last: its presence marks
//                      the point done
//   log.txt            the worker's output
#ifndef AANET_SWEEP_POINT_H_
#define AANET_SWEEP_POINT_H_

#include <optional>
#include <string>

#include "absl/status/status.h"

namespace aanet::sweep {

// Runs the point in `directory` (reads point.pbtxt there). Progress lines go
// to stderr.
absl::Status RunPoint(const std::string& directory);

// For the binaries that run sweeps (sweep/runner.h starts workers as
// `<binary> --sweep_point=DIR`): if argv is exactly that, runs the point and
// returns the process exit status (1 with "sweep: <error>" as the last line
// of output on failure); otherwise nullopt.
std::optional<int> RunWorkerIfRequested(int argc, char** argv);

}  // namespace aanet::sweep

#endif  // AANET_SWEEP_POINT_H_
