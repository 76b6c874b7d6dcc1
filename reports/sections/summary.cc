#include "reports/sections/summary.h"

#include <cctype>
#include <cmath>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "reports/format.h"
#include "reports/sections/frequencies.h"
#include "reports/sections/table_one.h"
#include "reports/sections/training_curves.h"
#include "status/status_macros.h"

namespace aanet::reports {
namespace {

// The loss of `statistic` as the sections print it, "(failed)" marking a
// jump with failed predictions.
std::string LossAt(const JumpStatistic& statistic,
                   const std::vector<FailedPredictions>& failed) {
  std::string text = MeanPm(statistic.value);
  for (const FailedPredictions& f : failed) {
    if (f.jump == statistic.jump) {
      absl::StrAppend(&text, " (", f.num_failed, " of ", f.num_pairs,
                      " predictions failed)");
    }
  }
  return text;
}

std::string Growth(const std::vector<TableOneRow>& rows, const Cell* cell) {
  for (const TableOneRow& row : rows) {
    if (row.cell != cell) continue;
    if (!row.timing_failure.empty()) return row.timing_failure;
    if (!row.timing.has_value()) return "not timed";
    const double growth = row.Growth();
    if (!std::isfinite(growth)) return "no time";
    return absl::StrCat("×", Short(growth), " (jump ", row.timing->small.jump,
                        " to ", row.timing->large.jump, ")");
  }
  return "not timed";
}

std::string Convergence(const std::vector<PointConvergence>& points,
                        const Cell& cell) {
  const std::vector<std::string> notes = NotConvergedNotes(points, cell);
  if (notes.empty()) return "converged";
  return absl::StrCat("not converged: ", notes.front(),
                      notes.size() > 1
                          ? absl::StrCat(" (+", notes.size() - 1, " more)")
                          : std::string());
}

std::string FrequencyError(const std::vector<FrequencyModel>& models,
                           const Cell* cell) {
  if (cell->model_kind != "action_angle") return "n/a";
  // A system with no true frequencies (not integrable, or imported
  // trajectories) has nothing to match the learned ones to.
  bool any_truth = false;
  for (const StudyPoint* p : cell->points) {
    any_truth = any_truth || (p->evaluation.has_value() &&
                              p->evaluation->true_frequencies_size() > 0);
  }
  if (!any_truth) return "n/a: the dataset has no true frequencies";
  for (const FrequencyModel& model : models) {
    if (model.reference != cell) continue;
    for (const auto& [c, modes] : model.cells) {
      if (c != cell) continue;
      if (modes.empty()) return "no frequency matches";
      std::vector<std::string> parts;
      for (const ModeFrequency& m : modes) {
        parts.push_back(
            absl::StrCat("mode ", m.mode, ": ", MeanPm(m.relative_error)));
      }
      return absl::StrJoin(parts, "; ");
    }
  }
  return "no frequency matches";
}

}  // namespace

absl::StatusOr<Table> SummaryTable(const ReportContext& context) {
  Table table{
      {"model", "reference point", "seeds", "loss, jump 1",
       "loss, largest jump", "inference time growth (Table 1)",
       "convergence (section 6)", "frequency relative error (section 5)"},
      {}};
  const std::vector<TableOneRow> table_one = ComputeTableOne(context);
  const std::vector<PointConvergence> convergence = ComputeConvergence(context);
  AANET_ASSIGN_OR_RETURN(const std::vector<FrequencyModel> frequencies,
                         ComputeFrequencies(context));
  for (const std::string& model : context.models) {
    const Cell* cell = ReferenceCell(context.cells, model);
    if (cell == nullptr) continue;
    const std::vector<JumpStatistic> losses =
        AggregateJumpMetric(*cell, PredictionLoss);
    const std::vector<FailedPredictions> failed = CellFailedPredictions(*cell);
    const JumpStatistic* first = FindJump(losses, 1);
    table.rows.push_back(
        {model, CellPoint(*cell), absl::StrCat(cell->points.size()),
         first == nullptr ? "not evaluated" : LossAt(*first, failed),
         losses.empty() ? "not evaluated"
                        : absl::StrCat(LossAt(losses.back(), failed), " (jump ",
                                       losses.back().jump, ")"),
         Growth(table_one, cell), Convergence(convergence, *cell),
         FrequencyError(frequencies, cell)});
  }
  return table;
}

absl::StatusOr<Section> SummarySection(const ReportContext& context) {
  AANET_ASSIGN_OR_RETURN(Table table, SummaryTable(context));
  Section section;
  section.blocks.push_back(TextBlock(
      "## Summary\n\n"
      "Each model at its reference point, from the numbers of the sections "
      "below (mean ± std over seeds; test prediction loss in the published "
      "unit). A number that is missing or failed says so.\n\n"));
  section.blocks.push_back(table.rows.empty()
                               ? TextBlock("*No evaluated points.*\n\n")
                               : TableBlock(std::move(table)));
  return section;
}

std::string HeadingAnchor(const std::string& heading) {
  std::string anchor;
  for (size_t i = 0; i < heading.size(); ++i) {
    const char c = heading[i];
    const unsigned char u = static_cast<unsigned char>(c);
    const unsigned char next =
        i + 1 < heading.size() ? static_cast<unsigned char>(heading[i + 1]) : 0;
    // GitHub lower-cases Unicode too; the headings' capitals outside ASCII
    // are Greek (Δt) or Latin-1, two UTF-8 bytes each.
    if (u == 0xCE && next >= 0x91 && next <= 0xA9 && next != 0xA2) {
      const int lower = 0x3B1 + (next - 0x91);  // U+0391.. -> U+03B1..
      anchor.push_back(static_cast<char>(0xC0 | (lower >> 6)));
      anchor.push_back(static_cast<char>(0x80 | (lower & 0x3F)));
      ++i;
    } else if (u == 0xC3 && next >= 0x80 && next <= 0x9E && next != 0x97) {
      anchor.push_back(c);
      anchor.push_back(static_cast<char>(next + 0x20));
      ++i;
    } else if (u >= 0x80) {
      anchor.push_back(c);
    } else if (std::isalnum(u)) {
      anchor.push_back(static_cast<char>(std::tolower(u)));
    } else if (c == ' ' || c == '-') {
      anchor.push_back('-');
    } else if (c == '_') {
      anchor.push_back('_');
    }
  }
  return anchor;
}

Block TableOfContents(const std::vector<Section>& sections) {
  std::string text = "## Contents\n\n";
  std::map<std::string, int> seen;
  for (const Section& section : sections) {
    for (const Block& block : section.blocks) {
      if (block.kind != Block::kText) continue;
      bool in_code = false;
      for (const absl::string_view line : absl::StrSplit(block.text, '\n')) {
        if (absl::StartsWith(line, "```")) in_code = !in_code;
        if (in_code || !absl::StartsWith(line, "## ")) continue;
        const std::string heading(line.substr(3));
        std::string anchor = HeadingAnchor(heading);
        const int n = seen[anchor]++;
        if (n > 0) absl::StrAppend(&anchor, "-", n);
        absl::StrAppend(&text, "- [", heading, "](#", anchor, ")\n");
      }
    }
  }
  absl::StrAppend(&text, "\n");
  return TextBlock(std::move(text));
}

}  // namespace aanet::reports
