// The tape of reverse-mode automatic differentiation: records every operation
// of a forward pass over Eigen matrices and propagates gradients backwards.
//
// Usage (one training step):
//   tape.Clear();                          // keeps all node storage
//   Var w = tape.Param(store, w_id);       // [d, h] leaf, read in place
//   Var x = tape.Constant(batch);          // [B, d], no gradient
//   Var loss = Mean(Square(MatMul(x, w)));  // ops.h; loss is [1, 1]
//   store.ZeroGrad();
//   tape.Backward(loss);                   // store.grad(w_id) += dloss/dw
//
// Every node holds a value, a gradient buffer of the same shape (filled only
// during Backward), its input node indices and a backward function. Nodes are
// numbered in creation order, so that order is a topological order and
// Backward() is one reverse sweep.
//
// Performance contract (the trainer runs thousands of steps per second):
// - Clear() keeps every node object, so the next forward pass reuses the
//   value and gradient buffers of the previous one: a step with the same
//   shapes allocates no node storage.
// - Values, gradients and input lists live in plain arrays; an operation costs
//   one std::function call in Backward, never a virtual call per element.
// - Nodes whose inputs carry no gradient (constants) get no backward function
//   and are skipped by Backward().
//
// Lifetimes: a Var is a {Tape*, index} handle, valid until the next Clear().
// References returned by value()/grad()/MutableValue() stay valid while nodes
// are added (the node array never moves), until Clear() or destruction.
// Param leaves read the ParameterStore's matrix in place: do not change a
// parameter between building the forward pass and Backward().
//
// Custom operations (e.g. a fused layer kernel) are added with Custom() or
// AddNode() + MutableValue(); see the comment at AddNode. Built-in ops
// (ops.h) use exactly this mechanism.
//
// Not thread-safe: one tape per thread.
#ifndef AANET_AUTODIFF_TAPE_H_
#define AANET_AUTODIFF_TAPE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "Eigen/Core"
#include "absl/types/span.h"
#include "autodiff/matrix.h"
#include "autodiff/parameters.h"

namespace aanet::ad {

class Tape;
class BackwardContext;

// The backward function of a node: reads the output gradient from the
// context and adds each input's contribution. Keep captures small and
// trivially copyable (<= 16 bytes: a few ints or a double) so std::function
// stores them inline without a heap allocation; capture indices or scalars,
// never matrices (read inputs and the output value through the context).
using BackwardFn = std::function<void(BackwardContext&)>;

// A light handle to a node of a tape.
class Var {
 public:
  Var() = default;
  Var(Tape* tape, int index) : tape_(tape), index_(index) {}

  Tape* tape() const { return tape_; }
  int index() const { return index_; }
  bool valid() const { return tape_ != nullptr; }

  // The node's value.
  const Matrix& value() const;
  // The node's gradient after Backward(): dloss/dvalue, zeros if the loss
  // does not depend on this node. Guaranteed for Input leaves and for the
  // node Backward() started from; an intermediate node's gradient may have
  // been handed to its input to save a copy (BackwardContext::MoveGradTo),
  // in which case this aborts. (Param gradients are in the store.)
  const Matrix& grad() const;
  // value()(0, 0) of a [1, 1] node; aborts for other shapes.
  double scalar() const;

  Eigen::Index rows() const { return value().rows(); }
  Eigen::Index cols() const { return value().cols(); }

 private:
  Tape* tape_ = nullptr;
  int index_ = -1;
};

namespace internal {

enum class NodeKind : uint8_t { kOp, kConstant, kInput, kParam };

struct Node {
  // The value, unless external_value is set (Param leaves read the store).
  Matrix value;
  const Matrix* external_value = nullptr;
  // dloss/dvalue; meaningful only while has_grad (its storage is reused).
  Matrix grad;
  BackwardFn backward;
  ParameterStore* store = nullptr;  // Param leaves only.
  int param_id = -1;                // Param leaves only.
  int inputs_begin = 0;             // Range in Tape::inputs_.
  int num_inputs = 0;
  NodeKind kind = NodeKind::kOp;
  // True if a Param or Input leaf is upstream of this node.
  bool requires_grad = false;
  // True once grad holds a valid (accumulated) gradient.
  bool has_grad = false;
  // True if Backward handed grad's buffer to an input (MoveGradTo).
  bool grad_moved = false;

  const Matrix& val() const {
    return external_value != nullptr ? *external_value : value;
  }
};

}  // namespace internal

class Tape {
 public:
  Tape() = default;
  // Vars point at their tape, so a tape never moves.
  Tape(const Tape&) = delete;
  Tape& operator=(const Tape&) = delete;

  // ---- Leaves ------------------------------------------------------------

  // A constant: no gradient flows into or through it. The copy reuses the
  // node's storage from a previous step; an rvalue Matrix is moved in.
  template <typename Derived>
  Var Constant(const Eigen::MatrixBase<Derived>& value);
  Var Constant(Matrix&& value);
  // A [1, 1] constant.
  Var Scalar(double value);

  // A leaf whose gradient is wanted (e.g. dH/dz checks, input gradients).
  // After Backward() its grad() holds the gradient; successive Backward()
  // calls on the same tape accumulate into it.
  template <typename Derived>
  Var Input(const Eigen::MatrixBase<Derived>& value);
  Var Input(Matrix&& value);

  // A leaf reading parameter `id` of `store` in place. Backward() adds its
  // gradient into store.grad(id). The store must outlive the tape's use.
  Var Param(ParameterStore& store, int id);

  // ---- Custom operations -------------------------------------------------

  // Adds an operation node of shape [rows, cols] with the given inputs and
  // backward function, and returns it. Its value storage is reused from the
  // previous step (contents unspecified): fill it through MutableValue()
  // before using the node. `backward` is dropped if no input requires a
  // gradient.
  //
  // In `backward`, a BackwardContext `c` gives the output gradient c.grad(),
  // the output c.value(), the inputs c.input(k), and adds contributions with
  // c.AccumulateGrad(k, expr), c.MutableInputGrad(k) (+=),
  // c.InputGradForWrite(k, &accumulate) (for kernels such as ProductInto
  // that can either assign or add) or c.MoveGradTo(k) (pass-through); see
  // BackwardContext below. Check c.needs_grad(k) before computing anything
  // expensive for input k. The function must not add nodes to the tape. To
  // keep intermediates of the forward pass for the backward pass (e.g.
  // activations of a fused layer), store them in a Scratch() node and list
  // that node as an input. Useful kernels: internal/kernels.h,
  // activation_kernels.h.
  //
  // Example, y = x^3 elementwise:
  //   Var y = tape.AddNode(x.rows(), x.cols(), {x}, [](BackwardContext& c) {
  //     c.AccumulateGrad(
  //         0, 3.0 * c.grad().array() * c.input(0).array().square());
  //   });
  //   tape.MutableValue(y).array() = x.value().array().cube();
  Var AddNode(Eigen::Index rows, Eigen::Index cols,
              absl::Span<const Var> inputs, BackwardFn backward);

  // Same, with a value computed by the caller.
  Var Custom(Matrix value, absl::Span<const Var> inputs, BackwardFn backward);

  // A constant node of shape [rows, cols] with reused, unspecified contents,
  // to be filled through MutableValue(); for intermediates that a custom
  // operation's backward pass reads.
  Var Scratch(Eigen::Index rows, Eigen::Index cols);

  // The value of an operation, constant or input node, for filling it in.
  // Aborts for Param leaves (they belong to the store).
  Matrix& MutableValue(Var v);

  // ---- Gradients ---------------------------------------------------------

  // Backward pass from a [1, 1] loss: seeds dloss/dloss = 1, propagates to
  // every node created before `loss`, adds Param leaf gradients into their
  // stores' grad() and Input leaf gradients into the leaves' grad().
  // Gradients of intermediate nodes are recomputed from scratch by each call
  // (and may be consumed, see Var::grad()).
  void Backward(Var loss);
  // Backward pass with an explicit seed (a vector-Jacobian product): seed has
  // the shape of `output`.
  void Backward(Var output, const Matrix& seed);

  // ---- Lifetime ----------------------------------------------------------

  // Drops all nodes (invalidating Vars) but keeps their storage for reuse.
  void Clear();
  // Pre-allocates node slots.
  void Reserve(int num_nodes);

  // Nodes currently on the tape.
  int size() const { return size_; }
  // Node slots allocated (kept by Clear()).
  int capacity() const { return static_cast<int>(nodes_.size()); }

  // ---- Access by index (Var forwards here) -------------------------------

  const Matrix& value(int index) const { return node(index).val(); }
  // Zeros of the value's shape if no gradient reached the node; aborts if
  // the node's gradient was handed to an input (see Var::grad()).
  const Matrix& grad(int index);
  bool requires_grad(int index) const { return node(index).requires_grad; }

 private:
  friend class BackwardContext;

  const internal::Node& node(int index) const {
    AANET_AD_CHECK(index >= 0 && index < size_,
                   "Tape: node index out of range (Var used after Clear()?)");
    return *nodes_[index];
  }
  internal::Node& node(int index) {
    AANET_AD_CHECK(index >= 0 && index < size_,
                   "Tape: node index out of range (Var used after Clear()?)");
    return *nodes_[index];
  }

  // Appends a node (reusing a slot if one is free) with no inputs.
  internal::Node& NewNode(internal::NodeKind kind);
  Var Leaf(internal::NodeKind kind, Matrix&& value);
  template <typename Derived>
  Var Leaf(internal::NodeKind kind, const Eigen::MatrixBase<Derived>& value);

  // Nodes are allocated one by one and never move, so references to values
  // stay valid while a forward pass adds nodes; Clear() keeps them all.
  std::vector<std::unique_ptr<internal::Node>> nodes_;
  int size_ = 0;
  // Input indices of all nodes, concatenated.
  std::vector<int> inputs_;
  // The node the running or last Backward() started from; its gradient is
  // never handed over.
  int backward_output_ = -1;
};

// What a node's backward function sees. Input k is the k-th Var passed to
// AddNode/Custom.
class BackwardContext {
 public:
  // dloss/d(output), shape of value().
  const Matrix& grad() const { return node_.grad; }
  // The node's output value.
  const Matrix& value() const { return node_.val(); }
  int num_inputs() const { return node_.num_inputs; }
  // The value of input k.
  const Matrix& input(int k) const { return input_node(k).val(); }
  // Whether input k wants a gradient; skip computing it otherwise.
  bool needs_grad(int k) const { return input_node(k).requires_grad; }

  // Adds `g` (shape of input k; a matrix or array expression) into input k's
  // gradient. The first contribution is assigned, not added, so no zero-fill
  // pass is spent. No-op, without evaluating `g`, if !needs_grad(k).
  template <typename Derived>
  void AccumulateGrad(int k, const Eigen::MatrixBase<Derived>& g);
  template <typename Derived>
  void AccumulateGrad(int k, const Eigen::ArrayBase<Derived>& g) {
    AccumulateGrad(k, g.matrix());
  }

  // Input k's gradient buffer for in-place accumulation (+=), zero-filled on
  // first use. Only for inputs with needs_grad(k).
  Matrix& MutableInputGrad(int k);

  // Adds the output gradient into input k's gradient (shapes must match) by
  // handing over the buffer when it is input k's first contribution, so a
  // pass-through gradient (Add, AddScalar, ...) costs no copy. Must be the
  // last use of grad() in the backward function: afterwards the output
  // gradient is gone (Tape::grad() of this node aborts). No-op if
  // !needs_grad(k).
  void MoveGradTo(int k);

  // Input k's gradient buffer, shaped like the input, for kernels that write
  // it directly without a zero-fill pass: if *accumulate is false on return
  // the contents are unspecified and the caller must assign every element;
  // if true it must add. Only for inputs with needs_grad(k).
  Matrix& InputGradForWrite(int k, bool* accumulate);

 private:
  friend class Tape;
  BackwardContext(Tape* tape, internal::Node& node)
      : tape_(tape), node_(node) {}

  internal::Node& input_node(int k) const {
    AANET_AD_CHECK(k >= 0 && k < node_.num_inputs,
                   "BackwardContext: input index out of range");
    return *tape_->nodes_[tape_->inputs_[node_.inputs_begin + k]];
  }
  void CheckGradShape(const internal::Node& in, Eigen::Index rows,
                      Eigen::Index cols) const {
    AANET_AD_CHECK(in.val().rows() == rows && in.val().cols() == cols,
                   "BackwardContext: gradient of shape " +
                       ShapeString(rows, cols) + " for an input of shape " +
                       ShapeString(in.val()));
  }

  Tape* tape_;
  internal::Node& node_;
};

// ---- Inline and template definitions ---------------------------------------

inline const Matrix& Var::value() const {
  AANET_AD_CHECK(tape_ != nullptr, "Var: default-constructed (no tape)");
  return tape_->value(index_);
}

inline const Matrix& Var::grad() const {
  AANET_AD_CHECK(tape_ != nullptr, "Var: default-constructed (no tape)");
  return tape_->grad(index_);
}

template <typename Derived>
Var Tape::Leaf(internal::NodeKind kind,
               const Eigen::MatrixBase<Derived>& value) {
  internal::Node& n = NewNode(kind);
  n.value = value;  // Reuses the storage when the size is unchanged.
  return Var(this, size_ - 1);
}

template <typename Derived>
Var Tape::Constant(const Eigen::MatrixBase<Derived>& value) {
  return Leaf(internal::NodeKind::kConstant, value);
}

template <typename Derived>
Var Tape::Input(const Eigen::MatrixBase<Derived>& value) {
  return Leaf(internal::NodeKind::kInput, value);
}

template <typename Derived>
void BackwardContext::AccumulateGrad(int k,
                                     const Eigen::MatrixBase<Derived>& g) {
  internal::Node& in = input_node(k);
  if (!in.requires_grad) return;
  CheckGradShape(in, g.rows(), g.cols());
  if (in.has_grad) {
    in.grad.noalias() += g;
  } else {
    // Gradient buffers never alias values or the output gradient.
    in.grad.noalias() = g;
    in.has_grad = true;
  }
}

}  // namespace aanet::ad

#endif  // AANET_AUTODIFF_TAPE_H_
