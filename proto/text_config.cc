#include "proto/text_config.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "proto/config_override.h"
#include "status/status_macros.h"

namespace aanet {
namespace {

// Keeps the first error with its position; TextFormat reports line and
// column zero-based.
class FirstErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (!has_error_) {
      has_error_ = true;
      line_ = line;
      column_ = column;
      message_ = message;
    }
  }
  void AddWarning(int, google::protobuf::io::ColumnNumber,
                  const std::string&) override {}

  bool has_error() const { return has_error_; }
  std::string Describe(const std::string& source) const {
    return absl::StrCat(source, ":", line_ + 1, ":", column_ + 1, ": ",
                        message_);
  }

 private:
  bool has_error_ = false;
  int line_ = 0;
  int column_ = 0;
  std::string message_;
};

}  // namespace

absl::Status ParseTextProto(const std::string& text, const std::string& source,
                            google::protobuf::Message* message) {
  message->Clear();
  FirstErrorCollector errors;
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(text, message)) {
    if (errors.has_error()) {
      return absl::InvalidArgumentError(errors.Describe(source));
    }
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": not a valid text-format ",
                     message->GetDescriptor()->full_name()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFileToString(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": is a directory, expected a file"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat(path, ": cannot open (", std::strerror(errno), ")"));
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) {
    return absl::DataLossError(absl::StrCat(path, ": read error"));
  }
  return contents.str();
}

absl::Status ReadTextProtoFile(const std::string& path,
                               google::protobuf::Message* message) {
  AANET_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  return ParseTextProto(text, path, message);
}

absl::StatusOr<ExperimentConfig> ReadExperimentConfig(const std::string& path) {
  ExperimentConfig config;
  config.path = path;
  AANET_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  config.text = std::move(text);
  AANET_RETURN_IF_ERROR(ParseTextProto(config.text, path, &config.experiment));
  return config;
}

absl::StatusOr<ExperimentConfig> ReadExperimentConfig(
    const std::string& path, const std::vector<std::string>& overrides) {
  absl::StatusOr<ExperimentConfig> config = ReadExperimentConfig(path);
  if (!config.ok() || overrides.empty()) return config;
  AANET_RETURN_IF_ERROR(
      ApplyOverrides(overrides, "--set", &config->experiment));
  config->text = EffectiveConfigText(config->experiment, path, overrides);
  return config;
}

std::string EffectiveConfigText(const google::protobuf::Message& message,
                                const std::string& path,
                                const std::vector<std::string>& overrides) {
  std::string text = absl::StrCat(
      "# ", path, " with --set=", absl::StrJoin(overrides, " --set="), "\n");
  std::string printed;
  google::protobuf::TextFormat::PrintToString(message, &printed);
  return absl::StrCat(text, printed);
}

}  // namespace aanet
