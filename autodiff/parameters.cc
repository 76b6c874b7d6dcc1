#include "autodiff/parameters.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace aanet::ad {

int ParameterStore::Add(std::string name, Matrix initial) {
  AANET_AD_CHECK(!name.empty(), "ParameterStore::Add: empty name");
  const int id = size();
  const bool inserted = ids_.emplace(name, id).second;
  AANET_AD_CHECK(inserted, absl::StrCat("ParameterStore::Add: duplicate name '",
                                        name, "'"));
  num_scalars_ += initial.size();
  grads_.push_back(Matrix::Zero(initial.rows(), initial.cols()));
  values_.push_back(std::move(initial));
  names_.push_back(std::move(name));
  return id;
}

absl::StatusOr<int> ParameterStore::Find(absl::string_view name) const {
  const auto it = ids_.find(name);
  if (it == ids_.end()) {
    return absl::NotFoundError(absl::StrCat("no parameter named '", name, "'"));
  }
  return it->second;
}

void ParameterStore::ZeroGrad() {
  for (Matrix& g : grads_) g.setZero();
}

namespace {

Eigen::VectorXd FlattenAll(const std::deque<Matrix>& matrices,
                           int64_t num_scalars) {
  Eigen::VectorXd flat(num_scalars);
  Eigen::Index offset = 0;
  for (const Matrix& m : matrices) {
    flat.segment(offset, m.size()) =
        Eigen::Map<const Eigen::VectorXd>(m.data(), m.size());
    offset += m.size();
  }
  return flat;
}

}  // namespace

Eigen::VectorXd ParameterStore::Flatten() const {
  return FlattenAll(values_, num_scalars_);
}

Eigen::VectorXd ParameterStore::FlattenGrad() const {
  return FlattenAll(grads_, num_scalars_);
}

absl::Status ParameterStore::Unflatten(const Eigen::VectorXd& flat) {
  if (flat.size() != num_scalars_) {
    return absl::InvalidArgumentError(
        absl::StrCat("Unflatten: got ", flat.size(),
                     " values, the parameters have ", num_scalars_));
  }
  Eigen::Index offset = 0;
  for (Matrix& m : values_) {
    Eigen::Map<Eigen::VectorXd>(m.data(), m.size()) =
        flat.segment(offset, m.size());
    offset += m.size();
  }
  return absl::OkStatus();
}

}  // namespace aanet::ad
