#include "autodiff/internal/gemm.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"

namespace aanet::ad::internal {
namespace {

std::vector<Isa> SupportedIsas() {
  std::vector<Isa> isas;
  for (Isa isa : {Isa::kGeneric, Isa::kAvx2, Isa::kAvx512}) {
    if (isa <= DetectIsa()) isas.push_back(isa);
  }
  return isas;
}

class IsaScope {
 public:
  explicit IsaScope(Isa isa) : saved_(ActiveIsa()) { SetActiveIsa(isa); }
  ~IsaScope() { SetActiveIsa(saved_); }

 private:
  Isa saved_;
};

template <typename T>
PaddedMatrix<T> RandomMatrix(int rows, int cols, std::mt19937& gen) {
  std::uniform_real_distribution<double> uniform(-1, 1);
  PaddedMatrix<T> m(rows, cols);
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) m(r, c) = static_cast<T>(uniform(gen));
  }
  return m;
}

// op(A) B (+ C0) in long double, the way the contract defines it.
template <typename T>
long double Reference(const PaddedMatrix<T>& a, bool transpose_a,
                      const PaddedMatrix<T>& b, int i, int j, int k) {
  long double sum = 0;
  for (int p = 0; p < k; ++p) {
    const T a_ip = transpose_a ? a(p, i) : a(i, p);
    sum += static_cast<long double>(a_ip) * b(p, j);
  }
  return sum;
}

template <typename T>
void CheckAgainstReference(int m, int n, int k, bool transpose_a,
                           bool accumulate, Isa isa) {
  SCOPED_TRACE(testing::Message()
               << "m=" << m << " n=" << n << " k=" << k
               << " transpose_a=" << transpose_a << " accumulate=" << accumulate
               << " isa=" << IsaName(isa) << " bytes=" << sizeof(T));
  std::mt19937 gen(m * 10007 + n * 101 + k);
  const PaddedMatrix<T> a =
      transpose_a ? RandomMatrix<T>(k, m, gen) : RandomMatrix<T>(m, k, gen);
  const PaddedMatrix<T> b = RandomMatrix<T>(k, n, gen);
  const PaddedMatrix<T> c0 = RandomMatrix<T>(m, n, gen);
  PaddedMatrix<T> c = c0;
  IsaScope scope(isa);
  Gemm<T>({.m = m,
           .n = n,
           .k = k,
           .a = a.data(),
           .lda = a.ld(),
           .transpose_a = transpose_a,
           .b = b.data(),
           .ldb = b.ld(),
           .c = c.data(),
           .ldc = c.ld(),
           .accumulate = accumulate});
  const double eps = std::is_same_v<T, float> ? 1e-6 : 1e-15;
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) {
      long double expected = Reference(a, transpose_a, b, i, j, k);
      if (accumulate) expected += c0(i, j);
      ASSERT_NEAR(static_cast<double>(c(i, j)), static_cast<double>(expected),
                  eps * (k + 2))
          << "at (" << i << ", " << j << ")";
    }
  }
}

using Shape = std::tuple<int, int, int>;
const Shape kShapes[] = {{1, 1, 1},     {3, 5, 2},       {7, 17, 9},
                         {6, 64, 100},  {100, 100, 100}, {100, 4, 100},
                         {100, 100, 4}, {13, 33, 1},     {5, 3, 0},
                         {100, 8, 37},  {25, 9, 100},    {13, 2, 5}};

TEST(GemmTest, MatchesReferenceOnEveryIsaFloat) {
  for (Isa isa : SupportedIsas()) {
    for (auto [m, n, k] : kShapes) {
      for (bool transpose_a : {false, true}) {
        for (bool accumulate : {false, true}) {
          CheckAgainstReference<float>(m, n, k, transpose_a, accumulate, isa);
        }
      }
    }
  }
}

TEST(GemmTest, MatchesReferenceOnEveryIsaDouble) {
  for (Isa isa : SupportedIsas()) {
    for (auto [m, n, k] : kShapes) {
      for (bool transpose_a : {false, true}) {
        for (bool accumulate : {false, true}) {
          CheckAgainstReference<double>(m, n, k, transpose_a, accumulate, isa);
        }
      }
    }
  }
}

// Each element is the same chain of fused multiply-adds on every instruction
// set, so results agree to the bit: a run is reproducible across machines.
template <typename T>
void CheckBitIdenticalAcrossIsas(int m, int n, int k) {
  SCOPED_TRACE(testing::Message() << "m=" << m << " n=" << n << " k=" << k
                                  << " bytes=" << sizeof(T));
  std::mt19937 gen(7);
  const PaddedMatrix<T> a = RandomMatrix<T>(m, k, gen);
  const PaddedMatrix<T> b = RandomMatrix<T>(k, n, gen);
  std::vector<PaddedMatrix<T>> results;
  for (Isa isa : SupportedIsas()) {
    IsaScope scope(isa);
    PaddedMatrix<T> c(m, n);
    Gemm<T>({.m = m,
             .n = n,
             .k = k,
             .a = a.data(),
             .lda = a.ld(),
             .b = b.data(),
             .ldb = b.ld(),
             .c = c.data(),
             .ldc = c.ld()});
    results.push_back(c);
  }
  for (size_t i = 1; i < results.size(); ++i) {
    for (int r = 0; r < m; ++r) {
      EXPECT_EQ(
          std::memcmp(results[0].row(r), results[i].row(r), n * sizeof(T)), 0)
          << "row " << r << " differs between " << IsaName(SupportedIsas()[0])
          << " and " << IsaName(SupportedIsas()[i]);
    }
  }
}

TEST(GemmTest, BitIdenticalAcrossIsas) {
  // 53 columns: the widest tiles; 4 and 8: at most one 256-bit vector.
  for (auto [m, n, k] :
       {Shape{37, 53, 91}, Shape{100, 4, 100}, Shape{37, 8, 91}}) {
    CheckBitIdenticalAcrossIsas<float>(m, n, k);
    CheckBitIdenticalAcrossIsas<double>(m, n, k);
  }
}

// The epilogue: C = A B + bias, relu_out = max(C, 0) + residual, on every
// instruction set, bit-identical to doing it in separate passes.
TEST(GemmTest, EpilogueBiasReluResidual) {
  std::mt19937 gen(3);
  const int m = 13, n = 37, k = 21;
  const PaddedMatrix<float> a = RandomMatrix<float>(m, k, gen);
  const PaddedMatrix<float> b = RandomMatrix<float>(k, n, gen);
  const PaddedMatrix<float> bias = RandomMatrix<float>(1, n, gen);
  const PaddedMatrix<float> residual = RandomMatrix<float>(m, n, gen);
  for (Isa isa : SupportedIsas()) {
    IsaScope scope(isa);
    PaddedMatrix<float> plain(m, n), c(m, n), out(m, n);
    Gemm<float>({.m = m,
                 .n = n,
                 .k = k,
                 .a = a.data(),
                 .lda = a.ld(),
                 .b = b.data(),
                 .ldb = b.ld(),
                 .c = plain.data(),
                 .ldc = plain.ld()});
    Gemm<float>({.m = m,
                 .n = n,
                 .k = k,
                 .a = a.data(),
                 .lda = a.ld(),
                 .b = b.data(),
                 .ldb = b.ld(),
                 .c = c.data(),
                 .ldc = c.ld(),
                 .bias = bias.data(),
                 .relu_out = out.data(),
                 .ld_relu_out = out.ld(),
                 .residual = residual.data(),
                 .ld_residual = residual.ld()});
    int negative = 0;
    for (int i = 0; i < m; ++i) {
      for (int j = 0; j < n; ++j) {
        const float pre = plain(i, j) + bias(0, j);
        ASSERT_EQ(c(i, j), pre) << IsaName(isa);
        ASSERT_EQ(out(i, j), (pre > 0 ? pre : 0.0f) + residual(i, j))
            << IsaName(isa);
        negative += pre < 0;
      }
    }
    EXPECT_GT(negative, 0);  // relu did cut something
  }
}

// The byte-mask epilogue: the forward form (C not stored, relu_out and
// mask_out = pre > 0) and the backward form (x + addend, stored and passed
// through mask_in into masked_out, plus a residual), on every instruction
// set and width, bit-identical to separate passes.
template <typename T>
void CheckMaskEpilogue(int n) {
  std::mt19937 gen(5);
  const int m = 13, k = 21;
  const PaddedMatrix<T> a = RandomMatrix<T>(m, k, gen);
  const PaddedMatrix<T> b = RandomMatrix<T>(k, n, gen);
  const PaddedMatrix<T> bias = RandomMatrix<T>(1, n, gen);
  const PaddedMatrix<T> addend = RandomMatrix<T>(m, n, gen);
  const PaddedMatrix<T> residual = RandomMatrix<T>(m, n, gen);
  for (Isa isa : SupportedIsas()) {
    SCOPED_TRACE(testing::Message()
                 << IsaName(isa) << " bytes " << sizeof(T) << " n " << n);
    IsaScope scope(isa);
    PaddedMatrix<T> plain(m, n);
    Gemm<T>({.m = m,
             .n = n,
             .k = k,
             .a = a.data(),
             .lda = a.ld(),
             .b = b.data(),
             .ldb = b.ld(),
             .c = plain.data(),
             .ldc = plain.ld()});
    // Forward: no C, relu_out and the mask.
    PaddedMatrix<T> relu(m, n);
    PaddedMatrix<uint8_t> mask(m, n);
    Gemm<T>({.m = m,
             .n = n,
             .k = k,
             .a = a.data(),
             .lda = a.ld(),
             .b = b.data(),
             .ldb = b.ld(),
             .bias = bias.data(),
             .relu_out = relu.data(),
             .ld_relu_out = relu.ld(),
             .mask_out = mask.data(),
             .ld_mask_out = mask.ld()});
    // Backward: C = product + addend, masked_out = (mask ? C : 0) + residual.
    PaddedMatrix<T> c(m, n), masked(m, n);
    Gemm<T>({.m = m,
             .n = n,
             .k = k,
             .a = a.data(),
             .lda = a.ld(),
             .b = b.data(),
             .ldb = b.ld(),
             .c = c.data(),
             .ldc = c.ld(),
             .addend = addend.data(),
             .ld_addend = addend.ld(),
             .mask_in = mask.data(),
             .ld_mask_in = mask.ld(),
             .masked_out = masked.data(),
             .ld_masked_out = masked.ld(),
             .residual = residual.data(),
             .ld_residual = residual.ld()});
    int cut = 0;
    for (int i = 0; i < m; ++i) {
      for (int j = 0; j < n; ++j) {
        const T pre = plain(i, j) + bias(0, j);
        ASSERT_EQ(relu(i, j), pre > 0 ? pre : T(0));
        ASSERT_EQ(mask(i, j), pre > 0 ? 1 : 0);
        const T x = plain(i, j) + addend(i, j);
        ASSERT_EQ(c(i, j), x);
        ASSERT_EQ(masked(i, j), (pre > 0 ? x : T(0)) + residual(i, j));
        cut += pre <= 0;
      }
    }
    EXPECT_GT(cut, 0);
    EXPECT_LT(cut, m * n);
  }
}

TEST(GemmTest, EpilogueByteMasks) {
  // 37 columns: the widest tiles and a partial vector; 3 and 5: one
  // partial vector (a latent field's last layer).
  for (int n : {37, 3, 5}) {
    CheckMaskEpilogue<float>(n);
    CheckMaskEpilogue<double>(n);
  }
}

// The tiles AVX-512 float picks by shape (thin column blocks for n % 16 of 1
// to 4: a latent field's width 4, the hidden width 100 = 6 x 16 + 4; 4 x 6
// tiles for 6 vectors: 90, 96 and 100's first 96): every output of every
// epilogue, on every instruction set, equal to the bit to the contract's
// chain c = fma(a_ip, b_pj, c) over p in order, then + old C, + bias,
// + addend, relu or the mask, + residual, computed here with std::fma.
struct EpilogueCase {
  bool accumulate = false;
  bool bias = false;
  bool addend = false;
  bool relu = false;    // relu_out and mask_out, no C
  bool masked = false;  // masked_out through mask_in
  bool residual = false;
};

void CheckThinColumns(int m, int n, int k, bool transpose_a,
                      const EpilogueCase& e, Isa isa) {
  SCOPED_TRACE(testing::Message()
               << "m=" << m << " n=" << n << " k=" << k << " transpose_a="
               << transpose_a << " accumulate=" << e.accumulate
               << " bias=" << e.bias << " addend=" << e.addend
               << " relu=" << e.relu << " masked=" << e.masked
               << " residual=" << e.residual << " isa=" << IsaName(isa));
  std::mt19937 gen(m * 7919 + n * 131 + k * 17 + transpose_a);
  const PaddedMatrix<float> a = transpose_a ? RandomMatrix<float>(k, m, gen)
                                            : RandomMatrix<float>(m, k, gen);
  const PaddedMatrix<float> b = RandomMatrix<float>(k, n, gen);
  const PaddedMatrix<float> c0 = RandomMatrix<float>(m, n, gen);
  const PaddedMatrix<float> bias = RandomMatrix<float>(1, n, gen);
  const PaddedMatrix<float> addend = RandomMatrix<float>(m, n, gen);
  const PaddedMatrix<float> residual = RandomMatrix<float>(m, n, gen);
  PaddedMatrix<uint8_t> mask_in(m, n);
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) mask_in(i, j) = (i * 3 + j) % 5 < 2 ? 0 : 7;
  }
  PaddedMatrix<float> c = c0, relu(m, n), masked(m, n);
  PaddedMatrix<uint8_t> mask_out(m, n);
  GemmArgs<float> args{.m = m,
                       .n = n,
                       .k = k,
                       .a = a.data(),
                       .lda = a.ld(),
                       .transpose_a = transpose_a,
                       .b = b.data(),
                       .ldb = b.ld(),
                       .c = e.relu ? nullptr : c.data(),
                       .ldc = c.ld(),
                       .accumulate = e.accumulate};
  if (e.bias) args.bias = bias.data();
  if (e.addend) {
    args.addend = addend.data();
    args.ld_addend = addend.ld();
  }
  if (e.relu) {
    args.relu_out = relu.data();
    args.ld_relu_out = relu.ld();
    args.mask_out = mask_out.data();
    args.ld_mask_out = mask_out.ld();
  }
  if (e.masked) {
    args.mask_in = mask_in.data();
    args.ld_mask_in = mask_in.ld();
    args.masked_out = masked.data();
    args.ld_masked_out = masked.ld();
  }
  if (e.residual) {
    args.residual = residual.data();
    args.ld_residual = residual.ld();
  }
  {
    IsaScope scope(isa);
    Gemm<float>(args);
  }
  auto same = [](float x, float y) {
    return std::memcmp(&x, &y, sizeof(float)) == 0;
  };
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) {
      float x = 0;
      for (int p = 0; p < k; ++p) {
        x = std::fma(transpose_a ? a(p, i) : a(i, p), b(p, j), x);
      }
      if (e.accumulate) x += c0(i, j);
      if (e.bias) x += bias(0, j);
      if (e.addend) x += addend(i, j);
      if (!e.relu) {
        ASSERT_TRUE(same(c(i, j), x)) << "C at " << i << ", " << j;
      }
      if (e.relu) {
        float y = x > 0 ? x : 0.0f;
        if (e.residual) y += residual(i, j);
        ASSERT_TRUE(same(relu(i, j), y)) << "relu at " << i << ", " << j;
        ASSERT_EQ(mask_out(i, j), x > 0 ? 1 : 0) << "at " << i << ", " << j;
      } else if (e.masked) {
        float y = mask_in(i, j) != 0 ? x : 0.0f;
        if (e.residual) y += residual(i, j);
        ASSERT_TRUE(same(masked(i, j), y)) << "masked at " << i << ", " << j;
      }
    }
  }
}

TEST(GemmTest, TilesByShapeBitExactOnEveryIsa) {
  const EpilogueCase cases[] = {
      {},
      {.accumulate = true},
      {.bias = true, .relu = true, .residual = true},
      {.bias = true, .relu = true},
      {.addend = true, .masked = true, .residual = true},
      {.accumulate = true, .bias = true, .addend = true, .masked = true},
  };
  for (Isa isa : SupportedIsas()) {
    for (int n : {1, 2, 3, 4, 17, 20, 90, 96, 100}) {
      for (int m : {1, 3, 5, 24, 25, 37, 65, 100}) {
        for (int k : {0, 1, 3, 4, 5, 100}) {
          for (bool transpose_a : {false, true}) {
            for (const EpilogueCase& e : cases) {
              CheckThinColumns(m, n, k, transpose_a, e, isa);
              if (testing::Test::HasFatalFailure()) return;
            }
          }
        }
      }
    }
  }
}

TEST(GemmTest, ZeroInnerDimensionClearsOrKeeps) {
  PaddedMatrix<float> a(3, 1), b(1, 5), c(3, 5);
  c(1, 2) = 4;
  Gemm<float>({.m = 3,
               .n = 5,
               .k = 0,
               .a = a.data(),
               .lda = a.ld(),
               .b = b.data(),
               .ldb = b.ld(),
               .c = c.data(),
               .ldc = c.ld(),
               .accumulate = true});
  EXPECT_EQ(c(1, 2), 4);
  Gemm<float>({.m = 3,
               .n = 5,
               .k = 0,
               .a = a.data(),
               .lda = a.ld(),
               .b = b.data(),
               .ldb = b.ld(),
               .c = c.data(),
               .ldc = c.ld()});
  EXPECT_EQ(c(1, 2), 0);
}

TEST(GemmTest, PaddedMatrixLayout) {
  PaddedMatrix<float> f(3, 17);
  EXPECT_EQ(f.ld(), 32);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(f.data()) % 64, 0u);
  PaddedMatrix<double> d(2, 8);
  EXPECT_EQ(d.ld(), 8);
  d(1, 7) = 3;
  PaddedMatrix<double> copy = d;
  EXPECT_EQ(copy(1, 7), 3);
  EXPECT_EQ(copy(0, 0), 0);
}

TEST(GemmTest, IsaNamesAndOverride) {
  EXPECT_STREQ(IsaName(Isa::kAvx512), "avx512");
  IsaScope scope(Isa::kGeneric);
  EXPECT_EQ(ActiveIsa(), Isa::kGeneric);
}

// Issue 24: AANET_ISA=bogus was ignored without a word.
TEST(GemmTest, IsaFromEnvironmentWarnsAboutWhatItDoesNotUse) {
  std::string warning = "stale";
  EXPECT_EQ(IsaFromEnvironmentValue(nullptr, Isa::kAvx2, &warning), Isa::kAvx2);
  EXPECT_EQ(warning, "");
  EXPECT_EQ(IsaFromEnvironmentValue("generic", Isa::kAvx2, &warning),
            Isa::kGeneric);
  EXPECT_EQ(warning, "");
  EXPECT_EQ(IsaFromEnvironmentValue("bogus", Isa::kAvx2, &warning), Isa::kAvx2);
  EXPECT_EQ(warning,
            "warning: AANET_ISA=bogus is not an instruction set (expected "
            "generic, avx2 or avx512); using avx2, this CPU's widest");
  EXPECT_EQ(IsaFromEnvironmentValue("avx512", Isa::kAvx2, &warning),
            Isa::kAvx2);
  EXPECT_EQ(warning,
            "warning: AANET_ISA=avx512: this CPU does not run it; using avx2, "
            "its widest");
}

}  // namespace
}  // namespace aanet::ad::internal
