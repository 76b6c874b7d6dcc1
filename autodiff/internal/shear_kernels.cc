#include "autodiff/internal/shear_kernels.h"

#include <cmath>
#include <type_traits>

#include "autodiff/activation_kernels.h"
#include "autodiff/internal/kernels.h"
#include "autodiff/internal/sigmoid_avx2.h"

namespace aanet::ad::internal {
namespace {

// Per-thread buffers, so that a training step does not allocate.
struct ShearWorkspace {
  Matrix weighted;  // W * a (row broadcast) [n, H]
  Matrix u;         // s (W * a)^T [B, n]
  Matrix g_s;       // dL/ds [B, H]; z or s on values
  Matrix g_wa;      // dL/d(W * a) [n, H]
  // The fused sigmoid kernels only.
  Matrix wa_t;  // (W * a)^T [H, n]: column k is contiguous over H
  Matrix g_w;   // dL/dW [n, H]
  Matrix g_a;   // dL/da [1, H]
  Matrix g_b;   // dL/db [1, H]
};

// Batches up to this size take the small-batch path of ShearRidgeValues.
constexpr Eigen::Index kSmallBatch = 8;

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
void ShearOneStateUnfused(int n, Activation activation, const double* x,
                          const double* w, const double* b, const double* a,
                          Eigen::Index width, double* u) {
  Matrix& z = Workspace().g_s;
  z.resize(1, width);
  switch (n) {
    case 1:
      OneStatePre<1>(x, w, b, width, z.data());
      ActivationInto(activation, z, z);
      OneStatePost<1>(z.data(), a, w, width, u);
      break;
    case 2:
      OneStatePre<2>(x, w, b, width, z.data());
      ActivationInto(activation, z, z);
      OneStatePost<2>(z.data(), a, w, width, u);
      break;
    case 3:
      OneStatePre<3>(x, w, b, width, z.data());
      ActivationInto(activation, z, z);
      OneStatePost<3>(z.data(), a, w, width, u);
      break;
    default:
      OneStatePre<0>(x, w, b, width, z.data(), n);
      ActivationInto(activation, z, z);
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
// it unroll; they cover n <= kMaxFusedDegreesOfFreedom, larger systems take the
// unfused path.
constexpr int kMaxFusedDegreesOfFreedom = 4;

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
    const __m256d sv = kClamp ? Sigmoid4(z) : Sigmoid4InRange(z);
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
  const __m256d s_a = _mm256_mul_pd(Sigmoid4(z), a_v);
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

// The batched kernels for n = num_degrees_of_freedom, or false if n is too
// large.
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
bool UseFusedSigmoid(Activation activation, int num_degrees_of_freedom) {
  return activation == Activation::kSigmoid &&
         num_degrees_of_freedom <= kMaxFusedDegreesOfFreedom;
}

// wa_t = (W * a)^T [H, n] from W [n, H] and a [1, H].
void WeightedTranspose(const Matrix& w, const Matrix& a, Matrix& wa_t) {
  wa_t.resize(w.cols(), w.rows());
  for (Eigen::Index k = 0; k < w.rows(); ++k) {
    wa_t.col(k) = (w.row(k).array() * a.row(0).array()).transpose();
  }
}

#endif  // AANET_AD_AVX2_SIGMOID

}  // namespace

const Matrix& ShearRidgeForward(Tape& tape, Activation activation, Var x_var,
                                Var w, Var b, Var a, ShearRidgeSaved& saved) {
  const Matrix& x = x_var.value();
  const Eigen::Index batch = x.rows();
  const Eigen::Index width = w.cols();
  ShearWorkspace& ws = Workspace();
#ifdef AANET_AD_AVX2_SIGMOID
  const int n = static_cast<int>(x.cols());
  if (UseFusedSigmoid(activation, n)) {
    // Saved: u, and s = sigma(z) (not z: sigma' = s (1 - s) needs no exp).
    saved.saved0 = tape.Scratch(batch, n);
    saved.saved1 = tape.Scratch(batch, width);
    WeightedTranspose(w.value(), a.value(), ws.wa_t);
    Matrix& u = tape.MutableValue(saved.saved0);
    RunSigmoidShearForward(n, /*store_s=*/true, x.data(), batch,
                           w.value().data(), b.value().data(), ws.wa_t.data(),
                           width, tape.MutableValue(saved.saved1).data(),
                           u.data());
    return u;
  }
#endif
  // Saved: z = x W + b and s = act(z).
  saved.saved0 = tape.Scratch(batch, width);
  Matrix& z = tape.MutableValue(saved.saved0);
  ProductInto(x, w.value(), /*add=*/false, z);
  z.rowwise() += b.value().row(0);
  saved.saved1 = tape.Scratch(batch, width);
  ActivationInto(activation, z, tape.MutableValue(saved.saved1));
  ws.weighted = w.value().array().rowwise() * a.value().row(0).array();
  ProductInto(saved.saved1.value(), ws.weighted.transpose(), false, ws.u);
  return ws.u;
}

const Matrix& ShearRidgeValue(const BackwardContext& c, Activation activation) {
  const Matrix& w = c.input(kShearW);
#ifdef AANET_AD_AVX2_SIGMOID
  if (UseFusedSigmoid(activation, static_cast<int>(w.rows()))) {
    return c.input(kShearSaved0);
  }
#endif
  ShearWorkspace& ws = Workspace();
  ws.weighted = w.array().rowwise() * c.input(kShearA).row(0).array();
  ProductInto(c.input(kShearSaved1), ws.weighted.transpose(), false, ws.u);
  return ws.u;
}

void ShearRidgeBackward(BackwardContext& c, Activation activation,
                        const Matrix& g_u) {
  const Matrix& x = c.input(kShearFixed);
  const Matrix& w = c.input(kShearW);
  const Matrix& a = c.input(kShearA);
  const Matrix& s = c.input(kShearSaved1);
  ShearWorkspace& ws = Workspace();
#ifdef AANET_AD_AVX2_SIGMOID
  if (UseFusedSigmoid(activation, static_cast<int>(x.cols()))) {
    const Eigen::Index width = w.cols();
    WeightedTranspose(w, a, ws.wa_t);
    ws.g_w.resize(w.rows(), width);
    ws.g_a.resize(1, width);
    ws.g_b.resize(1, width);
    double* g_x = c.needs_grad(kShearFixed)
                      ? c.MutableInputGrad(kShearFixed).data()
                      : nullptr;
    RunSigmoidShearBackward(static_cast<int>(x.cols()), g_x != nullptr,
                            x.data(), g_u.data(), s.data(), x.rows(), w.data(),
                            a.data(), ws.wa_t.data(), width, ws.g_w.data(),
                            ws.g_a.data(), ws.g_b.data(), g_x);
    c.AccumulateGrad(kShearW, ws.g_w);
    c.AccumulateGrad(kShearA, ws.g_a);
    c.AccumulateGrad(kShearB, ws.g_b);
    return;
  }
#endif
  // u = s (W * a)^T.
  ws.weighted = w.array().rowwise() * a.row(0).array();
  ProductInto(g_u, ws.weighted, false, ws.g_s);     // dL/ds [B, H]
  ProductInto(g_u.transpose(), s, false, ws.g_wa);  // dL/d(W * a) [n, H]
  if (c.needs_grad(kShearA)) {
    c.AccumulateGrad(kShearA,
                     (ws.g_wa.array() * w.array()).colwise().sum().matrix());
  }
  const bool need_w = c.needs_grad(kShearW);
  if (need_w) {
    c.AccumulateGrad(kShearW,
                     (ws.g_wa.array().rowwise() * a.row(0).array()).matrix());
  }
  // dL/dz = dL/ds * act'(z), in place in g_s.
  if (activation == Activation::kSigmoid) {
    ws.g_s.array() *= s.array() * (1.0 - s.array());
  } else {
    MultiplyByActivationDerivative(activation, c.input(kShearSaved0), ws.g_s);
  }
  c.AccumulateGrad(kShearB, ws.g_s.colwise().sum());
  if (need_w) {
    ProductInto(x.transpose(), ws.g_s, /*add=*/true,
                c.MutableInputGrad(kShearW));
  }
  if (c.needs_grad(kShearFixed)) {
    ProductInto(ws.g_s, w.transpose(), /*add=*/true,
                c.MutableInputGrad(kShearFixed));
  }
}

const Matrix& ShearRidgeValues(Activation activation, const Matrix& x,
                               const Matrix& w, const Matrix& b,
                               const Matrix& a) {
  ShearWorkspace& ws = Workspace();
#ifdef AANET_AD_AVX2_SIGMOID
  const int n = static_cast<int>(x.cols());
  if (UseFusedSigmoid(activation, n)) {
    WeightedTranspose(w, a, ws.wa_t);
    ws.u.resize(x.rows(), n);
    RunSigmoidShearForward(n, /*store_s=*/false, x.data(), x.rows(), w.data(),
                           b.data(), ws.wa_t.data(), w.cols(), nullptr,
                           ws.u.data());
    return ws.u;
  }
#endif
  ws.weighted = w.array().rowwise() * a.row(0).array();
  if (x.rows() <= kSmallBatch) {
    // A few states: Eigen's own small products beat ProductInto's column
    // loops, which are built for batches.
    ws.g_s.noalias() = x * w;
    ws.g_s.rowwise() += b.row(0);
    ActivationInto(activation, ws.g_s, ws.g_s);
    ws.u.noalias() = ws.g_s * ws.weighted.transpose();
  } else {
    ProductInto(x, w, false, ws.g_s);
    ws.g_s.rowwise() += b.row(0);
    ActivationInto(activation, ws.g_s, ws.g_s);
    ProductInto(ws.g_s, ws.weighted.transpose(), false, ws.u);
  }
  return ws.u;
}

void ShearRidgeOneState(Activation activation, int n, const double* x,
                        const double* w, const double* b, const double* a,
                        Eigen::Index width, double* u) {
  AANET_AD_CHECK(n <= kMaxOneStateDegreesOfFreedom,
                 "ShearRidgeOneState: n too large");
#ifdef AANET_AD_AVX2_SIGMOID
  if (UseFusedSigmoid(activation, n)) {
    RunSigmoidShearOneState(n, x, w, b, a, width, u);
    return;
  }
#endif
  ShearOneStateUnfused(n, activation, x, w, b, a, width, u);
}

}  // namespace aanet::ad::internal
