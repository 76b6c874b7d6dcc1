#include "autodiff/fused_mlp.h"

#include <cmath>
#include <random>
#include <vector>

#include "Eigen/Core"
#include "autodiff/activation_kernels.h"
#include "autodiff/internal/gemm.h"
#include "gtest/gtest.h"

namespace aanet::ad {
namespace {

using internal::Isa;

struct Network {
  std::vector<int> widths;
  std::vector<Matrix> weights, biases;
};

Network RandomNetwork(std::vector<int> widths, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> normal(0, 0.5);
  Network net{widths, {}, {}};
  for (size_t l = 0; l + 1 < widths.size(); ++l) {
    Matrix w(widths[l], widths[l + 1]), b(1, widths[l + 1]);
    for (double& v : w.reshaped()) v = normal(gen);
    for (double& v : b.reshaped()) v = normal(gen);
    net.weights.push_back(w);
    net.biases.push_back(b);
  }
  return net;
}

// The MLP of models/mlp.h written plainly: activation after every layer but
// the last, residual where widths match.
Matrix Reference(const Network& net, Activation activation, const Matrix& x) {
  Matrix h = x;
  const size_t layers = net.weights.size();
  for (size_t l = 0; l < layers; ++l) {
    Matrix a = h * net.weights[l];
    a.rowwise() += net.biases[l].row(0);
    Matrix out = a;
    if (l + 1 < layers) ActivationInto(activation, a, out);
    h = net.widths[l] == net.widths[l + 1] ? Matrix(out + h) : out;
  }
  return h;
}

template <typename T>
PaddedMatrix<T> ToPadded(const Matrix& m) {
  PaddedMatrix<T> p(m.rows(), m.cols());
  for (int r = 0; r < m.rows(); ++r) {
    for (int c = 0; c < m.cols(); ++c) p(r, c) = static_cast<T>(m(r, c));
  }
  return p;
}

template <typename T>
Matrix FromPadded(const PaddedMatrix<T>& p) {
  Matrix m(p.rows(), p.cols());
  for (int r = 0; r < p.rows(); ++r) {
    for (int c = 0; c < p.cols(); ++c) m(r, c) = p(r, c);
  }
  return m;
}

template <typename T>
FusedMlp<T> MakeFused(const Network& net, Activation activation) {
  FusedMlp<T> mlp(net.widths, activation);
  std::vector<const Matrix*> w, b;
  for (size_t l = 0; l < net.weights.size(); ++l) {
    w.push_back(&net.weights[l]);
    b.push_back(&net.biases[l]);
  }
  mlp.SetParameters(w, b);
  return mlp;
}

struct Case {
  std::vector<int> widths;
  Activation activation;
};
const Case kCases[] = {
    {{4, 100, 100, 100, 4}, Activation::kRelu},  // the Neural ODE's field
    {{4, 9, 9, 1}, Activation::kTanh},
    {{3, 3, 5, 3}, Activation::kSigmoid},  // residual first and last layers
    {{2, 7}, Activation::kRelu},           // one layer, no activation
};

TEST(FusedMlpTest, ForwardMatchesReferenceOnEveryIsa) {
  for (Isa isa : {Isa::kGeneric, Isa::kAvx2, Isa::kAvx512}) {
    if (isa > internal::DetectIsa()) continue;
    internal::SetActiveIsa(isa);
    for (const Case& c : kCases) {
      const Network net = RandomNetwork(c.widths, 3);
      std::mt19937 gen(5);
      std::normal_distribution<double> normal(0, 1);
      Matrix x(17, c.widths.front());
      for (double& v : x.reshaped()) v = normal(gen);
      const Matrix expected = Reference(net, c.activation, x);

      FusedMlp<double> mlp = MakeFused<double>(net, c.activation);
      PaddedMatrix<double> y;
      MlpActivations<double> cache;
      mlp.Forward(ToPadded<double>(x), y, &cache);
      EXPECT_LT((FromPadded(y) - expected).cwiseAbs().maxCoeff(), 1e-12)
          << internal::IsaName(isa);
      mlp.Forward(ToPadded<double>(x), y, nullptr);  // no cache: same values
      EXPECT_LT((FromPadded(y) - expected).cwiseAbs().maxCoeff(), 1e-12);

      FusedMlp<float> mlp_f = MakeFused<float>(net, c.activation);
      PaddedMatrix<float> y_f;
      mlp_f.Forward(ToPadded<float>(x), y_f, nullptr);
      EXPECT_LT((FromPadded(y_f) - expected).cwiseAbs().maxCoeff(),
                1e-4 * (1 + expected.cwiseAbs().maxCoeff()))
          << internal::IsaName(isa);
    }
  }
  internal::SetActiveIsa(internal::DetectIsa());
}

// L = sum(C .* MLP(x)): the backward pass against central differences, for
// the input and every weight and bias, in double.
TEST(FusedMlpTest, BackwardMatchesFiniteDifferences) {
  for (const Case& c : kCases) {
    const Network net = RandomNetwork(c.widths, 11);
    std::mt19937 gen(13);
    std::normal_distribution<double> normal(0, 1);
    const int batch = 5;
    Matrix x(batch, c.widths.front()), seed(batch, c.widths.back());
    for (double& v : x.reshaped()) v = normal(gen);
    for (double& v : seed.reshaped()) v = normal(gen);

    FusedMlp<double> mlp = MakeFused<double>(net, c.activation);
    PaddedMatrix<double> y, x_bar;
    MlpActivations<double> cache;
    mlp.Forward(ToPadded<double>(x), y, &cache);
    MlpGradients<double> grads = mlp.ZeroGradients();
    mlp.Backward(cache, ToPadded<double>(seed), x_bar, grads);

    auto loss = [&](const Network& n, const Matrix& input) {
      return Reference(n, c.activation, input).cwiseProduct(seed).sum();
    };
    const double h = 1e-6;
    auto check = [&](double analytic, double plus, double minus,
                     const std::string& what) {
      const double numeric = (plus - minus) / (2 * h);
      EXPECT_NEAR(analytic, numeric, 1e-6 * (1 + std::abs(numeric))) << what;
    };
    for (int r = 0; r < x.rows(); ++r) {
      for (int k = 0; k < x.cols(); ++k) {
        Matrix xp = x, xm = x;
        xp(r, k) += h;
        xm(r, k) -= h;
        check(x_bar(r, k), loss(net, xp), loss(net, xm), "x");
      }
    }
    for (size_t l = 0; l < net.weights.size(); ++l) {
      for (int i = 0; i < net.weights[l].rows(); i += 3) {
        for (int j = 0; j < net.weights[l].cols(); j += 7) {
          Network p = net, m = net;
          p.weights[l](i, j) += h;
          m.weights[l](i, j) -= h;
          check(grads.weights[l](i, j), loss(p, x), loss(m, x),
                "W layer " + std::to_string(l));
        }
      }
      for (int j = 0; j < net.biases[l].cols(); j += 5) {
        Network p = net, m = net;
        p.biases[l](0, j) += h;
        m.biases[l](0, j) -= h;
        check(grads.biases[l](0, j), loss(p, x), loss(m, x),
              "b layer " + std::to_string(l));
      }
    }
    // A second Backward accumulates into the same gradients.
    const double w0 = grads.weights[0](0, 0);
    mlp.Backward(cache, ToPadded<double>(seed), x_bar, grads);
    EXPECT_NEAR(grads.weights[0](0, 0), 2 * w0, 1e-12 * (1 + std::abs(w0)));
  }
}

// The input gradient of a Hamiltonian-like network (one output) and its
// backward pass, against central differences of the reference network.
TEST(FusedMlpTest, InputGradientAndItsBackwardMatchFiniteDifferences) {
  for (Activation activation : {Activation::kRelu, Activation::kLeakyRelu}) {
    const std::vector<int> widths = {4, 12, 12, 12, 1};
    const Network net = RandomNetwork(widths, 17);
    std::mt19937 gen(19);
    std::normal_distribution<double> normal(0, 1);
    const int batch = 6;
    Matrix x(batch, 4), seed(batch, 4);
    for (double& v : x.reshaped()) v = normal(gen);
    for (double& v : seed.reshaped()) v = normal(gen);

    FusedMlp<double> mlp = MakeFused<double>(net, activation);
    ASSERT_TRUE(mlp.IsPiecewiseLinear());
    PaddedMatrix<double> g;
    MlpGradientActivations<double> cache;
    mlp.InputGradient(ToPadded<double>(x), g, &cache);
    const double h = 1e-6;
    // g = dH/dx, row by row.
    auto input_gradient = [&](const Network& n, const Matrix& at) {
      Matrix out(at.rows(), at.cols());
      for (int k = 0; k < at.cols(); ++k) {
        Matrix p = at, m = at;
        p.col(k).array() += h;
        m.col(k).array() -= h;
        out.col(k) =
            (Reference(n, activation, p) - Reference(n, activation, m)).col(0) /
            (2 * h);
      }
      return out;
    };
    const Matrix numeric = input_gradient(net, x);
    EXPECT_LT((FromPadded(g) - numeric).cwiseAbs().maxCoeff(),
              1e-6 * (1 + numeric.cwiseAbs().maxCoeff()));

    // L = sum(seed .* g): its parameter gradient. g is linear in each
    // weight matrix (sigma' is locally constant), so differences are exact
    // up to rounding.
    MlpGradients<double> grads = mlp.ZeroGradients();
    mlp.InputGradientBackward(cache, ToPadded<double>(seed), grads);
    auto loss = [&](const Network& n) {
      FusedMlp<double> m = MakeFused<double>(n, activation);
      PaddedMatrix<double> gn;
      m.InputGradient(ToPadded<double>(x), gn, nullptr);
      return FromPadded(gn).cwiseProduct(seed).sum();
    };
    for (size_t l = 0; l < net.weights.size(); ++l) {
      for (int i = 0; i < net.weights[l].rows(); i += 2) {
        for (int j = 0; j < net.weights[l].cols(); j += 3) {
          Network p = net, m = net;
          p.weights[l](i, j) += h;
          m.weights[l](i, j) -= h;
          const double numeric_w = (loss(p) - loss(m)) / (2 * h);
          EXPECT_NEAR(grads.weights[l](i, j), numeric_w,
                      1e-6 * (1 + std::abs(numeric_w)))
              << "W layer " << l << " (" << i << ", " << j << ")";
        }
      }
      for (int j = 0; j < net.biases[l].cols(); ++j) {
        EXPECT_EQ(grads.biases[l](0, j), 0.0);  // sigma'' = 0
      }
    }
    // A weight in every layer gets a non-zero gradient (the test can fail).
    for (size_t l = 0; l < net.weights.size(); ++l) {
      EXPECT_GT(FromPadded(grads.weights[l]).cwiseAbs().maxCoeff(), 1e-3) << l;
    }
  }
}

// A float32 field's parameter gradients are summed in double (MlpGradients):
// a solve adds one contribution per stage of every step. Adding the same
// float contribution 1,000 times in double is exact (24 + 10 bits < 53); a
// float32 sum rounds at almost every addition.
TEST(FusedMlpTest, Float32GradientsAccumulateInDouble) {
  for (bool hamiltonian : {false, true}) {
    const Network net = RandomNetwork({4, 100, 100, 1}, 11);
    FusedMlp<float> mlp = MakeFused<float>(net, Activation::kRelu);
    std::mt19937 gen(12);
    std::normal_distribution<double> normal(0, 1);
    Matrix x(7, 4);
    for (double& v : x.reshaped()) v = normal(gen);
    const PaddedMatrix<float> input = ToPadded<float>(x);
    MlpGradients<float> once = mlp.ZeroGradients();
    MlpGradients<float> many = mlp.ZeroGradients();
    constexpr int kTimes = 1000;
    for (int i = 0; i <= kTimes; ++i) {
      MlpGradients<float>& grads = i == 0 ? once : many;
      if (hamiltonian) {
        PaddedMatrix<float> g;
        MlpGradientActivations<float> cache;
        mlp.InputGradient(input, g, &cache);
        mlp.InputGradientBackward(cache, g, grads);
      } else {
        PaddedMatrix<float> y, x_bar;
        MlpActivations<float> cache;
        mlp.Forward(input, y, &cache);
        mlp.Backward(cache, y, x_bar, grads);
      }
    }
    for (size_t l = 0; l < net.weights.size(); ++l) {
      const Matrix w1 = FromPadded(once.weights[l]);
      ASSERT_GT(w1.cwiseAbs().maxCoeff(), 0) << l;
      EXPECT_EQ(FromPadded(many.weights[l]), kTimes * w1)
          << "layer " << l << (hamiltonian ? " (input gradient)" : "");
      EXPECT_EQ(FromPadded(many.biases[l]), kTimes * FromPadded(once.biases[l]))
          << "layer " << l;
    }
  }
}

// A bias gradient is the column sums of dL/da added in double one row after
// another, onto what the gradient held: exactly, whatever the blocking of
// the columns (70 = two blocks of 32 and 6 more), for both backward paths.
TEST(FusedMlpTest, BiasGradientIsTheRowByRowSumInDouble) {
  for (Activation activation : {Activation::kRelu, Activation::kTanh}) {
    const Network net = RandomNetwork({3, 70}, 21);
    FusedMlp<float> mlp = MakeFused<float>(net, activation);
    std::mt19937 gen(22);
    std::normal_distribution<double> normal(0, 1);
    Matrix x(37, 3), y_bar_values(37, 70);
    for (double& v : x.reshaped()) v = normal(gen);
    for (double& v : y_bar_values.reshaped()) v = normal(gen);
    const PaddedMatrix<float> input = ToPadded<float>(x);
    const PaddedMatrix<float> y_bar = ToPadded<float>(y_bar_values);
    PaddedMatrix<float> y, x_bar;
    MlpActivations<float> cache;
    mlp.Forward(input, y, &cache);
    MlpGradients<float> grads = mlp.ZeroGradients();
    std::vector<double> expected(70, 0.0);
    for (int pass = 0; pass < 2; ++pass) {  // the second adds onto the first
      mlp.Backward(cache, y_bar, x_bar, grads);
      for (int r = 0; r < 37; ++r) {
        for (int c = 0; c < 70; ++c) {
          expected[c] += static_cast<double>(y_bar(r, c));
        }
      }
      for (int c = 0; c < 70; ++c) {
        ASSERT_EQ(grads.biases[0](0, c), expected[c])
            << "column " << c << " pass " << pass;
      }
    }
  }
}

// The relu paths keep relu' as byte masks and apply it in the products'
// epilogues; they must give, bit for bit, what the separate passes give (a
// product, then the mask from the kept pre-activation, then the residual
// connection), so that a float32 solve's numbers do not change. The
// reference below is those separate passes, on every instruction set.
struct ReferencePasses {
  std::vector<PaddedMatrix<float>> w, w_t, b;  // [in, out], [out, in], [1, out]
  std::vector<int> widths;

  explicit ReferencePasses(const Network& net) : widths(net.widths) {
    for (size_t l = 0; l < net.weights.size(); ++l) {
      w.push_back(ToPadded<float>(net.weights[l]));
      w_t.push_back(ToPadded<float>(net.weights[l].transpose()));
      b.push_back(ToPadded<float>(net.biases[l]));
    }
  }
  int layers() const { return static_cast<int>(w.size()); }
  bool residual(int l) const { return widths[l] == widths[l + 1]; }

  static PaddedMatrix<float> Product(const PaddedMatrix<float>& a,
                                     bool transpose_a,
                                     const PaddedMatrix<float>& b,
                                     const PaddedMatrix<float>* bias) {
    PaddedMatrix<float> c(transpose_a ? a.cols() : a.rows(), b.cols());
    internal::Gemm<float>({.m = c.rows(),
                           .n = c.cols(),
                           .k = b.rows(),
                           .a = a.data(),
                           .lda = a.ld(),
                           .transpose_a = transpose_a,
                           .b = b.data(),
                           .ldb = b.ld(),
                           .c = c.data(),
                           .ldc = c.ld(),
                           .bias = bias != nullptr ? bias->data() : nullptr});
    return c;
  }
  // out = (mask ? in : 0) (+ add), elementwise; mask from pre > 0.
  static PaddedMatrix<float> Masked(const PaddedMatrix<float>& pre,
                                    const PaddedMatrix<float>& in,
                                    const PaddedMatrix<float>* add) {
    PaddedMatrix<float> out(in.rows(), in.cols());
    for (int r = 0; r < in.rows(); ++r) {
      for (int c = 0; c < in.cols(); ++c) {
        out(r, c) = pre(r, c) > 0 ? in(r, c) : 0.0f;
        if (add != nullptr) out(r, c) += (*add)(r, c);
      }
    }
    return out;
  }
  static void Add(const PaddedMatrix<float>& in, PaddedMatrix<float>& out) {
    for (int r = 0; r < in.rows(); ++r) {
      for (int c = 0; c < in.cols(); ++c) out(r, c) += in(r, c);
    }
  }
  // Forward to layer `end` (exclusive): layer inputs and pre-activations.
  void Forward(const PaddedMatrix<float>& x, int end,
               std::vector<PaddedMatrix<float>>& inputs,
               std::vector<PaddedMatrix<float>>& pre) const {
    inputs = {x};
    pre.clear();
    for (int l = 0; l < end; ++l) {
      pre.push_back(Product(inputs[l], false, w[l], &b[l]));
      PaddedMatrix<float> out = pre[l];
      if (l + 1 < layers()) {
        out = Masked(pre[l], pre[l], residual(l) ? &inputs[l] : nullptr);
      } else if (residual(l)) {
        Add(inputs[l], out);
      }
      inputs.push_back(out);
    }
  }
  static void AddInDouble(const PaddedMatrix<float>& in,
                          PaddedMatrix<double>& out) {
    for (int r = 0; r < in.rows(); ++r) {
      for (int c = 0; c < in.cols(); ++c) out(r, c) += in(r, c);
    }
  }
};

TEST(FusedMlpTest, ReluPathsEqualSeparatePassesBitForBit) {
  for (Isa isa : {Isa::kGeneric, Isa::kAvx2, Isa::kAvx512}) {
    if (isa > internal::DetectIsa()) continue;
    internal::SetActiveIsa(isa);
    for (const std::vector<int>& widths :
         {std::vector<int>{4, 100, 100, 100, 4},
          std::vector<int>{4, 12, 12, 12, 1}, std::vector<int>{3, 3, 5, 3}}) {
      SCOPED_TRACE(testing::Message() << internal::IsaName(isa) << " widths "
                                      << widths.size() << "," << widths[1]);
      const Network net = RandomNetwork(widths, 23);
      const ReferencePasses ref(net);
      FusedMlp<float> mlp = MakeFused<float>(net, Activation::kRelu);
      std::mt19937 gen(29);
      std::normal_distribution<double> normal(0, 1);
      Matrix xd(19, widths.front()), seedd(19, widths.back()),
          gseedd(19, widths.front());
      for (double& v : xd.reshaped()) v = normal(gen);
      for (double& v : seedd.reshaped()) v = normal(gen);
      for (double& v : gseedd.reshaped()) v = normal(gen);
      const PaddedMatrix<float> x = ToPadded<float>(xd);
      const PaddedMatrix<float> seed = ToPadded<float>(seedd);
      const PaddedMatrix<float> gseed = ToPadded<float>(gseedd);
      const int layers = ref.layers();

      // Forward and Backward.
      std::vector<PaddedMatrix<float>> inputs, pre;
      ref.Forward(x, layers, inputs, pre);
      MlpGradients<float> expected = mlp.ZeroGradients();
      PaddedMatrix<float> g = seed;  // dL/d(output of layer l)
      for (int l = layers - 1; l >= 0; --l) {
        const PaddedMatrix<float> g_a =
            l + 1 < layers ? ReferencePasses::Masked(pre[l], g, nullptr) : g;
        ReferencePasses::AddInDouble(
            ReferencePasses::Product(inputs[l], true, g_a, nullptr),
            expected.weights[l]);
        for (int r = 0; r < g_a.rows(); ++r) {
          for (int c = 0; c < g_a.cols(); ++c) {
            expected.biases[l](0, c) += g_a(r, c);
          }
        }
        PaddedMatrix<float> g_in =
            ReferencePasses::Product(g_a, false, ref.w_t[l], nullptr);
        if (ref.residual(l)) ReferencePasses::Add(g, g_in);
        g = g_in;
      }
      PaddedMatrix<float> y, x_bar;
      MlpActivations<float> cache;
      mlp.Forward(x, y, &cache);
      EXPECT_EQ(FromPadded(y), FromPadded(inputs.back()));
      MlpGradients<float> grads = mlp.ZeroGradients();
      mlp.Backward(cache, seed, x_bar, grads);
      EXPECT_EQ(FromPadded(x_bar), FromPadded(g));
      for (int l = 0; l < layers; ++l) {
        EXPECT_EQ(FromPadded(grads.weights[l]), FromPadded(expected.weights[l]))
            << "W " << l;
        EXPECT_EQ(FromPadded(grads.biases[l]), FromPadded(expected.biases[l]))
            << "b " << l;
      }
      EXPECT_GT(FromPadded(x_bar).cwiseAbs().maxCoeff(), 0);

      // InputGradient and InputGradientBackward (one output only).
      if (widths.back() != 1) continue;
      ref.Forward(x, layers - 1, inputs, pre);
      std::vector<PaddedMatrix<float>> layer_grads(layers);
      g = PaddedMatrix<float>(x.rows(), 1);
      for (int r = 0; r < x.rows(); ++r) g(r, 0) = 1;
      for (int l = layers - 1; l >= 0; --l) {
        layer_grads[l] =
            l + 1 < layers ? ReferencePasses::Masked(pre[l], g, nullptr) : g;
        PaddedMatrix<float> g_in = ReferencePasses::Product(
            layer_grads[l], false, ref.w_t[l], nullptr);
        if (ref.residual(l)) ReferencePasses::Add(g, g_in);
        g = g_in;
      }
      expected = mlp.ZeroGradients();
      PaddedMatrix<float> g_bar = gseed;
      for (int l = 0; l < layers; ++l) {
        ReferencePasses::AddInDouble(
            ReferencePasses::Product(g_bar, true, layer_grads[l], nullptr),
            expected.weights[l]);
        if (l + 1 == layers) break;
        g_bar = ReferencePasses::Masked(
            pre[l], ReferencePasses::Product(g_bar, false, ref.w[l], nullptr),
            ref.residual(l) ? &g_bar : nullptr);
      }
      PaddedMatrix<float> input_gradient;
      MlpGradientActivations<float> gradient_cache;
      mlp.InputGradient(x, input_gradient, &gradient_cache);
      EXPECT_EQ(FromPadded(input_gradient), FromPadded(g));
      grads = mlp.ZeroGradients();
      mlp.InputGradientBackward(gradient_cache, gseed, grads);
      for (int l = 0; l < layers; ++l) {
        EXPECT_EQ(FromPadded(grads.weights[l]), FromPadded(expected.weights[l]))
            << "input gradient W " << l;
      }
    }
  }
  internal::SetActiveIsa(internal::DetectIsa());
}

TEST(FusedMlpTest, MultiplyAddsPerRow) {
  FusedMlp<float> mlp({4, 100, 100, 100, 4}, Activation::kRelu);
  EXPECT_EQ(mlp.MultiplyAddsPerRow(), 4 * 100 + 100 * 100 * 2 + 100 * 4);
}

}  // namespace
}  // namespace aanet::ad
