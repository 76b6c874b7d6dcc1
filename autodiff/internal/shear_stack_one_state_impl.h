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

// u = sigma(x W + b) (W a)^T of one layer, left in every lane of u[k]
// (SumToAllLanes), for x given the same way. N > 0 fixes n at compile time
// so that the loops over it unroll; N == 0 reads it from `n`.
template <class S, int N>
__attribute__((always_inline)) inline void HiddenSums(
    const PackedShearStack::View& stack, const float* layer,
    const typename S::V* x, typename S::V* u) {
  using V = typename S::V;
  const int n = N > 0 ? N : stack.n;
  const int pw = stack.padded_width;
  const float* w = layer;
  const float* b = w + n * pw;
  const float* wa = b + pw;
  constexpr int kSlots = N > 0 ? N : kMaxDegreesOfFreedom;
  V acc0[kSlots], acc1[kSlots];
#pragma GCC unroll 4
  for (int k = 0; k < n; ++k) {
    acc0[k] = S::Zero();
    acc1[k] = S::Zero();
  }
  // Sixteen hidden units: w = b + sum_k x_k W(k, .), then sigma (W a)^T into
  // acc, with W and b packed times -log2(e) so that sigma = 1 / (1 + 2^w).
  // Padded units have b = W = W a = 0 and add exactly nothing.
  auto block = [&](int offset, V* acc) {
    V z = S::Load(b + offset);
#pragma GCC unroll 4
    for (int k = 0; k < n; ++k) {
      z = S::Fma(x[k], S::Load(w + k * pw + offset), z);
    }
    const V s = simd16::OneOverOnePlusExp2<S>(z);
#pragma GCC unroll 4
    for (int k = 0; k < n; ++k) {
      acc[k] = S::Fma(s, S::Load(wa + k * pw + offset), acc[k]);
    }
  };
  // The last block when at most 8 of its units are real (4 of the shipped
  // width 100): the sigmoid on 8 lanes, which gives the same bits, since
  // each lane past them adds exactly +0 either way (sigma times W a = +0).
  auto narrow_block = [&](int offset, V* acc) {
    using NS = typename S::Narrow;
    typename NS::V z = NS::Load(b + offset);
#pragma GCC unroll 4
    for (int k = 0; k < n; ++k) {
      z = NS::Fma(S::Low(x[k]), NS::Load(w + k * pw + offset), z);
    }
    const V s = S::Widen(simd16::OneOverOnePlusExp2<NS>(z));
#pragma GCC unroll 4
    for (int k = 0; k < n; ++k) {
      acc[k] = S::Fma(s, S::Load(wa + k * pw + offset), acc[k]);
    }
  };
  // The narrow block first, so that its latency hides behind the others.
  int end = pw;
  if (pw - stack.width >= simd16::kLanes / 2) {
    end -= simd16::kLanes;
    narrow_block(end, acc1);
  }
  // Two sets of accumulators halve the chain of dependent multiply-adds.
  int offset = 0;
  for (; offset + 2 * simd16::kLanes <= end; offset += 2 * simd16::kLanes) {
    block(offset, acc0);
    block(offset + simd16::kLanes, acc1);
  }
  if (offset < end) block(offset, acc0);
#pragma GCC unroll 4
  for (int k = 0; k < n; ++k) {
    u[k] = S::SumToAllLanes(S::Add(acc0[k], acc1[k]));
  }
}

// One shear layer: y <- y + sign * F(u(x), x), as (y + sign gate x) +
// sign u, where u includes the multiplicative gate (packed into W a): the
// first term is known as soon as x is, so one addition follows the sum. The
// state lives
// in vector registers with every lane holding the same coordinate, which
// keeps the chain from one layer to the next free of stores, loads and
// broadcasts.
template <class S, int N, bool kInverse>
__attribute__((always_inline)) inline void Layer(
    const PackedShearStack::View& stack, const float* layer,
    const typename S::V* x, typename S::V* y) {
  using V = typename S::V;
  const int n = N > 0 ? N : stack.n;
  const float* gate = layer + (2 * n + 1) * stack.padded_width;
  constexpr int kSlots = N > 0 ? N : kMaxDegreesOfFreedom;
  V base[kSlots], u[kSlots];
#pragma GCC unroll 4
  for (int k = 0; k < n; ++k) {
    const V gx = S::Mul(S::Broadcast(gate[k]), x[k]);
    base[k] = kInverse ? S::Sub(y[k], gx) : S::Add(y[k], gx);
  }
  HiddenSums<S, N>(stack, layer, x, u);
#pragma GCC unroll 4
  for (int k = 0; k < n; ++k) {
    y[k] = kInverse ? S::Sub(base[k], u[k]) : S::Add(base[k], u[k]);
  }
}

template <class S, int N, bool kInverse>
void Stack(const PackedShearStack::View& stack, float* state) {
  using V = typename S::V;
  const int n = N > 0 ? N : stack.n;
  constexpr int kSlots = N > 0 ? N : kMaxDegreesOfFreedom;
  V q[kSlots], p[kSlots];
#pragma GCC unroll 4
  for (int k = 0; k < n; ++k) {
    q[k] = S::Broadcast(state[k]);
    p[k] = S::Broadcast(state[n + k]);
  }
  const int last = stack.num_layers - 1;
  for (int i = 0; i <= last; ++i) {
    const int l = kInverse ? last - i : i;
    const float* layer = stack.data + static_cast<long>(l) * stack.layer_stride;
    if (l % 2 == 0) {
      Layer<S, N, kInverse>(stack, layer, q, p);
    } else {
      Layer<S, N, kInverse>(stack, layer, p, q);
    }
  }
#pragma GCC unroll 4
  for (int k = 0; k < n; ++k) {
    S::StoreFirst(state + k, q[k], 1);
    S::StoreFirst(state + n + k, p[k], 1);
  }
}

template <class S, int N>
void Stack(const PackedShearStack::View& stack, float* state, bool inverse) {
  if (inverse) {
    Stack<S, N, true>(stack, state);
  } else {
    Stack<S, N, false>(stack, state);
  }
}

// out = b2 + u(x): a PackedSigmoidNet, one layer in the stack's layout.
template <class S, int N>
void Net(const PackedShearStack::View& net, const float* x, float* out) {
  using V = typename S::V;
  const int n = N > 0 ? N : net.n;
  const float* bias = net.data + (2 * n + 1) * net.padded_width;
  constexpr int kSlots = N > 0 ? N : kMaxDegreesOfFreedom;
  V x_v[kSlots], u[kSlots];
#pragma GCC unroll 4
  for (int k = 0; k < n; ++k) x_v[k] = S::Broadcast(x[k]);
  HiddenSums<S, N>(net, net.data, x_v, u);
#pragma GCC unroll 4
  for (int k = 0; k < n; ++k) {
    S::StoreFirst(out + k, S::Add(S::Broadcast(bias[k]), u[k]), 1);
  }
}

template <class S>
void RunNet(const PackedShearStack::View& net, const float* x, float* out) {
  switch (net.n) {
    case 1:
      return Net<S, 1>(net, x, out);
    case 2:
      return Net<S, 2>(net, x, out);
    case 3:
      return Net<S, 3>(net, x, out);
    case 4:
      return Net<S, 4>(net, x, out);
    default:
      return Net<S, 0>(net, x, out);
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
