// The project's main job, `bazel run //:paper`.
//
// Today it runs the first stage of the paper's study: it generates the
// harmonic-oscillator datasets for every pair-spring strength the study
// uses (k_pair = 0.1, 0.5, 1.0) under out/datasets/ and prints a summary of
// each. Training, evaluation and the report join as those stages land.
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cli/paths.h"
#include "data_gen/dataset.h"
#include "data_gen/summary.h"
#include "proto/text_config.h"

ABSL_FLAG(std::string, configs,
          "configs/harmonic/k_pair_0.1.pbtxt,configs/harmonic/default.pbtxt,"
          "configs/harmonic/k_pair_1.0.pbtxt",
          "comma-separated dataset configs (paths relative to the workspace)");

namespace aanet {
namespace {

// Configs ship as runfiles; under `bazel run` the working directory is the
// runfiles root, so workspace-relative paths resolve there.
absl::Status Run() {
  const std::vector<std::string> configs =
      absl::StrSplit(absl::GetFlag(FLAGS_configs), ',', absl::SkipEmpty());
  for (const std::string& config_path : configs) {
    absl::StatusOr<ExperimentConfig> config = ReadExperimentConfig(config_path);
    if (!config.ok()) return config.status();
    absl::StatusOr<data_gen::Dataset> dataset =
        data_gen::GenerateDataset(config->experiment, config->text);
    if (!dataset.ok()) {
      return absl::Status(
          dataset.status().code(),
          absl::StrCat(config_path, ": ", dataset.status().message()));
    }
    const std::string out = WorkspaceOutputPath(absl::StrCat(
        "datasets/", std::filesystem::path(config_path).stem().string(),
        ".h5"));
    absl::Status written = data_gen::WriteDataset(*dataset, out);
    if (!written.ok()) return written;
    std::cout << data_gen::SummarizeDataset(*dataset, out);
  }
  std::cout << "generated " << configs.size()
            << " dataset(s); training, evaluation and the report are not "
               "part of the main job yet.\n";
  return absl::OkStatus();
}

}  // namespace
}  // namespace aanet

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Runs the paper's study: bazel run //:paper");
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() > 1) {
    std::cerr << "paper: unexpected argument '" << positional[1] << "'\n";
    return 1;
  }
  absl::Status status = aanet::Run();
  if (!status.ok()) {
    std::cerr << "paper: " << status.message() << "\n";
    return 1;
  }
  return 0;
}
