// data_gen: writes one HDF5 trajectory dataset from an Experiment config.
//
//   bazel run //data_gen -- --config=configs/harmonic/default.pbtxt
//   [--set=simulation.harmonic.k_pair=0.3 ...] [--out=PATH]
//
// Without --out the file goes to out/datasets/<name>.h5 in the workspace, the
// config's `name` (its file stem if it has none; with overrides:
// <name>_<field>_<value>....h5). Errors print
// one line and exit with status 1.
#include <filesystem>
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "cli/main_skeleton.h"
#include "cli/paths.h"
#include "cli/set_flags.h"
#include "data_gen/dataset.h"
#include "data_gen/summary.h"
#include "fileio/text_file.h"
#include "proto/text_config.h"
#include "status/status_macros.h"

ABSL_FLAG(std::string, config, "",
          "text-format Experiment config, e.g. configs/harmonic/default.pbtxt");
ABSL_FLAG(std::string, out, "",
          "output .h5 path (default: out/datasets/<the config's name>.h5)");

namespace aanet::data_gen {
namespace {

// The file name under out/datasets/ without --out: the config's name, as the
// sweep names its datasets (so configs that share a file stem, such as
// harmonic/default.pbtxt and pendulum/default.pbtxt, do not overwrite each
// other), else the file stem; overrides add _<field>_<value>.
absl::StatusOr<std::string> DefaultFileName(const ExperimentConfig& config,
                                            const std::string& config_path) {
  const std::string& name = config.experiment.name();
  if (name.find_first_of("/\\") != std::string::npos || name == "." ||
      name == "..") {
    return absl::InvalidArgumentError(
        absl::StrCat(config_path, ": name: '", name,
                     "' is not a file name (it names the default output "
                     "out/datasets/<name>.h5); give --out"));
  }
  const std::string stem =
      name.empty() ? std::filesystem::path(config_path).stem().string() : name;
  return absl::StrCat(stem, OverridesSuffix(SetFlags()), ".h5");
}

absl::Status Run() {
  const std::string config_flag = absl::GetFlag(FLAGS_config);
  if (config_flag.empty()) {
    return absl::InvalidArgumentError(
        "--config is required: a text-format Experiment config such as "
        "configs/harmonic/default.pbtxt");
  }
  const std::string config_path = ResolveUserPath(config_flag);
  AANET_ASSIGN_OR_RETURN(const ExperimentConfig config,
                         ReadExperimentConfig(config_path, SetFlags()));
  std::string out = ResolveUserPath(absl::GetFlag(FLAGS_out));
  if (out.empty()) {
    AANET_ASSIGN_OR_RETURN(const std::string file_name,
                           DefaultFileName(config, config_path));
    out = WorkspaceOutputPath(absl::StrCat("datasets/", file_name));
  }
  // Before generating: a refused output should not cost the whole run.
  AANET_RETURN_IF_ERROR(CheckOutputPath(out));
  AANET_RETURN_IF_ERROR(CheckOutputIsNotInput(out, {config_path}));

  absl::StatusOr<Dataset> dataset =
      GenerateDataset(config.experiment, config.text);
  if (!dataset.ok()) {
    return absl::Status(
        dataset.status().code(),
        absl::StrCat(config_path, ": ", dataset.status().message()));
  }

  AANET_RETURN_IF_ERROR(WriteDataset(*dataset, out));
  std::cout << "wrote " << SummarizeDataset(*dataset, out);
  return absl::OkStatus();
}

}  // namespace
}  // namespace aanet::data_gen

int main(int argc, char** argv) {
  aanet::MainOptions options;
  options.positional_hint = " (flags are --config, --set and --out)";
  options.extract_args = aanet::ExtractSetFlags;
  return aanet::RunMain(
      argc, argv, "data_gen",
      "Generates an HDF5 trajectory dataset from an Experiment config.\n"
      "  bazel run //data_gen -- --config=configs/harmonic/default.pbtxt "
      "[--set=path.to.field=value ...] [--out=PATH]",
      aanet::data_gen::Run, options);
}
