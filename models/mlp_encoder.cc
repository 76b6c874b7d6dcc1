#include "models/mlp_encoder.h"

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "autodiff/fused_mlp.h"
#include "autodiff/ops.h"
#include "status/status_macros.h"

namespace aanet {
namespace {

using PaddedDouble = ad::PaddedMatrix<double>;

// Columns [col, col + block.cols()) of `m` <-> a padded row-major block.
void CopyColumnsIn(const Eigen::MatrixXd& m, int col, int cols,
                   PaddedDouble& block) {
  block.Resize(static_cast<int>(m.rows()), cols);
  for (int r = 0; r < block.rows(); ++r) {
    double* row = block.row(r);
    for (int c = 0; c < cols; ++c) row[c] = m(r, col + c);
  }
}
template <typename T>
void CopyColumnsOut(const ad::PaddedMatrix<T>& block, int col,
                    Eigen::MatrixXd& m) {
  for (int c = 0; c < block.cols(); ++c) {
    for (int r = 0; r < block.rows(); ++r) m(r, col + c) = block(r, c);
  }
}
template <typename T>
void CopyColumnsBack(const Eigen::MatrixXd& m, int col,
                     ad::PaddedMatrix<T>& block) {
  for (int r = 0; r < block.rows(); ++r) {
    T* row = block.row(r);
    for (int c = 0; c < block.cols(); ++c)
      row[c] = static_cast<T>(m(r, col + c));
  }
}

}  // namespace

// The five MLPs of a CoordinateMap on FusedMlp<double>. A node's forward pass
// packs every MLP's activations (layer inputs, pre-activations or relu
// masks, each [B, width]) side by side into one Scratch matrix [B, total],
// an input of the node; its backward pass unpacks them into the MLPs'
// caches, so nodes of the same map (a grid's decodes) never share them.
class MlpEncoder::FusedMap {
 public:
  FusedMap(const CoordinateMap& map, ad::ParameterStore& store)
      : store_(store),
        mlps_{&map.position_in, &map.momentum_in, &map.transform,
              &map.position_out, &map.momentum_out} {}

  ad::Var OnTape(ad::Tape& tape, ad::Var coordinates) {
    // Built on first use: a model that is only evaluated (or a trainer that
    // never steps) keeps no second copy of the parameters (~2.5 MB for the
    // published shapes).
    if (fused_.empty()) {
      for (const Mlp* mlp : mlps_) {
        fused_.emplace_back(mlp->widths(), mlp->activation());
        gradients_.push_back(fused_.back().ZeroGradients());
      }
      caches_.resize(kNumMlps);
    }
    Load();
    const Eigen::MatrixXd& x = coordinates.value();
    const int batch = static_cast<int>(x.rows());
    const int n = mlps_[0]->input_size();
    CopyColumnsIn(x, 0, n, q_);
    CopyColumnsIn(x, n, n, p_);
    fused_[0].Forward(q_, hq_, &caches_[0]);
    fused_[1].Forward(p_, hp_, &caches_[1]);
    Join(hq_, hp_, joined_);
    fused_[2].Forward(joined_, shared_, &caches_[2]);
    fused_[3].Forward(shared_, q_, &caches_[3]);
    fused_[4].Forward(shared_, p_, &caches_[4]);

    ad::Var saved = tape.Scratch(batch, SavedColumns());
    Eigen::MatrixXd& saved_values = tape.MutableValue(saved);
    int col = 0;
    for (const ad::MlpActivations<double>& cache : caches_) {
      for (const auto& m : cache.layer_inputs) {
        CopyColumnsOut(m, col, saved_values);
        col += m.cols();
      }
      for (const auto& m : cache.pre_activations) {
        CopyColumnsOut(m, col, saved_values);
        col += m.cols();
      }
      for (const auto& m : cache.relu_masks) {
        CopyColumnsOut(m, col, saved_values);
        col += m.cols();
      }
    }
    std::vector<ad::Var> inputs = {coordinates, saved};
    for (const Mlp* mlp : mlps_) {
      for (size_t l = 0; l < mlp->weight_ids().size(); ++l) {
        inputs.push_back(tape.Param(store_, mlp->weight_ids()[l]));
        inputs.push_back(tape.Param(store_, mlp->bias_ids()[l]));
      }
    }
    struct Capture {
      FusedMap* self;
      int64_t load;
    };
    const Capture capture{this, loads_};
    ad::Var out =
        tape.AddNode(batch, 2 * n, inputs, [capture](ad::BackwardContext& c) {
          capture.self->Backward(c, capture.load);
        });
    Eigen::MatrixXd& value = tape.MutableValue(out);
    CopyColumnsOut(q_, 0, value);
    CopyColumnsOut(p_, n, value);
    return out;
  }

 private:
  static constexpr int kNumMlps = 5;

  // The store's current parameters into the kernels' layout: on every
  // forward pass, as the store changes between steps (and a gradient check
  // perturbs it).
  void Load() {
    ++loads_;
    for (int i = 0; i < kNumMlps; ++i) {
      const Mlp& mlp = *mlps_[i];
      std::vector<const ad::Matrix*> weights, biases;
      for (size_t l = 0; l < mlp.weight_ids().size(); ++l) {
        weights.push_back(&store_.value(mlp.weight_ids()[l]));
        biases.push_back(&store_.value(mlp.bias_ids()[l]));
      }
      fused_[i].SetParameters(weights, biases);
    }
  }

  int SavedColumns() const {
    int cols = 0;
    for (const ad::MlpActivations<double>& cache : caches_) {
      for (const auto& m : cache.layer_inputs) cols += m.cols();
      for (const auto& m : cache.pre_activations) cols += m.cols();
      for (const auto& m : cache.relu_masks) cols += m.cols();
    }
    return cols;
  }

  // out = [a, b] along columns.
  static void Join(const PaddedDouble& a, const PaddedDouble& b,
                   PaddedDouble& out) {
    out.Resize(a.rows(), a.cols() + b.cols());
    for (int r = 0; r < a.rows(); ++r) {
      for (int c = 0; c < a.cols(); ++c) out(r, c) = a(r, c);
      for (int c = 0; c < b.cols(); ++c) out(r, a.cols() + c) = b(r, c);
    }
  }

  // `load` numbers the Load of this node's forward pass.
  void Backward(ad::BackwardContext& c, int64_t load) {
    const Eigen::MatrixXd& saved = c.input(1);
    const int batch = static_cast<int>(saved.rows());
    const int n = mlps_[0]->input_size();
    // The caches have the right number and widths of matrices since this
    // object's first forward pass; only the batch may differ.
    int col = 0;
    for (ad::MlpActivations<double>& cache : caches_) {
      for (auto& m : cache.layer_inputs) {
        if (m.cols() == 0) continue;  // a layer without this kind of entry
        m.Resize(batch, m.cols());
        CopyColumnsBack(saved, col, m);
        col += m.cols();
      }
      for (auto& m : cache.pre_activations) {
        if (m.cols() == 0) continue;  // a layer without this kind of entry
        m.Resize(batch, m.cols());
        CopyColumnsBack(saved, col, m);
        col += m.cols();
      }
      for (auto& m : cache.relu_masks) {
        if (m.cols() == 0) continue;  // a layer without this kind of entry
        m.Resize(batch, m.cols());
        CopyColumnsBack(saved, col, m);
        col += m.cols();
      }
    }
    // The parameters have not changed since the forward pass (the tape's
    // contract), but another node's forward pass (a grid's later decodes, a
    // gradient check's perturbed evaluations) may have loaded others since.
    if (load != loads_) Load();
    CopyColumnsIn(c.grad(), 0, n, q_);
    CopyColumnsIn(c.grad(), n, n, p_);
    // dL/dshared from both output MLPs.
    fused_[3].Backward(caches_[3], q_, shared_, gradients_[3]);
    fused_[4].Backward(caches_[4], p_, shared_bar_, gradients_[4]);
    for (int r = 0; r < batch; ++r) {
      double* row = shared_.row(r);
      const double* other = shared_bar_.row(r);
      for (int k = 0; k < shared_.cols(); ++k) row[k] += other[k];
    }
    fused_[2].Backward(caches_[2], shared_, joined_, gradients_[2]);
    const int width = mlps_[0]->output_size();
    hq_.Resize(batch, width);
    hp_.Resize(batch, width);
    for (int r = 0; r < batch; ++r) {
      for (int k = 0; k < width; ++k) {
        hq_(r, k) = joined_(r, k);
        hp_(r, k) = joined_(r, width + k);
      }
    }
    fused_[0].Backward(caches_[0], hq_, q_, gradients_[0]);
    fused_[1].Backward(caches_[1], hp_, p_, gradients_[1]);
    AddGradientsToStore();
    if (c.needs_grad(0)) {
      Eigen::MatrixXd& x_bar = x_bar_;
      x_bar.resize(batch, 2 * n);
      CopyColumnsOut(q_, 0, x_bar);
      CopyColumnsOut(p_, n, x_bar);
      c.AccumulateGrad(0, x_bar);
    }
  }

  // As a Param leaf's backward would (store.grad += ...), then zeroes the
  // accumulators for the next node.
  void AddGradientsToStore() {
    for (int i = 0; i < kNumMlps; ++i) {
      const Mlp& mlp = *mlps_[i];
      for (size_t l = 0; l < mlp.weight_ids().size(); ++l) {
        PaddedDouble& gw = gradients_[i].weights[l];
        PaddedDouble& gb = gradients_[i].biases[l];
        ad::Matrix& w = store_.grad(mlp.weight_ids()[l]);
        ad::Matrix& b = store_.grad(mlp.bias_ids()[l]);
        for (int r = 0; r < gw.rows(); ++r) {
          for (int k = 0; k < gw.cols(); ++k) {
            w(r, k) += gw(r, k);
            gw(r, k) = 0;
          }
        }
        for (int k = 0; k < gb.cols(); ++k) {
          b(0, k) += gb(0, k);
          gb(0, k) = 0;
        }
      }
    }
  }

  ad::ParameterStore& store_;
  const Mlp* mlps_[kNumMlps];  // position_in, momentum_in, transform, ..._out
  std::vector<ad::FusedMlp<double>> fused_;
  std::vector<ad::MlpGradients<double>> gradients_;
  std::vector<ad::MlpActivations<double>> caches_;
  PaddedDouble q_, p_, hq_, hp_, joined_, shared_, shared_bar_;
  Eigen::MatrixXd x_bar_;
  int64_t loads_ = 0;  // Load calls so far
};

MlpEncoder::MlpEncoder(CoordinateMap encoder, CoordinateMap decoder,
                       ad::ParameterStore& store)
    : encoder_(std::move(encoder)),
      decoder_(std::move(decoder)),
      fused_encoder_(std::make_unique<FusedMap>(encoder_, store)),
      fused_decoder_(std::make_unique<FusedMap>(decoder_, store)) {}

MlpEncoder::~MlpEncoder() = default;

absl::StatusOr<MlpEncoder::CoordinateMap> MlpEncoder::CreateMap(
    const std::string& name, int num_degrees_of_freedom, int width,
    int num_layers, ad::Activation activation, ad::ParameterStore& store,
    Random& random) {
  const int n = num_degrees_of_freedom;
  // [L] * k as hidden widths + output: k - 1 hidden layers and an output of
  // width L, or k hidden layers and an output of width n.
  const std::vector<int> k_minus_one(num_layers - 1, width);
  const std::vector<int> k(num_layers, width);
  auto mlp = [&](const std::string& part, int input,
                 const std::vector<int>& hidden, int output) {
    return Mlp::Create(store, absl::StrFormat("%s/%s", name, part), input,
                       hidden, output, activation, random);
  };
  AANET_ASSIGN_OR_RETURN(Mlp position_in,
                         mlp("position_in", n, k_minus_one, width));
  AANET_ASSIGN_OR_RETURN(Mlp momentum_in,
                         mlp("momentum_in", n, k_minus_one, width));
  AANET_ASSIGN_OR_RETURN(Mlp transform,
                         mlp("transform", 2 * width, k_minus_one, width));
  AANET_ASSIGN_OR_RETURN(Mlp position_out, mlp("position_out", width, k, n));
  AANET_ASSIGN_OR_RETURN(Mlp momentum_out, mlp("momentum_out", width, k, n));
  return CoordinateMap{std::move(position_in), std::move(momentum_in),
                       std::move(transform), std::move(position_out),
                       std::move(momentum_out)};
}

absl::StatusOr<std::unique_ptr<MlpEncoder>> MlpEncoder::Create(
    const MlpEncoderConfig& config, const std::string& field_path,
    int num_degrees_of_freedom, ad::ParameterStore& store, Random& random) {
  if (!config.has_hidden_width() || config.hidden_width() < 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s.hidden_width: must be set and >= 1, got %d",
                        field_path, config.hidden_width()));
  }
  if (!config.has_num_encoder_layers() || config.num_encoder_layers() < 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s.num_encoder_layers: must be set and >= 1, got %d",
                        field_path, config.num_encoder_layers()));
  }
  if (!config.has_num_decoder_layers() || config.num_decoder_layers() < 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s.num_decoder_layers: must be set and >= 1, got %d",
                        field_path, config.num_decoder_layers()));
  }
  absl::StatusOr<ad::Activation> activation =
      ad::ParseActivation(config.activation());
  if (!activation.ok()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s.activation: %s", field_path, activation.status().message()));
  }
  AANET_ASSIGN_OR_RETURN(
      CoordinateMap encoder,
      CreateMap("encoder", num_degrees_of_freedom, config.hidden_width(),
                config.num_encoder_layers(), *activation, store, random));
  AANET_ASSIGN_OR_RETURN(
      CoordinateMap decoder,
      CreateMap("decoder", num_degrees_of_freedom, config.hidden_width(),
                config.num_decoder_layers(), *activation, store, random));
  return std::unique_ptr<MlpEncoder>(
      new MlpEncoder(std::move(encoder), std::move(decoder), store));
}

Eigen::MatrixXd MlpEncoder::CoordinateMap::Apply(
    const Eigen::MatrixXd& coordinates) const {
  const int n = position_in.input_size();
  const Eigen::MatrixXd positions =
      position_in.Evaluate(coordinates.leftCols(n));
  const Eigen::MatrixXd momenta =
      momentum_in.Evaluate(coordinates.rightCols(n));
  Eigen::MatrixXd joined(coordinates.rows(), positions.cols() + momenta.cols());
  joined << positions, momenta;
  const Eigen::MatrixXd shared = transform.Evaluate(joined);
  Eigen::MatrixXd result(coordinates.rows(), 2 * n);
  result << position_out.Evaluate(shared), momentum_out.Evaluate(shared);
  return result;
}

ad::Var MlpEncoder::Encode(ad::Tape& tape, ad::Var states) const {
  return fused_encoder_->OnTape(tape, states);
}
ad::Var MlpEncoder::Decode(ad::Tape& tape, ad::Var latents) const {
  return fused_decoder_->OnTape(tape, latents);
}
Eigen::MatrixXd MlpEncoder::EncodeValues(const Eigen::MatrixXd& states) const {
  return encoder_.Apply(states);
}
Eigen::MatrixXd MlpEncoder::DecodeValues(const Eigen::MatrixXd& latents) const {
  return decoder_.Apply(latents);
}

}  // namespace aanet
