// Progress of long work (training, sweeps) on the terminal.
//
// On a terminal, one status line is redrawn in place at most every 0.2 s. When
// stderr is not a terminal (a log file, CI), a plain line is written at most
// every `log_interval` seconds, so logs stay short and readable.
#ifndef AANET_CLI_PROGRESS_H_
#define AANET_CLI_PROGRESS_H_

#include <chrono>
#include <cstdio>
#include <string>

namespace aanet {

class ProgressLine {
 public:
  // `out` defaults to stderr; `interactive` defaults to isatty(out).
  explicit ProgressLine(std::FILE* out = stderr, double log_interval_s = 10.0);
  ProgressLine(std::FILE* out, double log_interval_s, bool interactive);
  ~ProgressLine();

  // Shows `text` if enough time has passed since the last update (or
  // `force`).
  void Update(const std::string& text, bool force = false);
  // Prints a line of its own (e.g. a warning) without garbling the status.
  void Print(const std::string& text);
  // Ends the status line.
  void Finish();

  bool interactive() const { return interactive_; }

 private:
  using Clock = std::chrono::steady_clock;
  std::FILE* out_;
  double interval_s_;
  bool interactive_;
  bool line_open_ = false;
  bool has_shown_ = false;
  Clock::time_point last_;
};

// "1:02:03", "4:05" or "7s".
std::string FormatDuration(double seconds);

}  // namespace aanet

#endif  // AANET_CLI_PROGRESS_H_
