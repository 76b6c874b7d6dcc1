#include "reports/sections/model_size.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "proto/timing.pb.h"
#include "reports/format.h"
#include "reports/study.h"

namespace aanet::reports {
namespace {

namespace fs = std::filesystem;

std::string EncoderText(const EncoderConfig& encoder) {
  if (encoder.has_flow()) {
    return absl::StrCat(encoder.flow().num_layers(), " flow layers");
  }
  if (encoder.has_mlp()) {
    return absl::StrCat("encoder ", encoder.mlp().num_encoder_layers(),
                        ", decoder ", encoder.mlp().num_decoder_layers());
  }
  return "";
}

// The published depth of an MLP: its hidden layers and the output layer.
int Depth(const MlpConfig& mlp) { return mlp.hidden_widths_size() + 1; }

std::string WithNet(const EncoderConfig& encoder, const std::string& net,
                    const MlpConfig& mlp) {
  const std::string encoder_text = EncoderText(encoder);
  const std::string net_text = absl::StrCat(net, " ", Depth(mlp));
  return encoder_text.empty() ? net_text
                              : absl::StrCat(encoder_text, ", ", net_text);
}

std::string EncoderKind(const EncoderConfig& encoder) {
  if (encoder.has_flow()) return "flow";
  if (encoder.has_mlp()) return "mlp";
  return "";
}

std::optional<Experiment> ParseExperiment(const std::string& text) {
  Experiment experiment;
  google::protobuf::TextFormat::Parser parser;
  parser.AllowUnknownField(true);
  if (!parser.ParseFromString(text, &experiment)) return std::nullopt;
  return experiment;
}

std::optional<TrainingTiming> ReadTiming(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  TrainingTiming timing;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(text.str(), &timing, options)
           .ok() ||
      timing.timed_steps() <= 0) {
    return std::nullopt;
  }
  return timing;
}

// The models of the sweep's equal-step entries, in the order of the points.
std::vector<std::string> EqualStepModels(const StudyData& study) {
  std::vector<std::string> models;
  for (const StudyPoint& p : study.points) {
    if (p.point.protocol() != EQUAL_STEPS) continue;
    if (std::find(models.begin(), models.end(), p.point.model()) ==
        models.end()) {
      models.push_back(p.point.model());
    }
  }
  return models;
}

std::string LossCell(const MeanStd& value) {
  return value.count == 0 ? "—" : MeanPm(value);
}

}  // namespace

std::string ModelSizeText(const Experiment& experiment) {
  const ModelConfig& model = experiment.model();
  if (model.has_action_angle()) {
    return WithNet(model.action_angle().encoder(), "angular-velocity net",
                   model.action_angle().angular_velocity_net());
  }
  if (model.has_euler_update()) {
    return WithNet(model.euler_update().encoder(), "derivative net",
                   model.euler_update().derivative_net());
  }
  if (model.has_neural_ode()) {
    return WithNet(model.neural_ode().encoder(), "derivative net",
                   model.neural_ode().derivative_net());
  }
  if (model.has_hamiltonian()) {
    return WithNet(model.hamiltonian().encoder(), "Hamiltonian net",
                   model.hamiltonian().hamiltonian_net());
  }
  return "—";
}

std::string ModelFamily(const Experiment& experiment) {
  const ModelConfig& model = experiment.model();
  std::string kind, encoder;
  if (model.has_action_angle()) {
    kind = "action_angle";
    encoder = EncoderKind(model.action_angle().encoder());
  } else if (model.has_euler_update()) {
    kind = "euler_update";
    encoder = EncoderKind(model.euler_update().encoder());
  } else if (model.has_neural_ode()) {
    kind = "neural_ode";
    encoder = EncoderKind(model.neural_ode().encoder());
  } else if (model.has_hamiltonian()) {
    kind = "hamiltonian";
    encoder = EncoderKind(model.hamiltonian().encoder());
  } else {
    return "—";
  }
  return encoder.empty() ? kind : absl::StrCat(kind, " (", encoder, ")");
}

ModelSizeStudy ComputeModelSize(const ReportContext& context) {
  ModelSizeStudy study;
  const StudyData& data = context.study;
  if (context.sweep_config.has_value()) {
    study.jumps.assign(context.sweep_config->evaluation().jumps().begin(),
                       context.sweep_config->evaluation().jumps().end());
  }
  std::vector<ModelSizeRow> evaluated, failed_only;
  for (const std::string& model : EqualStepModels(data)) {
    ModelSizeRow row;
    row.model = model;
    row.family = "—";
    row.size = "—";
    const Cell* cell = ReferenceCell(context.cells, model);
    const SweepPoint* at = cell == nullptr ? nullptr : &cell->points[0]->point;
    if (cell != nullptr) row.point = CellPoint(*cell);
    // Every point of the model at the cell's grid point (every point of
    // the model when none was evaluated), whatever became of it.
    for (const StudyPoint& p : data.points) {
      if (p.point.model() != model || p.point.protocol() != EQUAL_STEPS) {
        continue;
      }
      if (at != nullptr &&
          (p.point.dataset() != at->dataset() ||
           p.point.num_train_samples() != at->num_train_samples())) {
        continue;
      }
      ++row.num_points;
      row.num_steps = std::max<int64_t>(row.num_steps, p.point.num_steps());
      if (p.point.status() == SweepPoint::FAILED ||
          p.point.status() == SweepPoint::PENDING) {
        ++row.num_failed;
        if (row.first_error.empty()) {
          row.first_error = p.point.error().empty()
                                ? StatusName(p.point.status())
                                : p.point.error();
        }
      }
    }
    if (cell == nullptr) {
      failed_only.push_back(std::move(row));
      continue;
    }
    std::map<int, std::vector<double>> losses;
    std::vector<double> vpts, wall, cpu;
    for (const StudyPoint* p : cell->points) {
      const EvaluationReport& e = *p->evaluation;
      if (row.num_parameters == 0) {
        row.num_parameters = e.num_parameters();
        if (std::optional<Experiment> experiment =
                ParseExperiment(e.config_text())) {
          row.size = ModelSizeText(*experiment);
          row.family = ModelFamily(*experiment);
        }
      }
      for (const JumpMetrics& j : e.jumps()) {
        losses[j.jump()].push_back(j.prediction_loss());
      }
      if (e.has_vpt()) {
        vpts.push_back(e.vpt().median_time());
        row.vpt_max_time = std::max(row.vpt_max_time, e.vpt().max_time());
      }
      if (std::optional<TrainingTiming> timing = ReadTiming(
              (fs::path(data.sweep_dir) / p->point.directory() / kTimingFile)
                  .string())) {
        wall.push_back(timing->seconds_per_step());
        cpu.push_back(timing->cpu_seconds_per_step());
        ++row.timed_points;
      }
    }
    if (study.jumps.empty()) {
      for (const auto& [jump, values] : losses) study.jumps.push_back(jump);
    }
    for (const auto& [jump, values] : losses) {
      row.test_loss[jump] = ComputeMeanStd(values);
    }
    row.vpt = ComputeMeanStd(vpts);
    row.seconds_per_step = ComputeMeanStd(wall);
    row.cpu_seconds_per_step = ComputeMeanStd(cpu);
    evaluated.push_back(std::move(row));
  }
  std::stable_sort(evaluated.begin(), evaluated.end(),
                   [](const ModelSizeRow& a, const ModelSizeRow& b) {
                     if (a.family != b.family) return a.family < b.family;
                     return a.num_parameters < b.num_parameters;
                   });
  std::map<std::string, std::set<int64_t>> sizes;
  for (const ModelSizeRow& row : evaluated) {
    sizes[row.family].insert(row.num_parameters);
  }
  for (const auto& [family, counts] : sizes) {
    if (counts.size() >= 2) study.has_sizes = true;
  }
  study.rows = std::move(evaluated);
  for (ModelSizeRow& row : failed_only) study.rows.push_back(std::move(row));
  return study;
}

Table ModelSizeMarkdown(const ModelSizeStudy& study) {
  Table table{{"family", "model", "size", "parameters", "steps"}, {}};
  for (int jump : study.jumps) {
    table.header.push_back(absl::StrCat("test loss @", jump));
  }
  for (const char* column :
       {"median VPT", "ms/step (CPU)", "ms/step (wall)", "points (failed)"}) {
    table.header.push_back(column);
  }
  for (const ModelSizeRow& row : study.rows) {
    std::vector<std::string> cells = {
        row.family, row.model, row.size,
        row.num_parameters > 0 ? absl::StrCat(row.num_parameters) : "—",
        absl::StrCat(row.num_steps)};
    for (int jump : study.jumps) {
      auto it = row.test_loss.find(jump);
      cells.push_back(it == row.test_loss.end() ? "—" : LossCell(it->second));
    }
    std::string vpt = LossCell(row.vpt);
    if (row.vpt.count > 0 && row.vpt.mean >= row.vpt_max_time) {
      vpt = absl::StrCat("> ", Short(row.vpt_max_time));
    }
    cells.push_back(vpt);
    cells.push_back(row.timed_points == 0
                        ? "not recorded"
                        : MeanPmScaled(row.cpu_seconds_per_step, 1e3));
    cells.push_back(row.timed_points == 0
                        ? "not recorded"
                        : MeanPmScaled(row.seconds_per_step, 1e3));
    std::string points =
        absl::StrCat(row.num_points, " (", row.num_failed, ")");
    if (row.num_failed > 0) {
      absl::StrAppend(&points, ": ", MarkdownCell(row.first_error));
    }
    cells.push_back(points);
    table.rows.push_back(std::move(cells));
  }
  return table;
}

Table ModelSizeCsv(const ModelSizeStudy& study) {
  Table csv{
      {"family", "model", "size", "num_parameters", "num_steps", "jump",
       "mean_loss", "std_loss", "num_seeds", "vpt_median_mean", "vpt_max_time",
       "cpu_seconds_per_step_mean", "wall_seconds_per_step_mean",
       "timed_points", "num_points", "num_failed"},
      {}};
  for (const ModelSizeRow& row : study.rows) {
    auto add = [&](const std::string& jump, const MeanStd& loss) {
      csv.rows.push_back(
          {row.family, row.model, row.size, absl::StrCat(row.num_parameters),
           absl::StrCat(row.num_steps), jump, Num(loss.mean), Num(loss.std),
           absl::StrCat(loss.count), Num(row.vpt.mean), Num(row.vpt_max_time),
           Num(row.cpu_seconds_per_step.mean), Num(row.seconds_per_step.mean),
           absl::StrCat(row.timed_points), absl::StrCat(row.num_points),
           absl::StrCat(row.num_failed)});
    };
    if (row.test_loss.empty()) add("", MeanStd());
    for (const auto& [jump, loss] : row.test_loss) {
      add(absl::StrCat(jump), loss);
    }
  }
  return csv;
}

Figure ModelSizeFigure(const ModelSizeStudy& study,
                       std::vector<std::string>* left_out) {
  Figure figure;
  figure.name = "fig_model_size";
  figure.columns = static_cast<int>(std::min<size_t>(study.jumps.size(), 3));
  DataBlocks data;
  std::vector<std::string> families;
  for (const ModelSizeRow& row : study.rows) {
    if (row.num_parameters > 0 && std::find(families.begin(), families.end(),
                                            row.family) == families.end()) {
      families.push_back(row.family);
    }
  }
  std::set<std::string> named;
  for (int jump : study.jumps) {
    PlotPanel panel;
    panel.title = absl::StrCat("test loss at jump ", jump);
    panel.x_label = "parameters";
    panel.y_label = "test prediction loss";
    panel.log_x = true;
    panel.log_y = true;
    panel.commands = {"set key below"};
    for (size_t f = 0; f < families.size(); ++f) {
      std::vector<std::vector<double>> rows;
      for (const ModelSizeRow& row : study.rows) {
        if (row.family != families[f]) continue;
        auto it = row.test_loss.find(jump);
        if (it == row.test_loss.end()) continue;
        if (!Plottable(it->second.mean)) {
          const std::string label = absl::StrCat(row.model, ", jump ", jump);
          if (named.insert(label).second) left_out->push_back(label);
          continue;
        }
        rows.push_back(
            ErrorBarRow(static_cast<double>(row.num_parameters), it->second));
      }
      if (rows.empty()) continue;
      panel.series.push_back(
          {families[f],
           data.Add(absl::StrCat(families[f], ", jump ", jump), rows),
           "1:2:3:4", "yerrorlines", static_cast<int>(f) + 1});
    }
    if (!panel.series.empty()) figure.panels.push_back(std::move(panel));
  }
  figure.data = data.text();
  return figure;
}

absl::StatusOr<Section> ModelSizeSection(const ReportContext& context) {
  const ModelSizeStudy study = ComputeModelSize(context);
  Section section;
  if (!study.has_sizes) return section;
  section.csv_files.push_back({"model_size.csv", ModelSizeCsv(study)});
  int num_points = 0, num_failed = 0, max_seeds = 0;
  std::set<int64_t> steps;
  for (const ModelSizeRow& row : study.rows) {
    num_points += row.num_points;
    num_failed += row.num_failed;
    max_seeds = std::max(max_seeds, row.num_points - row.num_failed);
    steps.insert(row.num_steps);
  }
  section.blocks.push_back(TextBlock(absl::StrCat(
      "## 9. Model size\n\n"
      "*What it is:* the published code's performance-vs-parameters sweeps "
      "(flow layers 5 to 50 for the flow models; the Neural ODE's encoder, "
      "decoder and derivative-net depths): every model entry at its "
      "reference point, its size read from the config its evaluations "
      "record (a net's depth counts its hidden layers and its output layer, "
      "as the published code does), its parameter count, the test "
      "prediction loss (mean ± std over seeds), the median valid prediction "
      "time (section 1; `> T` when the median start state never crossed "
      "the threshold within T) and the training time per step: the time of "
      "the training steps alone (no evaluations, no checkpoints), recorded "
      "by the trainer in each run's `timing.json`, in CPU and wall "
      "milliseconds. `points (failed)` counts the model's points and those "
      "that failed, with the first error. `model_size.csv` has every "
      "number.\n\n"
      "*What this budget can and cannot show:* ",
      JoinSet(steps), " training steps per model and at most ", max_seeds,
      max_seeds == 1 ? " seed" : " seeds", " per model. ",
      max_seeds < 2 ? "With one seed, differences under about 2x between sizes "
                      "cannot be told from seed noise. "
                    : "",
      "A larger model may need more steps than this budget to pay off, so "
      "a loss that rises with size here says that the budget is too small "
      "for the larger models, not that they are worse. Wall times come "
      "from a machine shared by the sweep's parallel points; the CPU time "
      "per step is the one to compare. ",
      num_failed > 0 ? absl::StrCat("**", num_failed, " of ", num_points,
                                    " points failed** (the last column).")
                     : absl::StrCat("All ", num_points, " points finished."),
      "\n\n")));
  section.blocks.push_back(TableBlock(ModelSizeMarkdown(study)));
  std::vector<std::string> left_out;
  Figure figure = ModelSizeFigure(study, &left_out);
  section.blocks.push_back(FigureBlock(
      std::move(figure), "test loss against the number of parameters"));
  const std::string note = FigureNote(left_out, {});
  if (!note.empty()) section.blocks.push_back(TextBlock(note));
  return section;
}

}  // namespace aanet::reports
