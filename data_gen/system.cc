#include "data_gen/system.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.h"

namespace aanet::data_gen {
namespace {

// Function-local so that registrations from other translation units' static
// initialisers never see it unconstructed.
std::map<std::string, std::unique_ptr<System>, std::less<>>& Registry() {
  static auto* registry =
      new std::map<std::string, std::unique_ptr<System>, std::less<>>();
  return *registry;
}

}  // namespace

const NamedArray* ParameterGroup::Find(std::string_view name) const {
  for (const NamedArray& array : arrays) {
    if (array.name == name) return &array;
  }
  return nullptr;
}

std::vector<std::string> ParameterGroupProblems(
    std::string_view system_name, const ParameterGroup& parameters,
    const std::vector<ExpectedArray>& expected) {
  const auto shape_string = [](const std::vector<int>& shape) {
    return absl::StrCat("[", absl::StrJoin(shape, ", "), "]");
  };
  std::vector<std::string> names;
  for (const ExpectedArray& e : expected) names.push_back(e.name);
  std::vector<std::string> problems;
  for (const NamedArray& array : parameters.arrays) {
    if (std::find(names.begin(), names.end(), array.name) == names.end()) {
      problems.push_back(absl::StrCat(
          "parameters/", array.name, " is not a ", std::string(system_name),
          " parameter (expected ", absl::StrJoin(names, ", "), ")"));
    }
  }
  for (const ExpectedArray& e : expected) {
    const NamedArray* array = parameters.Find(e.name);
    if (array == nullptr) {
      problems.push_back(absl::StrCat("parameters/", e.name, " is missing"));
      continue;
    }
    if (array->shape != e.shape) {
      problems.push_back(absl::StrCat("parameters/", e.name, " has shape ",
                                      shape_string(array->shape), ", expected ",
                                      shape_string(e.shape)));
      continue;
    }
    size_t size = 1;
    for (int d : e.shape) size *= static_cast<size_t>(d);
    if (array->values.size() != size) {
      problems.push_back(
          absl::StrCat("parameters/", e.name, " has ", array->values.size(),
                       " values for shape ", shape_string(e.shape)));
      continue;
    }
    bool finite = true;
    for (double v : array->values) {
      if (!std::isfinite(v)) {
        problems.push_back(
            absl::StrCat("parameters/", e.name, " has a non-finite value ", v));
        finite = false;
        break;
      }
    }
    if (!finite || !e.positive) continue;
    for (double v : array->values) {
      if (!(v > 0)) {
        problems.push_back(
            absl::StrCat("parameters/", e.name, " must be > 0, got ", v));
        break;
      }
    }
  }
  return problems;
}

std::vector<std::string> RegisteredSystemNames() {
  std::vector<std::string> names;
  for (const auto& [name, system] : Registry()) names.push_back(name);
  return names;  // std::map keeps them sorted
}

absl::StatusOr<const System*> FindSystem(std::string_view name) {
  auto it = Registry().find(name);
  if (it == Registry().end()) {
    return absl::NotFoundError(absl::StrCat(
        "unknown system '", std::string(name),
        "' (registered: ", absl::StrJoin(RegisteredSystemNames(), ", "), ")"));
  }
  return it->second.get();
}

absl::StatusOr<const System*> SystemFor(const aanet::SimulationConfig& config) {
  const google::protobuf::FieldDescriptor* field =
      config.GetReflection()->GetOneofFieldDescriptor(
          config, config.GetDescriptor()->FindOneofByName("system"));
  if (field == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("simulation: no system set (expected one of: ",
                     absl::StrJoin(RegisteredSystemNames(), ", "), ")"));
  }
  auto system = FindSystem(field->name());
  if (!system.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "simulation.", field->name(), ": ", system.status().message()));
  }
  return system;
}

namespace internal {

bool RegisterSystem(std::unique_ptr<System> system) {
  std::string name(system->name());
  auto [it, inserted] = Registry().emplace(name, std::move(system));
  if (!inserted) {
    // Two systems under one name is a build mistake, not a user error: say
    // so before any test or binary runs.
    std::cerr << "data_gen: two systems registered as '" << name << "'\n";
    std::abort();
  }
  return true;
}

}  // namespace internal
}  // namespace aanet::data_gen
