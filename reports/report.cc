#include "reports/report.h"

#include <unistd.h>

#include <filesystem>
#include <functional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "fileio/directory_lock.h"
#include "fileio/text_file.h"
#include "reports/files.h"
#include "reports/gnuplot.h"
#include "reports/render.h"
#include "reports/sections/action_basis.h"
#include "reports/sections/action_conservation.h"
#include "reports/sections/appendix.h"
#include "reports/sections/budget.h"
#include "reports/sections/conserved_quantities.h"
#include "reports/sections/data_efficiency.h"
#include "reports/sections/error_vs_dt.h"
#include "reports/sections/frequencies.h"
#include "reports/sections/header.h"
#include "reports/sections/inference_time.h"
#include "reports/sections/lyapunov.h"
#include "reports/sections/model_size.h"
#include "reports/sections/multi_step.h"
#include "reports/sections/noise.h"
#include "reports/sections/omega_of_action.h"
#include "reports/sections/pictures.h"
#include "reports/sections/points.h"
#include "reports/sections/summary.h"
#include "reports/sections/table_one.h"
#include "reports/sections/training_curves.h"
#include "reports/sections/training_length.h"
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
    // 4b. conserved quantities along predictions, where declared
    ConservedQuantitiesSection,
    LyapunovSection,       // 4c. chaos: Lyapunov times, error vs dt
    FrequenciesSection,    // 5. Figure 4
    OmegaOfActionSection,  // 5b. omega(I) per trajectory
    // 5c. learned actions up to a unimodular change of basis
    ActionBasisSection,
    PicturesSection,            // 5d. pictures of the dynamics
    ActionConservationSection,  // 5e. conservation of the learned actions
    TrainingCurvesSection,      // 6. training curves and convergence
    NoiseSection,               // 7. noise: test loss against the noise level
    MultiStepSection,           // 8. multi-step training, where swept
    ModelSizeSection,           // 9. model size, where the sweep varies it
    TrainingLengthSection,      // 10. training length, from long runs
    AppendixSection,            // other parts, the sweep config
    PointsSection,              // points.csv
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

// Runs `write` on a fresh staging directory beside `out_dir` and puts it in
// the place of `out_dir` whole (CommitTemporaryDirectory), so that a failure
// (a full disk, gnuplot) leaves the old report as it was and nothing of the
// new one, and a reader never sees one report's REPORT.md with another's
// CSVs. The staging directory holds a DirectoryLock while it is written:
// RemoveStaleTemporaries then leaves it alone, from any host.
absl::Status WriteWhole(
    const std::string& out_dir,
    const std::function<absl::Status(const std::string&)>& write) {
  namespace fs = std::filesystem;
  // The directory by a name whose last component is the directory itself:
  // "rep/", "." or "x/.." would put the staging directory inside it.
  fs::path absolute = fs::absolute(out_dir).lexically_normal();
  if (!absolute.has_filename()) absolute = absolute.parent_path();
  if (!absolute.has_filename() || absolute == absolute.root_path()) {
    return absl::FailedPreconditionError(absl::StrCat(
        out_dir, ": cannot replace this directory, choose another --out"));
  }
  const std::string target = absolute.string();
  std::string shown = out_dir;
  while (shown.size() > 1 && shown.back() == '/') shown.pop_back();
  RemoveStaleTemporaries(target);
  const std::string staging = TemporaryPathFor(target);
  std::error_code ignored;
  fs::remove_all(staging, ignored);  // our own pid's leftover
  absl::Status status = absl::OkStatus();
  {
    absl::StatusOr<DirectoryLock> lock = DirectoryLock::Acquire(staging);
    if (!lock.ok()) {
      status = lock.status();
    } else {
      status = write(staging);
      // Not part of the report; the lock lasts until the commit below.
      fs::remove(fs::path(staging) / ".lock", ignored);
      if (status.ok()) status = CommitTemporaryDirectory(staging, target);
    }
  }
  if (status.ok()) return status;
  fs::remove_all(staging, ignored);
  // The files that failed exist only under the staging name; the user knows
  // them under the output directory.
  std::string message =
      absl::StrReplaceAll(status.message(), {{staging, shown}});
  return absl::Status(status.code(),
                      absl::StrReplaceAll(message, {{target, shown}}));
}

}  // namespace

absl::Status AddSummaryAndContents(const ReportContext& context,
                                   std::vector<Section>& sections) {
  AANET_ASSIGN_OR_RETURN(Section summary, SummarySection(context));
  // The contents list the summary too; both go right under the title, the
  // header's first block.
  std::vector<Section> all = {summary};
  all.insert(all.end(), sections.begin(), sections.end());
  const Block contents = TableOfContents(all);
  if (sections.empty()) sections.emplace_back();
  std::vector<Block>& top = sections.front().blocks;
  const auto at = top.begin() + (top.empty() ? 0 : 1);
  std::vector<Block> inserted = summary.blocks;
  inserted.push_back(contents);
  top.insert(at, inserted.begin(), inserted.end());
  return absl::OkStatus();
}

absl::Status WriteReport(const StudyData& study, const ReportOptions& options,
                         const std::string& out_dir) {
  AANET_RETURN_IF_ERROR(CheckReportDirectory(out_dir));
  AANET_ASSIGN_OR_RETURN(const std::string gnuplot, Gnuplot(options.gnuplot));
  AANET_ASSIGN_OR_RETURN(const std::string terminal, PngTerminal(gnuplot));
  const ReportContext context(study, options);
  std::vector<Section> sections;
  for (SectionFunction compute : kSections) {
    AANET_ASSIGN_OR_RETURN(Section section, compute(context));
    sections.push_back(std::move(section));
  }
  AANET_RETURN_IF_ERROR(AddSummaryAndContents(context, sections));
  return WriteWhole(out_dir, [&](const std::string& staging) {
    return WriteSections(sections, gnuplot, terminal, staging, kReportFile);
  });
}

}  // namespace aanet::reports
