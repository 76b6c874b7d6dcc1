// The thin-shape product against a naive product in every dispatch branch,
// and the vectorised sigmoid against a long-double reference.
#include "autodiff/internal/kernels.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <tuple>
#include <vector>

#include "Eigen/Core"
#include "autodiff/internal/gemm.h"
#include "gtest/gtest.h"
#include "rng/random.h"

namespace aanet::ad::internal {
namespace {

Matrix RandomMatrix(Eigen::Index rows, Eigen::Index cols, Random& rng) {
  Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = rng.Uniform(-1, 1);
  return m;
}

Matrix NaiveProduct(const Matrix& a, const Matrix& b) {
  Matrix out = Matrix::Zero(a.rows(), b.cols());
  for (Eigen::Index i = 0; i < a.rows(); ++i) {
    for (Eigen::Index j = 0; j < b.cols(); ++j) {
      for (Eigen::Index l = 0; l < a.cols(); ++l)
        out(i, j) += a(i, l) * b(l, j);
    }
  }
  return out;
}

double MaxAbsDiff(const Matrix& a, const Matrix& b) {
  return (a - b).cwiseAbs().maxCoeff();
}

// Each shape on every instruction set this CPU has: the GEMM-sized ones go
// to GemmProduct on AVX2 and AVX-512, to Eigen on the portable one.
class ProductIntoTest : public ::testing::TestWithParam<
                            std::tuple<std::tuple<int, int, int>, Isa>> {
 protected:
  void SetUp() override {
    const Isa isa = std::get<1>(GetParam());
    if (isa > DetectIsa()) GTEST_SKIP() << "the CPU lacks " << IsaName(isa);
    SetActiveIsa(isa);
  }
  void TearDown() override { SetActiveIsa(DetectIsa()); }
};

TEST_P(ProductIntoTest, MatchesNaiveProduct) {
  const auto [n, k, m] = std::get<0>(GetParam());
  Random rng(n * 10000 + k * 100 + m);
  const Matrix a = RandomMatrix(n, k, rng);
  const Matrix b = RandomMatrix(k, m, rng);
  const Matrix expected = NaiveProduct(a, b);
  const double tol = 1e-13 * (k + 1);

  Matrix out(1, 1);  // Wrong shape: assignment resizes.
  ProductInto(a, b, /*add=*/false, out);
  ASSERT_EQ(out.rows(), n);
  ASSERT_EQ(out.cols(), m);
  if (n * m > 0) {
    EXPECT_LT(MaxAbsDiff(out, expected), tol);
  }

  Matrix acc = RandomMatrix(n, m, rng);
  const Matrix before = acc;
  ProductInto(a, b, /*add=*/true, acc);
  if (n * m > 0) {
    EXPECT_LT(MaxAbsDiff(acc, before + expected), tol);
  }

  // Transposed operands (as the backward passes use them).
  const Matrix at = a.transpose();
  const Matrix bt = b.transpose();
  Matrix out_t;
  ProductInto(at.transpose(), bt.transpose(), /*add=*/false, out_t);
  if (n * m > 0) {
    EXPECT_LT(MaxAbsDiff(out_t, expected), tol);
  }
  Matrix acc_t = before;
  ProductInto(a, bt.transpose(), /*add=*/true, acc_t);
  if (n * m > 0) {
    EXPECT_LT(MaxAbsDiff(acc_t, before + expected), tol);
  }
  Matrix out_ta;
  ProductInto(at.transpose(), b, /*add=*/false, out_ta);
  if (n * m > 0) {
    EXPECT_LT(MaxAbsDiff(out_ta, expected), tol);
  }
  // Twice on one shape (the buffers are reused), and the same bits.
  Matrix again;
  ProductInto(a, b, /*add=*/false, again);
  EXPECT_EQ(again, out);
}

std::string ProductCaseName(
    const ::testing::TestParamInfo<ProductIntoTest::ParamType>& info) {
  const auto& [n, k, m] = std::get<0>(info.param);
  return std::to_string(n) + "x" + std::to_string(k) + "x" + std::to_string(m) +
         "_" + IsaName(std::get<1>(info.param));
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, ProductIntoTest,
    ::testing::Combine(
        ::testing::Values(
            std::make_tuple(3, 3, 3),      // Coefficient-based.
            std::make_tuple(100, 2, 100),  // k-thin.
            std::make_tuple(100, 1, 100),
            std::make_tuple(100, 100, 2),  // m-thin.
            std::make_tuple(100, 100, 4),
            std::make_tuple(2, 100, 100),  // n-thin.
            std::make_tuple(4, 100, 100), std::make_tuple(30, 40, 25),  // GEMM.
            std::make_tuple(100, 200, 100), std::make_tuple(13, 37, 21),
            std::make_tuple(100, 0, 50)),  // Empty inner dimension.
        ::testing::Values(Isa::kGeneric, Isa::kAvx2, Isa::kAvx512)),
    ProductCaseName);

// GemmProduct's products are Gemm's, the same bits on AVX2 and AVX-512, in
// all four transpose forms and accumulating.
TEST(ProductIntoTest, GemmProductsAreTheSameBitsOnAvx2AndAvx512) {
  if (DetectIsa() < Isa::kAvx512) GTEST_SKIP() << "needs AVX-512";
  Random rng(3);
  const Matrix a = RandomMatrix(100, 200, rng);
  const Matrix b = RandomMatrix(200, 37, rng);
  const Matrix at = a.transpose(), bt = b.transpose();
  const Matrix start = RandomMatrix(100, 37, rng);
  Matrix results[2][5];
  for (int i = 0; i < 2; ++i) {
    SetActiveIsa(i == 0 ? Isa::kAvx2 : Isa::kAvx512);
    ProductInto(a, b, /*add=*/false, results[i][0]);
    ProductInto(at.transpose(), b, /*add=*/false, results[i][1]);
    ProductInto(a, bt.transpose(), /*add=*/false, results[i][2]);
    ProductInto(at.transpose(), bt.transpose(), /*add=*/false, results[i][3]);
    results[i][4] = start;
    ProductInto(a, b, /*add=*/true, results[i][4]);
  }
  SetActiveIsa(DetectIsa());
  for (int form = 0; form < 5; ++form) {
    ASSERT_EQ(results[0][form].size(), results[1][form].size());
    EXPECT_EQ(std::memcmp(results[0][form].data(), results[1][form].data(),
                          sizeof(double) * results[0][form].size()),
              0)
        << "form " << form;
  }
}

TEST(ProductIntoTest, EmptyInnerDimensionGivesZeros) {
  Matrix out;
  ProductInto(Matrix(30, 0), Matrix(0, 30), /*add=*/false, out);
  EXPECT_EQ(out, Matrix::Zero(30, 30));
}

long double ReferenceSigmoid(double x) {
  return 1.0L / (1.0L + std::exp(-static_cast<long double>(x)));
}

TEST(SigmoidKernelTest, AccurateOverTheWholeRange) {
  Random rng(5);
  std::vector<double> x(200003);
  for (size_t i = 0; i < x.size(); ++i) {
    x[i] = i % 2 == 0 ? rng.Uniform(-745, 745) : rng.Uniform(-20, 20);
  }
  std::vector<double> y(x.size());
  SigmoidKernel(x.data(), y.data(), static_cast<Eigen::Index>(x.size()));
  double worst = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const long double ref = ReferenceSigmoid(x[i]);
    if (ref < 1e-307L) {
      // Near and below the flush threshold (x < -709 gives 0): absolute.
      EXPECT_LE(std::fabs(static_cast<double>(y[i] - ref)), 1.3e-308) << x[i];
      continue;
    }
    worst = std::max(worst, static_cast<double>(std::fabs((y[i] - ref) / ref)));
  }
  EXPECT_LT(worst, 6 * std::numeric_limits<double>::epsilon());
}

TEST(SigmoidKernelTest, SpecialValuesAndTails) {
  const double inf = std::numeric_limits<double>::infinity();
  // 9 values: two full packets and a tail of 1.
  std::vector<double> x = {0.0,   inf,    -inf,   1000.0,      -1000.0,
                           709.5, -709.5, 1e-300, std::nan("")};
  std::vector<double> y(x.size());
  SigmoidKernel(x.data(), y.data(), static_cast<Eigen::Index>(x.size()));
  EXPECT_EQ(y[0], 0.5);
  EXPECT_EQ(y[1], 1.0);
  EXPECT_EQ(y[2], 0.0);
  EXPECT_EQ(y[3], 1.0);
  EXPECT_EQ(y[4], 0.0);
  EXPECT_EQ(y[5], 1.0);
  EXPECT_EQ(y[6], 0.0);
  EXPECT_EQ(y[7], 0.5);
  EXPECT_TRUE(std::isnan(y[8]));
  // Every length (tails of 0..3) gives the same values as one long call.
  Random rng(9);
  std::vector<double> all(11);
  for (double& v : all) v = rng.Uniform(-5, 5);
  std::vector<double> full(all.size());
  SigmoidKernel(all.data(), full.data(), static_cast<Eigen::Index>(all.size()));
  for (size_t n = 0; n <= all.size(); ++n) {
    std::vector<double> part(n + 1, -7.0);
    SigmoidKernel(all.data(), part.data(), static_cast<Eigen::Index>(n));
    for (size_t i = 0; i < n; ++i) EXPECT_EQ(part[i], full[i]) << n;
    EXPECT_EQ(part[n], -7.0) << "wrote past the end, n = " << n;
  }
}

TEST(SigmoidKernelTest, InPlace) {
  Matrix m(3, 3);
  for (int i = 0; i < 9; ++i) m.data()[i] = -2.0 + 0.5 * i;
  Matrix expected;
  SigmoidInto(m, expected);
  SigmoidInto(m, m);
  EXPECT_EQ(m, expected);
}

}  // namespace
}  // namespace aanet::ad::internal
