// Reading experiment configs from text-format (.pbtxt) files.
//
// A config that cannot be read or parsed gives one error naming the file and,
// for syntax and schema errors, the line and column, e.g.
//   configs/x.pbtxt:3:5: Message type "aanet.SimulationConfig" has no field
//   named "num_sample".
// Values are validated by the code that uses them (data_gen, train, ...),
// which names the field path.
#ifndef AANET_PROTO_TEXT_CONFIG_H_
#define AANET_PROTO_TEXT_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "proto/experiment.pb.h"

namespace aanet {

// Parses `text` (named `source` in errors) into `message`, which is cleared
// first. Unknown fields and type mismatches are errors.
absl::Status ParseTextProto(const std::string& text, const std::string& source,
                            google::protobuf::Message* message);

// Reads and parses the file at `path` into `message`.
absl::Status ReadTextProtoFile(const std::string& path,
                               google::protobuf::Message* message);

// An Experiment config together with the exact text it was read from, which
// every output records.
struct ExperimentConfig {
  Experiment experiment;
  std::string text;
  std::string path;
};

absl::StatusOr<ExperimentConfig> ReadExperimentConfig(const std::string& path);

// As above, then applies `overrides` ("path.to.field=value", see
// proto/config_override.h; errors show each as `--set=...`). With overrides,
// `text` is the effective config: EffectiveConfigText of the result.
absl::StatusOr<ExperimentConfig> ReadExperimentConfig(
    const std::string& path, const std::vector<std::string>& overrides);

// The text every output records for a config read from `path` and changed by
// `overrides`: a comment line naming both, then `message` in text format.
// Parsing it gives `message` back.
std::string EffectiveConfigText(const google::protobuf::Message& message,
                                const std::string& path,
                                const std::vector<std::string>& overrides);

// Reads a whole file into a string; NotFound names the path.
absl::StatusOr<std::string> ReadFileToString(const std::string& path);

}  // namespace aanet

#endif  // AANET_PROTO_TEXT_CONFIG_H_
