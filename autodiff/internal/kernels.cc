#include "autodiff/internal/kernels.h"

#include <cmath>
#include <cstring>

#include "autodiff/internal/gemm.h"
#include "autodiff/internal/sigmoid_avx2.h"

namespace aanet::ad::internal {

bool GemmProduct(const StoredOperand& a, const StoredOperand& b, bool add,
                 Matrix& out) {
  if (ActiveIsa() == Isa::kGeneric) return false;
  const int n = static_cast<int>(out.rows());
  const int m = static_cast<int>(out.cols());
  const int k = static_cast<int>(a.transposed ? a.rows : a.cols);
  // Per thread, reused: Resize keeps the storage (and zeroes the padding)
  // when the shape changes, and nothing else when it does not.
  thread_local PaddedMatrix<double> a_t, c_t;
  // a_t = op(a)^T [k, n], row-major.
  a_t.Resize(k, n);
  if (!a.transposed) {
    // Column j of a [n, k] is row j of a_t.
    for (int j = 0; j < k; ++j) {
      std::memcpy(a_t.row(j), a.data + std::ptrdiff_t{j} * n,
                  sizeof(double) * n);
    }
  } else {
    // op(a) = s^T with s [k, n] stored: a_t is s, column by column.
    for (int i = 0; i < n; ++i) {
      const double* column = a.data + std::ptrdiff_t{i} * k;
      for (int j = 0; j < k; ++j) a_t(j, i) = column[j];
    }
  }
  c_t.Resize(m, n);
  GemmArgs<double> args;
  args.m = m;
  args.n = n;
  args.k = k;
  // op(b)^T [m, k]: b [k, m] stored column-major is that row-major; op(b) =
  // s^T with s [m, k] stored is s^T's transpose of a row-major [k, m].
  args.a = b.data;
  args.transpose_a = b.transposed;
  args.lda = b.transposed ? m : k;
  args.b = a_t.data();
  args.ldb = a_t.ld();
  args.c = c_t.data();
  args.ldc = c_t.ld();
  Gemm<double>(args);
  // Row j of c_t = out^T is column j of out.
  for (int j = 0; j < m; ++j) {
    const Eigen::Map<const Eigen::VectorXd> row(c_t.row(j), n);
    if (add) {
      out.col(j) += row;
    } else {
      out.col(j) = row;
    }
  }
  return true;
}

void SigmoidKernel(const double* x, double* y, Eigen::Index n) {
#ifdef AANET_AD_AVX2_SIGMOID
  Eigen::Index i = 0;
  for (; i + 4 <= n; i += 4) {
    _mm256_storeu_pd(y + i, Sigmoid4(_mm256_loadu_pd(x + i)));
  }
  if (i < n) {
    // The tail through the same code path, so every element gets identical
    // rounding whatever its position.
    alignas(32) double in[4] = {0.0, 0.0, 0.0, 0.0};
    alignas(32) double out[4];
    for (Eigen::Index j = i; j < n; ++j) in[j - i] = x[j];
    _mm256_store_pd(out, Sigmoid4(_mm256_load_pd(in)));
    for (Eigen::Index j = i; j < n; ++j) y[j] = out[j - i];
  }
#else
  // Scalar, so every element is rounded the same way wherever it sits.
  for (Eigen::Index i = 0; i < n; ++i) {
    y[i] = x[i] < -709.0 ? 0.0 : 1.0 / (1.0 + std::exp(-x[i]));
  }
#endif
}

void SigmoidInto(const Matrix& x, Matrix& out) {
  out.resize(x.rows(), x.cols());
  SigmoidKernel(x.data(), out.data(), x.size());
}

}  // namespace aanet::ad::internal
