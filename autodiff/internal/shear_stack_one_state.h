// One state through a whole stack of G-SympNet shear layers
// (models/symplectic_flow.h), or through a one-hidden-layer sigmoid net
// (PackedSigmoidNet), in float32, for prediction: the parameters are
// packed once (PackedShearStack), and a call then runs every layer without
// a tape, an allocation or a copy, vectorised over the hidden units (16 at a
// time). Dispatched at run time to AVX-512, AVX2 + FMA or portable code,
// which give bit-identical results (simd16.h); the batched float32 kernels
// vectorise over states instead and agree with this one to float rounding.
//
// Layer l updates one half y of the state [q, p] (even l: y = p, x = q; odd:
// y = q, x = p) by
//   u = (sigma(x W + b) * a) W^T,  y <- y + sign * F(u, x),
//   F = u + gate * x        (kAdditive: the skip gate, or the paper's Eq. 5
//                            with its scalar c given as n equal entries)
//   F = (u + x) * gate      (kMultiplicative: the published per-coordinate
//                            gate)
// Sigmoid activation only.
//
// Internal: for //models:symplectic_flow.
#ifndef AANET_AUTODIFF_INTERNAL_SHEAR_STACK_ONE_STATE_H_
#define AANET_AUTODIFF_INTERNAL_SHEAR_STACK_ONE_STATE_H_

#include "autodiff/internal/gemm.h"
#include "autodiff/matrix.h"

namespace aanet::ad::internal {

enum class ShearGate { kAdditive, kMultiplicative };

class PackedShearStack {
 public:
  // n degrees of freedom (>= 1), `width` hidden units (>= 1), all
  // parameters zero until SetLayer.
  PackedShearStack(int n, int width, int num_layers, ShearGate gate);

  // Layer `layer`'s parameters (double, as the ParameterStore keeps them):
  // W [n, width], b and a [1, width], gate [1, n] or [1, 1] (one value for
  // every coordinate).
  void SetLayer(int layer, const Matrix& w, const Matrix& b, const Matrix& a,
                const Matrix& gate);

  // state [q_0..q_{n-1}, p_0..p_{n-1}] through layers 0..L-1 (Forward) or
  // the exact inverse, layers L-1..0 with the opposite sign (Inverse), in
  // place.
  void Forward(float* state) const;
  void Inverse(float* state) const;

  // The layout the kernels read, per layer: W's rows (n rows of
  // padded_width) and b, both times -log2(e) (sigma(z) = 1 / (1 + 2^w) with
  // w = -log2(e) z saves the exponential's range reduction), then the rows
  // of W * a (a's entries scaling W's columns: u = sigma(z) (W * a)^T saves
  // a multiplication per unit; times the gate too when it is
  // multiplicative), all zero past width, then gate (n).
  struct View {
    const float* data;
    int n;
    int width;
    int padded_width;
    int layer_stride;
    int num_layers;
  };
  View view() const;

  int num_layers() const { return num_layers_; }

 private:
  int n_;
  int width_;
  int padded_width_;
  int layer_stride_;  // a multiple of 16 floats: rows start 64-byte aligned
  int num_layers_;
  ShearGate gate_;
  PaddedMatrix<float> data_;  // one row of layer_stride_ per layer
};

// A one-hidden-layer sigmoid net from n inputs to n outputs on the same
// kernel (the Action-Angle Network's angular-velocity net), in float32,
// packed once; Evaluate allocates nothing:
//   out = sigma(x W1 + b1) W2 + b2.
class PackedSigmoidNet {
 public:
  // W1 [n, width], b1 [1, width], W2 [width, n], b2 [1, n] (double, as the
  // ParameterStore keeps them); n, width >= 1.
  PackedSigmoidNet(const Matrix& w1, const Matrix& b1, const Matrix& w2,
                   const Matrix& b2);

  void Evaluate(const float* x, float* out) const;

  // One layer in PackedShearStack's layout: W1 and b1 (times -log2(e)), W2's
  // columns as the rows of W a, and b2 in the gate's place.
  PackedShearStack::View view() const;

 private:
  int n_;
  int width_;
  int padded_width_;
  int layer_stride_;
  PaddedMatrix<float> data_;
};

// The per-instruction-set entry points (shear_stack_one_state_<isa>.cc).
void ShearStackOneStateGeneric(const PackedShearStack::View& stack,
                               float* state, bool inverse);
void ShearStackOneStateAvx2(const PackedShearStack::View& stack, float* state,
                            bool inverse);
void ShearStackOneStateAvx512(const PackedShearStack::View& stack, float* state,
                              bool inverse);
void SigmoidNetOneStateGeneric(const PackedShearStack::View& net,
                               const float* x, float* out);
void SigmoidNetOneStateAvx2(const PackedShearStack::View& net, const float* x,
                            float* out);
void SigmoidNetOneStateAvx512(const PackedShearStack::View& net, const float* x,
                              float* out);

}  // namespace aanet::ad::internal

#endif  // AANET_AUTODIFF_INTERNAL_SHEAR_STACK_ONE_STATE_H_
