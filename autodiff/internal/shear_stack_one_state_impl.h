// The kernel of shear_stack_one_state.h, written once over the simd16.h
// traits and instantiated by shear_stack_one_state_<isa>.cc (built with
// -ffp-contract=off, so that every instruction set rounds the same way).
// Include only from those files.
#ifndef AANET_AUTODIFF_INTERNAL_SHEAR_STACK_ONE_STATE_IMPL_H_
#define AANET_AUTODIFF_INTERNAL_SHEAR_STACK_ONE_STATE_IMPL_H_

#include "autodiff/internal/shear_stack_one_state.h"
#include "autodiff/internal/simd16.h"

namespace aanet::ad::internal::shear_stack_one_state_impl {

inline constexpr int kMaxDegreesOfFreedom = 64;

// One shear layer: y <- y + sign * F(u(x), x). N > 0 fixes n at compile
// time so that the loops over it unroll; N == 0 reads it from `n`.
template <class S, int N>
inline void Layer(const PackedShearStack::View& stack, const float* layer,
                  float sign, const float* x, float* y) {
  using V = typename S::V;
  const int n = N > 0 ? N : stack.n;
  const int pw = stack.padded_width;
  const float* w = layer;
  const float* b = w + n * pw;
  const float* wa = b + pw;
  const float* gate = wa + n * pw;
  constexpr int kSlots = N > 0 ? N : kMaxDegreesOfFreedom;
  V x_v[kSlots], acc0[kSlots], acc1[kSlots];
#pragma GCC unroll 4
  for (int k = 0; k < n; ++k) {
    x_v[k] = S::Broadcast(x[k]);
    acc0[k] = S::Zero();
    acc1[k] = S::Zero();
  }
  // Sixteen hidden units: z = b + sum_k x_k W(k, .), then sigma(z) (W a)^T
  // into acc. Padded units have b = W = W a = 0 and add exactly nothing.
  auto block = [&](int offset, V* acc) {
    V z = S::Load(b + offset);
#pragma GCC unroll 4
    for (int k = 0; k < n; ++k) {
      z = S::Fma(x_v[k], S::Load(w + k * pw + offset), z);
    }
    const V s = S::Sigmoid(z);
#pragma GCC unroll 4
    for (int k = 0; k < n; ++k) {
      acc[k] = S::Fma(s, S::Load(wa + k * pw + offset), acc[k]);
    }
  };
  // Two sets of accumulators halve the chain of dependent multiply-adds.
  int offset = 0;
  for (; offset + 2 * simd16::kLanes <= pw; offset += 2 * simd16::kLanes) {
    block(offset, acc0);
    block(offset + simd16::kLanes, acc1);
  }
  if (offset < pw) block(offset, acc0);
#pragma GCC unroll 4
  for (int k = 0; k < n; ++k) {
    const float u = S::HorizontalSum(S::Add(acc0[k], acc1[k]));
    const float f =
        stack.multiplicative ? (u + x[k]) * gate[k] : u + gate[k] * x[k];
    y[k] = sign > 0 ? y[k] + f : y[k] - f;
  }
}

template <class S, int N>
void Stack(const PackedShearStack::View& stack, float* state, bool inverse) {
  const int n = N > 0 ? N : stack.n;
  float* q = state;
  float* p = state + n;
  const int last = stack.num_layers - 1;
  for (int i = 0; i <= last; ++i) {
    const int l = inverse ? last - i : i;
    const float* layer = stack.data + static_cast<long>(l) * stack.layer_stride;
    const float sign = inverse ? -1.0f : 1.0f;
    if (l % 2 == 0) {
      Layer<S, N>(stack, layer, sign, q, p);
    } else {
      Layer<S, N>(stack, layer, sign, p, q);
    }
  }
}

template <class S>
void Run(const PackedShearStack::View& stack, float* state, bool inverse) {
  switch (stack.n) {
    case 1:
      return Stack<S, 1>(stack, state, inverse);
    case 2:
      return Stack<S, 2>(stack, state, inverse);
    case 3:
      return Stack<S, 3>(stack, state, inverse);
    case 4:
      return Stack<S, 4>(stack, state, inverse);
    default:
      return Stack<S, 0>(stack, state, inverse);
  }
}

}  // namespace aanet::ad::internal::shear_stack_one_state_impl

#endif  // AANET_AUTODIFF_INTERNAL_SHEAR_STACK_ONE_STATE_IMPL_H_
