// Figures drawn by gnuplot: a small description of a multi-panel figure, the
// gnuplot script made from it, and running gnuplot on that script.
//
// A figure `name` is three files in one directory: `name.dat` (its data, one
// block per plotted series, blocks separated by two blank lines so that
// gnuplot's `index` selects them), `name.gp` (the script) and `name.png`.
// Scripts are kept so that users can tweak and re-run them:
// `cd <dir> && gnuplot name.gp`.
#ifndef AANET_REPORTS_GNUPLOT_H_
#define AANET_REPORTS_GNUPLOT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace aanet::reports {

// Collects the blocks of a figure's data file.
class DataBlocks {
 public:
  // Appends a block of rows (one line each, values printed with %.9g) under
  // a `# comment` line; returns its gnuplot index.
  int Add(const std::string& comment,
          const std::vector<std::vector<double>>& rows);
  int size() const { return count_; }
  // The file's text.
  const std::string& text() const { return text_; }

 private:
  int count_ = 0;
  std::string text_;
};

// One curve of a panel, from block `index` of the figure's data file.
struct PlotSeries {
  std::string title;          // legend entry; empty: none
  int index = 0;              // block of the data file
  std::string using_columns;  // gnuplot `using` spec, e.g. "1:2:3:4"
  std::string style;          // gnuplot `with` spec, e.g. "yerrorlines"
  int color = 0;              // gnuplot line type (colour), 1-based; 0: auto
  // In an animation (Figure::animation): drawn up to the frame's row, with
  // a filled point at that row; otherwise whole in every frame.
  bool animated = false;
};

// One panel of a figure. Panels must have at least one series.
struct PlotPanel {
  std::string title;
  std::string x_label;
  std::string y_label;
  bool log_x = false;
  bool log_y = false;
  // Extra gnuplot commands run before this panel's `plot`, e.g. `set arrow`.
  std::vector<std::string> commands;
  std::vector<PlotSeries> series;
};

// A figure: panels laid out in a grid of `columns` columns.
struct Figure {
  std::string name;  // file stem of the .dat, .gp and .png files
  std::string data;  // content of name.dat (DataBlocks::text())
  int columns = 1;
  int panel_width = 520;  // pixels per panel
  int panel_height = 380;
  std::vector<PlotPanel> panels;
  // num_rows > 0: an animated GIF (name.gif, gnuplot's `gif animate`
  // terminal) instead of a PNG; frame f shows the rows 0..f of the animated
  // series, for f = 0, step, 2 step, ... < num_rows, `delay` hundredths of
  // a second apart.
  struct Animation {
    int num_rows = 0;
    int step = 1;
    int delay = 8;
  } animation;
  bool animated() const { return animation.num_rows > 0; }
};

// `text` as a gnuplot single-quoted string literal.
std::string GnuplotQuote(const std::string& text);

// The gnuplot script drawing `figure` with `terminal` ("pngcairo" or
// "png"; for an animated figure "gif", the only terminal it takes). It
// writes to the variable `outfile` if set (gnuplot -e), else to name.png
// (name.gif) in its working directory. An error if `figure` has no panels or a
// panel has no series (gnuplot would fail on it).
absl::StatusOr<std::string> GnuplotScript(const Figure& figure,
                                          const std::string& terminal);

// The first executable file `name` in the colon-separated directories of
// `search_path`; NotFound if there is none.
absl::StatusOr<std::string> FindExecutable(const std::string& name,
                                           const std::string& search_path);

// gnuplot's path: the first `gnuplot` on $PATH, else /usr/bin/gnuplot. If
// there is none, an error saying that gnuplot is not installed and that
// tools/setup.sh installs it.
absl::StatusOr<std::string> FindGnuplot();

// What a finished subprocess left behind.
struct ProcessResult {
  // The exit status if it exited; 128 + the signal if a signal killed it.
  int exit_status = 0;
  std::string standard_error;  // its whole stderr (stdout is discarded)
};

// Runs `argv` (argv[0] a path to an executable) in `working_dir` and waits
// for it. An error only if it could not be started.
absl::StatusOr<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                         const std::string& working_dir);

// "pngcairo" if `gnuplot` has that terminal, else "png".
absl::StatusOr<std::string> PngTerminal(const std::string& gnuplot);

// Whether `gnuplot` has the `gif animate` terminal (libgd); animated
// figures are drawn only where it does.
absl::StatusOr<bool> HasGifAnimation(const std::string& gnuplot);

// Runs `gnuplot` on `dir/script_name`, which must write `outfile`, in `dir`
// and renames the image it writes into `dir/png_name` (atomically: gnuplot
// writes a temporary name). A non-zero exit is an error naming the script
// and quoting gnuplot's stderr on one line.
absl::Status RunGnuplotScript(const std::string& gnuplot,
                              const std::string& dir,
                              const std::string& script_name,
                              const std::string& png_name);

}  // namespace aanet::reports

#endif  // AANET_REPORTS_GNUPLOT_H_
