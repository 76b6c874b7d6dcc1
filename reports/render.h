// The report's writers: one for Markdown tables, one for CSV files, one for
// figures, and the one that writes every computed section
// (reports/section.h) into the output directory.
#ifndef AANET_REPORTS_RENDER_H_
#define AANET_REPORTS_RENDER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "reports/gnuplot.h"
#include "reports/section.h"

namespace aanet::reports {

// `table` as a Markdown table (cells escaped by MarkdownCell, on one line
// each), followed by a blank line.
std::string MarkdownTable(const Table& table);

// A field of a CSV row, quoted if it needs to be (RFC 4180).
std::string CsvField(const std::string& text);

// `table` as a CSV file: the header, then one line per row.
std::string CsvText(const Table& table);

// The Markdown of `sections`' blocks, in order. A figure block with panels
// becomes `![alt](name.png)` (an animated one `![alt](name.gif)`) and is
// appended to `figures`; one without says there is nothing to plot. Without
// `gif` (gnuplot has no `gif animate` terminal) an animated figure is a
// sentence saying it is not drawn, and is not appended.
std::string RenderMarkdown(const std::vector<Section>& sections,
                           std::vector<const Figure*>* figures,
                           bool gif = true);

// Writes `figure` into `out_dir`: name.dat, name.gp (for `terminal`) and
// name.png, drawn by `gnuplot`; an animated figure name.gif (terminal gif).
absl::Status WriteFigure(const Figure& figure, const std::string& gnuplot,
                         const std::string& terminal,
                         const std::string& out_dir);

// Writes `sections` into `out_dir` (created if missing): every CSV file,
// every figure, and `report_file` (the Markdown) last. Each file atomically.
absl::Status WriteSections(const std::vector<Section>& sections,
                           const std::string& gnuplot,
                           const std::string& terminal,
                           const std::string& out_dir,
                           const std::string& report_file);

}  // namespace aanet::reports

#endif  // AANET_REPORTS_RENDER_H_
