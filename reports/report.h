// The study report: turns a finished sweep (reports/study.h) into REPORT.md,
// CSV files of every number in it, and gnuplot figures reproducing the
// paper's Table 1 and Figures 2, 3a, 3b and 4.
//
//   AANET_ASSIGN_OR_RETURN(const StudyData study,
//                          LoadSweep("out/sweeps/quick"));
//   AANET_RETURN_IF_ERROR(
//       WriteReport(study, {.budget_description = "..."}, "out/report"));
//
// The output directory is written whole: the files go into a staging
// directory beside it (`<out>.tmp-<pid>`), which then replaces it
// (CommitTemporaryDirectory in fileio/text_file.h); its subdirectories (nested
// reports) are kept. Files written:
//   REPORT.md               the report, written last: title, summary,
//                           contents, then the sections
//   points.csv              every point of the sweep and its status
//   table1.csv              section 1, Table 1 measured
//   data_efficiency.csv     section 2, loss per jump vs training samples
//   inference_time.csv      section 3, inference time vs dt
//   error_vs_dt.csv         section 4, loss and energy change vs dt
//   frequencies.csv         section 5, learned vs true frequencies
//   frequency_density.csv   section 5, kernel density of |angular velocity|
//   convergence.csv         section 6, convergence verdicts
//   fig_*.dat, fig_*.gp, fig_*.png   one per figure (reports/gnuplot.h)
//
// Each section is a file of reports/sections/ that computes its tables and
// figures (reports/section.h); reports/render.h writes them.
#ifndef AANET_REPORTS_REPORT_H_
#define AANET_REPORTS_REPORT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "reports/section.h"
#include "reports/study.h"

namespace aanet::reports {

// ReportOptions: reports/section.h.

// The report's main file, inside the output directory.
inline constexpr char kReportFile[] = "REPORT.md";

// Writes the report of `study` into `out_dir` (created if missing), whole:
// on any error `out_dir` is left as it was. Sections whose data the sweep
// lacks say so. An error if `out_dir` is not a report's directory
// (CheckReportDirectory in reports/files.h), if gnuplot is not installed or
// fails (naming the script), if a file cannot be written (naming it under
// `out_dir`), or if an evaluation is inconsistent (naming its file).
absl::Status WriteReport(const StudyData& study, const ReportOptions& options,
                         const std::string& out_dir);

// Puts the summary (reports/sections/summary.h) and the table of contents of
// every section under the title, the first block of `sections` (the
// header's). WriteReport calls it on the computed sections.
absl::Status AddSummaryAndContents(const ReportContext& context,
                                   std::vector<Section>& sections);

}  // namespace aanet::reports

#endif  // AANET_REPORTS_REPORT_H_
