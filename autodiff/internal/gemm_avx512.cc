// Gemm() with AVX-512 (compiled with -mavx512f -mavx512dq -mavx512bw
// -mavx512vl -mfma; called only when DetectIsa() says the CPU has them).
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "autodiff/internal/gemm.h"
#include "autodiff/internal/gemm_impl.h"

namespace aanet::ad::internal {
namespace {

// Tiles of 6 rows x 4 vectors: 24 accumulators + 4 B vectors + 1 broadcast
// of the 32 registers.
struct FloatSimd {
  using T = float;
  using V = __m512;
  static constexpr int kWidth = 16;
  static constexpr int kMr = 6;
  static constexpr int kNv = 4;
  static V Zero() { return _mm512_setzero_ps(); }
  static V Load(const T* p) { return _mm512_loadu_ps(p); }
  static void Store(T* p, V v) { _mm512_storeu_ps(p, v); }
  static V Broadcast(T x) { return _mm512_set1_ps(x); }
  static V Fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V Add(V a, V b) { return _mm512_add_ps(a, b); }
  static V Relu(V a) { return _mm512_max_ps(a, Zero()); }
  static void StoreMask(uint8_t* p, V a) {
    const __mmask16 m = _mm512_cmp_ps_mask(a, Zero(), _CMP_GT_OQ);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm_maskz_set1_epi8(m, 1));
  }
  static V Select(const uint8_t* p, V a) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return _mm512_maskz_mov_ps(_mm_test_epi8_mask(bytes, bytes), a);
  }
};

struct DoubleSimd {
  using T = double;
  using V = __m512d;
  static constexpr int kWidth = 8;
  static constexpr int kMr = 6;
  static constexpr int kNv = 4;
  static V Zero() { return _mm512_setzero_pd(); }
  static V Load(const T* p) { return _mm512_loadu_pd(p); }
  static void Store(T* p, V v) { _mm512_storeu_pd(p, v); }
  static V Broadcast(T x) { return _mm512_set1_pd(x); }
  static V Fma(V a, V b, V c) { return _mm512_fmadd_pd(a, b, c); }
  static V Add(V a, V b) { return _mm512_add_pd(a, b); }
  static V Relu(V a) { return _mm512_max_pd(a, Zero()); }
  static void StoreMask(uint8_t* p, V a) {
    const __mmask8 m = _mm512_cmp_pd_mask(a, Zero(), _CMP_GT_OQ);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm_maskz_set1_epi8(m, 1));
  }
  static V Select(const uint8_t* p, V a) {
    const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
    return _mm512_maskz_mov_pd(
        static_cast<__mmask8>(_mm_test_epi8_mask(bytes, bytes)), a);
  }
};

// Thin column blocks (float). When n % 16 is 1 to 4 (n = 4, the latent
// width; 100 = 6 x 16 + 4, the hidden width), the last vector of every row
// would use at most 4 of its 16 lanes. Those columns go to these kernels
// instead, whose vectors hold 4 rows x 4 columns (lane 4 L + j: row L,
// column j), a quarter of the multiply-adds. Each element is still
// c = fma(a_ip, b_pj, c) over p in order from 0, then the epilogue of
// MicroKernel in its order, so the bits are those of every other variant.
using gemm_impl::TileOutput;

// Lanes 4 L..4 L + 3 = p[L * ld..L * ld + 3] for L < rows; the rest 0.
inline __m512 LoadRows4(const float* p, std::ptrdiff_t ld, int rows) {
  __m512 v = _mm512_setzero_ps();
  v = _mm512_insertf32x4(v, _mm_loadu_ps(p), 0);
  if (rows > 1) v = _mm512_insertf32x4(v, _mm_loadu_ps(p + ld), 1);
  if (rows > 2) v = _mm512_insertf32x4(v, _mm_loadu_ps(p + 2 * ld), 2);
  if (rows > 3) v = _mm512_insertf32x4(v, _mm_loadu_ps(p + 3 * ld), 3);
  return v;
}

inline void StoreRows4(float* p, std::ptrdiff_t ld, int rows, __m512 v) {
  _mm_storeu_ps(p, _mm512_castps512_ps128(v));
  if (rows > 1) _mm_storeu_ps(p + ld, _mm512_extractf32x4_ps(v, 1));
  if (rows > 2) _mm_storeu_ps(p + 2 * ld, _mm512_extractf32x4_ps(v, 2));
  if (rows > 3) _mm_storeu_ps(p + 3 * ld, _mm512_extractf32x4_ps(v, 3));
}

// `out` moved `rows` rows down (null stays null).
TileOutput<float> RowsBelow(const TileOutput<float>& out, std::ptrdiff_t rows) {
  TileOutput<float> at = out;
  auto move = [rows](auto*& p, std::ptrdiff_t ld) {
    if (p != nullptr) p += rows * ld;
  };
  move(at.c, at.ldc);
  move(at.addend, at.ld_addend);
  move(at.relu_out, at.ld_relu_out);
  move(at.mask_out, at.ld_mask_out);
  move(at.mask_in, at.ld_mask_in);
  move(at.masked_out, at.ld_masked_out);
  move(at.residual, at.ld_residual);
  return at;
}

// The epilogue of gemm_impl::MicroKernel on one 4 x 4 vector whose lane
// group L is the row `row_step` L rows below the outputs' pointers (`rows`
// of them valid); each row's 4 columns are read and written (C's padding
// rules allow it: 4 <= 16).
inline void ThinEpilogue(__m512 acc, int rows, int row_step,
                         const TileOutput<float>& out) {
  auto ld = [row_step](std::ptrdiff_t ld) { return ld * row_step; };
  __m512 x = out.accumulate
                 ? _mm512_add_ps(acc, LoadRows4(out.c, ld(out.ldc), rows))
                 : acc;
  if (out.bias != nullptr) {
    x = _mm512_add_ps(x, _mm512_broadcast_f32x4(_mm_loadu_ps(out.bias)));
  }
  if (out.addend != nullptr) {
    x = _mm512_add_ps(x, LoadRows4(out.addend, ld(out.ld_addend), rows));
  }
  if (out.c != nullptr) StoreRows4(out.c, ld(out.ldc), rows, x);
  if (out.relu_out != nullptr) {
    __m512 y = _mm512_max_ps(x, _mm512_setzero_ps());
    if (out.residual != nullptr) {
      y = _mm512_add_ps(y, LoadRows4(out.residual, ld(out.ld_residual), rows));
    }
    StoreRows4(out.relu_out, ld(out.ld_relu_out), rows, y);
    if (out.mask_out != nullptr) {
      const __mmask16 m =
          _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_GT_OQ);
      const __m128i bytes = _mm_maskz_set1_epi8(m, 1);
      alignas(16) uint8_t lanes[16];
      _mm_store_si128(reinterpret_cast<__m128i*>(lanes), bytes);
      for (int r = 0; r < rows; ++r) {
        std::memcpy(out.mask_out + r * ld(out.ld_mask_out), lanes + 4 * r, 4);
      }
    }
  } else if (out.masked_out != nullptr) {
    alignas(16) uint8_t lanes[16] = {};
    for (int r = 0; r < rows; ++r) {
      std::memcpy(lanes + 4 * r, out.mask_in + r * ld(out.ld_mask_in), 4);
    }
    const __m128i bytes =
        _mm_load_si128(reinterpret_cast<const __m128i*>(lanes));
    __m512 y = _mm512_maskz_mov_ps(_mm_test_epi8_mask(bytes, bytes), x);
    if (out.residual != nullptr) {
      y = _mm512_add_ps(y, LoadRows4(out.residual, ld(out.ld_residual), rows));
    }
    StoreRows4(out.masked_out, ld(out.ld_masked_out), rows, y);
  }
}

// One step p of the A-row kernel below: z[g] holds a[row, p..p + 3] of the
// group's 4 rows; its element Q, spread over each row's 4 lanes, times B's
// row p + Q repeated for the 4 rows.
template <int Q, int G>
inline void ThinRowsStep(const __m512 (&z)[G], const float* b_row,
                         __m512 (&acc)[G]) {
  const __m512 b = _mm512_broadcast_f32x4(_mm_loadu_ps(b_row));
#pragma GCC unroll 8
  for (int g = 0; g < G; ++g) {
    acc[g] = _mm512_fmadd_ps(_mm512_permute_ps(z[g], Q * 0x55), b, acc[g]);
  }
}

// Up to 4 G rows (`rows`) x 4 columns for A not transposed (row r at
// a + r lda): groups of 4 rows, A read 4 elements of a row at a time.
template <int G>
void ThinRowsKernel(int rows, int k, const float* a, std::ptrdiff_t lda,
                    const float* b, std::ptrdiff_t ldb,
                    const TileOutput<float>& out) {
  __m512 acc[G];
#pragma GCC unroll 8
  for (int g = 0; g < G; ++g) acc[g] = _mm512_setzero_ps();
  // Group g: a[r, p..p + 3] of its rows r = 4 g..4 g + 3 in lanes 4 (r -
  // 4 g)... Whole tiles address the rows from one pointer and lda (a table
  // of 4 G row pointers does not fit the general registers); otherwise rows
  // past the last repeat it (read, never stored), and the last k % 4 steps
  // read under a mask so as not to pass the end of a row.
  auto load_rows = [&](int g, int p) {
    const float* q = a + 4 * g * lda + p;
    __m512 v = _mm512_castps128_ps512(_mm_loadu_ps(q));
    v = _mm512_insertf32x4(v, _mm_loadu_ps(q + lda), 1);
    v = _mm512_insertf32x4(v, _mm_loadu_ps(q + 2 * lda), 2);
    return _mm512_insertf32x4(v, _mm_loadu_ps(q + 3 * lda), 3);
  };
  auto load_clamped = [&](int g, int p, __mmask8 mask) {
    auto at = [&](int l) {
      const int r = 4 * g + l;
      return a + (r < rows ? r : rows - 1) * lda + p;
    };
    __m512 v = _mm512_castps128_ps512(_mm_maskz_loadu_ps(mask, at(0)));
    v = _mm512_insertf32x4(v, _mm_maskz_loadu_ps(mask, at(1)), 1);
    v = _mm512_insertf32x4(v, _mm_maskz_loadu_ps(mask, at(2)), 2);
    return _mm512_insertf32x4(v, _mm_maskz_loadu_ps(mask, at(3)), 3);
  };
  int p = 0;
  auto steps_of_four = [&](auto load) {
    for (; p + 4 <= k; p += 4) {
      __m512 z[G];
#pragma GCC unroll 8
      for (int g = 0; g < G; ++g) z[g] = load(g, p);
      ThinRowsStep<0>(z, b + p * ldb, acc);
      ThinRowsStep<1>(z, b + (p + 1) * ldb, acc);
      ThinRowsStep<2>(z, b + (p + 2) * ldb, acc);
      ThinRowsStep<3>(z, b + (p + 3) * ldb, acc);
    }
  };
  if (rows == 4 * G) {
    steps_of_four(load_rows);
  } else {
    steps_of_four([&](int g, int p) { return load_clamped(g, p, 0xF); });
  }
  if (p < k) {
    // The last k % 4 steps, in order.
    const int left = k - p;
    __m512 z[G];
#pragma GCC unroll 8
    for (int g = 0; g < G; ++g) {
      z[g] = load_clamped(g, p, static_cast<__mmask8>((1 << left) - 1));
    }
    ThinRowsStep<0>(z, b + p * ldb, acc);
    if (left > 1) ThinRowsStep<1>(z, b + (p + 1) * ldb, acc);
    if (left > 2) ThinRowsStep<2>(z, b + (p + 2) * ldb, acc);
  }
#pragma GCC unroll 8
  for (int g = 0; g < G; ++g) {
    const int group_rows = rows - 4 * g;
    if (group_rows <= 0) break;
    ThinEpilogue(acc[g], group_rows < 4 ? group_rows : 4, 1,
                 RowsBelow(out, 4 * g));
  }
}

// Up to 16 G rows (`rows`) x NC columns for A transposed (element (r, p) at
// a[r + p lda]): each vector is 16 rows of one column, A read 16 rows of
// its row p at once and B's element broadcast, no shuffles in the loop;
// the 4 column vectors of a group are transposed to 4 x 4 vectors for the
// epilogue.
template <int G, int NC>
void ThinColumnsKernel(int rows, int k, const float* a, std::ptrdiff_t lda,
                       const float* b, std::ptrdiff_t ldb,
                       const TileOutput<float>& out) {
  __m512 acc[G][4];
  __mmask16 mask[G];
#pragma GCC unroll 8
  for (int g = 0; g < G; ++g) {
    for (int j = 0; j < 4; ++j) acc[g][j] = _mm512_setzero_ps();
    const int group_rows = rows - 16 * g;
    mask[g] = group_rows >= 16 ? static_cast<__mmask16>(0xFFFF)
                               : static_cast<__mmask16>((1u << group_rows) - 1);
  }
  for (int p = 0; p < k; ++p) {
    const float* a_p = a + p * lda;
    const float* b_p = b + p * ldb;
    __m512 av[G];
#pragma GCC unroll 8
    for (int g = 0; g < G; ++g) {
      av[g] = _mm512_maskz_loadu_ps(mask[g], a_p + 16 * g);
    }
#pragma GCC unroll 4
    for (int j = 0; j < NC; ++j) {
      const __m512 b_j = _mm512_set1_ps(b_p[j]);
#pragma GCC unroll 8
      for (int g = 0; g < G; ++g) {
        acc[g][j] = _mm512_fmadd_ps(av[g], b_j, acc[g][j]);
      }
    }
  }
#pragma GCC unroll 8
  for (int g = 0; g < G; ++g) {
    const int group_rows = rows - 16 * g;
    // Lane group L of u[q] is row 16 g + 4 L + q (unpack, then shuffle, in
    // each 128-bit lane: a 4 x 4 transpose per lane).
    const __m512 t0 = _mm512_unpacklo_ps(acc[g][0], acc[g][1]);
    const __m512 t1 = _mm512_unpackhi_ps(acc[g][0], acc[g][1]);
    const __m512 t2 = _mm512_unpacklo_ps(acc[g][2], acc[g][3]);
    const __m512 t3 = _mm512_unpackhi_ps(acc[g][2], acc[g][3]);
    const __m512 u[4] = {_mm512_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0)),
                         _mm512_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2)),
                         _mm512_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0)),
                         _mm512_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2))};
    for (int q = 0; q < 4 && q < group_rows; ++q) {
      const int lanes = (group_rows - q + 3) / 4;
      ThinEpilogue(u[q], lanes < 4 ? lanes : 4, 4, RowsBelow(out, 16 * g + q));
    }
  }
}

template <int G, int NC = 4>
void DispatchThinColumns(int groups, int nc, int rows, int k, const float* a,
                         std::ptrdiff_t lda, const float* b, std::ptrdiff_t ldb,
                         const TileOutput<float>& out) {
  if constexpr (NC >= 1) {
    if (nc != NC) {
      DispatchThinColumns<G, NC - 1>(groups, nc, rows, k, a, lda, b, ldb, out);
      return;
    }
    if constexpr (G >= 1) {
      if (groups == G) {
        ThinColumnsKernel<G, NC>(rows, k, a, lda, b, ldb, out);
      } else {
        DispatchThinColumns<G - 1, NC>(groups, nc, rows, k, a, lda, b, ldb,
                                       out);
      }
    }
  }
}

template <int G>
void DispatchThinRows(int groups, int rows, int k, const float* a,
                      std::ptrdiff_t lda, const float* b, std::ptrdiff_t ldb,
                      const TileOutput<float>& out) {
  if constexpr (G >= 1) {
    if (groups == G) {
      ThinRowsKernel<G>(rows, k, a, lda, b, ldb, out);
    } else {
      DispatchThinRows<G - 1>(groups, rows, k, a, lda, b, ldb, out);
    }
  }
}

// Rows per thin tile: 6 groups of 4 (A not transposed: 6 accumulators, 6
// vectors of A, B) or 4 groups of 16 (transposed: up to 16 accumulators).
constexpr int kThinRowGroups = 6;
constexpr int kThinColumnGroups = 4;

// Columns j0..n - 1 (n - j0 <= 4) of the product, all rows.
void ThinGemm(const GemmArgs<float>& g, int j0) {
  const int nc = g.n - j0;
  // Row groups spread evenly over the fewest tiles: a last tile of one
  // group would wait on its one chain of multiply-adds about as long as a
  // full tile takes (100 rows: 5 tiles of 5 groups of 4, not 4 x 6 + 1).
  const int group_rows = g.transpose_a ? 16 : 4;
  const int max_groups = g.transpose_a ? kThinColumnGroups : kThinRowGroups;
  const int groups = (g.m + group_rows - 1) / group_rows;
  const int tiles = (groups + max_groups - 1) / max_groups;
  const int tile_rows =
      tiles > 0 ? group_rows * ((groups + tiles - 1) / tiles) : group_rows;
  for (int i = 0; i < g.m; i += tile_rows) {
    const int rows = g.m - i < tile_rows ? g.m - i : tile_rows;
    const std::ptrdiff_t row = i;
    const TileOutput<float> out =
        gemm_impl::TileOutputAt<FloatSimd>(g, row, j0);
    if (g.transpose_a) {
      DispatchThinColumns<kThinColumnGroups>((rows + 15) / 16, nc, rows, g.k,
                                             g.a + row, g.lda, g.b + j0, g.ldb,
                                             out);
    } else {
      DispatchThinRows<kThinRowGroups>((rows + 3) / 4, rows, g.k,
                                       g.a + row * g.lda, g.lda, g.b + j0,
                                       g.ldb, out);
    }
  }
}

}  // namespace

void GemmAvx512(const GemmArgs<float>& args) {
  // The last 1 to 4 columns in thin blocks (above), the rest in tiles.
  const int rem = args.n % 16;
  const bool thin = rem >= 1 && rem <= 4;
  GemmArgs<float> wide = args;
  if (thin) wide.n = args.n - rem;
  if ((wide.n + 15) / 16 == 6) {
    // 6 vectors (the hidden width 100 less its thin columns): one block of
    // 4 rows x 6 vectors (24 accumulators, 6 of B and a broadcast: 31 of
    // the 32 registers) runs about 8% faster than blocks of 6 x 4 and 6 x 2,
    // and 100 rows are 25 whole tiles.
    gemm_impl::Gemm<FloatSimd, 4, 6>(wide);
  } else if (wide.n > 0) {
    gemm_impl::Gemm<FloatSimd>(wide);
  }
  if (thin) ThinGemm(args, wide.n);
}
void GemmAvx512(const GemmArgs<double>& args) {
  gemm_impl::Gemm<DoubleSimd>(args);
}

}  // namespace aanet::ad::internal
