#include "autodiff/adam.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace aanet::ad {

void Adam::InitMoments(const ParameterStore& store) {
  m_.clear();
  v_.clear();
  for (int id = 0; id < store.size(); ++id) {
    const Matrix& p = store.value(id);
    m_.push_back(Matrix::Zero(p.rows(), p.cols()));
    v_.push_back(Matrix::Zero(p.rows(), p.cols()));
  }
}

void Adam::Reset() {
  step_ = 0;
  m_.clear();
  v_.clear();
}

void Adam::Step(ParameterStore& store) {
  if (m_.empty() && store.size() > 0) InitMoments(store);
  AANET_AD_CHECK(static_cast<int>(m_.size()) == store.size(),
                 absl::StrCat("Adam::Step: state for ", m_.size(),
                              " parameters, store has ", store.size()));
  ++step_;
  const double b1 = options_.b1;
  const double b2 = options_.b2;
  const double t = static_cast<double>(step_);
  const double correction1 = 1.0 - std::pow(b1, t);
  const double correction2 = 1.0 - std::pow(b2, t);
  const double lr = options_.learning_rate;
  const double eps = options_.eps;
  for (int id = 0; id < store.size(); ++id) {
    Matrix& p = store.value(id);
    const Matrix& g = store.grad(id);
    Matrix& m = m_[id];
    Matrix& v = v_[id];
    AANET_AD_CHECK(p.rows() == m.rows() && p.cols() == m.cols() &&
                       g.rows() == p.rows() && g.cols() == p.cols(),
                   absl::StrCat("Adam::Step: parameter '", store.name(id),
                                "' changed shape"));
    m.array() = (1.0 - b1) * g.array() + b1 * m.array();
    v.array() = (1.0 - b2) * g.array().square() + b2 * v.array();
    p.array() += -lr * ((m.array() / correction1) /
                        ((v.array() / correction2).sqrt() + eps));
  }
}

AdamState Adam::ExportState(const ParameterStore& store) const {
  AdamState state;
  state.step = step_;
  state.m = Eigen::VectorXd::Zero(store.NumScalars());
  state.v = Eigen::VectorXd::Zero(store.NumScalars());
  if (m_.empty()) return state;
  AANET_AD_CHECK(static_cast<int>(m_.size()) == store.size(),
                 "Adam::ExportState: store does not match the state");
  Eigen::Index offset = 0;
  for (size_t i = 0; i < m_.size(); ++i) {
    const Eigen::Index n = m_[i].size();
    state.m.segment(offset, n) =
        Eigen::Map<const Eigen::VectorXd>(m_[i].data(), n);
    state.v.segment(offset, n) =
        Eigen::Map<const Eigen::VectorXd>(v_[i].data(), n);
    offset += n;
  }
  return state;
}

absl::Status Adam::ImportState(const AdamState& state,
                               const ParameterStore& store) {
  if (state.m.size() != store.NumScalars() ||
      state.v.size() != store.NumScalars()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Adam state has ", state.m.size(), " first and ",
                     state.v.size(), " second moments; the parameters have ",
                     store.NumScalars(), " scalars"));
  }
  if (state.step < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("Adam state has a negative step ", state.step));
  }
  InitMoments(store);
  Eigen::Index offset = 0;
  for (size_t i = 0; i < m_.size(); ++i) {
    const Eigen::Index n = m_[i].size();
    Eigen::Map<Eigen::VectorXd>(m_[i].data(), n) = state.m.segment(offset, n);
    Eigen::Map<Eigen::VectorXd>(v_[i].data(), n) = state.v.segment(offset, n);
    offset += n;
  }
  step_ = state.step;
  return absl::OkStatus();
}

}  // namespace aanet::ad
