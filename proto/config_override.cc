#include "proto/config_override.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "status/status_macros.h"

namespace aanet {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using google::protobuf::TextFormat;

// Keeps the first message, so that protobuf logs nothing to stderr.
class QuietErrors : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int, google::protobuf::io::ColumnNumber,
                const std::string& message) override {
    if (first_.empty()) first_ = message;
  }
  void AddWarning(int, google::protobuf::io::ColumnNumber,
                  const std::string&) override {}
  const std::string& first() const { return first_; }

 private:
  std::string first_;
};

std::string FieldNames(const Descriptor& descriptor) {
  std::vector<std::string> names;
  for (int i = 0; i < descriptor.field_count(); ++i) {
    names.push_back(descriptor.field(i)->name());
  }
  return absl::StrJoin(names, ", ");
}

// What a value of `field` looks like, for errors.
std::string Expected(const FieldDescriptor& field) {
  if (field.cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
    std::vector<std::string> names;
    const google::protobuf::EnumDescriptor& e = *field.enum_type();
    for (int i = 0; i < e.value_count(); ++i) {
      names.push_back(e.value(i)->name());
    }
    return absl::StrCat("one of ", absl::StrJoin(names, ", "));
  }
  if (field.cpp_type() == FieldDescriptor::CPPTYPE_BOOL) {
    return "true or false";
  }
  const std::string type = field.type_name();
  const bool vowel = type[0] == 'i' || type[0] == 'u';
  return absl::StrCat(vowel ? "an " : "a ", type);
}

// Parses one scalar `value` into `field` of `message` (appended if the field
// is repeated).
absl::Status SetScalar(const std::string& path, const FieldDescriptor& field,
                       absl::string_view value, Message* message) {
  std::string text(absl::StripAsciiWhitespace(value));
  if (field.cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
    const bool quoted = text.size() >= 2 &&
                        (text.front() == '"' || text.front() == '\'') &&
                        text.back() == text.front();
    if (!quoted) {
      const Reflection& reflection = *message->GetReflection();
      if (field.is_repeated()) {
        reflection.AddString(message, &field, text);
      } else {
        reflection.SetString(message, &field, text);
      }
      return absl::OkStatus();
    }
  }
  QuietErrors errors;
  TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  if (text.empty() ||
      !parser.ParseFieldValueFromString(text, &field, message)) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": expected ", Expected(field), ", got '", text, "'"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ApplyOverride(const std::string& assignment, Message* message) {
  const size_t equals = assignment.find('=');
  if (equals == std::string::npos || equals == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected path.to.field=value, got '", assignment, "'"));
  }
  const std::string path(
      absl::StripAsciiWhitespace(assignment.substr(0, equals)));
  const absl::string_view value = absl::StripAsciiWhitespace(
      absl::string_view(assignment).substr(equals + 1));
  const std::vector<std::string> segments = absl::StrSplit(path, '.');

  Message* current = message;
  std::string walked;
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string& name = segments[i];
    walked = walked.empty() ? name : absl::StrCat(walked, ".", name);
    const Descriptor& descriptor = *current->GetDescriptor();
    const FieldDescriptor* field = descriptor.FindFieldByName(name);
    if (field == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(walked, ": ", descriptor.full_name(), " has no field '",
                       name, "' (fields: ", FieldNames(descriptor), ")"));
    }
    const Reflection& reflection = *current->GetReflection();
    const bool last = i + 1 == segments.size();
    const bool is_message =
        field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE;
    if (!last) {
      if (!is_message || field->is_repeated()) {
        return absl::InvalidArgumentError(absl::StrCat(
            walked, ": is ",
            field->is_repeated() ? "a repeated field" : Expected(*field),
            ", not a message with fields"));
      }
      current = reflection.MutableMessage(current, field);
      continue;
    }
    if (value.empty()) {
      reflection.ClearField(current, field);
      return absl::OkStatus();
    }
    if (is_message) {
      if (field->is_repeated()) {
        return absl::InvalidArgumentError(absl::StrCat(
            walked, ": is a repeated message; edit it in the config file"));
      }
      absl::string_view body = value;
      if (absl::ConsumePrefix(&body, "{") && !absl::ConsumeSuffix(&body, "}")) {
        return absl::InvalidArgumentError(
            absl::StrCat(walked, ": unbalanced '{' in '", value, "'"));
      }
      Message* sub = reflection.MutableMessage(current, field);
      sub->Clear();
      QuietErrors errors;
      TextFormat::Parser parser;
      parser.RecordErrorsTo(&errors);
      if (!parser.ParseFromString(std::string(body), sub)) {
        return absl::InvalidArgumentError(
            absl::StrCat(walked, ": expected text-format ",
                         field->message_type()->full_name(), " contents (",
                         errors.first(), "), got '", value, "'"));
      }
      return absl::OkStatus();
    }
    if (field->is_repeated()) {
      absl::string_view list = value;
      if (absl::ConsumePrefix(&list, "[") && !absl::ConsumeSuffix(&list, "]")) {
        return absl::InvalidArgumentError(
            absl::StrCat(walked, ": unbalanced '[' in '", value, "'"));
      }
      reflection.ClearField(current, field);
      for (absl::string_view item : absl::StrSplit(list, ',')) {
        AANET_RETURN_IF_ERROR(SetScalar(walked, *field, item, current));
      }
      return absl::OkStatus();
    }
    return SetScalar(walked, *field, value, current);
  }
  return absl::OkStatus();
}

absl::Status ApplyOverrides(const std::vector<std::string>& assignments,
                            const std::string& flag, Message* message) {
  for (const std::string& assignment : assignments) {
    absl::Status status = ApplyOverride(assignment, message);
    if (!status.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(flag, "=", assignment, ": ", status.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace aanet
