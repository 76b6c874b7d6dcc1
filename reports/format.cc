#include "reports/format.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace aanet::reports {

std::string Num(double value) { return absl::StrFormat("%.6g", value); }

std::string Short(double value) { return absl::StrFormat("%.4g", value); }

std::string MeanPm(const MeanStd& value) {
  if (value.count == 0) return "—";
  return absl::StrCat(Short(value.mean), " ± ",
                      value.count < 2 ? std::string("—") : Short(value.std));
}

std::string MeanPmScaled(const MeanStd& value, double scale) {
  MeanStd scaled = value;
  scaled.mean *= scale;
  scaled.std *= scale;
  return MeanPm(scaled);
}

std::string MarkdownCell(const std::string& text) {
  std::string cell;
  for (char c : text) {
    if (c == '|') {
      cell += "\\|";
    } else if (c == '\n' || c == '\r') {
      cell += ' ';
    } else {
      cell += c;
    }
  }
  return cell;
}

std::string Code(const std::string& text) {
  return absl::StrCat("`", MarkdownCell(text), "`");
}

std::string FormatSeconds(double seconds) {
  if (!std::isfinite(seconds) || seconds < 60) {
    return absl::StrFormat("%.4g s", seconds);
  }
  const int64_t total = static_cast<int64_t>(std::llround(seconds));
  const int64_t hours = total / 3600;
  const int64_t minutes = (total % 3600) / 60;
  const int64_t secs = total % 60;
  if (hours > 0) {
    return absl::StrFormat("%.6g s (%dh %02dmin %02ds)", seconds, hours,
                           minutes, secs);
  }
  return absl::StrFormat("%.6g s (%dmin %02ds)", seconds, minutes, secs);
}

std::string CellPoint(const Cell& cell) {
  return absl::StrFormat("%s, %d samples", cell.dataset,
                         cell.num_train_samples);
}

std::string FailedPredictionsText(const Cell& cell,
                                  const FailedPredictions& failed) {
  return absl::StrFormat(
      "%s (%s), jump %d: %d of %d predictions failed in %d of %d seeds (%s)",
      cell.model, CellPoint(cell), failed.jump, failed.num_failed,
      failed.num_pairs, failed.num_seeds, cell.points.size(), failed.failure);
}

std::string FigureNote(const std::vector<std::string>& left_out,
                       const std::vector<std::string>& failed,
                       const std::string& left_out_label) {
  if (left_out.empty() && failed.empty()) return "";
  std::string note = "*Figure note:*";
  if (!left_out.empty()) {
    absl::StrAppend(&note, " ", left_out_label, ": ",
                    absl::StrJoin(left_out, "; "), ".");
  }
  if (!failed.empty()) {
    absl::StrAppend(&note,
                    " Failed predictions (losses and |ΔH| are over the "
                    "others; a seed whose every prediction failed has none, "
                    "which leaves its cell out): ",
                    absl::StrJoin(failed, "; "), ".");
  }
  return note + "\n\n";
}

bool Plottable(double value) { return std::isfinite(value) && value > 0; }

std::vector<double> ErrorBarRow(double x, const MeanStd& value) {
  double low = value.mean;
  double high = value.mean;
  if (std::isfinite(value.std)) {
    low = value.mean - value.std;
    high = value.mean + value.std;
    if (low <= 0) low = value.mean / 10;
  }
  return {x, value.mean, low, high};
}

}  // namespace aanet::reports
