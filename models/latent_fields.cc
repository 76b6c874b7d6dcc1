#include "models/latent_fields.h"

#include <algorithm>
#include <vector>

namespace aanet {
namespace {

template <typename T>
void ToPadded(const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>& m,
              ad::PaddedMatrix<T>& p) {
  p.Resize(static_cast<int>(m.rows()), static_cast<int>(m.cols()));
  for (int r = 0; r < m.rows(); ++r) {
    T* row = p.row(r);
    for (int c = 0; c < m.cols(); ++c) row[c] = m(r, c);
  }
}

template <typename T>
void FromPadded(const ad::PaddedMatrix<T>& p,
                Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>& m) {
  m.resize(p.rows(), p.cols());
  for (int r = 0; r < p.rows(); ++r) {
    const T* row = p.row(r);
    for (int c = 0; c < p.cols(); ++c) m(r, c) = row[c];
  }
}

// Bytes held by a cache's matrices.
template <typename T>
size_t Bytes(const std::vector<ad::PaddedMatrix<T>>& matrices) {
  size_t bytes = 0;
  for (const auto& m : matrices) {
    bytes += sizeof(T) * static_cast<size_t>(m.rows()) * m.ld();
  }
  return bytes;
}
template <typename T>
size_t Bytes(const ad::MlpActivations<T>& cache) {
  return Bytes(cache.layer_inputs) + Bytes(cache.pre_activations) +
         Bytes(cache.relu_masks);
}
template <typename T>
size_t Bytes(const ad::MlpGradientActivations<T>& cache) {
  return Bytes(cache.pre_activations) + Bytes(cache.relu_masks) +
         Bytes(cache.layer_grads);
}

// out = [x[:, n:], -x[:, :n]] (J x) or its transpose [-x[:, n:], x[:, :n]].
template <typename T>
void Symplectic(const ad::PaddedMatrix<T>& x, bool transpose,
                ad::PaddedMatrix<T>& out) {
  const int n = x.cols() / 2;
  const T sign_q = transpose ? T(-1) : T(1);
  out.Resize(x.rows(), x.cols());
  for (int r = 0; r < x.rows(); ++r) {
    for (int k = 0; k < n; ++k) {
      out(r, k) = sign_q * x(r, n + k);
      out(r, n + k) = -sign_q * x(r, k);
    }
  }
}

}  // namespace

template <typename T>
void HamiltonianForm::Evaluate(const ad::FusedMlp<T>& mlp,
                               const ad::PaddedMatrix<T>& z,
                               ad::PaddedMatrix<T>& f, Cache<T>* cache) {
  // Reused across calls (one per thread): no allocation per evaluation.
  thread_local ad::PaddedMatrix<T> dh;
  mlp.InputGradient(z, dh, cache);
  Symplectic(dh, /*transpose=*/false, f);
}

template <typename T>
void HamiltonianForm::Backward(const ad::FusedMlp<T>& mlp,
                               const Cache<T>& cache,
                               ad::PaddedMatrix<T>& f_bar,
                               ad::PaddedMatrix<T>& z_bar,
                               ad::MlpGradients<T>& grads) {
  thread_local ad::PaddedMatrix<T> dh_bar;
  Symplectic(f_bar, /*transpose=*/true, dh_bar);
  mlp.InputGradientBackward(cache, dh_bar, grads);
  z_bar.Resize(f_bar.rows(), f_bar.cols());
  for (int r = 0; r < z_bar.rows(); ++r) {
    for (int c = 0; c < z_bar.cols(); ++c) z_bar(r, c) = T(0);
  }
}

template <typename T, typename Form>
FusedField<T, Form>::FusedField(const Mlp& mlp)
    : mlp_(mlp),
      fused_(mlp.widths(), mlp.activation()),
      gradients_(fused_.ZeroGradients()) {}

template <typename T, typename Form>
void FusedField<T, Form>::Load() {
  std::vector<const ad::Matrix*> weights, biases;
  for (size_t l = 0; l < mlp_.weight_ids().size(); ++l) {
    weights.push_back(&mlp_.store().value(mlp_.weight_ids()[l]));
    biases.push_back(&mlp_.store().value(mlp_.bias_ids()[l]));
  }
  fused_.SetParameters(weights, biases);
}

template <typename T, typename Form>
void FusedField<T, Form>::Evaluate(const State& y, State& f) {
  ToPadded(y, in_);
  Form::Evaluate(fused_, in_, out_, static_cast<Cache*>(nullptr));
  FromPadded(out_, f);
}

template <typename T, typename Form>
void FusedField<T, Form>::EvaluateStage(int step, int stage, const State& y,
                                        State& f) {
  if (step == 0 && stage == 0) kept_steps_ = 0;  // a new solve
  const int slot = Slot(step);
  if (slot >= static_cast<int>(steps_.size())) steps_.resize(slot + 1);
  ToPadded(y, in_);
  Form::Evaluate(fused_, in_, out_, &steps_[slot][stage]);
  FromPadded(out_, f);
  if (step == 0 && stage == 0) {
    // How many whole steps fit the budget at this batch size.
    const size_t bytes_per_step = Bytes(steps_[0][0]) * kCheckpointedStages;
    kept_steps_ = static_cast<int>(kKeptActivationBytes /
                                   std::max<size_t>(bytes_per_step, 1));
  }
}

template <typename T, typename Form>
void FusedField<T, Form>::BackwardStage(int step, int stage, const State& f_bar,
                                        State& y_bar) {
  ToPadded(f_bar, out_);
  Form::Backward(fused_, steps_[Slot(step)][stage], out_, in_, gradients_);
  FromPadded(in_, y_bar);
}

template <typename T, typename Form>
void FusedField<T, Form>::AddGradientsTo(ad::ParameterStore& store) {
  for (size_t l = 0; l < mlp_.weight_ids().size(); ++l) {
    ad::PaddedMatrix<double>& gw = gradients_.weights[l];
    ad::PaddedMatrix<double>& gb = gradients_.biases[l];
    ad::Matrix& w = store.grad(mlp_.weight_ids()[l]);
    ad::Matrix& b = store.grad(mlp_.bias_ids()[l]);
    for (int i = 0; i < gw.rows(); ++i) {
      for (int j = 0; j < gw.cols(); ++j) {
        w(i, j) += gw(i, j);
        gw(i, j) = 0;
      }
    }
    for (int j = 0; j < gb.cols(); ++j) {
      b(0, j) += gb(0, j);
      gb(0, j) = 0;
    }
  }
}

template class FusedField<float, MlpForm>;
template class FusedField<double, MlpForm>;
template class FusedField<float, HamiltonianForm>;
template class FusedField<double, HamiltonianForm>;

void TapeField::EvaluateStage(int, int stage, const State& y, State& f) {
  stage_inputs_[stage] = y;
  Evaluate(y, f);
}

void TapeField::BackwardStage(int, int stage, const State& f_bar,
                              State& y_bar) {
  tape_->Clear();
  ad::Var y = tape_->Input(stage_inputs_[stage]);
  ad::Var f = on_tape_(*tape_, y);
  tape_->Backward(f, f_bar);
  y_bar = y.grad();
}

}  // namespace aanet
