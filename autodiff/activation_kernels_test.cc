#include "autodiff/activation_kernels.h"

#include "autodiff/tape.h"
#include "gtest/gtest.h"

namespace aanet::ad {
namespace {

class ActivationKernelsTest : public ::testing::TestWithParam<Activation> {};

// The plain-matrix kernels must compute exactly what the tape ops compute.
TEST_P(ActivationKernelsTest, AgreeWithTheTapeOps) {
  Matrix z = Matrix::Random(7, 9) * 4.0;
  z(0, 0) = 0.3;
  z(1, 1) = -0.3;
  Tape tape;
  Var x = tape.Constant(z);
  const Matrix expected_value = Activate(GetParam(), x).value();
  const Matrix expected_derivative =
      ActivationDerivative(GetParam(), x).value();

  Matrix value;
  ActivationInto(GetParam(), z, value);
  EXPECT_LE((value - expected_value).cwiseAbs().maxCoeff(), 1e-14)
      << ActivationName(GetParam());
  Matrix in_place = z;
  ActivationInto(GetParam(), in_place, in_place);
  EXPECT_LE((in_place - expected_value).cwiseAbs().maxCoeff(), 1e-14);

  Matrix g = Matrix::Constant(7, 9, 2.0);
  MultiplyByActivationDerivative(GetParam(), z, g);
  EXPECT_LE((g - 2.0 * expected_derivative).cwiseAbs().maxCoeff(), 1e-13)
      << ActivationName(GetParam());
}

// The forward values are the same code as the ops' (bit for bit), and the
// derivative kernels agree with ActivationDerivative.
TEST_P(ActivationKernelsTest, ValuesBitwiseAndDerivativeInto) {
  Matrix z(3, 4);
  z << -3.0, -0.5, 0.25, 2.0, -1.5, 0.75, 1.5, -0.1, 4.0, -4.0, 0.5, -2.5;
  Tape tape;
  const Var x = tape.Constant(z);
  Matrix value(1, 1);  // Wrong shape: resized.
  ActivationInto(GetParam(), z, value);
  EXPECT_EQ(value, Activate(GetParam(), x).value());
  Matrix derivative(1, 1);
  ActivationDerivativeInto(GetParam(), z, derivative);
  EXPECT_EQ(derivative, ActivationDerivative(GetParam(), x).value());
}

INSTANTIATE_TEST_SUITE_P(All, ActivationKernelsTest,
                         ::testing::Values(Activation::kSigmoid,
                                           Activation::kTanh, Activation::kRelu,
                                           Activation::kSoftplus,
                                           Activation::kLeakyRelu,
                                           Activation::kElu, Activation::kSilu,
                                           Activation::kGelu,
                                           Activation::kIdentity));

}  // namespace
}  // namespace aanet::ad
