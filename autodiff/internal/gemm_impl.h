// The register-tiled product kernel behind Gemm(), written once and
// instantiated per instruction set by gemm_<isa>.cc with a `Simd` traits
// type (in an anonymous namespace there, so the instantiations, compiled with
// different -m flags, never merge at link time). Include only from those
// files.
//
// Simd provides: T (float or double), V (a vector of kWidth T's), kMr (rows
// per tile), kNv (vectors per tile), Zero(), Load(const T*), Store(T*, V),
// Broadcast(T), Fma(a, b, c) = a * b + c, Add(a, b), Relu(a) = a > 0 ? a : 0
// (0 for NaN), StoreMask(uint8_t* p, V a) (kWidth bytes p[i] = a[i] > 0, so
// 0 for NaN, as Relu) and Select(const uint8_t* p, V a) (p[i] != 0 ? a[i] :
// +0).
//
// Each element of C is accumulated over k in order with fused multiply-adds,
// c = fma(a_ik, b_kj, c), starting from 0; `accumulate` adds the old C last.
// Every instruction set therefore gives bit-identical results.
#ifndef AANET_AUTODIFF_INTERNAL_GEMM_IMPL_H_
#define AANET_AUTODIFF_INTERNAL_GEMM_IMPL_H_

#include <cstddef>
#include <cstdint>

#include "autodiff/internal/gemm.h"

namespace aanet::ad::internal::gemm_impl {

// Where one tile's results go: C and the optional epilogue (gemm.h), with
// every pointer at the tile's first row and column.
template <typename T>
struct TileOutput {
  T* c;
  std::ptrdiff_t ldc;
  bool accumulate;
  const T* bias;
  const T* addend;
  std::ptrdiff_t ld_addend;
  T* relu_out;
  std::ptrdiff_t ld_relu_out;
  uint8_t* mask_out;
  std::ptrdiff_t ld_mask_out;
  const uint8_t* mask_in;
  std::ptrdiff_t ld_mask_in;
  T* masked_out;
  std::ptrdiff_t ld_masked_out;
  const T* residual;
  std::ptrdiff_t ld_residual;
};

// One MR x (NV * kWidth) tile of C from MR rows of op(A) (element (r, p) at
// a[r * a_rs + p * a_cs]) and NV vectors of each of the k rows of B.
template <class S, int MR, int NV>
inline void MicroKernel(int k, const typename S::T* a, std::ptrdiff_t a_rs,
                        std::ptrdiff_t a_cs, const typename S::T* b,
                        std::ptrdiff_t ldb,
                        const TileOutput<typename S::T>& out) {
  using V = typename S::V;
  V acc[MR][NV];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) acc[r][v] = S::Zero();
  }
  for (int p = 0; p < k; ++p) {
    const typename S::T* b_row = b + p * ldb;
    V b_vec[NV];
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) b_vec[v] = S::Load(b_row + v * S::kWidth);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      const V a_r = S::Broadcast(a[r * a_rs + p * a_cs]);
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v) acc[r][v] = S::Fma(a_r, b_vec[v], acc[r][v]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) {
      const int j = v * S::kWidth;
      // C is null when only the epilogue's outputs are wanted (gemm.h).
      typename S::T* c = out.c != nullptr ? out.c + r * out.ldc + j : nullptr;
      V x = out.accumulate ? S::Add(acc[r][v], S::Load(c)) : acc[r][v];
      if (out.bias != nullptr) x = S::Add(x, S::Load(out.bias + j));
      if (out.addend != nullptr) {
        x = S::Add(x, S::Load(out.addend + r * out.ld_addend + j));
      }
      if (out.c != nullptr) S::Store(c, x);
      if (out.relu_out != nullptr) {
        V y = S::Relu(x);
        if (out.residual != nullptr) {
          y = S::Add(y, S::Load(out.residual + r * out.ld_residual + j));
        }
        S::Store(out.relu_out + r * out.ld_relu_out + j, y);
        if (out.mask_out != nullptr) {
          S::StoreMask(out.mask_out + r * out.ld_mask_out + j, x);
        }
      } else if (out.masked_out != nullptr) {
        V y = S::Select(out.mask_in + r * out.ld_mask_in + j, x);
        if (out.residual != nullptr) {
          y = S::Add(y, S::Load(out.residual + r * out.ld_residual + j));
        }
        S::Store(out.masked_out + r * out.ld_masked_out + j, y);
      }
    }
  }
}

template <class S, int MR, int NV = S::kNv>
inline void DispatchVectors(int nv, int k, const typename S::T* a,
                            std::ptrdiff_t a_rs, std::ptrdiff_t a_cs,
                            const typename S::T* b, std::ptrdiff_t ldb,
                            const TileOutput<typename S::T>& out) {
  if constexpr (NV >= 1) {
    if (nv == NV) {
      MicroKernel<S, MR, NV>(k, a, a_rs, a_cs, b, ldb, out);
    } else {
      DispatchVectors<S, MR, NV - 1>(nv, k, a, a_rs, a_cs, b, ldb, out);
    }
  }
}

template <class S, int MR = S::kMr, int NV = S::kNv>
inline void DispatchTile(int mr, int nv, int k, const typename S::T* a,
                         std::ptrdiff_t a_rs, std::ptrdiff_t a_cs,
                         const typename S::T* b, std::ptrdiff_t ldb,
                         const TileOutput<typename S::T>& out) {
  if constexpr (MR >= 1) {
    if (mr == MR) {
      DispatchVectors<S, MR, NV>(nv, k, a, a_rs, a_cs, b, ldb, out);
    } else {
      DispatchTile<S, MR - 1, NV>(mr, nv, k, a, a_rs, a_cs, b, ldb, out);
    }
  }
}

// g's outputs at row `row` and column `col` (null stays null): the
// TileOutput of the tile that starts there. A template on S, as everything
// here, so that each instruction set's file keeps its own copy.
template <class S>
TileOutput<typename S::T> TileOutputAt(const GemmArgs<typename S::T>& g,
                                       std::ptrdiff_t row, std::ptrdiff_t col) {
  auto at = [&](auto* p, std::ptrdiff_t ld) -> decltype(p) {
    return p != nullptr ? p + row * ld + col : nullptr;
  };
  return {at(g.c, g.ldc),
          g.ldc,
          g.accumulate,
          g.bias != nullptr ? g.bias + col : nullptr,
          at(g.addend, g.ld_addend),
          g.ld_addend,
          at(g.relu_out, g.ld_relu_out),
          g.ld_relu_out,
          at(g.mask_out, g.ld_mask_out),
          g.ld_mask_out,
          at(g.mask_in, g.ld_mask_in),
          g.ld_mask_in,
          at(g.masked_out, g.ld_masked_out),
          g.ld_masked_out,
          at(g.residual, g.ld_residual),
          g.ld_residual};
}

// Gemm() for one instruction set, in tiles of at most kMr rows x kNv vectors
// (S's by default). Column blocks of kNv vectors outermost, so the block of
// B they read (k x kNv vectors) stays in cache while every row tile of A
// passes over it.
template <class S, int kMr = S::kMr, int kNv = S::kNv>
void Gemm(const GemmArgs<typename S::T>& g) {
  using T = typename S::T;
  const int num_vectors = (g.n + S::kWidth - 1) / S::kWidth;
  const std::ptrdiff_t a_rs = g.transpose_a ? 1 : g.lda;
  const std::ptrdiff_t a_cs = g.transpose_a ? g.lda : 1;
  // k == 0 runs the tiles with no products: C = 0 (or C), then the epilogue.
  for (int jv = 0; jv < num_vectors; jv += kNv) {
    const int nv = num_vectors - jv < kNv ? num_vectors - jv : kNv;
    const std::ptrdiff_t j = static_cast<std::ptrdiff_t>(jv) * S::kWidth;
    for (int i = 0; i < g.m; i += kMr) {
      const int mr = g.m - i < kMr ? g.m - i : kMr;
      const std::ptrdiff_t row = i;
      const TileOutput<T> out = TileOutputAt<S>(g, row, j);
      DispatchTile<S, kMr, kNv>(mr, nv, g.k, g.a + row * a_rs, a_rs, a_cs,
                                g.b + j, g.ldb, out);
    }
  }
}

}  // namespace aanet::ad::internal::gemm_impl

#endif  // AANET_AUTODIFF_INTERNAL_GEMM_IMPL_H_
