#include "cli/progress.h"

#include <unistd.h>

#include <cmath>

#include "absl/strings/str_format.h"

namespace aanet {

ProgressLine::ProgressLine(std::FILE* out, double log_interval_s)
    : ProgressLine(out, log_interval_s, isatty(fileno(out)) == 1) {}

ProgressLine::ProgressLine(std::FILE* out, double log_interval_s,
                           bool interactive)
    : out_(out),
      interval_s_(interactive ? 0.2 : log_interval_s),
      interactive_(interactive),
      last_(Clock::now()) {}

ProgressLine::~ProgressLine() { Finish(); }

void ProgressLine::Update(const std::string& text, bool force) {
  const Clock::time_point now = Clock::now();
  const double since = std::chrono::duration<double>(now - last_).count();
  if (!force && has_shown_ && since < interval_s_) return;
  last_ = now;
  has_shown_ = true;
  if (interactive_) {
    // \r, the text, then clear to the end of the line.
    std::fprintf(out_, "\r%s\033[K", text.c_str());
    line_open_ = true;
  } else {
    std::fprintf(out_, "%s\n", text.c_str());
  }
  std::fflush(out_);
}

void ProgressLine::Print(const std::string& text) {
  if (line_open_) {
    std::fprintf(out_, "\r\033[K");
  }
  std::fprintf(out_, "%s\n", text.c_str());
  line_open_ = false;
  has_shown_ = false;  // redraw the status at the next update
  std::fflush(out_);
}

void ProgressLine::Finish() {
  if (line_open_) {
    std::fprintf(out_, "\n");
    std::fflush(out_);
    line_open_ = false;
  }
}

std::string FormatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const long total = std::lround(seconds);
  const long h = total / 3600, m = (total / 60) % 60, s = total % 60;
  if (h > 0) return absl::StrFormat("%d:%02d:%02d", h, m, s);
  if (m > 0) return absl::StrFormat("%d:%02d", m, s);
  return absl::StrFormat("%ds", s);
}

}  // namespace aanet
