#include "reports/section.h"

#include <string>
#include <utility>

#include "google/protobuf/text_format.h"

namespace aanet::reports {

Block TextBlock(std::string text) {
  Block block;
  block.kind = Block::kText;
  block.text = std::move(text);
  return block;
}

Block TableBlock(Table table) {
  Block block;
  block.kind = Block::kTable;
  block.table = std::move(table);
  return block;
}

Block FigureBlock(Figure figure, std::string alt) {
  Block block;
  block.kind = Block::kFigure;
  block.figure = std::move(figure);
  block.text = std::move(alt);
  return block;
}

ReportContext::ReportContext(const StudyData& study,
                             const ReportOptions& options)
    : study(study),
      options(options),
      cells(GroupIntoCells(study)),
      models(ModelNames(cells)) {
  for (size_t i = 0; i < models.size(); ++i) color_[models[i]] = i + 1;
  SweepConfig config;
  if (google::protobuf::TextFormat::ParseFromString(
          study.results.sweep_config_text(), &config)) {
    sweep_config = std::move(config);
  }
}

int ReportContext::Color(const std::string& model) const {
  auto it = color_.find(model);
  return it == color_.end() ? 0 : it->second;
}

}  // namespace aanet::reports
