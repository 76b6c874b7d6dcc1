#include "autodiff/tape.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"

namespace aanet::ad {

using internal::Node;
using internal::NodeKind;

double Var::scalar() const {
  const Matrix& v = value();
  AANET_AD_CHECK(v.rows() == 1 && v.cols() == 1,
                 "Var::scalar: value has shape " + ShapeString(v));
  return v(0, 0);
}

Node& Tape::NewNode(NodeKind kind) {
  if (size_ == static_cast<int>(nodes_.size())) {
    nodes_.push_back(std::make_unique<Node>());
  }
  Node& n = *nodes_[size_++];
  n.external_value = nullptr;
  n.backward = nullptr;
  n.store = nullptr;
  n.param_id = -1;
  n.inputs_begin = static_cast<int>(inputs_.size());
  n.num_inputs = 0;
  n.kind = kind;
  n.requires_grad = kind == NodeKind::kInput || kind == NodeKind::kParam;
  n.has_grad = false;
  n.grad_moved = false;
  return n;
}

Var Tape::Leaf(NodeKind kind, Matrix&& value) {
  Node& n = NewNode(kind);
  n.value = std::move(value);
  return Var(this, size_ - 1);
}

Var Tape::Constant(Matrix&& value) {
  return Leaf(NodeKind::kConstant, std::move(value));
}

Var Tape::Scalar(double value) {
  Node& n = NewNode(NodeKind::kConstant);
  n.value.resize(1, 1);
  n.value(0, 0) = value;
  return Var(this, size_ - 1);
}

Var Tape::Input(Matrix&& value) {
  return Leaf(NodeKind::kInput, std::move(value));
}

Var Tape::Param(ParameterStore& store, int id) {
  const Matrix& value = store.value(id);  // Checks the id.
  Node& n = NewNode(NodeKind::kParam);
  n.external_value = &value;
  n.store = &store;
  n.param_id = id;
  return Var(this, size_ - 1);
}

Var Tape::AddNode(Eigen::Index rows, Eigen::Index cols,
                  absl::Span<const Var> inputs, BackwardFn backward) {
  bool requires_grad = false;
  for (const Var& v : inputs) {
    AANET_AD_CHECK(v.tape() == this,
                   "Tape::AddNode: input Var belongs to another tape (or is "
                   "default-constructed)");
    requires_grad |= node(v.index()).requires_grad;
  }
  Node& n = NewNode(NodeKind::kOp);
  for (const Var& v : inputs) inputs_.push_back(v.index());
  n.num_inputs = static_cast<int>(inputs.size());
  n.requires_grad = requires_grad;
  if (requires_grad) n.backward = std::move(backward);
  n.value.resize(rows, cols);
  return Var(this, size_ - 1);
}

Var Tape::Custom(Matrix value, absl::Span<const Var> inputs,
                 BackwardFn backward) {
  Var out = AddNode(0, 0, inputs, std::move(backward));
  nodes_[out.index()]->value = std::move(value);
  return out;
}

Var Tape::Scratch(Eigen::Index rows, Eigen::Index cols) {
  Node& n = NewNode(NodeKind::kConstant);
  n.value.resize(rows, cols);
  return Var(this, size_ - 1);
}

Matrix& Tape::MutableValue(Var v) {
  AANET_AD_CHECK(v.tape() == this, "Tape::MutableValue: Var of another tape");
  Node& n = node(v.index());
  AANET_AD_CHECK(n.kind != NodeKind::kParam,
                 "Tape::MutableValue: Param leaves are read-only");
  return n.value;
}

const Matrix& Tape::grad(int index) {
  Node& n = node(index);
  AANET_AD_CHECK(!n.grad_moved,
                 "Tape::grad: this intermediate node's gradient was handed to "
                 "its input during Backward (intermediate gradients are not "
                 "kept)");
  if (!n.has_grad) {
    n.grad.setZero(n.val().rows(), n.val().cols());
    n.has_grad = true;
  }
  return n.grad;
}

void Tape::Backward(Var loss) {
  AANET_AD_CHECK(loss.tape() == this, "Tape::Backward: Var of another tape");
  const Matrix& v = value(loss.index());
  AANET_AD_CHECK(v.rows() == 1 && v.cols() == 1,
                 "Tape::Backward: the loss must be [1,1], got " +
                     ShapeString(v) + " (use Backward(output, seed))");
  Backward(loss, Matrix::Ones(1, 1));
}

void Tape::Backward(Var output, const Matrix& seed) {
  AANET_AD_CHECK(output.tape() == this, "Tape::Backward: Var of another tape");
  const int last = output.index();
  Node& out = node(last);
  backward_output_ = last;
  AANET_AD_CHECK(
      seed.rows() == out.val().rows() && seed.cols() == out.val().cols(),
      "Tape::Backward: seed " + ShapeString(seed) + " for an output of shape " +
          ShapeString(out.val()));
  // Intermediate gradients start afresh; Input leaves accumulate.
  for (int i = 0; i < size_; ++i) {
    Node& n = *nodes_[i];
    if (n.kind != NodeKind::kInput) n.has_grad = false;
    n.grad_moved = false;
  }
  if (!out.requires_grad) return;
  if (out.has_grad) {
    out.grad += seed;
  } else {
    out.grad = seed;
    out.has_grad = true;
  }
  for (int i = last; i >= 0; --i) {
    Node& n = *nodes_[i];
    if (!n.has_grad || !n.requires_grad) continue;
    switch (n.kind) {
      case NodeKind::kParam:
        n.store->grad(n.param_id) += n.grad;
        break;
      case NodeKind::kOp:
        if (n.backward) {
          BackwardContext context(this, n);
          n.backward(context);
        }
        break;
      case NodeKind::kInput:
      case NodeKind::kConstant:
        break;
    }
  }
}

void Tape::Clear() {
  size_ = 0;
  backward_output_ = -1;
  inputs_.clear();
}

void Tape::Reserve(int num_nodes) {
  while (static_cast<int>(nodes_.size()) < num_nodes) {
    nodes_.push_back(std::make_unique<Node>());
  }
}

Matrix& BackwardContext::MutableInputGrad(int k) {
  Node& in = input_node(k);
  AANET_AD_CHECK(in.requires_grad, "BackwardContext::MutableInputGrad: input " +
                                       std::to_string(k) +
                                       " does not require a gradient");
  if (!in.has_grad) {
    in.grad.setZero(in.val().rows(), in.val().cols());
    in.has_grad = true;
  }
  return in.grad;
}

Matrix& BackwardContext::InputGradForWrite(int k, bool* accumulate) {
  Node& in = input_node(k);
  AANET_AD_CHECK(in.requires_grad,
                 "BackwardContext::InputGradForWrite: input " +
                     std::to_string(k) + " does not require a gradient");
  *accumulate = in.has_grad;
  if (!in.has_grad) {
    in.grad.resize(in.val().rows(), in.val().cols());
    in.has_grad = true;
  }
  return in.grad;
}

void BackwardContext::MoveGradTo(int k) {
  Node& in = input_node(k);
  if (!in.requires_grad) return;
  CheckGradShape(in, node_.grad.rows(), node_.grad.cols());
  const bool is_output = &node_ == tape_->nodes_[tape_->backward_output_].get();
  if (in.has_grad) {
    in.grad += node_.grad;
  } else if (is_output) {
    in.grad = node_.grad;
    in.has_grad = true;
  } else {
    // Both buffers keep their sizes across steps, so swapping them keeps
    // the storage reuse of Clear() intact.
    in.grad.swap(node_.grad);
    in.has_grad = true;
    node_.grad_moved = true;
  }
}

}  // namespace aanet::ad
