// The float32 sigmoid of simd16.h against double, on the portable traits
// (the vector traits give the same bits: the kernels' tests check that on
// every instruction set).
#include "autodiff/internal/simd16.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "autodiff/internal/gemm.h"
#include "autodiff/internal/simd16_sigmoid_on_isa.h"
#include "gtest/gtest.h"

namespace aanet::ad::internal::simd16 {
namespace {

using S = GenericFloat;

// Error of `got` against `exact` in units in the last place of the float
// nearest `exact`.
double UlpError(float got, double exact) {
  const float nearest = static_cast<float>(exact);
  const double ulp =
      std::nextafter(nearest, std::numeric_limits<float>::infinity()) - nearest;
  return std::fabs(got - exact) / ulp;
}

// f on 16 copies of x, lane 0 back.
template <typename F>
float OnLanes(F f, float x) {
  return f(S::Broadcast(x)).x[0];
}

float Exp2Form(float w) {
  return OnLanes([](S::V v) { return OneOverOnePlusExp2<S>(v); }, w);
}

TEST(OneOverOnePlusExp2Test, WithinFourUlpOverItsRange) {
  double worst = 0;
  for (float w = -126.0f; w <= 126.0f; w += 0.00537f) {
    const double exact = 1.0 / (1.0 + std::exp2(static_cast<double>(w)));
    worst = std::max(worst, UlpError(Exp2Form(w), exact));
  }
  EXPECT_LT(worst, 4.0);
  // Past w = 126 the result stays near 2^-126 (k is held at 126), and 1 on
  // the other side, up to the largest floats.
  for (float w : {127.0f, 300.0f, 1e30f, std::numeric_limits<float>::max()}) {
    EXPECT_GT(Exp2Form(w), 0.0f) << w;
    EXPECT_LT(Exp2Form(w), 2e-38f) << w;
    EXPECT_EQ(Exp2Form(-w), 1.0f) << w;
  }
  EXPECT_EQ(Exp2Form(-25.0f), 1.0f);
  // sigma(z) for w = -log2(e) z, as the one-state kernel calls it.
  for (float z : {-20.0f, -1.5f, 0.0f, 0.25f, 3.0f, 40.0f}) {
    const double exact = 1.0 / (1.0 + std::exp(-static_cast<double>(z)));
    EXPECT_LT(UlpError(Exp2Form(static_cast<float>(-M_LOG2E * z)), exact),
              4.0 + 8.0 * std::fabs(z))
        << z;  // w's own rounding: a relative 2^-24 of w moves 2^w by |w| ln2
               // of that
  }
  EXPECT_TRUE(std::isnan(Exp2Form(NAN)));
}

// Every instruction set's traits give the portable bits, on both widths:
// over the range, and where AVX-512's scalef and the exponent bits part
// (p 2^k subnormal, or k past the bounds they hold it to), NaN and +-inf
// included.
TEST(OneOverOnePlusExp2Test, EveryInstructionSetGivesThePortableBits) {
  std::vector<float> w;
  for (float x = -140.0f; x <= 140.0f; x += 0.00391f) w.push_back(x);
  for (float x = -129.0f; x <= -124.0f; x += 1.0f / 4096) w.push_back(x);
  for (float x = 124.0f; x <= 129.0f; x += 1.0f / 4096) w.push_back(x);
  for (float x :
       {0.0f, -0.0f, 0.5f, -0.5f, 1.5f, 125.5f, -125.5f, 127.5f, 1e30f, -1e30f,
        std::numeric_limits<float>::max(),
        std::numeric_limits<float>::denorm_min(), INFINITY, -INFINITY, NAN}) {
    w.push_back(x);
  }
  while (w.size() % kLanes != 0) w.push_back(0.25f);
  const int count = static_cast<int>(w.size());
  std::vector<float> expected(count);
  for (int i = 0; i < count; ++i) expected[i] = Exp2Form(w[i]);
  using Kernel = void (*)(const float*, int, float*);
  struct Case {
    const char* name;
    Isa isa;
    Kernel kernel;
  };
  int checked = 0;
  for (const Case& c :
       {Case{"avx2", Isa::kAvx2, &SigmoidAvx2},
        Case{"avx2 narrow", Isa::kAvx2, &SigmoidAvx2Narrow},
        Case{"avx512", Isa::kAvx512, &SigmoidAvx512},
        Case{"avx512 narrow", Isa::kAvx512, &SigmoidAvx512Narrow}}) {
    if (c.isa > DetectIsa()) continue;
    std::vector<float> got(count);
    c.kernel(w.data(), count, got.data());
    for (int i = 0; i < count; ++i) {
      ASSERT_EQ(std::memcmp(&got[i], &expected[i], sizeof(float)), 0)
          << c.name << " at w = " << w[i] << ": " << got[i] << " vs "
          << expected[i];
    }
    ++checked;
  }
  RecordProperty("instruction_sets_checked", checked);
}

}  // namespace
}  // namespace aanet::ad::internal::simd16
