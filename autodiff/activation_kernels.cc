#include "autodiff/activation_kernels.h"

#include <cmath>

#include "autodiff/internal/kernels.h"

namespace aanet::ad {
namespace {

constexpr double kGeluC = 0.79788456080286535588;  // sqrt(2 / pi).
constexpr double kGeluK = 0.044715;

double SigmoidScalar(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// A per-thread buffer for sigmoid values, so no call allocates in steady
// state.
Matrix& SigmoidScratch() {
  thread_local Matrix scratch;
  return scratch;
}

}  // namespace

namespace internal {

double SiluD1(double x) {
  const double s = SigmoidScalar(x);
  return s * (1.0 + x * (1.0 - s));
}

double SiluD2(double x) {
  const double s = SigmoidScalar(x);
  return s * (1.0 - s) * (2.0 + x * (1.0 - 2.0 * s));
}

double GeluD1(double x) {
  const double u = kGeluC * (x + kGeluK * x * x * x);
  const double du = kGeluC * (1.0 + 3.0 * kGeluK * x * x);
  const double t = std::tanh(u);
  return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * du;
}

double GeluD2(double x) {
  const double u = kGeluC * (x + kGeluK * x * x * x);
  const double du = kGeluC * (1.0 + 3.0 * kGeluK * x * x);
  const double d2u = kGeluC * 6.0 * kGeluK * x;
  const double t = std::tanh(u);
  const double sech2 = 1.0 - t * t;
  return sech2 * (du + 0.5 * x * (d2u - 2.0 * t * du * du));
}

void ActivationValue(Activation activation, double alpha, const Matrix& z,
                     Matrix& out) {
  out.resize(z.rows(), z.cols());  // No-op if out is z.
  auto o = out.array();
  const auto za = z.array();
  switch (activation) {
    case Activation::kSigmoid:
      internal::SigmoidInto(z, out);
      return;
    case Activation::kTanh:
      o = za.tanh();
      return;
    case Activation::kRelu:
      o = za.max(0.0);
      return;
    case Activation::kSoftplus:
      o = za.max(0.0) + (-za.abs()).exp().log1p();
      return;
    case Activation::kLeakyRelu:
      o = (za >= 0.0).select(za, alpha * za);
      return;
    case Activation::kElu:
      o = (za > 0.0).select(za, alpha * za.min(0.0).expm1());
      return;
    case Activation::kSilu: {
      Matrix& s = SigmoidScratch();
      internal::SigmoidInto(z, s);
      o = za * s.array();
      return;
    }
    case Activation::kGelu:
      o = 0.5 * za * (1.0 + (kGeluC * (za + kGeluK * za.cube())).tanh());
      return;
    case Activation::kIdentity:
      if (&out != &z) out = z;
      return;
  }
}

}  // namespace internal

void ActivationInto(Activation activation, const Matrix& z, Matrix& out) {
  const double alpha =
      activation == Activation::kLeakyRelu ? kLeakyReluSlope : kEluAlpha;
  internal::ActivationValue(activation, alpha, z, out);
}

void ActivationDerivativeInto(Activation activation, const Matrix& z,
                              Matrix& out) {
  AANET_AD_CHECK(&out != &z, "ActivationDerivativeInto: out must not be z");
  out.resize(z.rows(), z.cols());
  auto o = out.array();
  const auto za = z.array();
  switch (activation) {
    case Activation::kSigmoid:
      internal::SigmoidInto(z, out);
      o = o * (1.0 - o);
      return;
    case Activation::kTanh:
      o = 1.0 - za.tanh().square();
      return;
    case Activation::kRelu:
      o = (za > 0.0).cast<double>();
      return;
    case Activation::kSoftplus:
      internal::SigmoidInto(z, out);
      return;
    case Activation::kLeakyRelu:
      o = (za >= 0.0).select(Matrix::Ones(z.rows(), z.cols()).array(),
                             kLeakyReluSlope);
      return;
    case Activation::kElu:
      o = (za > 0.0).select(Matrix::Ones(z.rows(), z.cols()).array(),
                            kEluAlpha * za.min(0.0).exp());
      return;
    case Activation::kSilu:
      o = za.unaryExpr(&internal::SiluD1);
      return;
    case Activation::kGelu:
      o = za.unaryExpr(&internal::GeluD1);
      return;
    case Activation::kIdentity:
      o = 1.0;
      return;
  }
}

void MultiplyByActivationDerivative(Activation activation, const Matrix& z,
                                    Matrix& g) {
  AANET_AD_CHECK(g.rows() == z.rows() && g.cols() == z.cols(),
                 "MultiplyByActivationDerivative: g " + ShapeString(g) +
                     " and z " + ShapeString(z));
  auto ga = g.array();
  const auto za = z.array();
  switch (activation) {
    case Activation::kSigmoid: {
      Matrix& s = SigmoidScratch();
      internal::SigmoidInto(z, s);
      ga *= s.array() * (1.0 - s.array());
      return;
    }
    case Activation::kTanh:
      ga *= 1.0 - za.tanh().square();
      return;
    case Activation::kRelu:
      ga = (za > 0.0).select(ga, 0.0);
      return;
    case Activation::kSoftplus: {
      Matrix& s = SigmoidScratch();
      internal::SigmoidInto(z, s);
      ga *= s.array();
      return;
    }
    case Activation::kLeakyRelu:
      ga = (za >= 0.0).select(ga, kLeakyReluSlope * ga);
      return;
    case Activation::kElu:
      ga = (za > 0.0).select(ga, ga * (kEluAlpha * za.min(0.0).exp()));
      return;
    case Activation::kSilu:
      ga *= za.unaryExpr(&internal::SiluD1);
      return;
    case Activation::kGelu:
      ga *= za.unaryExpr(&internal::GeluD1);
      return;
    case Activation::kIdentity:
      return;
  }
}

}  // namespace aanet::ad
