#include "reports/synthetic_sweep.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/util/json_util.h"
#include "reports/files.h"
#include "status/status_macros.h"

namespace aanet::reports {
namespace {

namespace fs = std::filesystem;

constexpr int kNumTestSamples = 500;
constexpr int kNumTrajectories = 1;

// The shipped harmonic datasets: their configs' names, files and pair
// springs.
struct Dataset {
  const char* name;
  const char* file;  // under configs/harmonic/
  double k_pair;
};
constexpr Dataset kDatasets[] = {{"harmonic_k_pair_0.1", "k_pair_0.1", 0.1},
                                 {"harmonic_k_pair_0.5", "default", 0.5},
                                 {"harmonic_k_pair_1.0", "k_pair_1.0", 1.0}};
constexpr char kReferenceDataset[] = "harmonic_k_pair_0.5";

constexpr int kSamples[] = {10, 100, 500};
constexpr uint64_t kSeeds[] = {1, 2};

bool IsActionAngle(const std::string& model) {
  return model == "action_angle_flow" || model == kSyntheticEqualComputeModel;
}

absl::Status WriteJson(const google::protobuf::Message& message,
                       const std::string& path) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(message, &json, options)
           .ok()) {
    return absl::InternalError(absl::StrCat(path, ": cannot encode"));
  }
  AANET_RETURN_IF_ERROR(
      CreateDirectories(fs::path(path).parent_path().string()));
  return WriteFileAtomically(path, json);
}

void SetTiming(double median, int batch_size, Timing* timing) {
  timing->set_batch_size(batch_size);
  timing->set_repetitions(5);
  timing->set_median_seconds(median);
  timing->set_p10_seconds(0.9 * median);
  timing->set_p90_seconds(1.1 * median);
  timing->set_min_seconds(0.8 * median);
  timing->set_max_seconds(1.3 * median);
  timing->set_warmup_calls(1);
}

}  // namespace

std::vector<int> SyntheticReferenceJumps() {
  return {1, 2, 5, 10, 20, 50, 100, 200, 400};
}

std::vector<int> SyntheticJumps() { return {1, 10, 50}; }

double SyntheticSeedFactor(uint64_t seed) { return seed == 1 ? 1.0 : 3.0; }

double SyntheticKPair(const std::string& dataset) {
  for (const Dataset& d : kDatasets) {
    if (dataset == d.name) return d.k_pair;
  }
  return 0.5;
}

double SyntheticLoss(const std::string& model, double k_pair, int samples,
                     int jump) {
  const double base = IsActionAngle(model) ? 1.0 : 4.0;
  const double exponent = IsActionAngle(model) ? 0.1 : 0.5;
  return base * (100.0 / samples) * (k_pair / 0.5) * std::pow(jump, exponent);
}

double SyntheticTestScaledRatio(int samples) { return samples / 500.0; }

double SyntheticEnergyChange(const std::string& model, int jump) {
  return IsActionAngle(model) ? 1e-3 * (1 + 0.001 * jump)
                              : 1e-2 * std::pow(jump, 0.7);
}

double SyntheticSingleStateSeconds(const std::string& model, int jump) {
  return IsActionAngle(model) ? 20e-6 * (1 + 0.001 * jump) : 50e-6 * jump;
}

double SyntheticQuantityChange(const std::string& model, int jump) {
  return IsActionAngle(model) ? 1e-4 * jump : 1e-3 * std::sqrt(jump);
}

std::vector<int> SyntheticRolloutJumps() {
  return {1, 2, 5, 10, 20, 50, 100, 200, 400, 1000};
}

int SyntheticNumParameters(const std::string& model) {
  return IsActionAngle(model) ? 8500 : 100000;
}

std::vector<double> SyntheticTrueFrequencies(double k_pair) {
  return {0.05, 0.05 + 0.1 * k_pair};
}

double SyntheticLearnedFrequency(double true_frequency, int samples,
                                 uint64_t seed) {
  return true_frequency * (1 + 0.01 * seed * (100.0 / samples));
}

EvaluationReport SyntheticEvaluation(const SweepPoint& point,
                                     const SyntheticSweepOptions& options) {
  const std::string& model = point.model();
  const double factor = SyntheticSeedFactor(point.seed());
  EvaluationReport report;
  report.set_model_kind(point.model_kind());
  report.set_num_parameters(SyntheticNumParameters(model));
  report.set_step(point.num_steps());
  report.set_checkpoint_path(absl::StrCat(point.directory(), "/best.h5"));
  report.set_dataset_path(
      absl::StrCat("out/datasets/", point.dataset(), ".h5"));
  // The trained range of the report's error vs dt: jumps up to 10.
  report.set_config_text(
      absl::StrCat("name: \"", model, "\"\ntraining { max_jump: 10 }\n"));
  report.set_num_test_samples(kNumTestSamples);
  report.set_num_trajectories(kNumTrajectories);
  report.set_time_step(1.0);
  report.set_wall_seconds(3.5);
  for (int jump :
       point.is_reference() ? SyntheticReferenceJumps() : SyntheticJumps()) {
    JumpMetrics* m = report.add_jumps();
    m->set_jump(jump);
    m->set_dt(jump * 1.0);
    const double budget = point.protocol() == EQUAL_COMPUTE ? 0.1 : 1.0;
    m->set_prediction_loss(budget * factor *
                           SyntheticLoss(model, SyntheticKPair(point.dataset()),
                                         point.num_train_samples(), jump));
    m->set_mean_abs_energy_change(factor * SyntheticEnergyChange(model, jump));
    if (options.include_conserved_quantities) {
      ConservedQuantityChange* q = m->add_conserved_quantities();
      q->set_name(kSyntheticQuantity);
      q->set_mean_relative_change(factor *
                                  SyntheticQuantityChange(model, jump));
      q->set_mean_abs_change(2 * q->mean_relative_change());
    }
    if (point.is_reference()) {
      const double seconds = factor * SyntheticSingleStateSeconds(model, jump);
      SetTiming(seconds, 1, m->mutable_single_state());
      SetTiming(100 * seconds, 500, m->mutable_batch());
    }
    m->set_num_pairs(kNumTrajectories * (kNumTestSamples - jump));
    const double ratio = SyntheticTestScaledRatio(point.num_train_samples());
    m->set_prediction_loss_test_scaled(m->prediction_loss() * ratio);
    m->set_train_mean_loss(kSyntheticTrainMeanLevel / ratio);
    m->set_train_mean_loss_test_scaled(kSyntheticTrainMeanLevel);
    m->set_random_phase_loss(kSyntheticRandomPhaseLevel / ratio);
    m->set_random_phase_loss_test_scaled(kSyntheticRandomPhaseLevel);
    if (options.include_failed_solve && model == "neural_ode" &&
        point.is_reference() && point.seed() == 2) {
      if (jump == 400) {
        const double nan = std::numeric_limits<double>::quiet_NaN();
        m->set_num_failed_pairs(m->num_pairs());
        m->set_prediction_loss(nan);
        m->set_prediction_loss_test_scaled(nan);
        m->set_mean_abs_energy_change(nan);
        for (ConservedQuantityChange& q : *m->mutable_conserved_quantities()) {
          q.set_mean_abs_change(nan);
          q.set_mean_relative_change(nan);
        }
        for (Timing* t : {m->mutable_single_state(), m->mutable_batch()}) {
          t->set_failed(true);
          t->set_failure(kSyntheticFailure);
          t->set_repetitions(0);
          t->set_median_seconds(nan);
          t->set_p10_seconds(nan);
          t->set_p90_seconds(nan);
          t->set_min_seconds(nan);
          t->set_max_seconds(nan);
        }
      } else if (jump == 200) {
        m->set_num_failed_pairs(kSyntheticFailedPairs);
      }
      if (m->num_failed_pairs() > 0) m->set_failure(kSyntheticFailure);
    }
  }
  if (options.include_conserved_quantities && point.is_reference()) {
    // A VPT as the evaluation measures one, its rollout the point here.
    ValidPredictionTime* vpt = report.mutable_vpt();
    vpt->set_threshold(0.025);
    vpt->set_max_jump(1000);
    vpt->set_max_time(1000);
    vpt->set_median_time(factor * 40);
    vpt->set_num_start_states(50);
    ConservedQuantityRollout* rollout = vpt->add_conserved_quantities();
    rollout->set_name(kSyntheticQuantity);
    for (int jump : SyntheticRolloutJumps()) {
      rollout->add_jumps(jump);
      rollout->add_dt(jump * 1.0);
      const double change = factor * SyntheticQuantityChange(model, jump);
      rollout->add_mean_relative_change(change);
      rollout->add_mean_abs_change(2 * change);
      rollout->add_num_failed(0);
    }
  }
  const std::vector<double> truth =
      SyntheticTrueFrequencies(SyntheticKPair(point.dataset()));
  for (double f : truth) report.add_true_frequencies(f);
  if (!IsActionAngle(model)) return report;

  const int pairs = static_cast<int>(truth.size());
  report.set_num_latent_pairs(pairs);
  // Seed 2 learns the modes in the other latent order.
  std::vector<int> latent_of_mode(pairs);
  for (int mode = 0; mode < pairs; ++mode) {
    latent_of_mode[mode] = point.seed() == 2 ? pairs - 1 - mode : mode;
  }
  std::vector<double> learned(pairs);
  for (int mode = 0; mode < pairs; ++mode) {
    learned[mode] = SyntheticLearnedFrequency(
        truth[mode], point.num_train_samples(), point.seed());
  }
  const int rows = kNumTrajectories * kNumTestSamples;
  std::vector<double> values(rows * pairs);
  for (int row = 0; row < rows; ++row) {
    for (int mode = 0; mode < pairs; ++mode) {
      // Latent pairs of mode 1 turn the other way: the sign must not matter.
      const double sign = mode == 1 ? -1.0 : 1.0;
      values[row * pairs + latent_of_mode[mode]] =
          sign * learned[mode] * (1 + 0.002 * std::sin(row));
    }
  }
  for (double v : values) report.add_angular_velocities(v);
  for (int mode = 0; mode < pairs; ++mode) {
    FrequencyMatch* match = report.add_frequencies();
    match->set_latent_index(latent_of_mode[mode]);
    match->set_learned_mean(learned[mode]);
    match->set_learned_std(learned[mode] * 0.002 / std::sqrt(2.0));
    match->set_true_frequency(truth[mode]);
    match->set_relative_error(std::abs(learned[mode] - truth[mode]) /
                              truth[mode]);
  }
  return report;
}

absl::Status WriteSyntheticSweep(const std::string& dir,
                                 const SyntheticSweepOptions& options) {
  std::vector<std::pair<std::string, std::string>> models = {
      {"neural_ode", "neural_ode"}};
  if (options.include_action_angle) {
    models.insert(models.begin(), {"action_angle_flow", "action_angle"});
  }
  SweepResults results;
  results.set_name("synthetic");
  std::string config = absl::StrCat("name: \"synthetic\"\ndescription: \"",
                                    kSyntheticDescription, "\"\n");
  for (const auto& [model, kind] : models) {
    absl::StrAppend(&config, "models { config: \"configs/harmonic/", model,
                    ".pbtxt\" num_steps: 2000 }\n");
  }
  if (options.include_equal_compute) {
    models.push_back({kSyntheticEqualComputeModel, "action_angle"});
    absl::StrAppend(&config,
                    "models { config: "
                    "\"configs/harmonic/action_angle_flow.pbtxt\" name: \"",
                    kSyntheticEqualComputeModel,
                    "\" num_steps: 50000 protocol: EQUAL_COMPUTE "
                    "num_train_samples: [100, 500] }\n");
  }
  for (const Dataset& d : kDatasets) {
    absl::StrAppend(&config, "datasets: \"configs/harmonic/", d.file,
                    ".pbtxt\"\n");
  }
  absl::StrAppend(&config,
                  "num_train_samples: [10, 100, 500]\nseeds: [1, 2]\n"
                  "evaluation {\n  jumps: [1, 10, 50]\n"
                  "  reference_jumps: [1, 2, 5, 10, 20, 50, 100, 200, 400]\n"
                  "  reference_dataset: \"configs/harmonic/default.pbtxt\"\n"
                  "  reference_num_train_samples: 100\n}\n");
  results.set_sweep_config_text(config);
  results.set_wall_seconds(4321.5);
  results.set_parallelism(2);
  results.set_machine("2 cores, synthetic CPU");
  results.set_reference_dataset(kReferenceDataset);
  for (const auto& [model, kind] : models) {
    for (const Dataset& d : kDatasets) {
      for (int samples : kSamples) {
        const bool equal_compute = model == kSyntheticEqualComputeModel;
        if (equal_compute &&
            (std::string(d.name) != kReferenceDataset || samples == 10)) {
          continue;
        }
        for (uint64_t seed : kSeeds) {
          SweepPoint* point = results.add_points();
          point->set_model(model);
          point->set_model_kind(kind);
          point->set_dataset(d.name);
          // As a sweep records them (sweep/plan.cc); the hash is made up.
          point->set_dataset_hash(
              absl::StrFormat("%016x", static_cast<uint64_t>(d.k_pair * 1e6)));
          point->set_system("harmonic");
          point->set_system_parameters(absl::StrFormat(
              "harmonic: num_particles 2, masses 1..5, k_wall 0.005..0.01, "
              "k_pair %g, amplitudes 1..10, phases 0..1",
              d.k_pair));
          point->set_dataset_num_trajectories(kNumTrajectories);
          point->set_dataset_num_samples(1000);
          point->set_dataset_time_step(1.0);
          point->set_num_train_samples(samples);
          point->set_seed(seed);
          point->set_num_steps(equal_compute ? 50000 : 2000);
          point->set_protocol(equal_compute ? EQUAL_COMPUTE : EQUAL_STEPS);
          point->set_is_reference(std::string(d.name) == kReferenceDataset &&
                                  samples == 100 && !equal_compute);
          const std::string run = absl::StrFormat("%s/%s/samples_%d/seed_%d",
                                                  model, d.name, samples, seed);
          point->set_directory(run);
          point->set_wall_seconds(60.0 + samples / 10.0);
          if (model == "neural_ode" && d.k_pair == 1.0 && samples == 500 &&
              seed == 2) {
            point->set_status(SweepPoint::FAILED);
            point->set_error(kSyntheticError);
            continue;
          }
          point->set_status(d.k_pair == 0.1 && seed == 1 ? SweepPoint::SKIPPED
                                                         : SweepPoint::DONE);
          point->set_evaluation_file(absl::StrCat(run, "/evaluation.json"));
          AANET_RETURN_IF_ERROR(
              WriteJson(SyntheticEvaluation(*point, options),
                        (fs::path(dir) / point->evaluation_file()).string()));
          // A training log every 100 steps and, after the ramp (1,889
          // steps), every 10: the test loss at jumps 1 and 10 falls; the
          // flow models' settles by step 1200 (converged), the others'
          // keeps falling by a third every 100 steps (improving).
          const bool settles = kind == "action_angle" || kind == "euler_update";
          std::string log;
          for (int step = 10; step <= 2000; step += 10) {
            if (step % 100 != 0 && step <= 1889) continue;
            const double loss = settles
                                    ? 1.0 / std::min(step, 1200)
                                    : 1e-3 * std::exp(-(step - 1000) * 0.004);
            absl::StrAppend(
                &log,
                absl::StrFormat(
                    "{\"step\": %d, \"jump\": 1, \"train_loss\": 1, "
                    "\"test_loss\": {\"1\": %.9g, \"10\": %.9g}, "
                    "\"selection_loss\": 1, \"best_step\": %d, "
                    "\"best_loss\": 1}\n",
                    step, (1 + seed) * loss, 10 * (1 + seed) * loss, step));
          }
          AANET_RETURN_IF_ERROR(WriteFileAtomically(
              (fs::path(dir) / run / "metrics.jsonl").string(), log));
        }
      }
    }
  }
  return WriteJson(results, (fs::path(dir) / "sweep_results.json").string());
}

}  // namespace aanet::reports
