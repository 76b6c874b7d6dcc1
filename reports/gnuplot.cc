#include "reports/gnuplot.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "fileio/text_file.h"
#include "status/status_macros.h"

namespace aanet::reports {
namespace {

namespace fs = std::filesystem;

constexpr char kDefaultGnuplot[] = "/usr/bin/gnuplot";
// At most this much of gnuplot's stderr goes into an error message.
constexpr size_t kMaxQuotedStderr = 600;

// `text` on one line: lines joined with " | ", blank lines dropped, cut to
// the last kMaxQuotedStderr characters (gnuplot's error comes last).
std::string OneLine(const std::string& text) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (!line.empty()) lines.emplace_back(line);
  }
  std::string joined = absl::StrJoin(lines, " | ");
  if (joined.size() > kMaxQuotedStderr) {
    joined =
        absl::StrCat("...", joined.substr(joined.size() - kMaxQuotedStderr));
  }
  return joined;
}

}  // namespace

int DataBlocks::Add(const std::string& comment,
                    const std::vector<std::vector<double>>& rows) {
  if (count_ > 0) text_ += "\n\n";
  absl::StrAppend(&text_, "# ", comment, "\n");
  for (const std::vector<double>& row : rows) {
    std::vector<std::string> values;
    values.reserve(row.size());
    for (double v : row) values.push_back(absl::StrFormat("%.9g", v));
    absl::StrAppend(&text_, absl::StrJoin(values, " "), "\n");
  }
  return count_++;
}

std::string GnuplotQuote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "''";
    } else if (c == '\n') {
      quoted += ' ';
    } else {
      quoted += c;
    }
  }
  quoted += "'";
  return quoted;
}

namespace {

// The script of one panel: its settings and its plot. In an animation
// (`frame` the loop variable) an animated series is drawn up to row `frame`
// with a filled point there.
std::string PanelScript(const PlotPanel& panel, const std::string& data_file,
                        const std::string& frame) {
  std::string script = absl::StrCat(
      "\nunset logscale\nunset object\nunset arrow\nunset label\n"
      "unset xtics\nset xtics\nset autoscale\n",
      "set title ", GnuplotQuote(panel.title), "\n", "set xlabel ",
      GnuplotQuote(panel.x_label), "\n", "set ylabel ",
      GnuplotQuote(panel.y_label), "\n");
  if (panel.log_x) absl::StrAppend(&script, "set logscale x\n");
  // On a log axis gnuplot's default tic format prints "1000.000000" or
  // "0.0000010" when the range spans few decades; exponents read alike in
  // every panel.
  absl::StrAppend(&script, panel.log_y ? "set logscale y\nset format y '%.0e'\n"
                                       : "set format y '% h'\n");
  for (const std::string& command : panel.commands) {
    absl::StrAppend(&script, command, "\n");
  }
  std::vector<std::string> plots;
  for (const PlotSeries& series : panel.series) {
    const bool animated = !frame.empty() && series.animated;
    std::string plot = absl::StrCat(
        data_file, " index ", series.index,
        animated ? absl::StrCat(" every ::0::", frame) : std::string(),
        " using ", series.using_columns, " with ", series.style);
    if (series.color > 0) {
      absl::StrAppend(&plot, " linetype ", series.color);
    }
    absl::StrAppend(&plot,
                    series.title.empty()
                        ? std::string(" notitle")
                        : absl::StrCat(" title ", GnuplotQuote(series.title)));
    plots.push_back(plot);
    if (animated) {
      std::string head =
          absl::StrCat(data_file, " index ", series.index, " every ::", frame,
                       "::", frame, " using ", series.using_columns,
                       " with points pointtype 7 pointsize 1.5");
      if (series.color > 0) absl::StrAppend(&head, " linetype ", series.color);
      plots.push_back(absl::StrCat(head, " notitle"));
    }
  }
  absl::StrAppend(&script, "plot ", absl::StrJoin(plots, ", \\\n     "), "\n");
  return script;
}

}  // namespace

absl::StatusOr<std::string> GnuplotScript(const Figure& figure,
                                          const std::string& terminal) {
  if (figure.panels.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("figure ", figure.name, " has no panels"));
  }
  for (const PlotPanel& panel : figure.panels) {
    if (panel.series.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "figure ", figure.name, ": panel '", panel.title, "' has no series"));
    }
  }
  if (figure.animated() != (terminal == "gif")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "figure ", figure.name,
        figure.animated() ? " is animated: it needs the gif terminal, not "
                          : " is not animated: it cannot be drawn with ",
        terminal));
  }
  const int columns =
      std::max(1, std::min<int>(figure.columns, figure.panels.size()));
  const int rows =
      (static_cast<int>(figure.panels.size()) + columns - 1) / columns;
  const std::string data_file = GnuplotQuote(figure.name + ".dat");
  const std::string image = figure.name + (figure.animated() ? ".gif" : ".png");
  std::string script = absl::StrCat(
      "# ", image, ", drawn from ", figure.name,
      ".dat by //reports:report.\n"
      "# Redraw it with: gnuplot ",
      figure.name, ".gp   (in this directory)\n",
      "if (!exists(\"outfile\")) outfile = ", GnuplotQuote(image), "\n");
  if (terminal == "pngcairo") {
    absl::StrAppend(&script, "set terminal pngcairo noenhanced size ",
                    columns * figure.panel_width, ",",
                    rows * figure.panel_height, " font 'sans,10'\n");
  } else if (terminal == "gif") {
    absl::StrAppend(&script, "set terminal gif animate delay ",
                    figure.animation.delay, " loop 0 optimize noenhanced size ",
                    columns * figure.panel_width, ",",
                    rows * figure.panel_height, "\n");
  } else {
    absl::StrAppend(&script, "set terminal ", terminal, " noenhanced size ",
                    columns * figure.panel_width, ",",
                    rows * figure.panel_height, "\n");
  }
  absl::StrAppend(&script,
                  "set encoding utf8\n"
                  "set output outfile\n"
                  "set grid\n"
                  "set key top left\n"
                  "set style fill transparent solid 0.6 noborder\n");
  if (figure.animated()) {
    // One multiplot per frame; each `unset multiplot` ends a GIF frame.
    absl::StrAppend(&script,
                    "do for [frame = 0:", figure.animation.num_rows - 1, ":",
                    std::max(1, figure.animation.step), "] {\n",
                    "set multiplot layout ", rows, ",", columns, "\n");
    for (const PlotPanel& panel : figure.panels) {
      absl::StrAppend(&script, PanelScript(panel, data_file, "frame"));
    }
    absl::StrAppend(&script, "\nunset multiplot\n}\n");
    return script;
  }
  absl::StrAppend(&script, "set multiplot layout ", rows, ",", columns, "\n");
  for (const PlotPanel& panel : figure.panels) {
    absl::StrAppend(&script, PanelScript(panel, data_file, ""));
  }
  absl::StrAppend(&script, "\nunset multiplot\n");
  return script;
}

absl::StatusOr<std::string> FindExecutable(const std::string& name,
                                           const std::string& search_path) {
  for (absl::string_view dir : absl::StrSplit(search_path, ':')) {
    if (dir.empty()) continue;
    const std::string candidate = (fs::path(std::string(dir)) / name).string();
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec) &&
        ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return absl::NotFoundError(
      absl::StrCat("no executable ", name, " in ", search_path));
}

absl::StatusOr<std::string> FindGnuplot() {
  const char* path = std::getenv("PATH");
  const std::string search_path =
      absl::StrCat(path == nullptr ? "" : path, ":",
                   fs::path(kDefaultGnuplot).parent_path().string());
  absl::StatusOr<std::string> found = FindExecutable("gnuplot", search_path);
  if (!found.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "gnuplot is not installed (not on PATH, not at ", kDefaultGnuplot,
        "); tools/setup.sh installs it (Debian package gnuplot-nox)"));
  }
  return found;
}

absl::StatusOr<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                         const std::string& working_dir) {
  if (argv.empty()) return absl::InvalidArgumentError("RunProcess: no argv");
  // Everything the child needs is prepared before fork: after it, the child
  // only makes async-signal-safe calls.
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& arg : argv)
    args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat(
        "cannot create a pipe for ", argv[0], ": ", std::strerror(errno)));
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int error = errno;
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    return absl::InternalError(
        absl::StrCat("cannot start ", argv[0], ": ", std::strerror(error)));
  }
  if (pid == 0) {
    const int null_fd = ::open("/dev/null", O_RDWR);
    if (null_fd >= 0) {
      ::dup2(null_fd, STDIN_FILENO);
      ::dup2(null_fd, STDOUT_FILENO);
    }
    ::dup2(pipe_fds[1], STDERR_FILENO);
    if (::chdir(working_dir.c_str()) != 0) {
      static const char kMessage[] = "cannot enter the working directory\n";
      [[maybe_unused]] ssize_t n =
          ::write(STDERR_FILENO, kMessage, sizeof(kMessage) - 1);
      ::_exit(126);
    }
    ::execv(args[0], args.data());
    static const char kMessage[] = "cannot execute the program\n";
    [[maybe_unused]] ssize_t n =
        ::write(STDERR_FILENO, kMessage, sizeof(kMessage) - 1);
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  ProcessResult result;
  char buffer[4096];
  while (true) {
    const ssize_t n = ::read(pipe_fds[0], buffer, sizeof(buffer));
    if (n > 0) {
      result.standard_error.append(buffer, n);
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return absl::InternalError(absl::StrCat(
          "waiting for ", argv[0], " failed: ", std::strerror(errno)));
    }
  }
  if (WIFEXITED(status)) {
    result.exit_status = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.exit_status = 128 + WTERMSIG(status);
  } else {
    result.exit_status = 255;
  }
  return result;
}

absl::StatusOr<std::string> PngTerminal(const std::string& gnuplot) {
  AANET_ASSIGN_OR_RETURN(
      const ProcessResult probe,
      RunProcess({gnuplot, "-e", "set terminal pngcairo"}, "."));
  return probe.exit_status == 0 ? std::string("pngcairo") : std::string("png");
}

absl::StatusOr<bool> HasGifAnimation(const std::string& gnuplot) {
  AANET_ASSIGN_OR_RETURN(
      const ProcessResult probe,
      RunProcess({gnuplot, "-e", "set terminal gif animate"}, "."));
  return probe.exit_status == 0;
}

absl::Status RunGnuplotScript(const std::string& gnuplot,
                              const std::string& dir,
                              const std::string& script_name,
                              const std::string& png_name) {
  const std::string script_path = (fs::path(dir) / script_name).string();
  // gnuplot runs in `dir`, so it is given the temporary's name relative to it.
  const std::string temporary = TemporaryPathFor(png_name);
  const std::string temporary_path = (fs::path(dir) / temporary).string();
  absl::StatusOr<ProcessResult> run = RunProcess(
      {gnuplot, "-e", absl::StrCat("outfile = ", GnuplotQuote(temporary)),
       script_name},
      dir);
  if (!run.ok()) {
    return absl::InternalError(
        absl::StrCat(script_path, ": ", run.status().message()));
  }
  std::error_code ec;
  if (run->exit_status != 0) {
    fs::remove(temporary_path, ec);
    return absl::InternalError(
        absl::StrCat(script_path, ": gnuplot failed (exit status ",
                     run->exit_status, "): ", OneLine(run->standard_error)));
  }
  if (!fs::is_regular_file(temporary_path, ec) ||
      fs::file_size(temporary_path, ec) == 0) {
    fs::remove(temporary_path, ec);
    return absl::InternalError(absl::StrCat(script_path,
                                            ": gnuplot wrote no image (",
                                            OneLine(run->standard_error), ")"));
  }
  return CommitTemporaryFile(temporary_path,
                             (fs::path(dir) / png_name).string());
}

}  // namespace aanet::reports
