// Low-level numeric kernels shared by the built-in ops (ops.cc) and by fused
// custom ops elsewhere (e.g. a shear-layer kernel in models/): a matrix
// product that avoids Eigen's blocked GEMM for thin shapes, and a vectorised
// sigmoid. Both exist because they dominate the cost of the project's
// networks (batch 100, widths 2..100) and beat the plain Eigen expressions by
// 1.5-4x there (see README.md for the measurements).
#ifndef AANET_AUTODIFF_INTERNAL_KERNELS_H_
#define AANET_AUTODIFF_INTERNAL_KERNELS_H_

#include <optional>
#include <type_traits>

#include "Eigen/Core"
#include "autodiff/matrix.h"

namespace aanet::ad::internal {

// out = a * b (add == false; out is resized to [a.rows(), b.cols()]) or
// out += a * b (add == true; out must already have that shape). a and b may be
// matrices or transposes of matrices (e.g. m.transpose()); out must not alias
// them.
//
// Eigen's blocked GEMM packs its operands, which costs more than the
// arithmetic when one dimension is tiny; for [100,2] x [2,100] and the
// products of its backward pass, per-column/per-row matrix-vector products or
// an outer-product loop are 1.5-4x faster. Dispatch (n = a.rows(),
// k = a.cols(), m = b.cols()):
//   n + k + m < 20: Eigen's default (coefficient-based) product;
//   k <= 2: sum of k outer products, column by column;
//   m <= 4: one matrix-vector product per output column;
//   n <= 4: one vector-matrix product per output row;
//   otherwise: GemmProduct below when a and b are Matrix's or their
//   transposes and the kernels run AVX2 or AVX-512, else Eigen's GEMM.
template <typename A, typename B>
void ProductInto(const Eigen::MatrixBase<A>& a, const Eigen::MatrixBase<B>& b,
                 bool add, Matrix& out);

// A column-major double matrix as stored ([rows, cols], leading dimension
// rows), and whether the product reads it transposed.
struct StoredOperand {
  const double* data;
  Eigen::Index rows;
  Eigen::Index cols;
  bool transposed;
};

// out (+)= op(a) op(b), out already [op(a) rows, op(b) cols], on the
// run-time dispatched Gemm<double> (gemm.h): op(a)'s transpose is copied into
// a padded row-major buffer, the product is formed as out^T = op(b)^T op(a)^T
// with op(b) read in place, and out^T's padded rows are copied (or added)
// into out's columns. Gemm's sums are the same chain on every instruction
// set, so these products are the same bits on AVX2 and AVX-512 machines
// whatever the build's flags (Eigen's depend on them); at the networks'
// [100, 100] and [100, 200] x [200, 100] products, 1.6-1.7 times Eigen's
// speed on AVX-512 and about Eigen's on AVX2 (gemm_benchmark,
// product_into). The sums run in another order than Eigen's, so the
// result equals Eigen's to rounding. Returns false, doing nothing, when the
// kernels run the portable instruction set, where Eigen's product is
// faster.
bool GemmProduct(const StoredOperand& a, const StoredOperand& b, bool add,
                 Matrix& out);

// a as a StoredOperand when it is a Matrix or a Matrix's transpose.
template <typename A>
std::optional<StoredOperand> AsStoredOperand(const Eigen::MatrixBase<A>& a) {
  if constexpr (std::is_same_v<A, Matrix>) {
    return StoredOperand{a.derived().data(), a.rows(), a.cols(), false};
  } else if constexpr (std::is_same_v<A, Eigen::Transpose<const Matrix>> ||
                       std::is_same_v<A, Eigen::Transpose<Matrix>>) {
    return StoredOperand{a.derived().nestedExpression().data(), a.cols(),
                         a.rows(), true};
  } else {
    return std::nullopt;
  }
}

// y[i] = 1 / (1 + exp(-x[i])) for 0 <= i < n; x == y is allowed.
// With AVX2 + FMA (the default build): exp by range reduction and a [6/6]
// Pade approximant folded into the sigmoid's one division, 4 doubles at a
// time (internal::Sigmoid4, sigmoid_avx2.h); max relative error ~2 ulp over
// the whole double range (values below ~1.1e-308, x < -709.1, are flushed to
// 0; NaN propagates), about 2x faster than Eigen's logistic(). Otherwise
// (--config=portable)
// a scalar loop over std::exp with about the same flush (x < -709). Either way
// the result for an element does not depend on its position or on n.
void SigmoidKernel(const double* x, double* y, Eigen::Index n);

// out (resized to x's shape) = sigmoid(x) elementwise; out may be x.
void SigmoidInto(const Matrix& x, Matrix& out);

// ---- Template definition ---------------------------------------------------

template <typename A, typename B>
void ProductInto(const Eigen::MatrixBase<A>& a, const Eigen::MatrixBase<B>& b,
                 bool add, Matrix& out) {
  const Eigen::Index n = a.rows();
  const Eigen::Index k = a.cols();
  const Eigen::Index m = b.cols();
  AANET_AD_CHECK(b.rows() == k, "ProductInto: " + ShapeString(n, k) + " * " +
                                    ShapeString(b.rows(), m));
  if (add) {
    AANET_AD_CHECK(out.rows() == n && out.cols() == m,
                   "ProductInto: accumulating into " + ShapeString(out) +
                       " a product of shape " + ShapeString(n, m));
  } else {
    out.resize(n, m);
  }
  if (n + k + m < 20 || k == 0) {
    if (add) {
      out.noalias() += a * b;
    } else {
      out.noalias() = a * b;
    }
  } else if (k <= 2) {
    for (Eigen::Index j = 0; j < m; ++j) {
      auto o = out.col(j);
      if (add) {
        o.noalias() += a.col(0) * b(0, j);
      } else {
        o.noalias() = a.col(0) * b(0, j);
      }
      for (Eigen::Index l = 1; l < k; ++l) o.noalias() += a.col(l) * b(l, j);
    }
  } else if (m <= 4) {
    for (Eigen::Index j = 0; j < m; ++j) {
      if (add) {
        out.col(j).noalias() += a * b.col(j);
      } else {
        out.col(j).noalias() = a * b.col(j);
      }
    }
  } else if (n <= 4) {
    for (Eigen::Index i = 0; i < n; ++i) {
      if (add) {
        out.row(i).noalias() += a.row(i) * b;
      } else {
        out.row(i).noalias() = a.row(i) * b;
      }
    }
  } else if (const auto sa = AsStoredOperand(a), sb = AsStoredOperand(b);
             sa && sb && GemmProduct(*sa, *sb, add, out)) {
    return;
  } else if (add) {
    out.noalias() += a * b;
  } else {
    out.noalias() = a * b;
  }
}

}  // namespace aanet::ad::internal

#endif  // AANET_AUTODIFF_INTERNAL_KERNELS_H_
