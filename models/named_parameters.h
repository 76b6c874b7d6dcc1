// Conversions between a model's ParameterStore and the named matrices a
// checkpoint holds (models/checkpoint.h).
#ifndef AANET_MODELS_NAMED_PARAMETERS_H_
#define AANET_MODELS_NAMED_PARAMETERS_H_

#include <string>
#include <vector>

#include "Eigen/Core"
#include "absl/status/statusor.h"
#include "autodiff/parameters.h"
#include "models/checkpoint.h"

namespace aanet {

// `flat` (laid out as store.Flatten()) cut into the store's named matrices,
// in parameter order.
std::vector<NamedMatrix> ToNamed(const ad::ParameterStore& store,
                                 const Eigen::VectorXd& flat);

// The inverse: named matrices that must match the store's names, order and
// shapes, flattened as store.Flatten(). Errors start with `source` (a file
// name) and name the first mismatching parameter.
absl::StatusOr<Eigen::VectorXd> FromNamed(const ad::ParameterStore& store,
                                          const std::vector<NamedMatrix>& named,
                                          const std::string& source);

}  // namespace aanet

#endif  // AANET_MODELS_NAMED_PARAMETERS_H_
