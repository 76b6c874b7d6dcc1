// Test fixture of the section tests: the synthetic sweep
// (reports/synthetic_sweep.h) written under $TEST_TMPDIR and loaded once.
#ifndef AANET_REPORTS_SECTIONS_TESTING_H_
#define AANET_REPORTS_SECTIONS_TESTING_H_

#include <string>

#include "reports/section.h"
#include "reports/study.h"
#include "reports/synthetic_sweep.h"

namespace aanet::reports {

// A synthetic sweep written into $TEST_TMPDIR/`name` and loaded; fails the
// test (and aborts) if it cannot be.
StudyData LoadSyntheticStudy(const std::string& name,
                             const SyntheticSweepOptions& options = {});

// The synthetic sweep, loaded once; fails the test (and aborts) if it cannot be
// written or loaded.
const StudyData& SyntheticStudy();

// Default report options, for contexts built in tests (a ReportContext
// keeps a reference to its options, so they must outlive it).
const ReportOptions& DefaultOptions();

// A context on SyntheticStudy() with default options.
const ReportContext& SyntheticContext();

// A context on the synthetic sweep with failed solves
// (SyntheticSweepOptions::include_failed_solve), loaded once.
const ReportContext& FailedSolveContext();

// The row of `table` whose first cells are `prefix`; nullptr if none.
const std::vector<std::string>* FindRow(const Table& table,
                                        const std::vector<std::string>& prefix);

// The cell of `row` under `column` of `table`; "" if there is no such column.
std::string CellAt(const Table& table, const std::vector<std::string>& row,
                   const std::string& column);

}  // namespace aanet::reports

#endif  // AANET_REPORTS_SECTIONS_TESTING_H_
