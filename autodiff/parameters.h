// Named trainable parameters and their gradient buffers.
//
// A ParameterStore owns every trainable matrix of a model, each with a unique
// name (used by checkpoints) and a gradient buffer of the same shape.
// Tape::Param() makes a tape leaf that reads a parameter in place (no copy);
// Tape::Backward() adds that leaf's gradient into grad(id). Optimisers
// (adam.h) read value() and grad(); ZeroGrad() clears the gradients between
// steps.
//
// Parameter ids are 0, 1, 2, ... in the order of Add(). Matrices live at
// stable addresses (adding parameters never moves existing ones), but a
// parameter's shape must not change after Add(): Flatten(), Unflatten() and
// optimiser states rely on it.
#ifndef AANET_AUTODIFF_PARAMETERS_H_
#define AANET_AUTODIFF_PARAMETERS_H_

#include <cstdint>
#include <deque>
#include <string>

#include "Eigen/Core"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "autodiff/matrix.h"

namespace aanet::ad {

class ParameterStore {
 public:
  ParameterStore() = default;
  ParameterStore(const ParameterStore&) = delete;
  ParameterStore& operator=(const ParameterStore&) = delete;

  // Adds a parameter with a zero gradient; returns its id. Aborts if `name`
  // is empty or already used (a programming error).
  int Add(std::string name, Matrix initial);

  // Number of parameters (matrices).
  int size() const { return static_cast<int>(values_.size()); }

  // Total number of scalars over all parameters.
  int64_t NumScalars() const { return num_scalars_; }

  Matrix& value(int id) { return values_[CheckedId(id)]; }
  const Matrix& value(int id) const { return values_[CheckedId(id)]; }
  Matrix& grad(int id) { return grads_[CheckedId(id)]; }
  const Matrix& grad(int id) const { return grads_[CheckedId(id)]; }
  const std::string& name(int id) const { return names_[CheckedId(id)]; }

  // The id of the parameter called `name`, or NotFound.
  absl::StatusOr<int> Find(absl::string_view name) const;

  // Sets every gradient to zero.
  void ZeroGrad();

  // All values (resp. gradients) in one vector of NumScalars() entries:
  // parameters in id order, each in column-major order.
  Eigen::VectorXd Flatten() const;
  Eigen::VectorXd FlattenGrad() const;

  // Inverse of Flatten(); InvalidArgument (values untouched) if
  // `flat.size() != NumScalars()`.
  absl::Status Unflatten(const Eigen::VectorXd& flat);

 private:
  int CheckedId(int id) const {
    AANET_AD_CHECK(
        id >= 0 && id < size(),
        "ParameterStore: no parameter with id " + std::to_string(id));
    return id;
  }

  std::deque<Matrix> values_;
  std::deque<Matrix> grads_;
  std::deque<std::string> names_;
  absl::flat_hash_map<std::string, int> ids_;
  int64_t num_scalars_ = 0;
};

}  // namespace aanet::ad

#endif  // AANET_AUTODIFF_PARAMETERS_H_
