#include "reports/sections/testing.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "reports/synthetic_sweep.h"

namespace aanet::reports {

StudyData LoadSyntheticStudy(const std::string& name,
                             const SyntheticSweepOptions& options) {
  const std::filesystem::path dir =
      std::filesystem::path(std::getenv("TEST_TMPDIR")) / name;
  std::filesystem::remove_all(dir);
  const absl::Status written = WriteSyntheticSweep(dir.string(), options);
  if (!written.ok()) {
    ADD_FAILURE() << written;
    std::abort();
  }
  absl::StatusOr<StudyData> loaded = LoadSweep(dir.string());
  if (!loaded.ok()) {
    ADD_FAILURE() << loaded.status();
    std::abort();
  }
  return *std::move(loaded);
}

const StudyData& SyntheticStudy() {
  static const StudyData* study =
      new StudyData(LoadSyntheticStudy("synthetic_sweep"));
  return *study;
}

const ReportOptions& DefaultOptions() {
  static const ReportOptions* options = new ReportOptions();
  return *options;
}

const ReportContext& SyntheticContext() {
  static const ReportContext* context =
      new ReportContext(SyntheticStudy(), DefaultOptions());
  return *context;
}

const ReportContext& FailedSolveContext() {
  static const StudyData* study = [] {
    SyntheticSweepOptions options;
    options.include_failed_solve = true;
    return new StudyData(LoadSyntheticStudy("failed_solve_sweep", options));
  }();
  static const ReportOptions* options = new ReportOptions();
  static const ReportContext* context = new ReportContext(*study, *options);
  return *context;
}

const std::vector<std::string>* FindRow(
    const Table& table, const std::vector<std::string>& prefix) {
  for (const std::vector<std::string>& row : table.rows) {
    if (row.size() < prefix.size()) continue;
    if (std::equal(prefix.begin(), prefix.end(), row.begin())) return &row;
  }
  return nullptr;
}

std::string CellAt(const Table& table, const std::vector<std::string>& row,
                   const std::string& column) {
  for (size_t i = 0; i < table.header.size() && i < row.size(); ++i) {
    if (table.header[i] == column) return row[i];
  }
  return "";
}

}  // namespace aanet::reports
