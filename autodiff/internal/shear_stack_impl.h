// The shear-stack kernels of shear_stack.h, written once over the traits of
// simd16.h. Included only by shear_stack_<isa>.cc, each compiled with its
// own -m flags and -ffp-contract=off (every rounding is one of S's
// operations, so the bits do not depend on the instruction set).
#ifndef AANET_AUTODIFF_INTERNAL_SHEAR_STACK_IMPL_H_
#define AANET_AUTODIFF_INTERNAL_SHEAR_STACK_IMPL_H_

#include <algorithm>
#include <cstddef>
#include <vector>

#include "autodiff/internal/shear_stack.h"
#include "autodiff/internal/simd16.h"

namespace aanet::ad::internal::shear_stack_impl {

using simd16::kLanes;

// The layer applied at step `step` of a pass.
template <typename T>
int LayerAt(const ShearStackArgs<T>& args, int step) {
  return args.sign > 0 ? step : args.num_layers - 1 - step;
}

template <typename T>
T* At(T* base, std::ptrdiff_t row, int ld, int offset) {
  return base + row * ld + offset;
}

// relu(z) = max(0, z) (Max returns its second operand, z, when z is NaN, so
// NaN stays in its state as with the sigmoid).
template <class S>
inline typename S::V Relu(typename S::V z) {
  return S::Max(S::Zero(), z);
}

// g sigma'(z) from s = sigma(z): g s (1 - s), or g where s > 0 (relu; no
// multiply, so the mask costs one compare).
template <class S, bool kRelu>
inline typename S::V TimesDerivative(typename S::V g, typename S::V s) {
  if constexpr (kRelu) {
    return S::WherePositive(s, g);
  } else {
    return S::Mul(g, S::Fnma(s, s, s));
  }
}

// Where layer l's saved s of the block at `base` starts: [L][block][H][16],
// so that each block's s is one contiguous run, written and read in order.
template <typename T>
std::ptrdiff_t SavedSOffset(const ShearStackArgs<T>& args, int l, int base) {
  return (std::ptrdiff_t{l} * args.ld + base) * args.width;
}

// The sigmoid's s of hidden unit f (its forward_params): 1 / (1 + 2^w),
// w = -log2(e) z.
template <class S, int N>
inline typename S::V SigmoidOfUnit(const typename S::T* f,
                                   const typename S::V* x) {
  typename S::V w = S::Broadcast(f[N]);
  for (int i = 0; i < N; ++i) w = S::Fma(x[i], S::Broadcast(f[i]), w);
  return S::LogisticExp2(w);
}

// u = sigma(x W + b) (W a)^T for one block, in registers; s is stored to
// saved_s[h * 16] when that is set. W a comes from the layer's
// forward_params, and so does the sigmoid's z; relu's z from its params.
template <class S, int N, bool kRelu>
inline void Ridge(const typename S::T* layer_params,
                  const typename S::T* layer_forward_params, int width,
                  const typename S::V* x, typename S::V* u,
                  typename S::T* saved_s) {
  using V = typename S::V;
  constexpr int K = N + 2;
  constexpr int KF = ShearStackForwardParametersPerUnit(N);
  for (int i = 0; i < N; ++i) u[i] = S::Zero();
  for (int h = 0; h < width; ++h) {
    const typename S::T* f = layer_forward_params + h * KF;
    V s;
    if constexpr (kRelu) {
      const typename S::T* p = layer_params + h * K;
      V z = S::Broadcast(p[N]);
      for (int i = 0; i < N; ++i) z = S::Fma(x[i], S::Broadcast(p[i]), z);
      s = Relu<S>(z);
    } else {
      s = SigmoidOfUnit<S, N>(f, x);
    }
    if (saved_s != nullptr) S::Store(saved_s + std::ptrdiff_t{h} * kLanes, s);
    for (int i = 0; i < N; ++i) {
      u[i] = S::Fma(s, S::Broadcast(f[N + 1 + i]), u[i]);
    }
  }
}

// Layer l's forward_params.
template <typename T>
const T* LayerForwardParams(const ShearStackArgs<T>& args, int l) {
  return args.forward_params + std::ptrdiff_t{l} * args.width *
                                   ShearStackForwardParametersPerUnit(args.n);
}

template <class S, int N, bool kRelu>
void Forward(const ShearStackArgs<typename S::T>& args) {
  using T = typename S::T;
  using V = typename S::V;
  constexpr int K = N + 2;
  const V sign = S::Broadcast(args.sign);
  for (int base = 0; base < args.batch; base += kLanes) {
    const int count = std::min(kLanes, args.batch - base);
    V q[N], p[N];
    for (int i = 0; i < N; ++i) {
      q[i] = S::LoadFirst(At(args.state, i, args.ld, base), count);
      p[i] = S::LoadFirst(At(args.state, N + i, args.ld, base), count);
    }
    for (int step = 0; step < args.num_layers; ++step) {
      const int l = LayerAt(args, step);
      V* x = l % 2 == 0 ? q : p;
      V* y = l % 2 == 0 ? p : q;
      if (args.saved_x != nullptr) {
        for (int i = 0; i < N; ++i) {
          T* dst = At(args.saved_x, std::ptrdiff_t{l} * N + i, args.ld, base);
          S::StoreFirst(dst, x[i], count);
          // Zero lanes past the batch contribute exactly nothing backward.
          std::fill(dst + count, dst + kLanes, T(0));
          // And the saved s of those lanes must be finite: computed from
          // the zeros, not from lanes that may have overflowed.
          if (count < kLanes) x[i] = S::Load(dst);
        }
      }
      V u[N];
      T* saved_s = args.saved_s == nullptr
                       ? nullptr
                       : args.saved_s + SavedSOffset(args, l, base);
      Ridge<S, N, kRelu>(args.params + std::ptrdiff_t{l} * args.width * K,
                         LayerForwardParams(args, l), args.width, x, u,
                         saved_s);
      const T* gate = args.gates + l * N;
      for (int i = 0; i < N; ++i) {
        const V g = S::Broadcast(gate[i]);
        const V f = args.published_gate ? S::Mul(S::Add(u[i], x[i]), g)
                                        : S::Fma(g, x[i], u[i]);
        y[i] = S::Fma(sign, f, y[i]);  // y +- f, rounded once
      }
    }
    for (int i = 0; i < N; ++i) {
      S::StoreFirst(At(args.state, i, args.ld, base), q[i], count);
      S::StoreFirst(At(args.state, N + i, args.ld, base), p[i], count);
    }
  }
}

// Per-thread per-lane accumulators, reused across calls.
template <class S>
std::vector<typename S::V>& Accumulators(std::size_t size) {
  thread_local std::vector<typename S::V> acc;
  if (acc.size() < size) acc.resize(size);
  return acc;
}

// The backward pass's per-lane sums for hidden unit h, [width][2N + 1]:
// X_i = sum x_i dL/dz, S_i = sum g_u_i s, D = sum dL/dz, from which
// dL/dW[i][h] = X_i + a S_i, dL/db = D and dL/da = sum_i W[i][h] S_i
// (u = s (W a)^T: its gradients through a and W share the sums S_i, which
// saves the per-lane t = s a and dL/dt).
template <int N>
inline constexpr int kBackwardSums = 2 * N + 1;

// Layer l's backward pass over NB consecutive blocks from `base0`: each
// hidden unit's sums are loaded and stored once for the NB blocks (half the
// memory traffic at NB = 2), and the blocks add into them in block order,
// so the sums are the same bits as one block at a time.
template <class S, int N, bool kRelu, int NB>
inline void BackwardBlocks(const ShearStackArgs<typename S::T>& args, int l,
                           int base0, bool first, typename S::V* acc,
                           typename S::V* acc_gate) {
  using T = typename S::T;
  using V = typename S::V;
  constexpr int K = N + 2;
  constexpr int KF = ShearStackForwardParametersPerUnit(N);
  constexpr int KA = kBackwardSums<N>;
  const int width = args.width;
  const V sign = S::Broadcast(args.sign);
  const T* params = args.params + std::ptrdiff_t{l} * width * K;
  const T* forward_params = LayerForwardParams(args, l);
  const T* gate = args.gates + l * N;
  const int x_half = l % 2 == 0 ? 0 : N;
  const int y_half = N - x_half;
  const T* saved_s[NB];
  int count[NB];
  V x[NB][N], g_f[NB][N], g_u[NB][N], dx[NB][N], u[NB][N];
  for (int j = 0; j < NB; ++j) {
    const int base = base0 + j * kLanes;
    count[j] = std::min(kLanes, args.batch - base);
    saved_s[j] = args.saved_s == nullptr
                     ? nullptr
                     : args.saved_s + SavedSOffset(args, l, base);
    for (int i = 0; i < N; ++i) {
      // saved_x is zero past the batch, as the loaded gradient is.
      x[j][i] =
          S::Load(At(args.saved_x, std::ptrdiff_t{l} * N + i, args.ld, base));
      g_f[j][i] = S::Mul(
          sign, S::LoadFirst(At(args.grad_state, y_half + i, args.ld, base),
                             count[j]));
      const V gi = S::Broadcast(gate[i]);
      if (args.published_gate) {
        g_u[j][i] = S::Mul(g_f[j][i], gi);
        dx[j][i] = g_u[j][i];
      } else {
        acc_gate[i] = S::Fma(x[j][i], g_f[j][i], acc_gate[i]);
        g_u[j][i] = g_f[j][i];
        dx[j][i] = S::Mul(g_f[j][i], gi);
      }
      u[j][i] = S::Zero();
    }
  }
  for (int h = 0; h < width; ++h) {
    const T* p = params + h * K;
    const T* f = forward_params + h * KF;
    V* a_h = acc + h * KA;
    V sums[KA];
    // The layer's first blocks start the sums from zero (no fill).
    for (int k = 0; k < KA; ++k) sums[k] = first ? S::Zero() : a_h[k];
    for (int j = 0; j < NB; ++j) {
      // The forward pass's s, saved or recomputed in the same order.
      V s;
      if (saved_s[j] != nullptr) {
        s = S::Load(saved_s[j] + std::ptrdiff_t{h} * kLanes);
      } else if constexpr (kRelu) {
        V z = S::Broadcast(p[N]);
        for (int i = 0; i < N; ++i) {
          z = S::Fma(x[j][i], S::Broadcast(p[i]), z);
        }
        s = Relu<S>(z);
      } else {
        s = SigmoidOfUnit<S, N>(f, x[j]);
      }
      // u as the forward pass summed it; S_i.
      for (int i = 0; i < N; ++i) {
        if (args.published_gate) {
          u[j][i] = S::Fma(s, S::Broadcast(f[N + 1 + i]), u[j][i]);
        }
        sums[N + i] = S::Fma(g_u[j][i], s, sums[N + i]);
      }
      // dL/dz = (g_u (W a)[:, h]) sigma'; D, X_i, dL/dx_i += dL/dz W[i][h].
      V g_ta = S::Mul(g_u[j][0], S::Broadcast(f[N + 1]));
      for (int i = 1; i < N; ++i) {
        g_ta = S::Fma(g_u[j][i], S::Broadcast(f[N + 1 + i]), g_ta);
      }
      const V g_z = TimesDerivative<S, kRelu>(g_ta, s);
      sums[2 * N] = S::Add(sums[2 * N], g_z);
      for (int i = 0; i < N; ++i) {
        sums[i] = S::Fma(x[j][i], g_z, sums[i]);
        dx[j][i] = S::Fma(g_z, S::Broadcast(p[i]), dx[j][i]);
      }
    }
    for (int k = 0; k < KA; ++k) a_h[k] = sums[k];
  }
  for (int j = 0; j < NB; ++j) {
    const int base = base0 + j * kLanes;
    for (int i = 0; i < N; ++i) {
      if (args.published_gate) {
        acc_gate[i] = S::Fma(S::Add(u[j][i], x[j][i]), g_f[j][i], acc_gate[i]);
      }
      T* gx = At(args.grad_state, x_half + i, args.ld, base);
      S::StoreFirst(gx, S::Add(S::LoadFirst(gx, count[j]), dx[j][i]), count[j]);
    }
  }
}

template <class S, int N, bool kRelu>
void Backward(const ShearStackArgs<typename S::T>& args) {
  using V = typename S::V;
  using T = typename S::T;
  constexpr int K = N + 2;
  constexpr int KA = kBackwardSums<N>;
  const int width = args.width;
  const std::size_t num_sums = static_cast<std::size_t>(width) * KA;
  // [width][KA] per-lane sums, then N gate accumulators.
  std::vector<V>& acc_storage = Accumulators<S>(num_sums + N);
  V* acc = acc_storage.data();
  V* acc_gate = acc + num_sums;
  thread_local std::vector<T> totals;
  totals.resize(num_sums);
  for (int step = args.num_layers - 1; step >= 0; --step) {
    const int l = LayerAt(args, step);
    std::fill(acc_gate, acc_gate + N, S::Zero());
    int base = 0;
    for (; base + kLanes < args.batch; base += 2 * kLanes) {
      BackwardBlocks<S, N, kRelu, 2>(args, l, base, base == 0, acc, acc_gate);
    }
    if (base < args.batch) {
      BackwardBlocks<S, N, kRelu, 1>(args, l, base, base == 0, acc, acc_gate);
    }
    std::size_t k = 0;
    for (; k + 16 <= num_sums; k += 16) {
      S::HorizontalSums16(acc + k, totals.data() + k);
    }
    for (; k < num_sums; ++k) totals[k] = S::HorizontalSum(acc[k]);
    if (args.unit_sums != nullptr) {
      std::copy(totals.begin(), totals.begin() + num_sums,
                args.unit_sums + std::ptrdiff_t{l} * num_sums);
    }
    const T* params = args.params + std::ptrdiff_t{l} * width * K;
    T* grad_params = args.grad_params + std::ptrdiff_t{l} * width * K;
    for (int h = 0; h < width; ++h) {
      const T* p = params + h * K;
      const T* t = totals.data() + std::ptrdiff_t{h} * KA;
      T* g = grad_params + h * K;
      T grad_a = p[0] * t[N];
      for (int i = 1; i < N; ++i) grad_a = grad_a + p[i] * t[N + i];
      for (int i = 0; i < N; ++i) g[i] = t[i] + p[N + 1] * t[N + i];
      g[N] = t[2 * N];
      g[N + 1] = grad_a;
    }
    for (int i = 0; i < N; ++i) {
      args.grad_gates[l * N + i] = S::HorizontalSum(acc_gate[i]);
    }
  }
}

template <class S, bool kRelu>
void ForwardForActivation(const ShearStackArgs<typename S::T>& args) {
  switch (args.n) {
    case 1:
      return Forward<S, 1, kRelu>(args);
    case 2:
      return Forward<S, 2, kRelu>(args);
    case 3:
      return Forward<S, 3, kRelu>(args);
    default:
      return Forward<S, 4, kRelu>(args);
  }
}

template <class S, bool kRelu>
void BackwardForActivation(const ShearStackArgs<typename S::T>& args) {
  switch (args.n) {
    case 1:
      return Backward<S, 1, kRelu>(args);
    case 2:
      return Backward<S, 2, kRelu>(args);
    case 3:
      return Backward<S, 3, kRelu>(args);
    default:
      return Backward<S, 4, kRelu>(args);
  }
}

template <class S>
void ForwardAnyN(const ShearStackArgs<typename S::T>& args) {
  if (args.activation == ShearActivation::kRelu) {
    ForwardForActivation<S, true>(args);
  } else {
    ForwardForActivation<S, false>(args);
  }
}

template <class S>
void BackwardAnyN(const ShearStackArgs<typename S::T>& args) {
  if (args.activation == ShearActivation::kRelu) {
    BackwardForActivation<S, true>(args);
  } else {
    BackwardForActivation<S, false>(args);
  }
}

}  // namespace aanet::ad::internal::shear_stack_impl

#endif  // AANET_AUTODIFF_INTERNAL_SHEAR_STACK_IMPL_H_
