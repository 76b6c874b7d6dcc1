#include "reports/report.h"

#include <unistd.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "reports/gnuplot.h"
#include "reports/render.h"
#include "reports/sections/appendix.h"
#include "reports/sections/budget.h"
#include "reports/sections/data_efficiency.h"
#include "reports/sections/error_vs_dt.h"
#include "reports/sections/frequencies.h"
#include "reports/sections/header.h"
#include "reports/sections/inference_time.h"
#include "reports/sections/points.h"
#include "reports/sections/table_one.h"
#include "reports/sections/training_curves.h"
#include "status/status_macros.h"

namespace aanet::reports {
namespace {

using SectionFunction = absl::StatusOr<Section> (*)(const ReportContext&);

// The report's sections, in the order of REPORT.md. A new study or system
// adds a file under reports/sections/ and its entry here.
constexpr SectionFunction kSections[] = {
    HeaderSection,          // what was run
    TableOneSection,        // 1. Table 1
    DataEfficiencySection,  // 2. Figure 2
    BudgetSection,          // 2b. equal compute, the published budget
    InferenceTimeSection,   // 3. Figure 3a
    ErrorVsDtSection,       // 4. Figure 3b
    FrequenciesSection,     // 5. Figure 4
    TrainingCurvesSection,  // 6. training curves and convergence
    AppendixSection,        // other parts, the sweep config
    PointsSection,          // points.csv
};

// The gnuplot to run: `configured`, else the one on $PATH.
absl::StatusOr<std::string> Gnuplot(const std::string& configured) {
  if (configured.empty()) return FindGnuplot();
  if (::access(configured.c_str(), X_OK) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "gnuplot is not installed at ", configured,
        "; tools/setup.sh installs it (Debian package gnuplot-nox)"));
  }
  return configured;
}

}  // namespace

absl::Status WriteReport(const StudyData& study, const ReportOptions& options,
                         const std::string& out_dir) {
  AANET_ASSIGN_OR_RETURN(const std::string gnuplot, Gnuplot(options.gnuplot));
  AANET_ASSIGN_OR_RETURN(const std::string terminal, PngTerminal(gnuplot));
  const ReportContext context(study, options);
  std::vector<Section> sections;
  for (SectionFunction compute : kSections) {
    AANET_ASSIGN_OR_RETURN(Section section, compute(context));
    sections.push_back(std::move(section));
  }
  return WriteSections(sections, gnuplot, terminal, out_dir, kReportFile);
}

}  // namespace aanet::reports
