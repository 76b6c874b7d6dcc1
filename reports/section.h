// What a section of the study report is made of, before it is rendered: the
// sections (reports/sections/) compute tables of cells and figure
// descriptions from a loaded sweep; reports/render.h turns them into
// REPORT.md, CSV files and gnuplot figures. Sections never format a Markdown
// table, a CSV row or a gnuplot file themselves.
#ifndef AANET_REPORTS_SECTION_H_
#define AANET_REPORTS_SECTION_H_

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "proto/sweep.pb.h"
#include "reports/aggregate.h"
#include "reports/gnuplot.h"
#include "reports/study.h"

namespace aanet::reports {

struct ReportOptions {
  // Free text saying what budget the sweep ran with (e.g. "quick: 2,000
  // steps per model, 2 seeds"), quoted in the report's header.
  std::string budget_description;
  // The gnuplot executable; empty: FindGnuplot() (reports/gnuplot.h).
  std::string gnuplot;
  // Other parts of the same study, each a report of its own (e.g. the
  // ablation of the published flow): a title and the path of its REPORT.md
  // relative to this report's directory, listed in the appendix.
  std::vector<std::pair<std::string, std::string>> other_parts;
  // Time units over which section 4b follows each trajectory of a system
  // without true frequencies for its Lyapunov exponent.
  double lyapunov_horizon = 1000;
};

// A table of text cells: a header and rows of as many cells. The same
// struct is written as a Markdown table (REPORT.md) and as a CSV file.
struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

// One piece of a section's part of REPORT.md, in order.
struct Block {
  enum Kind { kText, kTable, kFigure };
  Kind kind = kText;
  std::string text;  // kText: Markdown prose, verbatim; kFigure: alt text
  Table table;       // kTable
  Figure figure;     // kFigure; without panels: a sentence saying so
};

// Block constructors.
Block TextBlock(std::string text);
Block TableBlock(Table table);
Block FigureBlock(Figure figure, std::string alt);

// A CSV file beside REPORT.md.
struct CsvFile {
  std::string name;  // e.g. "table1.csv"
  Table table;
};

// A section of the report, computed.
struct Section {
  std::vector<Block> blocks;       // its part of REPORT.md
  std::vector<CsvFile> csv_files;  // written whether or not it has blocks
};

// What every section reads: the study, the options, and what is derived
// from them once (cells, models, their colours, the parsed sweep config).
// Points into `study` and `options`, which must outlive it.
struct ReportContext {
  ReportContext(const StudyData& study, const ReportOptions& options);
  // The context keeps references: temporaries would dangle.
  ReportContext(const StudyData&& study, const ReportOptions& options) = delete;
  ReportContext(const StudyData& study, const ReportOptions&& options) = delete;
  ReportContext(const StudyData&& study,
                const ReportOptions&& options) = delete;

  // The gnuplot line type of `model` (1-based, in the order of `models`);
  // 0 for an unknown model.
  int Color(const std::string& model) const;

  const StudyData& study;
  const ReportOptions& options;
  std::vector<Cell> cells;          // GroupIntoCells(study)
  std::vector<std::string> models;  // ModelNames(cells)
  // study.results.sweep_config_text, if it parses (an empty text parses).
  std::optional<SweepConfig> sweep_config;

 private:
  std::map<std::string, int> color_;
};

}  // namespace aanet::reports

#endif  // AANET_REPORTS_SECTION_H_
