#include "models/symplectic_flow.h"

#include <cmath>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "autodiff/activation_kernels.h"
#include "autodiff/init.h"
#include "autodiff/kernels.h"
#include "autodiff/sigmoid_avx2.h"

namespace aanet {
namespace {

using ad::Matrix;

// Inputs of the fused shear node, in order.
enum ShearInput {
  kFixed = 0,  // x [B, n]
  kHalf,       // y [B, n]
  kW,          // [n, H]
  kB,          // [1, H]
  kA,          // [1, H]
  kGateOrC,    // gate or c, [1, 1]
  kPre,        // scratch: z = x W + b [B, H] (fused sigmoid: u [B, n])
  kAct,        // scratch: s = sigma(z) [B, H]
  kNumShearInputs,
};

// Per-thread buffers for the backward pass, so that a training step does not
// allocate.
struct ShearWorkspace {
  Matrix weighted;  // W * a (row broadcast) [n, H]
  Matrix u;         // s (W * a)^T [B, n]
  Matrix g_f;       // dL/df [B, n]
  Matrix g_s;       // dL/ds [B, H]
  Matrix g_wa;      // dL/d(W * a) [n, H]
  // The fused sigmoid kernels only.
  Matrix wa_t;  // (W * a)^T [H, n]: column k is contiguous over H
  Matrix g_w;   // dL/dW [n, H]
  Matrix g_a;   // dL/da [1, H]
  Matrix g_b;   // dL/db [1, H]
};

// Batches up to this size take the small-batch path of ShearValues.
constexpr Eigen::Index kSmallBatch = 8;
// Systems up to this size take the one-state path (a stack buffer).
constexpr int kMaxStackParticles = 64;

// One state's pre-activations z[j] = b[j] + sum_k x[k] W(k, j), W [n, H]
// column-major. N > 0 fixes n at compile time so the loops unroll; N == 0
// reads it from `n`.
template <int N>
void OneStatePre(const double* x, const double* w, const double* b,
                 Eigen::Index width, double* z, int n = N) {
  const int count = N > 0 ? N : n;
  for (Eigen::Index j = 0; j < width; ++j) {
    const double* w_j = w + j * count;
    double sum = b[j];
    for (int k = 0; k < count; ++k) sum += x[k] * w_j[k];
    z[j] = sum;
  }
}

// u[k] = sum_j s[j] a[j] W(k, j).
template <int N>
void OneStatePost(const double* s, const double* a, const double* w,
                  Eigen::Index width, double* u, int n = N) {
  const int count = N > 0 ? N : n;
  for (int k = 0; k < count; ++k) u[k] = 0.0;
  for (Eigen::Index j = 0; j < width; ++j) {
    const double* w_j = w + j * count;
    const double s_a = s[j] * a[j];
    for (int k = 0; k < count; ++k) u[k] += s_a * w_j[k];
  }
}

ShearWorkspace& Workspace() {
  thread_local ShearWorkspace workspace;
  return workspace;
}

// u[k] = sum_j sigma(z_j) a_j W(k, j) for one state, any activation; z goes
// through the workspace.
void ShearOneStateUnfused(int n, ad::Activation activation, const double* x,
                          const double* w, const double* b, const double* a,
                          Eigen::Index width, double* u) {
  Matrix& z = Workspace().g_s;
  z.resize(1, width);
  switch (n) {
    case 1:
      OneStatePre<1>(x, w, b, width, z.data());
      ad::ActivationInto(activation, z, z);
      OneStatePost<1>(z.data(), a, w, width, u);
      break;
    case 2:
      OneStatePre<2>(x, w, b, width, z.data());
      ad::ActivationInto(activation, z, z);
      OneStatePost<2>(z.data(), a, w, width, u);
      break;
    case 3:
      OneStatePre<3>(x, w, b, width, z.data());
      ad::ActivationInto(activation, z, z);
      OneStatePost<3>(z.data(), a, w, width, u);
      break;
    default:
      OneStatePre<0>(x, w, b, width, z.data(), n);
      ad::ActivationInto(activation, z, z);
      OneStatePost<0>(z.data(), a, w, width, u, n);
      break;
  }
}

#ifdef AANET_AD_AVX2_SIGMOID

// Fused sigmoid shear kernels. The state is column-major [B, n], so four
// consecutive rows of one column are one AVX2 vector: the kernels vectorise
// over the batch, which keeps the whole hidden row of a state in registers
// (the [B, H] pre-activations never go to memory) and lets every reduction
// over H accumulate in registers. n is a template parameter so the loops over
// it unroll; they cover n <= kMaxFusedParticles, larger systems take the
// unfused path.
constexpr int kMaxFusedParticles = 4;

// GCC keeps short loops over n rolled, with per-k register arrays spilled
// to the stack, unless told to unroll them.
#define AANET_UNROLL_N _Pragma("GCC unroll 4")

// The first `count` (0..4) of four lanes.
inline __m256i LaneMask(Eigen::Index count) {
  return _mm256_cmpgt_epi64(_mm256_set1_epi64x(count),
                            _mm256_set_epi64x(3, 2, 1, 0));
}

template <bool kMasked>
inline __m256d Load4(const double* p, __m256i mask) {
  return kMasked ? _mm256_maskload_pd(p, mask) : _mm256_loadu_pd(p);
}

template <bool kMasked>
inline void Store4(double* p, __m256i mask, __m256d v) {
  if (kMasked) {
    _mm256_maskstore_pd(p, mask, v);
  } else {
    _mm256_storeu_pd(p, v);
  }
}

inline double HorizontalSum(__m256d v) {
  __m128d lo =
      _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
  return _mm_cvtsd_f64(_mm_add_sd(lo, _mm_unpackhi_pd(lo, lo)));
}

// Forward of a sigmoid shear for rows [i, i + 4) (masked past the batch):
//   s = sigma(x W + b) [B, H] (stored if kStoreS), u = s wa_t [B, n].
// x, s, u are column-major with `batch` rows; w is W [n, H] column-major;
// wa_t is (W * a)^T [H, n] column-major.
template <int N, bool kMasked, bool kStoreS, bool kClamp>
inline void SigmoidShearForwardRows(const double* x, Eigen::Index batch,
                                    Eigen::Index i, __m256i mask,
                                    const double* w, const double* b,
                                    const double* wa_t, Eigen::Index width,
                                    double* s, double* u) {
  __m256d xv[N];
  __m256d uv[N];
  AANET_UNROLL_N
  for (int k = 0; k < N; ++k) {
    xv[k] = Load4<kMasked>(x + k * batch + i, mask);
    uv[k] = _mm256_setzero_pd();
  }
  for (Eigen::Index j = 0; j < width; ++j) {
    __m256d z = _mm256_set1_pd(b[j]);
    AANET_UNROLL_N
    for (int k = 0; k < N; ++k) {
      z = _mm256_fmadd_pd(xv[k], _mm256_set1_pd(w[j * N + k]), z);
    }
    const __m256d sv =
        kClamp ? ad::internal::Sigmoid4(z) : ad::internal::Sigmoid4InRange(z);
    if (kStoreS) Store4<kMasked>(s + j * batch + i, mask, sv);
    AANET_UNROLL_N
    for (int k = 0; k < N; ++k) {
      uv[k] = _mm256_fmadd_pd(sv, _mm256_set1_pd(wa_t[k * width + j]), uv[k]);
    }
  }
  AANET_UNROLL_N
  for (int k = 0; k < N; ++k) Store4<kMasked>(u + k * batch + i, mask, uv[k]);
}

// Whether every pre-activation z(i, j) = b_j + sum_k x(i, k) W(k, j) surely
// lies in Sigmoid4InRange's domain, from
//   |z(i, j)| <= |b_j| + sum_k max_i |x(i, k)| |W(k, j)| <= 700,
// a margin far beyond the rounding of this bound. Costs ~1% of the layer
// and saves the sigmoid's clamp, ~8% of it. False for NaN or inf anywhere.
template <int N>
bool PreActivationsInRange(const double* x, Eigen::Index batch, const double* w,
                           const double* b, Eigen::Index width) {
  constexpr double kLimit = 700.0;
  double x_max[N];
  for (int k = 0; k < N; ++k) {
    double m = 0.0;
    bool finite = true;
    for (Eigen::Index i = 0; i < batch; ++i) {
      const double v = std::fabs(x[k * batch + i]);
      m = v > m ? v : m;
      finite &= v <= kLimit;  // false for NaN
    }
    if (!finite) return false;
    x_max[k] = m;
  }
  for (Eigen::Index j = 0; j < width; ++j) {
    double bound = std::fabs(b[j]);
    for (int k = 0; k < N; ++k) bound += x_max[k] * std::fabs(w[j * N + k]);
    if (!(bound <= kLimit)) return false;  // also for NaN
  }
  return true;
}

template <int N, bool kStoreS, bool kClamp>
void SigmoidShearForwardClamp(const double* x, Eigen::Index batch,
                              const double* w, const double* b,
                              const double* wa_t, Eigen::Index width, double* s,
                              double* u) {
  const Eigen::Index full = batch - batch % 4;
  const __m256i all = LaneMask(4);
  for (Eigen::Index i = 0; i < full; i += 4) {
    SigmoidShearForwardRows<N, false, kStoreS, kClamp>(x, batch, i, all, w, b,
                                                       wa_t, width, s, u);
  }
  if (full < batch) {
    SigmoidShearForwardRows<N, true, kStoreS, kClamp>(
        x, batch, full, LaneMask(batch - full), w, b, wa_t, width, s, u);
  }
}

template <int N, bool kStoreS>
void SigmoidShearForward(const double* x, Eigen::Index batch, const double* w,
                         const double* b, const double* wa_t,
                         Eigen::Index width, double* s, double* u) {
  // Both branches give the same values (see Sigmoid4InRange).
  if (PreActivationsInRange<N>(x, batch, w, b, width)) {
    SigmoidShearForwardClamp<N, kStoreS, false>(x, batch, w, b, wa_t, width, s,
                                                u);
  } else {
    SigmoidShearForwardClamp<N, kStoreS, true>(x, batch, w, b, wa_t, width, s,
                                               u);
  }
}

// Backward of the sigmoid shear given gu = dL/du [B, n]:
//   dL/dz = (gu wa_t^T) * s (1 - s)                          [B, H]
//   gw = x^T dL/dz + (gu^T s) * a,  ga = colsum(W * (gu^T s)),
//   gb = colsum(dL/dz),  gx += dL/dz W^T (if kNeedGx).
// One pass over s per hidden unit j with every batch reduction in registers.
// gw is [n, H] column-major, ga and gb [H]; gx [B, n] is accumulated into.
template <int N, bool kNeedGx>
void SigmoidShearBackward(const double* x, const double* gu, const double* s,
                          Eigen::Index batch, const double* w, const double* a,
                          const double* wa_t, Eigen::Index width, double* gw,
                          double* ga, double* gb, double* gx) {
  const Eigen::Index full = batch - batch % 4;
  const __m256i tail_mask = LaneMask(batch - full);
  for (Eigen::Index j = 0; j < width; ++j) {
    const double* s_j = s + j * batch;
    __m256d wa_k[N], w_k[N], acc_xg[N], acc_gs[N];
    AANET_UNROLL_N
    for (int k = 0; k < N; ++k) {
      wa_k[k] = _mm256_set1_pd(wa_t[k * width + j]);
      w_k[k] = _mm256_set1_pd(w[j * N + k]);
      acc_xg[k] = _mm256_setzero_pd();
      acc_gs[k] = _mm256_setzero_pd();
    }
    __m256d acc_b = _mm256_setzero_pd();
    // Masked lanes load as 0, so they add nothing to the sums.
    auto rows = [&](Eigen::Index i, auto masked) {
      constexpr bool kMasked = decltype(masked)::value;
      const __m256d sv = Load4<kMasked>(s_j + i, tail_mask);
      __m256d gu_v[N];
      AANET_UNROLL_N
      for (int k = 0; k < N; ++k) {
        gu_v[k] = Load4<kMasked>(gu + k * batch + i, tail_mask);
      }
      __m256d gs = _mm256_mul_pd(gu_v[0], wa_k[0]);
      AANET_UNROLL_N
      for (int k = 1; k < N; ++k) gs = _mm256_fmadd_pd(gu_v[k], wa_k[k], gs);
      // sigma' = s (1 - s) = s - s^2.
      const __m256d gz = _mm256_mul_pd(gs, _mm256_fnmadd_pd(sv, sv, sv));
      acc_b = _mm256_add_pd(acc_b, gz);
      AANET_UNROLL_N
      for (int k = 0; k < N; ++k) {
        const __m256d xv = Load4<kMasked>(x + k * batch + i, tail_mask);
        acc_xg[k] = _mm256_fmadd_pd(xv, gz, acc_xg[k]);
        acc_gs[k] = _mm256_fmadd_pd(gu_v[k], sv, acc_gs[k]);
        if (kNeedGx) {
          double* gx_k = gx + k * batch + i;
          Store4<kMasked>(
              gx_k, tail_mask,
              _mm256_fmadd_pd(gz, w_k[k], Load4<kMasked>(gx_k, tail_mask)));
        }
      }
    };
    for (Eigen::Index i = 0; i < full; i += 4) rows(i, std::false_type());
    if (full < batch) rows(full, std::true_type());
    gb[j] = HorizontalSum(acc_b);
    double ga_j = 0.0;
    AANET_UNROLL_N
    for (int k = 0; k < N; ++k) {
      const double g_wa = HorizontalSum(acc_gs[k]);  // dL/d(W(k,j) a(j))
      gw[j * N + k] = HorizontalSum(acc_xg[k]) + g_wa * a[j];
      ga_j += g_wa * w[j * N + k];
    }
    ga[j] = ga_j;
  }
}

// One state through a sigmoid shear, vectorised over the hidden units:
// u[k] = sum_j sigma(b_j + sum_k' x[k'] W(k', j)) a_j W(k, j). W [n, H] is
// column-major, so W(k, j..j+3) is strided by N; for N = 2 two loads and two
// unpacks deinterleave it, into the lane order (j, j+2, j+1, j+3), which b
// and a are permuted to match (the sums over j do not care about the order).
template <int N>
inline void SigmoidOneStateBlock(const double* x, const double* w,
                                 const double* b, const double* a,
                                 __m256d* acc) {
  __m256d w_k[N];
  __m256d b_v, a_v;
  if (N == 2) {
    const __m256d lo = _mm256_loadu_pd(w);      // W0j W1j W0j+1 W1j+1
    const __m256d hi = _mm256_loadu_pd(w + 4);  // W0j+2 W1j+2 ...
    w_k[0] = _mm256_unpacklo_pd(lo, hi);        // W0: j, j+2, j+1, j+3
    w_k[N - 1] = _mm256_unpackhi_pd(lo, hi);    // W1: same order
    b_v = _mm256_permute4x64_pd(_mm256_loadu_pd(b), 0xD8);
    a_v = _mm256_permute4x64_pd(_mm256_loadu_pd(a), 0xD8);
  } else {
    AANET_UNROLL_N
    for (int k = 0; k < N; ++k) {
      w_k[k] = _mm256_set_pd(w[3 * N + k], w[2 * N + k], w[N + k], w[k]);
    }
    b_v = _mm256_loadu_pd(b);
    a_v = _mm256_loadu_pd(a);
  }
  __m256d z = b_v;
  AANET_UNROLL_N
  for (int k = 0; k < N; ++k) {
    z = _mm256_fmadd_pd(_mm256_set1_pd(x[k]), w_k[k], z);
  }
  const __m256d s_a = _mm256_mul_pd(ad::internal::Sigmoid4(z), a_v);
  AANET_UNROLL_N
  for (int k = 0; k < N; ++k) acc[k] = _mm256_fmadd_pd(s_a, w_k[k], acc[k]);
}

template <int N>
void SigmoidShearOneState(const double* x, const double* w, const double* b,
                          const double* a, Eigen::Index width, double* u) {
  __m256d acc[N];
  AANET_UNROLL_N
  for (int k = 0; k < N; ++k) acc[k] = _mm256_setzero_pd();
  const Eigen::Index full = width - width % 4;
  // Two sets of accumulators halve the chain of dependent multiply-adds,
  // which is on the critical path from one layer to the next.
  __m256d acc2[N];
  AANET_UNROLL_N
  for (int k = 0; k < N; ++k) acc2[k] = _mm256_setzero_pd();
  Eigen::Index j = 0;
  for (; j + 8 <= full; j += 8) {
    SigmoidOneStateBlock<N>(x, w + j * N, b + j, a + j, acc);
    SigmoidOneStateBlock<N>(x, w + (j + 4) * N, b + j + 4, a + j + 4, acc2);
  }
  if (j < full) SigmoidOneStateBlock<N>(x, w + j * N, b + j, a + j, acc);
  AANET_UNROLL_N
  for (int k = 0; k < N; ++k) acc[k] = _mm256_add_pd(acc[k], acc2[k]);
  if (full < width) {
    // The last few units through the same code, zero-padded: a = 0 makes
    // the padding add nothing.
    double w_pad[4 * N] = {};
    double b_pad[4] = {}, a_pad[4] = {};
    for (Eigen::Index j = full; j < width; ++j) {
      for (int k = 0; k < N; ++k) w_pad[(j - full) * N + k] = w[j * N + k];
      b_pad[j - full] = b[j];
      a_pad[j - full] = a[j];
    }
    SigmoidOneStateBlock<N>(x, w_pad, b_pad, a_pad, acc);
  }
  AANET_UNROLL_N
  for (int k = 0; k < N; ++k) u[k] = HorizontalSum(acc[k]);
}

bool RunSigmoidShearOneState(int n, const double* x, const double* w,
                             const double* b, const double* a,
                             Eigen::Index width, double* u) {
  switch (n) {
    case 1:
      SigmoidShearOneState<1>(x, w, b, a, width, u);
      return true;
    case 2:
      SigmoidShearOneState<2>(x, w, b, a, width, u);
      return true;
    case 3:
      SigmoidShearOneState<3>(x, w, b, a, width, u);
      return true;
    case 4:
      SigmoidShearOneState<4>(x, w, b, a, width, u);
      return true;
    default:
      return false;
  }
}

#undef AANET_UNROLL_N

// The batched kernels for n = num_particles, or false if n is too large.
bool RunSigmoidShearForward(int n, bool store_s, const double* x,
                            Eigen::Index batch, const double* w,
                            const double* b, const double* wa_t,
                            Eigen::Index width, double* s, double* u) {
#define AANET_SHEAR_FORWARD_CASE(N)                                     \
  case N:                                                               \
    if (store_s) {                                                      \
      SigmoidShearForward<N, true>(x, batch, w, b, wa_t, width, s, u);  \
    } else {                                                            \
      SigmoidShearForward<N, false>(x, batch, w, b, wa_t, width, s, u); \
    }                                                                   \
    return true;
  switch (n) {
    AANET_SHEAR_FORWARD_CASE(1)
    AANET_SHEAR_FORWARD_CASE(2)
    AANET_SHEAR_FORWARD_CASE(3)
    AANET_SHEAR_FORWARD_CASE(4)
    default:
      return false;
  }
#undef AANET_SHEAR_FORWARD_CASE
}

void RunSigmoidShearBackward(int n, bool need_gx, const double* x,
                             const double* gu, const double* s,
                             Eigen::Index batch, const double* w,
                             const double* a, const double* wa_t,
                             Eigen::Index width, double* gw, double* ga,
                             double* gb, double* gx) {
#define AANET_SHEAR_BACKWARD_CASE(N)                                         \
  case N:                                                                    \
    if (need_gx) {                                                           \
      SigmoidShearBackward<N, true>(x, gu, s, batch, w, a, wa_t, width, gw,  \
                                    ga, gb, gx);                             \
    } else {                                                                 \
      SigmoidShearBackward<N, false>(x, gu, s, batch, w, a, wa_t, width, gw, \
                                     ga, gb, gx);                            \
    }                                                                        \
    return;
  switch (n) {
    AANET_SHEAR_BACKWARD_CASE(1)
    AANET_SHEAR_BACKWARD_CASE(2)
    AANET_SHEAR_BACKWARD_CASE(3)
    AANET_SHEAR_BACKWARD_CASE(4)
    default:
      AANET_AD_CHECK(false, "RunSigmoidShearBackward: n too large");
  }
#undef AANET_SHEAR_BACKWARD_CASE
}

// Whether a shear takes the fused sigmoid kernels (the same answer in the
// forward and backward pass: it decides what the forward pass stores).
// Without AVX2 (--config=portable) every shear takes the unfused path.
bool UseFusedSigmoid(ad::Activation activation, int num_particles) {
  return activation == ad::Activation::kSigmoid &&
         num_particles <= kMaxFusedParticles;
}

// wa_t = (W * a)^T [H, n] from W [n, H] and a [1, H].
void WeightedTranspose(const Matrix& w, const Matrix& a, Matrix& wa_t) {
  wa_t.resize(w.cols(), w.rows());
  for (Eigen::Index k = 0; k < w.rows(); ++k) {
    wa_t.col(k) = (w.row(k).array() * a.row(0).array()).transpose();
  }
}

// The shear half + sign * f(fixed) as one tape node on the fused sigmoid
// kernels. The node keeps s = sigma(z) [B, H] (not z: sigma' = s (1 - s)
// needs no exp) and u [B, n] (GATED_PER_COORDINATE's gate gradient needs it)
// in its two scratch inputs.
ad::Var FusedSigmoidShear(ad::Tape& tape, ad::Var fixed, ad::Var half,
                          ad::Var w, ad::Var b, ad::Var a, ad::Var gate_or_c,
                          double sign, ShearConditioner conditioner) {
  const Matrix& x = fixed.value();
  const Eigen::Index batch = x.rows();
  const int n = static_cast<int>(x.cols());
  const Eigen::Index width = w.cols();
  ad::Var u_node = tape.Scratch(batch, n);
  ad::Var act = tape.Scratch(batch, width);
  ShearWorkspace& ws = Workspace();
  WeightedTranspose(w.value(), a.value(), ws.wa_t);
  Matrix& u = tape.MutableValue(u_node);
  RunSigmoidShearForward(n, /*store_s=*/true, x.data(), batch, w.value().data(),
                         b.value().data(), ws.wa_t.data(), width,
                         tape.MutableValue(act).data(), u.data());

  ad::Var out = tape.AddNode(
      batch, n, {fixed, half, w, b, a, gate_or_c, u_node, act},
      [sign, conditioner](ad::BackwardContext& c) {
        ShearWorkspace& ws = Workspace();
        const Matrix& x = c.input(kFixed);
        const Matrix& w = c.input(kW);
        const Matrix& a = c.input(kA);
        const Matrix& gc = c.input(kGateOrC);
        const Eigen::Index batch = x.rows();
        const Eigen::Index width = w.cols();
        // ws.g_f = dL/du; the skip term's gradients on the way.
        ws.g_f = sign * c.grad();
        Matrix& g_u = ws.g_f;
        bool accumulate = false;
        Matrix* g_x = c.needs_grad(kFixed)
                          ? &c.InputGradForWrite(kFixed, &accumulate)
                          : nullptr;
        // dL/dx from the skip term, assigned or added.
        auto add_skip = [&](const auto& skip) {
          if (g_x == nullptr) return;
          if (accumulate) {
            *g_x += skip;
          } else {
            *g_x = skip;
          }
        };
        if (conditioner == GATED_PER_COORDINATE) {
          // f = (u + x) * gate: dL/dgate = colsum((u + x) dL/df).
          if (c.needs_grad(kGateOrC)) {
            c.AccumulateGrad(kGateOrC,
                             ((c.input(kPre) + x).array() * g_u.array())
                                 .colwise()
                                 .sum()
                                 .matrix());
          }
          g_u.array().rowwise() *= gc.row(0).array();
          add_skip(g_u);
        } else if (conditioner == GATED) {
          // f = u + gate * x.
          if (c.needs_grad(kGateOrC)) {
            c.AccumulateGrad(
                kGateOrC, (x.array() * g_u.array()).colwise().sum().matrix());
          }
          add_skip((g_u.array().rowwise() * gc.row(0).array()).matrix());
        } else {
          // f = u + c x.
          if (c.needs_grad(kGateOrC)) {
            c.AccumulateGrad(
                kGateOrC,
                Matrix::Constant(1, 1, (g_u.array() * x.array()).sum()));
          }
          add_skip(gc(0, 0) * g_u);
        }
        WeightedTranspose(w, a, ws.wa_t);
        ws.g_w.resize(w.rows(), width);
        ws.g_a.resize(1, width);
        ws.g_b.resize(1, width);
        RunSigmoidShearBackward(
            static_cast<int>(x.cols()), g_x != nullptr, x.data(), g_u.data(),
            c.input(kAct).data(), batch, w.data(), a.data(), ws.wa_t.data(),
            width, ws.g_w.data(), ws.g_a.data(), ws.g_b.data(),
            g_x != nullptr ? g_x->data() : nullptr);
        c.AccumulateGrad(kW, ws.g_w);
        c.AccumulateGrad(kA, ws.g_a);
        c.AccumulateGrad(kB, ws.g_b);
        c.MoveGradTo(kHalf);  // last use of c.grad()
      });

  // Forward value: half + sign * f.
  Matrix& y = tape.MutableValue(out);
  const Matrix& gc = gate_or_c.value();
  if (conditioner == GATED_PER_COORDINATE) {
    y = half.value() +
        sign * ((u + x).array().rowwise() * gc.row(0).array()).matrix();
  } else if (conditioner == GATED) {
    y = half.value() +
        sign * (u + (x.array().rowwise() * gc.row(0).array()).matrix());
  } else {
    y = half.value() + sign * (u + gc(0, 0) * x);
  }
  return out;
}

#endif  // AANET_AD_AVX2_SIGMOID

}  // namespace

Eigen::RowVectorXd SymplecticPairScale(
    const Eigen::RowVectorXd& coordinate_scale, int num_particles) {
  const int n = num_particles;
  Eigen::RowVectorXd scale = Eigen::RowVectorXd::Ones(2 * n);
  if (coordinate_scale.size() != 2 * n) return scale;
  const Eigen::ArrayXd products =
      (coordinate_scale.head(n).array() * coordinate_scale.tail(n).array())
          .transpose();
  const double log_mean = products.log().mean();
  for (int i = 0; i < n; ++i) {
    const double s = std::sqrt(products[i] / std::exp(log_mean));
    scale[i] = s;
    scale[n + i] = s;
  }
  return scale;
}

absl::StatusOr<SymplecticFlow> SymplecticFlow::Create(
    ad::ParameterStore& store, const std::string& name,
    const SymplecticFlowConfig& config, const std::string& field_path,
    int num_particles, Random& random) {
  if (!config.has_num_layers() || config.num_layers() < 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s.num_layers: must be set and >= 1, got %d",
                        field_path, config.num_layers()));
  }
  if (!config.has_hidden_width() || config.hidden_width() < 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s.hidden_width: must be set and >= 1, got %d",
                        field_path, config.hidden_width()));
  }
  if (!config.has_weight_init_stddev() ||
      !(config.weight_init_stddev() >= 0.0)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s.weight_init_stddev: must be set and >= 0", field_path));
  }
  absl::StatusOr<ad::Activation> activation =
      ad::ParseActivation(config.activation());
  if (!activation.ok()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s.activation: %s", field_path, activation.status().message()));
  }
  const int n = num_particles;
  const int width = config.hidden_width();
  const double stddev = config.weight_init_stddev();
  std::vector<LayerIds> layers;
  for (int l = 0; l < config.num_layers(); ++l) {
    const std::string prefix = absl::StrFormat("%s/layer_%02d", name, l);
    LayerIds ids;
    ids.w = store.Add(prefix + "/W", ad::NormalInit(n, width, stddev, random));
    ids.b = store.Add(prefix + "/b", ad::NormalInit(1, width, stddev, random));
    ids.a = store.Add(prefix + "/a", ad::ZerosInit(1, width));
    const bool paper = config.conditioner() == PAPER;
    ids.gate_or_c = store.Add(prefix + (paper ? "/c" : "/gate"),
                              ad::ZerosInit(1, paper ? 1 : n));
    ids.w_value = &store.value(ids.w);
    ids.b_value = &store.value(ids.b);
    ids.a_value = &store.value(ids.a);
    ids.gate_or_c_value = &store.value(ids.gate_or_c);
    layers.push_back(ids);
  }
  return SymplecticFlow(&store, n, config.conditioner(), *activation,
                        std::move(layers));
}

ad::Var SymplecticFlow::Shear(ad::Tape& tape, int layer, ad::Var fixed,
                              ad::Var half, double sign) const {
  const LayerIds& ids = layers_[layer];
  ad::Var w = tape.Param(*store_, ids.w);
  ad::Var b = tape.Param(*store_, ids.b);
  ad::Var a = tape.Param(*store_, ids.a);
  ad::Var gate_or_c = tape.Param(*store_, ids.gate_or_c);
  const Matrix& x = fixed.value();
  const Eigen::Index batch = x.rows();
  const Eigen::Index width = w.cols();
#ifdef AANET_AD_AVX2_SIGMOID
  if (UseFusedSigmoid(activation_, num_particles_)) {
    return FusedSigmoidShear(tape, fixed, half, w, b, a, gate_or_c, sign,
                             conditioner_);
  }
#endif

  ad::Var pre = tape.Scratch(batch, width);
  Matrix& z = tape.MutableValue(pre);
  ad::ProductInto(x, w.value(), /*add=*/false, z);
  z.rowwise() += b.value().row(0);
  ad::Var act = tape.Scratch(batch, width);
  ad::ActivationInto(activation_, z, tape.MutableValue(act));

  const ShearConditioner conditioner = conditioner_;
  const ad::Activation activation = activation_;
  ad::Var out = tape.AddNode(
      batch, x.cols(), {fixed, half, w, b, a, gate_or_c, pre, act},
      [sign, conditioner, activation](ad::BackwardContext& c) {
        ShearWorkspace& ws = Workspace();
        const Matrix& g = c.grad();
        const Matrix& x = c.input(kFixed);
        const Matrix& w = c.input(kW);
        const Matrix& a = c.input(kA);
        const Matrix& gc = c.input(kGateOrC);
        const Matrix& z = c.input(kPre);
        const Matrix& s = c.input(kAct);
        c.AccumulateGrad(kHalf, g);

        // u = s (W*a)^T; GATED: f = gate (u + x), PAPER: f = u + c x.
        ws.weighted = w.array().rowwise() * a.row(0).array();
        ws.g_f = sign * g;
        if (conditioner == GATED_PER_COORDINATE) {
          // f = (u + x) * gate, gate [1, n].
          ad::ProductInto(s, ws.weighted.transpose(), false, ws.u);
          if (c.needs_grad(kGateOrC)) {
            c.AccumulateGrad(
                kGateOrC,
                ((ws.u + x).array() * ws.g_f.array()).colwise().sum().matrix());
          }
          ws.g_f.array().rowwise() *= gc.row(0).array();  // now dL/du
          c.AccumulateGrad(kFixed, ws.g_f);
        } else if (conditioner == GATED) {
          // f = u + gate * x, gate [1, n]; dL/du = dL/df.
          if (c.needs_grad(kGateOrC)) {
            c.AccumulateGrad(
                kGateOrC,
                (x.array() * ws.g_f.array()).colwise().sum().matrix());
          }
          c.AccumulateGrad(
              kFixed, (ws.g_f.array().rowwise() * gc.row(0).array()).matrix());
        } else {
          // f = u + c x.
          if (c.needs_grad(kGateOrC)) {
            c.AccumulateGrad(
                kGateOrC,
                Matrix::Constant(1, 1, (ws.g_f.array() * x.array()).sum()));
          }
          c.AccumulateGrad(kFixed, gc(0, 0) * ws.g_f);
        }
        // ws.g_f is now dL/d(s (W*a)^T).
        ad::ProductInto(ws.g_f, ws.weighted, false, ws.g_s);     // [B, H]
        ad::ProductInto(ws.g_f.transpose(), s, false, ws.g_wa);  // [n, H]
        if (c.needs_grad(kA)) {
          c.AccumulateGrad(
              kA, (ws.g_wa.array() * w.array()).colwise().sum().matrix());
        }
        const bool need_w = c.needs_grad(kW);
        if (need_w) {
          c.AccumulateGrad(
              kW, (ws.g_wa.array().rowwise() * a.row(0).array()).matrix());
        }
        // dL/dz = dL/ds * sigma'(z), in place in g_s.
        if (activation == ad::Activation::kSigmoid) {
          ws.g_s.array() *= s.array() * (1.0 - s.array());
        } else {
          ad::MultiplyByActivationDerivative(activation, z, ws.g_s);
        }
        c.AccumulateGrad(kB, ws.g_s.colwise().sum());
        if (need_w) {
          ad::ProductInto(x.transpose(), ws.g_s, /*add=*/true,
                          c.MutableInputGrad(kW));
        }
        if (c.needs_grad(kFixed)) {
          ad::ProductInto(ws.g_s, w.transpose(), /*add=*/true,
                          c.MutableInputGrad(kFixed));
        }
      });

  // Forward value: half + sign * f.
  Matrix& y = tape.MutableValue(out);
  ShearWorkspace& ws = Workspace();
  const Matrix& s = act.value();
  ws.weighted = w.value().array().rowwise() * a.value().row(0).array();
  ad::ProductInto(s, ws.weighted.transpose(), false, ws.u);
  if (conditioner == GATED_PER_COORDINATE) {
    y = half.value() +
        sign * ((ws.u + x).array().rowwise() * gate_or_c.value().row(0).array())
                   .matrix();
  } else if (conditioner == GATED) {
    y = half.value() +
        sign *
            (ws.u +
             (x.array().rowwise() * gate_or_c.value().row(0).array()).matrix());
  } else {
    y = half.value() + sign * (ws.u + gate_or_c.value()(0, 0) * x);
  }
  return out;
}

void SymplecticFlow::ShearOneState(int layer, const Matrix& fixed, Matrix& half,
                                   double sign) const {
  // The same arithmetic as the batched path, written as plain loops: for one
  // state every Eigen expression would cost more in setup than in work.
  const LayerIds& ids = layers_[layer];
  const Matrix& w = *ids.w_value;  // [n, H], column-major
  const double* b = ids.b_value->data();
  const double* a = ids.a_value->data();
  const double* gate_or_c = ids.gate_or_c_value->data();
  const int n = num_particles_;
  const Eigen::Index width = w.cols();
  const double* x = fixed.data();  // [1, n] is contiguous
  double* y = half.data();
  double u[kMaxStackParticles];
  bool fused = false;
#ifdef AANET_AD_AVX2_SIGMOID
  if (UseFusedSigmoid(activation_, n)) {
    RunSigmoidShearOneState(n, x, w.data(), b, a, width, u);
    fused = true;
  }
#endif
  if (!fused) ShearOneStateUnfused(n, activation_, x, w.data(), b, a, width, u);
  for (int k = 0; k < n; ++k) {
    switch (conditioner_) {
      case GATED:
        y[k] += sign * (u[k] + gate_or_c[k] * x[k]);
        break;
      case GATED_PER_COORDINATE:
        y[k] += sign * (u[k] + x[k]) * gate_or_c[k];
        break;
      default:  // PAPER
        y[k] += sign * (u[k] + gate_or_c[0] * x[k]);
        break;
    }
  }
}

void SymplecticFlow::ShearValues(int layer, const Matrix& fixed, Matrix& half,
                                 double sign) const {
  if (fixed.rows() == 1 && num_particles_ <= kMaxStackParticles) {
    ShearOneState(layer, fixed, half, sign);
    return;
  }
  const LayerIds& ids = layers_[layer];
  const Matrix& w = *ids.w_value;
  const Matrix& a = *ids.a_value;
  const Matrix& b = *ids.b_value;
  const Matrix& gate_or_c = *ids.gate_or_c_value;
  ShearWorkspace& ws = Workspace();
  bool fused = false;
#ifdef AANET_AD_AVX2_SIGMOID
  if (UseFusedSigmoid(activation_, num_particles_)) {
    WeightedTranspose(w, a, ws.wa_t);
    ws.u.resize(fixed.rows(), num_particles_);
    RunSigmoidShearForward(num_particles_, /*store_s=*/false, fixed.data(),
                           fixed.rows(), w.data(), b.data(), ws.wa_t.data(),
                           w.cols(), nullptr, ws.u.data());
    fused = true;
  }
#endif
  if (fused) {
    // ws.u is set.
  } else if (fixed.rows() <= kSmallBatch) {
    // A few states: Eigen's own small products beat ProductInto's column
    // loops, which are built for batches.
    ws.weighted = w.array().rowwise() * a.row(0).array();
    ws.g_s.noalias() = fixed * w;
    ws.g_s.rowwise() += b.row(0);
    ad::ActivationInto(activation_, ws.g_s, ws.g_s);
    ws.u.noalias() = ws.g_s * ws.weighted.transpose();
  } else {
    ws.weighted = w.array().rowwise() * a.row(0).array();
    ad::ProductInto(fixed, w, false, ws.g_s);
    ws.g_s.rowwise() += b.row(0);
    ad::ActivationInto(activation_, ws.g_s, ws.g_s);
    ad::ProductInto(ws.g_s, ws.weighted.transpose(), false, ws.u);
  }
  if (conditioner_ == GATED_PER_COORDINATE) {
    half.array() +=
        sign * ((ws.u + fixed).array().rowwise() * gate_or_c.row(0).array());
  } else if (conditioner_ == GATED) {
    half +=
        sign *
        (ws.u + (fixed.array().rowwise() * gate_or_c.row(0).array()).matrix());
  } else {
    half += sign * (ws.u + gate_or_c(0, 0) * fixed);
  }
}

ad::Var SymplecticFlow::ApplyLayer(ad::Tape& tape, int layer, ad::Var states,
                                   double sign) const {
  const int n = num_particles_;
  ad::Var q = ad::ColSlice(states, 0, n);
  ad::Var p = ad::ColSlice(states, n, n);
  if (layer % 2 == 0) {
    p = Shear(tape, layer, q, p, sign);
  } else {
    q = Shear(tape, layer, p, q, sign);
  }
  return ad::ConcatCols({q, p});
}

ad::Var SymplecticFlow::Forward(ad::Tape& tape, ad::Var states) const {
  const int n = num_particles_;
  ad::Var q = ad::ColSlice(states, 0, n);
  ad::Var p = ad::ColSlice(states, n, n);
  for (int l = 0; l < num_layers(); ++l) {
    if (l % 2 == 0) {
      p = Shear(tape, l, q, p, +1.0);
    } else {
      q = Shear(tape, l, p, q, +1.0);
    }
  }
  return ad::ConcatCols({q, p});
}

ad::Var SymplecticFlow::Inverse(ad::Tape& tape, ad::Var latents) const {
  const int n = num_particles_;
  ad::Var q = ad::ColSlice(latents, 0, n);
  ad::Var p = ad::ColSlice(latents, n, n);
  for (int l = num_layers() - 1; l >= 0; --l) {
    if (l % 2 == 0) {
      p = Shear(tape, l, q, p, -1.0);
    } else {
      q = Shear(tape, l, p, q, -1.0);
    }
  }
  return ad::ConcatCols({q, p});
}

Matrix SymplecticFlow::ForwardValues(const Matrix& states) const {
  const int n = num_particles_;
  Matrix q = states.leftCols(n);
  Matrix p = states.rightCols(n);
  for (int l = 0; l < num_layers(); ++l) {
    if (l % 2 == 0) {
      ShearValues(l, q, p, +1.0);
    } else {
      ShearValues(l, p, q, +1.0);
    }
  }
  Matrix out(states.rows(), 2 * n);
  out << q, p;
  return out;
}

Matrix SymplecticFlow::InverseValues(const Matrix& latents) const {
  const int n = num_particles_;
  Matrix q = latents.leftCols(n);
  Matrix p = latents.rightCols(n);
  for (int l = num_layers() - 1; l >= 0; --l) {
    if (l % 2 == 0) {
      ShearValues(l, q, p, -1.0);
    } else {
      ShearValues(l, p, q, -1.0);
    }
  }
  Matrix out(latents.rows(), 2 * n);
  out << q, p;
  return out;
}

}  // namespace aanet
