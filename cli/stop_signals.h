// SIGINT and SIGTERM for binaries that write results: a signal never leaves
// a file half-written under its final name, and training keeps the work it
// has done.
//
//   StopSignals signals(StopSignals::kFinishStep, "train: ...");
//   while (...) {
//     ...one step...
//     if (StopSignals::Requested()) { ...checkpoint...; return Stopped(); }
//   }
//   { CommitSection commit;  ...write the files that belong together... }
//
// kFinishStep (train): the first signal is only recorded (Requested()), so
// that the loop finishes its step and writes a checkpoint; a second one
// exits at once. kExitNow (eval, predict): the first signal exits at once.
// "At once" waits for a CommitSection in progress to end, so that the files
// it writes (e.g. a checkpoint and best state that must agree) are all
// written or none is: every writer is atomic (fileio/text_file.h), so the
// rest of the time no final file is half-written. Exiting prints the exit
// message on stderr and ends the process with 128 + the signal's number (130
// for SIGINT, 143 for SIGTERM), as a shell reports a death by that signal.
//
// Handlers use SA_RESTART, so that the first signal does not make the file
// writes of the step that finishes fail with EINTR.
#ifndef AANET_CLI_STOP_SIGNALS_H_
#define AANET_CLI_STOP_SIGNALS_H_

#include <signal.h>

#include <string>

namespace aanet {

class StopSignals {
 public:
  enum Mode { kFinishStep, kExitNow };

  // Catches SIGINT and SIGTERM for its lifetime, restoring the earlier
  // handlers after. Not nestable. `exit_message` as SetExitMessage.
  StopSignals(Mode mode, const std::string& exit_message);
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // The line printed when a signal exits the process; "{signal}" in it is
  // replaced by SIGINT or SIGTERM. Truncated to 1000 bytes.
  static void SetExitMessage(const std::string& message);

  // Changes the mode, e.g. to kExitNow once the work whose steps were worth
  // finishing is done (a sweep worker's evaluation after its training). A
  // signal recorded before a change to kExitNow exits now (outside a
  // CommitSection).
  static void SetMode(Mode mode);

  // Whether a signal arrived (kFinishStep), and which (0 if none).
  static bool Requested();
  static int Signal();
  // "SIGINT", "SIGTERM" (or "signal N").
  static std::string SignalName(int signal);
};

// While one lives, an exit a signal asks for waits until it ends (then the
// process exits with the exit message current at that moment). Nestable.
class CommitSection {
 public:
  CommitSection();
  ~CommitSection();
  CommitSection(const CommitSection&) = delete;
  CommitSection& operator=(const CommitSection&) = delete;
};

}  // namespace aanet

#endif  // AANET_CLI_STOP_SIGNALS_H_
