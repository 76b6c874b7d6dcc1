#include "reports/render.h"

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "reports/files.h"
#include "reports/format.h"
#include "status/status_macros.h"

namespace aanet::reports {
namespace {

namespace fs = std::filesystem;

// `cells` escaped by `escape`, joined by `separator`.
template <typename Escape>
std::string JoinEscaped(const std::vector<std::string>& cells,
                        const std::string& separator, Escape escape) {
  std::vector<std::string> escaped;
  escaped.reserve(cells.size());
  for (const std::string& cell : cells) escaped.push_back(escape(cell));
  return absl::StrJoin(escaped, separator);
}

std::string MarkdownRow(const std::vector<std::string>& cells) {
  return absl::StrCat("| ", JoinEscaped(cells, " | ", MarkdownCell), " |\n");
}

std::string BlockMarkdown(const Block& block,
                          std::vector<const Figure*>* figures, bool gif) {
  switch (block.kind) {
    case Block::kText:
      return block.text;
    case Block::kTable:
      return MarkdownTable(block.table);
    case Block::kFigure:
      if (block.figure.panels.empty()) {
        return "*No positive finite values to plot.*\n\n";
      }
      if (block.figure.animated() && !gif) {
        return absl::StrCat("*The animation ", block.figure.name,
                            ".gif is not drawn: this machine's gnuplot has "
                            "no `gif` terminal (it needs libgd).*\n\n");
      }
      figures->push_back(&block.figure);
      return absl::StrCat("![", block.text, "](", block.figure.name,
                          block.figure.animated() ? ".gif" : ".png", ")\n\n");
  }
  return "";
}

}  // namespace

std::string MarkdownTable(const Table& table) {
  std::string text = MarkdownRow(table.header);
  text += "|";
  for (size_t i = 0; i < table.header.size(); ++i) text += "---|";
  text += "\n";
  for (const std::vector<std::string>& row : table.rows) {
    text += MarkdownRow(row);
  }
  return text + "\n";
}

std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

std::string CsvText(const Table& table) {
  std::string text =
      absl::StrCat(JoinEscaped(table.header, ",", CsvField), "\n");
  for (const std::vector<std::string>& row : table.rows) {
    absl::StrAppend(&text, JoinEscaped(row, ",", CsvField), "\n");
  }
  return text;
}

std::string RenderMarkdown(const std::vector<Section>& sections,
                           std::vector<const Figure*>* figures, bool gif) {
  std::string text;
  for (const Section& section : sections) {
    for (const Block& block : section.blocks) {
      absl::StrAppend(&text, BlockMarkdown(block, figures, gif));
    }
  }
  return text;
}

absl::Status WriteFigure(const Figure& figure, const std::string& gnuplot,
                         const std::string& terminal,
                         const std::string& out_dir) {
  const std::string used = figure.animated() ? "gif" : terminal;
  AANET_ASSIGN_OR_RETURN(const std::string script, GnuplotScript(figure, used));
  const std::string script_name = figure.name + ".gp";
  AANET_RETURN_IF_ERROR(WriteFileAtomically(
      (fs::path(out_dir) / (figure.name + ".dat")).string(), figure.data));
  AANET_RETURN_IF_ERROR(
      WriteFileAtomically((fs::path(out_dir) / script_name).string(), script));
  return RunGnuplotScript(gnuplot, out_dir, script_name,
                          figure.name + (figure.animated() ? ".gif" : ".png"));
}

absl::Status WriteSections(const std::vector<Section>& sections,
                           const std::string& gnuplot,
                           const std::string& terminal,
                           const std::string& out_dir,
                           const std::string& report_file) {
  // Animations only where gnuplot can draw them; the report says so
  // otherwise, rather than failing.
  bool any_animated = false;
  for (const Section& section : sections) {
    for (const Block& block : section.blocks) {
      any_animated = any_animated ||
                     (block.kind == Block::kFigure && block.figure.animated());
    }
  }
  bool gif = false;
  if (any_animated) {
    AANET_ASSIGN_OR_RETURN(gif, HasGifAnimation(gnuplot));
  }
  std::vector<const Figure*> figures;
  const std::string markdown = RenderMarkdown(sections, &figures, gif);
  AANET_RETURN_IF_ERROR(CreateDirectories(out_dir));
  for (const Section& section : sections) {
    for (const CsvFile& file : section.csv_files) {
      AANET_RETURN_IF_ERROR(WriteFileAtomically(
          (fs::path(out_dir) / file.name).string(), CsvText(file.table)));
    }
  }
  for (const Figure* figure : figures) {
    AANET_RETURN_IF_ERROR(WriteFigure(*figure, gnuplot, terminal, out_dir));
  }
  return WriteFileAtomically((fs::path(out_dir) / report_file).string(),
                             markdown);
}

}  // namespace aanet::reports
