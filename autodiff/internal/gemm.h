// Dense matrix products for the fused layers, dispatched at run time to the
// widest vector instructions the CPU has (AVX-512, else AVX2 + FMA, else a
// portable loop), in float or double. Internal to the differentiation core:
// model code calls the fused layers built on it (dense_field.h), not these.
//
// Layout: row-major with a leading dimension (elements between rows), the
// project's batch-major convention (rows are states). The kernels read and
// write whole 64-byte vectors across a row, so every matrix given as `b` or
// `c` must have its leading dimension at least PaddedCols<T>(cols): the
// columns past `cols` up to that width are read (b: any finite values) and
// overwritten with unspecified values (c). PaddedMatrix below allocates this
// layout.
//
// Usage:
//   PaddedMatrix<float> a(100, 100), b(100, 100), c(100, 100);
//   Gemm<float>({.m = 100, .n = 100, .k = 100, .a = a.data(), .lda = a.ld(),
//                .b = b.data(), .ldb = b.ld(), .c = c.data(), .ldc = c.ld()});
#ifndef AANET_AUTODIFF_INTERNAL_GEMM_H_
#define AANET_AUTODIFF_INTERNAL_GEMM_H_

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

namespace aanet::ad::internal {

// The instruction sets the kernels are built for, narrowest first.
enum class Isa { kGeneric = 0, kAvx2 = 1, kAvx512 = 2 };

// "generic", "avx2" or "avx512".
const char* IsaName(Isa isa);

// The widest instruction set this CPU runs (AVX2 needs FMA too; AVX-512
// needs F, DQ, BW and VL).
Isa DetectIsa();

// The instruction set the kernels use: DetectIsa(), or narrower if the
// environment variable AANET_ISA names one ("generic", "avx2"). A wider or
// unknown name is not used, with one warning on stderr when the program
// starts (not an error: it is read outside any call that could report one,
// and the kernels' results are the same on every instruction set).
Isa ActiveIsa();

// The instruction set an AANET_ISA `value` (nullptr: unset) selects on a CPU
// whose widest is `detected`. For an unknown name or one the CPU lacks,
// `detected` and a one-line `*warning` naming the valid values (else empty).
Isa IsaFromEnvironmentValue(const char* value, Isa detected,
                            std::string* warning);

// Overrides ActiveIsa() for tests and benchmarks (must be <= DetectIsa()).
void SetActiveIsa(Isa isa);

// Elements in one 64-byte vector, the unit rows are padded to.
template <typename T>
constexpr int kPadElements = static_cast<int>(64 / sizeof(T));

// The leading dimension a `cols`-wide row needs: cols rounded up to
// kPadElements<T>.
template <typename T>
constexpr int PaddedCols(int cols) {
  return (cols + kPadElements<T> - 1) / kPadElements<T> * kPadElements<T>;
}

// C (m x n) = op(A) (m x k) * B (k x n), or C += op(A) * B if `accumulate`.
// op(A) = A (a row-major m x k, lda >= k) or, if transpose_a, A^T where A is
// a row-major k x m (lda >= m). B is row-major k x n with ldb >=
// PaddedCols<T>(n); C row-major m x n with ldc >= PaddedCols<T>(n). k == 0
// gives C = 0 (or leaves C). A, B and C must not overlap.
//
// Optional epilogue, applied to each tile while it is in registers (a dense
// layer, or a layer's backward pass, in one pass): x = op(A) B (+ old C if
// `accumulate`) (+ `bias` ([1, n], padded) on every row) (+ `addend` (m x n));
// C = x, unless `c` is null (then only the outputs below are written; needs
// `accumulate` false and relu_out or masked_out set). Then at most one of:
//   relu_out    relu_out = max(x, 0) (+ `residual`), and, if `mask_out` is
//               set, mask_out = (x > 0) as bytes 0/1: the forward pass of a
//               relu layer, keeping what its backward pass needs in a
//               quarter of the bytes of x;
//   masked_out  masked_out = (mask_in != 0 ? x : 0) (+ `residual`), for bytes
//               `mask_in` of mask_out's form: x through relu' in the same
//               pass as the product that made it.
// relu_out, masked_out, addend and residual have C's padding rules; the byte
// matrices' leading dimensions count bytes and must be at least
// PaddedCols<T>(n) (PaddedMatrix<uint8_t> of n columns is).
template <typename T>
struct GemmArgs {
  int m = 0;
  int n = 0;
  int k = 0;
  const T* a = nullptr;
  int lda = 0;
  bool transpose_a = false;
  const T* b = nullptr;
  int ldb = 0;
  T* c = nullptr;
  int ldc = 0;
  bool accumulate = false;
  const T* bias = nullptr;
  const T* addend = nullptr;
  int ld_addend = 0;
  T* relu_out = nullptr;
  int ld_relu_out = 0;
  uint8_t* mask_out = nullptr;
  int ld_mask_out = 0;
  const uint8_t* mask_in = nullptr;
  int ld_mask_in = 0;
  T* masked_out = nullptr;
  int ld_masked_out = 0;
  const T* residual = nullptr;
  int ld_residual = 0;
};

template <typename T>
void Gemm(const GemmArgs<T>& args);

// A row-major matrix whose rows are padded to PaddedCols<T>(cols) and whose
// storage is 64-byte aligned. Copyable and movable.
template <typename T>
class PaddedMatrix {
 public:
  PaddedMatrix() = default;
  PaddedMatrix(int rows, int cols) { Resize(rows, cols); }
  PaddedMatrix(const PaddedMatrix& other) { *this = other; }
  PaddedMatrix& operator=(const PaddedMatrix& other);
  PaddedMatrix(PaddedMatrix&&) = default;
  PaddedMatrix& operator=(PaddedMatrix&&) = default;

  // To [rows, cols]: a no-op if that is the shape already (contents kept),
  // otherwise zero-filled (padding included), reusing the storage when it is
  // large enough.
  void Resize(int rows, int cols);

  int rows() const { return rows_; }
  int cols() const { return cols_; }
  int ld() const { return ld_; }
  T* data() { return data_.get(); }
  const T* data() const { return data_.get(); }
  T* row(int r) { return data_.get() + static_cast<std::ptrdiff_t>(r) * ld_; }
  const T* row(int r) const {
    return data_.get() + static_cast<std::ptrdiff_t>(r) * ld_;
  }
  T& operator()(int r, int c) { return row(r)[c]; }
  T operator()(int r, int c) const { return row(r)[c]; }

 private:
  struct Free {
    void operator()(T* p) const { std::free(p); }
  };
  std::unique_ptr<T[], Free> data_;
  size_t capacity_ = 0;  // elements
  int rows_ = 0;
  int cols_ = 0;
  int ld_ = 0;
};

// The per-instruction-set entry points (gemm_<isa>.cc); Gemm() picks one.
void GemmGeneric(const GemmArgs<float>& args);
void GemmGeneric(const GemmArgs<double>& args);
void GemmAvx2(const GemmArgs<float>& args);
void GemmAvx2(const GemmArgs<double>& args);
void GemmAvx512(const GemmArgs<float>& args);
void GemmAvx512(const GemmArgs<double>& args);

}  // namespace aanet::ad::internal

#endif  // AANET_AUTODIFF_INTERNAL_GEMM_H_
