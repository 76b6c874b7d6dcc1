// Where a sweep's workers run. The runner (runner.h) hands each point to a
// backend as `executable --sweep_point=DIR` and polls for finished workers;
// the backend decides where the process runs and what becomes of running
// workers when the sweep itself stops.
//
// The local backend (the only one today) runs workers as child processes on
// this machine and stops them with the sweep: SIGINT or SIGTERM to the sweep
// stops them cleanly, and even a sweep killed with SIGKILL takes them along
// (each worker has PR_SET_PDEATHSIG and checks its parent right after setting
// it), so a rerun never finds an orphan writing into a point. A cluster
// backend (e.g. Slurm) would return kLeaveRunning from on_interrupt(): its
// jobs are meant to outlive the submitting process, and the point
// directories' locks (fileio/directory_lock.h) keep a rerun from writing
// beside them.
#ifndef AANET_SWEEP_BACKEND_H_
#define AANET_SWEEP_BACKEND_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace aanet::sweep {

class WorkerBackend {
 public:
  // What an interrupted sweep does with the workers that are still running.
  enum class OnInterrupt {
    kStopWorkers,   // stop them and wait for them before the sweep exits
    kLeaveRunning,  // leave them to finish on their own
  };

  struct Finished {
    int64_t id = 0;
    bool exited_zero = false;  // exit status 0
    int signal = 0;            // the signal that killed it, 0 if it exited
  };

  virtual ~WorkerBackend() = default;

  // Starts `executable --sweep_point=<directory>` with its stdout and stderr
  // appended to <directory>/log.txt. Returns the worker's id.
  virtual absl::StatusOr<int64_t> Start(const std::string& executable,
                                        const std::string& directory) = 0;

  // A worker that has finished since the last call, if any; does not block.
  virtual std::optional<Finished> Poll() = 0;

  virtual OnInterrupt on_interrupt() const = 0;

  // Stops every running worker and waits until they are gone (called on
  // interrupt when on_interrupt() is kStopWorkers). Returns how many were
  // stopped.
  virtual int StopAll() = 0;
};

// Child processes of this process, stopped with it (see above).
std::unique_ptr<WorkerBackend> MakeLocalBackend();

}  // namespace aanet::sweep

#endif  // AANET_SWEEP_BACKEND_H_
