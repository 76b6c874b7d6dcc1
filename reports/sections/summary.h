// The report's top: a summary table of the headline numbers, computed from
// the same data as the sections (never written by hand), and a table of
// contents linking every section's heading.
#ifndef AANET_REPORTS_SECTIONS_SUMMARY_H_
#define AANET_REPORTS_SECTIONS_SUMMARY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "reports/section.h"

namespace aanet::reports {

// Per model at its reference point (ReferenceCell): the point, seeds, the
// test prediction loss at jump 1 and at the largest evaluated jump, the
// inference-time growth of Table 1, the convergence verdict of section 6
// and, for an Action-Angle Network, the recovered frequencies' relative
// error of section 5. A number that is missing says so ("not evaluated",
// "not timed", ...); a failed one shows as the sections show it.
absl::StatusOr<Table> SummaryTable(const ReportContext& context);

// The "## Summary" heading, a line on how to read it, and SummaryTable.
absl::StatusOr<Section> SummarySection(const ReportContext& context);

// GitHub's anchor of a Markdown heading's text: lower case (ASCII, Greek and
// Latin-1 capitals), spaces to hyphens, punctuation other than '-' and '_'
// dropped; other non-ASCII bytes kept. "2b. Equal steps, equal compute" ->
// "2b-equal-steps-equal-compute".
std::string HeadingAnchor(const std::string& heading);

// "## Contents" and a list linking every "## " heading of the text blocks
// of `sections`, in order (a repeated anchor gets "-1", "-2", as GitHub
// numbers them).
Block TableOfContents(const std::vector<Section>& sections);

}  // namespace aanet::reports

#endif  // AANET_REPORTS_SECTIONS_SUMMARY_H_
