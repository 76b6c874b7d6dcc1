#include "models/named_parameters.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace aanet {

std::vector<NamedMatrix> ToNamed(const ad::ParameterStore& store,
                                 const Eigen::VectorXd& flat) {
  std::vector<NamedMatrix> named;
  named.reserve(store.size());
  Eigen::Index offset = 0;
  for (int id = 0; id < store.size(); ++id) {
    const ad::Matrix& shape = store.value(id);
    Eigen::MatrixXd value = Eigen::Map<const Eigen::MatrixXd>(
        flat.data() + offset, shape.rows(), shape.cols());
    offset += shape.size();
    named.push_back({store.name(id), std::move(value)});
  }
  return named;
}

absl::StatusOr<Eigen::VectorXd> FromNamed(const ad::ParameterStore& store,
                                          const std::vector<NamedMatrix>& named,
                                          const std::string& source) {
  if (static_cast<int>(named.size()) != store.size()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: holds %d parameters, the model its config describes has %d",
        source, named.size(), store.size()));
  }
  Eigen::VectorXd flat(store.NumScalars());
  Eigen::Index offset = 0;
  for (int id = 0; id < store.size(); ++id) {
    const ad::Matrix& expected = store.value(id);
    const NamedMatrix& item = named[id];
    if (item.name != store.name(id) || item.value.rows() != expected.rows() ||
        item.value.cols() != expected.cols()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: parameter %d is '%s' [%d,%d], but the model its config "
          "describes expects '%s' [%d,%d]",
          source, id, item.name, item.value.rows(), item.value.cols(),
          store.name(id), expected.rows(), expected.cols()));
    }
    Eigen::Map<Eigen::MatrixXd>(flat.data() + offset, expected.rows(),
                                expected.cols()) = item.value;
    offset += expected.size();
  }
  return flat;
}

}  // namespace aanet
