#include "sweep/system_description.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace aanet::sweep {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

const FieldDescriptor* SetSystemField(const SimulationConfig& simulation) {
  const google::protobuf::OneofDescriptor* oneof =
      simulation.GetDescriptor()->FindOneofByName("system");
  if (oneof == nullptr) return nullptr;
  return simulation.GetReflection()->GetOneofFieldDescriptor(simulation, oneof);
}

std::string MessageText(const Message& message);

// Element `index` of a repeated field, or the singular value (index -1).
std::string ValueText(const Message& message, const FieldDescriptor* field,
                      int index) {
  const Reflection* r = message.GetReflection();
  const bool repeated = index >= 0;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(repeated ? r->GetRepeatedInt32(message, field, index)
                                   : r->GetInt32(message, field));
    case FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(repeated ? r->GetRepeatedInt64(message, field, index)
                                   : r->GetInt64(message, field));
    case FieldDescriptor::CPPTYPE_UINT32:
      return absl::StrCat(repeated ? r->GetRepeatedUInt32(message, field, index)
                                   : r->GetUInt32(message, field));
    case FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat(repeated ? r->GetRepeatedUInt64(message, field, index)
                                   : r->GetUInt64(message, field));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return absl::StrCat(repeated ? r->GetRepeatedDouble(message, field, index)
                                   : r->GetDouble(message, field));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return absl::StrCat(repeated ? r->GetRepeatedFloat(message, field, index)
                                   : r->GetFloat(message, field));
    case FieldDescriptor::CPPTYPE_BOOL:
      return (repeated ? r->GetRepeatedBool(message, field, index)
                       : r->GetBool(message, field))
                 ? "true"
                 : "false";
    case FieldDescriptor::CPPTYPE_ENUM:
      return repeated ? r->GetRepeatedEnum(message, field, index)->name()
                      : r->GetEnum(message, field)->name();
    case FieldDescriptor::CPPTYPE_STRING:
      return repeated ? r->GetRepeatedString(message, field, index)
                      : r->GetString(message, field);
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return MessageText(repeated ? r->GetRepeatedMessage(message, field, index)
                                  : r->GetMessage(message, field));
  }
  return "?";
}

bool IsSet(const Message& message, const FieldDescriptor* field) {
  const Reflection* r = message.GetReflection();
  if (field->is_repeated()) return r->FieldSize(message, field) > 0;
  // For a proto3 scalar without presence, set means not the default.
  return r->HasField(message, field);
}

// "name value" of every set field of `message`.
std::vector<std::string> FieldTexts(const Message& message) {
  std::vector<std::string> texts;
  const google::protobuf::Descriptor* descriptor = message.GetDescriptor();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    if (!IsSet(message, field)) continue;
    std::string value;
    if (field->is_repeated()) {
      std::vector<std::string> elements;
      for (int j = 0; j < message.GetReflection()->FieldSize(message, field);
           ++j) {
        elements.push_back(ValueText(message, field, j));
      }
      value = absl::StrCat("[", absl::StrJoin(elements, ", "), "]");
    } else {
      value = ValueText(message, field, -1);
    }
    texts.push_back(absl::StrCat(field->name(), " ", value));
  }
  return texts;
}

// A {min, max} range reads "min..max" (the shape of ParameterRange, found by
// its field names, so that any system's ranges print alike).
std::string MessageText(const Message& message) {
  const google::protobuf::Descriptor* d = message.GetDescriptor();
  const FieldDescriptor* min = d->FindFieldByName("min");
  const FieldDescriptor* max = d->FindFieldByName("max");
  const FieldDescriptor* values = d->FindFieldByName("values");
  if (min != nullptr && max != nullptr && !min->is_repeated() &&
      !max->is_repeated() && IsSet(message, min) && IsSet(message, max)) {
    return absl::StrCat(ValueText(message, min, -1), "..",
                        ValueText(message, max, -1));
  }
  if (values != nullptr && values->is_repeated() &&
      message.GetReflection()->FieldSize(message, values) > 0) {
    std::vector<std::string> elements;
    for (int j = 0; j < message.GetReflection()->FieldSize(message, values);
         ++j) {
      elements.push_back(ValueText(message, values, j));
    }
    return absl::StrCat("[", absl::StrJoin(elements, ", "), "]");
  }
  return absl::StrCat("{", absl::StrJoin(FieldTexts(message), ", "), "}");
}

}  // namespace

std::string SystemName(const SimulationConfig& simulation) {
  const FieldDescriptor* field = SetSystemField(simulation);
  return field == nullptr ? "" : field->name();
}

std::string DescribeSystem(const SimulationConfig& simulation) {
  const FieldDescriptor* field = SetSystemField(simulation);
  if (field == nullptr) return "";
  const Message& system =
      simulation.GetReflection()->GetMessage(simulation, field);
  const std::vector<std::string> texts = FieldTexts(system);
  if (texts.empty()) return field->name();
  return absl::StrCat(field->name(), ": ", absl::StrJoin(texts, ", "));
}

}  // namespace aanet::sweep
