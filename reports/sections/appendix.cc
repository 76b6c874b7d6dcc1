#include "reports/sections/appendix.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace aanet::reports {

absl::StatusOr<Section> AppendixSection(const ReportContext& context) {
  Section section;
  if (!context.options.other_parts.empty()) {
    std::string parts = "## Appendix: other parts of this study\n\n";
    for (const auto& [title, path] : context.options.other_parts) {
      absl::StrAppend(&parts, "- [", title, "](", path, ")\n");
    }
    section.blocks.push_back(TextBlock(parts + "\n"));
  }
  const std::string& config = context.study.results.sweep_config_text();
  if (!config.empty()) {
    section.blocks.push_back(
        TextBlock(absl::StrCat("## Sweep config\n\n```text\n", config,
                               config.back() == '\n' ? "" : "\n", "```\n")));
  }
  return section;
}

}  // namespace aanet::reports
