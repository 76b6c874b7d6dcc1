// How the report writes numbers and text: CSV numbers, table numbers,
// mean ± std, durations, and the data rows of error bars.
#ifndef AANET_REPORTS_FORMAT_H_
#define AANET_REPORTS_FORMAT_H_

#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "reports/aggregate.h"

namespace aanet::reports {

// A number in a CSV file: %.6g.
std::string Num(double value);

// A number in a Markdown table: %.4g.
std::string Short(double value);

// "mean ± std" with "—" for an undefined std (fewer than two seeds); "—"
// without values.
std::string MeanPm(const MeanStd& value);

// MeanPm of `value` times `scale` (e.g. seconds to microseconds).
std::string MeanPmScaled(const MeanStd& value, double scale);

// Text in a Markdown table cell: pipes escaped, on one line.
std::string MarkdownCell(const std::string& text);

// Text in Markdown running text, in backquotes.
std::string Code(const std::string& text);

// "12.5 s", or with minutes and hours: "3723 s (1h 02min 03s)".
std::string FormatSeconds(double seconds);

// "a, b, c" in the set's order; "—" if empty.
template <typename T>
std::string JoinSet(const std::set<T>& values) {
  std::vector<std::string> parts;
  for (const T& value : values) parts.push_back(absl::StrCat(value));
  return parts.empty() ? std::string("—") : absl::StrJoin(parts, ", ");
}

// "harmonic_k_pair_0.5, 100 samples"
std::string CellPoint(const Cell& cell);

// "neural_ode (harmonic_k_pair_0.5, 100 samples), jump 400: 12 of 990
// predictions failed in 1 of 2 seeds (<reason>)".
std::string FailedPredictionsText(const Cell& cell,
                                  const FailedPredictions& failed);

// The note under a figure naming what it does not show as the data has it:
// "*Figure note:* left out (no positive finite value): a; b. Failed
// predictions (losses and |ΔH| over the others; a seed whose every
// prediction failed has none, which leaves its cell out): c.\n\n"; empty
// if both lists are.
// `left_out_label` replaces "left out (no positive finite value)".
std::string FigureNote(
    const std::vector<std::string>& left_out,
    const std::vector<std::string>& failed,
    const std::string& left_out_label = "left out (no positive finite value)");

// A value that a log axis can show: finite and positive.
bool Plottable(double value);

// A data row (x, mean, low, high) for gnuplot's yerrorlines. Without a std
// the bar is empty; a lower end at or below zero (invisible on a log axis)
// is cut at a tenth of the mean.
std::vector<double> ErrorBarRow(double x, const MeanStd& value);

}  // namespace aanet::reports

#endif  // AANET_REPORTS_FORMAT_H_
