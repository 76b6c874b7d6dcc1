#include "autodiff/internal/shear_stack_one_state.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "Eigen/Core"
#include "autodiff/internal/gemm.h"
#include "autodiff/matrix.h"
#include "gtest/gtest.h"
#include "rng/random.h"

namespace aanet::ad::internal {
namespace {

struct LayerParams {
  Matrix w, b, a, gate;
};

std::vector<LayerParams> RandomLayers(int n, int width, int num_layers,
                                      int gate_size, Random& random) {
  std::vector<LayerParams> layers;
  auto normal = [&](int rows, int cols, double scale) {
    Matrix m(rows, cols);
    for (int i = 0; i < m.size(); ++i) m.data()[i] = scale * random.Normal();
    return m;
  };
  for (int l = 0; l < num_layers; ++l) {
    layers.push_back({normal(n, width, 0.5), normal(1, width, 0.5),
                      normal(1, width, 0.3), normal(1, gate_size, 0.3)});
  }
  return layers;
}

PackedShearStack Pack(const std::vector<LayerParams>& layers, int n, int width,
                      ShearGate gate) {
  PackedShearStack stack(n, width, static_cast<int>(layers.size()), gate);
  for (int l = 0; l < static_cast<int>(layers.size()); ++l) {
    stack.SetLayer(l, layers[l].w, layers[l].b, layers[l].a, layers[l].gate);
  }
  return stack;
}

// The stack in double with the exact sigmoid, written independently of the
// kernel: the reference the float32 kernel must agree with.
Eigen::RowVectorXd ReferenceForward(const std::vector<LayerParams>& layers,
                                    int n, ShearGate gate_kind,
                                    Eigen::RowVectorXd state) {
  for (int l = 0; l < static_cast<int>(layers.size()); ++l) {
    const LayerParams& p = layers[l];
    const Eigen::RowVectorXd x =
        l % 2 == 0 ? state.head(n).eval() : state.tail(n).eval();
    const Eigen::RowVectorXd z = x * p.w + p.b;
    const Eigen::RowVectorXd s =
        z.unaryExpr([](double v) { return 1.0 / (1.0 + std::exp(-v)); });
    const Eigen::RowVectorXd u =
        (s.array() * p.a.row(0).array()).matrix() * p.w.transpose();
    Eigen::RowVectorXd gate(n);
    for (int k = 0; k < n; ++k) {
      gate[k] = p.gate.size() == 1 ? p.gate(0, 0) : p.gate(0, k);
    }
    const Eigen::RowVectorXd f =
        gate_kind == ShearGate::kAdditive
            ? (u.array() + gate.array() * x.array()).matrix().eval()
            : ((u + x).array() * gate.array()).matrix().eval();
    if (l % 2 == 0) {
      state.tail(n) += f;
    } else {
      state.head(n) += f;
    }
  }
  return state;
}

std::vector<float> RandomState(int n, Random& random) {
  std::vector<float> state(2 * n);
  for (float& v : state) v = static_cast<float>(random.Normal());
  return state;
}

struct Shape {
  int n, width, num_layers, gate_size;
  ShearGate gate;
};

class ShearStackOneStateTest : public ::testing::TestWithParam<Shape> {
 protected:
  void TearDown() override { SetActiveIsa(DetectIsa()); }
};

TEST_P(ShearStackOneStateTest, AgreesWithFloat64Reference) {
  const Shape shape = GetParam();
  Random random(7);
  const std::vector<LayerParams> layers = RandomLayers(
      shape.n, shape.width, shape.num_layers, shape.gate_size, random);
  const PackedShearStack stack = Pack(layers, shape.n, shape.width, shape.gate);
  for (int trial = 0; trial < 5; ++trial) {
    std::vector<float> state = RandomState(shape.n, random);
    Eigen::RowVectorXd reference(2 * shape.n);
    for (int i = 0; i < 2 * shape.n; ++i) reference[i] = state[i];
    reference = ReferenceForward(layers, shape.n, shape.gate, reference);
    stack.Forward(state.data());
    for (int i = 0; i < 2 * shape.n; ++i) {
      // float32 through the stack: each layer adds a few float roundings of
      // values of order 1.
      EXPECT_NEAR(state[i], reference[i], 2e-5 * (1 + std::fabs(reference[i])))
          << "coordinate " << i;
    }
  }
}

TEST_P(ShearStackOneStateTest, InverseUndoesForward) {
  const Shape shape = GetParam();
  Random random(8);
  const PackedShearStack stack =
      Pack(RandomLayers(shape.n, shape.width, shape.num_layers, shape.gate_size,
                        random),
           shape.n, shape.width, shape.gate);
  const std::vector<float> start = RandomState(shape.n, random);
  std::vector<float> state = start;
  stack.Forward(state.data());
  double moved = 0;
  for (int i = 0; i < 2 * shape.n; ++i) moved += std::fabs(state[i] - start[i]);
  EXPECT_GT(moved, 1e-2);  // the layers do something
  stack.Inverse(state.data());
  for (int i = 0; i < 2 * shape.n; ++i) {
    EXPECT_NEAR(state[i], start[i], 1e-5 * (1 + std::fabs(start[i])));
  }
}

TEST_P(ShearStackOneStateTest, BitIdenticalOnEveryInstructionSet) {
  const Shape shape = GetParam();
  Random random(9);
  const PackedShearStack stack =
      Pack(RandomLayers(shape.n, shape.width, shape.num_layers, shape.gate_size,
                        random),
           shape.n, shape.width, shape.gate);
  const std::vector<float> start = RandomState(shape.n, random);
  SetActiveIsa(Isa::kGeneric);
  std::vector<float> generic = start;
  stack.Forward(generic.data());
  std::vector<float> generic_inverse = generic;
  stack.Inverse(generic_inverse.data());
  for (Isa isa : {Isa::kAvx2, Isa::kAvx512}) {
    if (isa > DetectIsa()) continue;
    SetActiveIsa(isa);
    std::vector<float> state = start;
    stack.Forward(state.data());
    EXPECT_EQ(
        std::memcmp(state.data(), generic.data(), state.size() * sizeof(float)),
        0)
        << IsaName(isa);
    stack.Inverse(state.data());
    EXPECT_EQ(std::memcmp(state.data(), generic_inverse.data(),
                          state.size() * sizeof(float)),
              0)
        << IsaName(isa);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, ShearStackOneStateTest,
    ::testing::Values(
        // The shipped flow (n = 2, width 100 in 7 vectors of 16, the last
        // padded), the paper's scalar c, the published gate.
        Shape{2, 100, 6, 2, ShearGate::kAdditive},
        Shape{2, 100, 5, 1, ShearGate::kAdditive},
        Shape{2, 100, 4, 2, ShearGate::kMultiplicative},
        // Other widths (one vector, exactly two, an odd count) and n,
        // including the run-time n path (n > 4).
        Shape{1, 7, 3, 1, ShearGate::kAdditive},
        Shape{3, 32, 4, 3, ShearGate::kAdditive},
        Shape{4, 49, 3, 4, ShearGate::kMultiplicative},
        Shape{6, 20, 4, 6, ShearGate::kAdditive},
        // A last vector with exactly 8 real units (the narrow one) and with
        // 9 (a full one).
        Shape{2, 104, 3, 2, ShearGate::kAdditive},
        Shape{2, 105, 3, 2, ShearGate::kMultiplicative}));

// The one-hidden-layer net on the same kernel, against double with the
// exact sigmoid, and bit for bit on every instruction set.
struct NetShape {
  int n, width;
};

class SigmoidNetOneStateTest : public ::testing::TestWithParam<NetShape> {
 protected:
  void TearDown() override { SetActiveIsa(DetectIsa()); }
};

TEST_P(SigmoidNetOneStateTest, AgreesWithFloat64AndBitsOnEveryIsa) {
  const NetShape shape = GetParam();
  Random random(11);
  auto normal = [&](int rows, int cols, double scale) {
    Matrix m(rows, cols);
    for (int i = 0; i < m.size(); ++i) m.data()[i] = scale * random.Normal();
    return m;
  };
  const Matrix w1 = normal(shape.n, shape.width, 1.0);
  const Matrix b1 = normal(1, shape.width, 0.5);
  const Matrix w2 = normal(shape.width, shape.n, 0.3);
  const Matrix b2 = normal(1, shape.n, 0.5);
  const PackedSigmoidNet net(w1, b1, w2, b2);
  for (int trial = 0; trial < 5; ++trial) {
    std::vector<float> x(shape.n);
    for (float& v : x) v = static_cast<float>(random.Normal());
    Eigen::RowVectorXd x_double(shape.n);
    for (int k = 0; k < shape.n; ++k) x_double[k] = x[k];
    const Eigen::RowVectorXd z = x_double * w1 + b1;
    const Eigen::RowVectorXd expected = z.unaryExpr([](double v) {
      return 1.0 / (1.0 + std::exp(-v));
    }) * w2 + b2;
    SetActiveIsa(Isa::kGeneric);
    std::vector<float> generic(shape.n);
    net.Evaluate(x.data(), generic.data());
    for (int k = 0; k < shape.n; ++k) {
      EXPECT_NEAR(generic[k], expected[k], 2e-6 * (1 + shape.width * 0.3));
    }
    for (Isa isa : {Isa::kAvx2, Isa::kAvx512}) {
      if (isa > DetectIsa()) continue;
      SetActiveIsa(isa);
      std::vector<float> out(shape.n);
      net.Evaluate(x.data(), out.data());
      EXPECT_EQ(
          std::memcmp(out.data(), generic.data(), out.size() * sizeof(float)),
          0)
          << IsaName(isa);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, SigmoidNetOneStateTest,
                         ::testing::Values(NetShape{2, 100}, NetShape{1, 7},
                                           NetShape{3, 40}, NetShape{4, 16},
                                           NetShape{6, 33}));

TEST(ShearStackOneStateNaN, Propagates) {
  Random random(10);
  const PackedShearStack stack =
      Pack(RandomLayers(2, 100, 4, 2, random), 2, 100, ShearGate::kAdditive);
  std::vector<float> state = {NAN, 0.5f, 0.1f, -0.2f};
  stack.Forward(state.data());
  for (float v : state) EXPECT_TRUE(std::isnan(v));
}

}  // namespace
}  // namespace aanet::ad::internal
