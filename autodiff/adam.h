// The Adam optimiser, matching optax.adam (optax.scale_by_adam followed by
// scaling by -learning_rate) bit for bit in its formulas:
//   t += 1
//   m = (1 - b1) g + b1 m            v = (1 - b2) g^2 + b2 v
//   m_hat = m / (1 - b1^t)           v_hat = v / (1 - b2^t)
//   param += -lr * m_hat / (sqrt(v_hat) + eps)      (eps_root = 0)
// applied elementwise to every parameter of a ParameterStore, using the
// gradients in its grad() buffers.
//
// The state (t, m, v) can be exported and imported for checkpoints, with m
// and v flattened in the ParameterStore::Flatten() order.
#ifndef AANET_AUTODIFF_ADAM_H_
#define AANET_AUTODIFF_ADAM_H_

#include <cstdint>
#include <vector>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "autodiff/matrix.h"
#include "autodiff/parameters.h"

namespace aanet::ad {

struct AdamOptions {
  double learning_rate = 1e-3;
  double b1 = 0.9;
  double b2 = 0.999;
  double eps = 1e-8;
};

// The optimiser state; m and v have ParameterStore::NumScalars() entries.
struct AdamState {
  int64_t step = 0;
  Eigen::VectorXd m;
  Eigen::VectorXd v;
};

class Adam {
 public:
  explicit Adam(AdamOptions options = {}) : options_(options) {}

  // One update of every parameter of `store` from store.grad(). The first
  // call (or the first after Reset) sizes zero moments for the store; later
  // calls must use a store with the same parameter shapes (aborts otherwise).
  void Step(ParameterStore& store);

  // Updates done so far (optax's `count`).
  int64_t step() const { return step_; }
  const AdamOptions& options() const { return options_; }

  // Forgets the moments and the step count.
  void Reset();

  // The state, with zero moments for `store` if no step was taken yet.
  AdamState ExportState(const ParameterStore& store) const;
  // Replaces the state; InvalidArgument if the moments do not have
  // store.NumScalars() entries or the step is negative.
  absl::Status ImportState(const AdamState& state, const ParameterStore& store);

 private:
  void InitMoments(const ParameterStore& store);

  AdamOptions options_;
  int64_t step_ = 0;
  std::vector<Matrix> m_;
  std::vector<Matrix> v_;
};

}  // namespace aanet::ad

#endif  // AANET_AUTODIFF_ADAM_H_
