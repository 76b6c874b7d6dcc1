// import: brings trajectories of the user's own (q, p and t from an HDF5
// file, .npy arrays or a CSV file) into the dataset format, with no system
// of the project (data_gen/README.md, "Your own trajectories").
//
//   bazel run //data_gen:import -- --csv=traj.csv --name=mine
//   bazel run //data_gen:import -- --q=q.npy --p=p.npy --t=t.npy --name=mine
//       --hamiltonian_config=configs/pendulum/default.pbtxt
//   bazel run //data_gen:import -- --hdf5=run.h5 --q_dataset=x/q ...
//
// Without --output the file is out/datasets/<name>.h5. Errors print one line
// naming the file and the first sample, line or column that breaks a rule,
// and exit with status 1; nothing is written then.
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "cli/main_skeleton.h"
#include "cli/paths.h"
#include "data_gen/dataset.h"
#include "data_gen/import.h"
#include "data_gen/summary.h"
#include "fileio/text_file.h"
#include "proto/text_config.h"
#include "status/status_macros.h"

ABSL_FLAG(std::string, output, "",
          "output .h5 path (default: out/datasets/<name>.h5)");
ABSL_FLAG(std::string, name, "",
          "the dataset's name (default: the stem of --output)");
ABSL_FLAG(std::string, csv, "",
          "a CSV file: header t,q_1..q_n,p_1..p_n[,trajectory]");
ABSL_FLAG(std::string, hdf5, "",
          "an HDF5 file with float64 q, p [K, T, n] or [T, n] and t [T]");
ABSL_FLAG(std::string, q_dataset, "q", "--hdf5: the path of q in the file");
ABSL_FLAG(std::string, p_dataset, "p", "--hdf5: the path of p in the file");
ABSL_FLAG(std::string, t_dataset, "t", "--hdf5: the path of t in the file");
ABSL_FLAG(std::string, q, "", ".npy file of q [K, T, n] or [T, n]");
ABSL_FLAG(std::string, p, "", ".npy file of p, the shape of --q");
ABSL_FLAG(std::string, t, "", ".npy file of t [T]");
ABSL_FLAG(std::string, hamiltonian_config, "",
          "a dataset config whose system's Hamiltonian gives the energy of the "
          "states (e.g. configs/pendulum/default.pbtxt); default: none, the "
          "energy is unknown");

namespace aanet::data_gen {
namespace {

bool IsFileName(const std::string& name) {
  return !name.empty() && name.find_first_of("/\\ ") == std::string::npos &&
         name != "." && name != "..";
}

absl::Status Run() {
  const std::string csv = absl::GetFlag(FLAGS_csv);
  const std::string hdf5 = absl::GetFlag(FLAGS_hdf5);
  const std::string q = absl::GetFlag(FLAGS_q), p = absl::GetFlag(FLAGS_p),
                    t = absl::GetFlag(FLAGS_t);
  const bool npy = !q.empty() || !p.empty() || !t.empty();
  if ((!csv.empty()) + (!hdf5.empty()) + npy != 1) {
    return absl::InvalidArgumentError(
        "give one source: --csv=FILE, --hdf5=FILE, or --q=, --p= and --t= "
        "(.npy files)");
  }
  if (npy && (q.empty() || p.empty() || t.empty())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--q, --p and --t (.npy files) go together; missing ", q.empty() ? "--q"
                                                               : p.empty()
                                                                   ? "--p"
                                                                   : "--t"));
  }
  std::string name = absl::GetFlag(FLAGS_name);
  std::string output = ResolveUserPath(absl::GetFlag(FLAGS_output));
  if (name.empty() && output.empty()) {
    return absl::InvalidArgumentError(
        "--name is required (or --output, whose stem names the dataset)");
  }
  if (name.empty()) name = std::filesystem::path(output).stem().string();
  if (!IsFileName(name)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--name: '", name, "' is not a file name (no '/', '\\' or spaces)"));
  }
  if (output.empty()) {
    output = WorkspaceOutputPath(absl::StrCat("datasets/", name, ".h5"));
  }

  ImportedTrajectories source;
  std::vector<std::string> inputs;
  if (!csv.empty()) {
    source.set_format("csv");
    source.add_files(csv);
    inputs = {ResolveUserPath(csv)};
  } else if (!hdf5.empty()) {
    source.set_format("hdf5");
    source.add_files(hdf5);
    source.set_q_dataset(absl::GetFlag(FLAGS_q_dataset));
    source.set_p_dataset(absl::GetFlag(FLAGS_p_dataset));
    source.set_t_dataset(absl::GetFlag(FLAGS_t_dataset));
    inputs = {ResolveUserPath(hdf5)};
  } else {
    source.set_format("npy");
    for (const std::string& file : {q, p, t}) {
      source.add_files(file);
      inputs.push_back(ResolveUserPath(file));
    }
  }
  const std::string hamiltonian_flag = absl::GetFlag(FLAGS_hamiltonian_config);
  const std::string hamiltonian_path = ResolveUserPath(hamiltonian_flag);
  inputs.push_back(hamiltonian_path);
  // Before reading: a refused output should not cost the whole import.
  AANET_RETURN_IF_ERROR(CheckOutputPath(output));
  AANET_RETURN_IF_ERROR(CheckOutputIsNotInput(output, inputs));

  absl::StatusOr<SourceTrajectories> read;
  if (!csv.empty()) {
    read = ReadCsvSource(inputs[0]);
  } else if (!hdf5.empty()) {
    read = ReadHdf5Source(inputs[0], source.q_dataset(), source.p_dataset(),
                          source.t_dataset());
  } else {
    read = ReadNpySource(inputs[0], inputs[1], inputs[2]);
  }
  AANET_RETURN_IF_ERROR(read.status());

  std::optional<NamedHamiltonian> hamiltonian;
  if (!hamiltonian_flag.empty()) {
    AANET_ASSIGN_OR_RETURN(ExperimentConfig config,
                           ReadExperimentConfig(hamiltonian_path));
    hamiltonian = NamedHamiltonian{
        hamiltonian_flag, std::move(config.experiment), std::move(config.text)};
  }
  AANET_ASSIGN_OR_RETURN(
      const ImportedDataset imported,
      MakeImportedDataset(*std::move(read), name, source,
                          hamiltonian ? &*hamiltonian : nullptr));
  for (const std::string& warning : imported.warnings) {
    std::cerr << "import: warning: " << warning << "\n";
  }
  AANET_RETURN_IF_ERROR(WriteDataset(imported.dataset, output));
  std::cout << "wrote " << SummarizeDataset(imported.dataset, output);
  return absl::OkStatus();
}

}  // namespace
}  // namespace aanet::data_gen

int main(int argc, char** argv) {
  aanet::MainOptions options;
  options.positional_hint =
      " (flags are --csv, --hdf5, --q/--p/--t, --name, --output, "
      "--hamiltonian_config)";
  return aanet::RunMain(
      argc, argv, "import",
      "Brings trajectories of your own (q, p, t) into the dataset format.\n"
      "  bazel run //data_gen:import -- --csv=traj.csv --name=mine\n"
      "  bazel run //data_gen:import -- --q=q.npy --p=p.npy --t=t.npy "
      "--name=mine [--hamiltonian_config=configs/pendulum/default.pbtxt]\n"
      "  bazel run //data_gen:import -- --hdf5=run.h5 [--q_dataset=q "
      "--p_dataset=p --t_dataset=t] --name=mine [--output=PATH]",
      aanet::data_gen::Run, options);
}
