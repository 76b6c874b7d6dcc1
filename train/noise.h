// Noise on the training data (TrainingConfig.noise, proto/experiment.proto;
// issue 22). Two models:
//
// PUBLISHED_INPUT_NOISE, as the published code (ameya98/ActionAngleNetworks,
//   get_noise_fn) does: at every step, noise is added to the standardised
//   inputs of all training pairs at the step's jump, before the batch is
//   drawn; the targets stay clean. UNCORRELATED: i.i.d. N(0, std^2) per
//   coordinate and pair. RANDOM_WALK: i.i.d. N(0, std^2) steps summed
//   cumulatively along time (the pairs of one trajectory, in time order), so
//   the variance at the i-th input (0-based) is (i + 1) std^2.
// OBSERVATION: the training window of each training trajectory is made
//   noisy once, before pairs are formed, so inputs and targets share it.
//   std is in units of the clean training split's per-coordinate standard
//   deviation (the scaler a clean run would fit), i.e. standardised units;
//   the scaler is then fitted on the noisy series, and the best state is
//   chosen on the noisy pairs, as a user with only measured data would.
//
// The test split and the held-out trajectories always stay clean. Draws
// come from streams of their own keyed on training.noise.seed (default
// training.seed): the input noise of step s on (seed, s), the observation
// noise of trajectory k on (seed, k); so a resumed run draws exactly what an
// uninterrupted one did, and no other stream (initialisation, batches)
// shifts. A std of 0 draws nothing: the run is the clean run bit for bit.
#ifndef AANET_TRAIN_NOISE_H_
#define AANET_TRAIN_NOISE_H_

#include <cstdint>
#include <string>

#include "Eigen/Core"
#include "absl/types/span.h"
#include "data_gen/dataset.h"
#include "data_gen/splits.h"
#include "proto/experiment.pb.h"
#include "rng/random.h"
#include "train/training_options.h"

namespace aanet::train {

// Whether a run adds noise to its inputs at every step / to its training
// series once (the model chosen and std > 0).
bool HasInputNoise(const TrainingOptions& options);
bool HasObservationNoise(const TrainingOptions& options);

// The banner's line, e.g. "noise: published input noise, uncorrelated, std
// 0.01 (standardised units), seed 0"; "" when the run has none.
std::string DescribeNoise(const TrainingOptions& options);

// [rows, cols] of N(0, std^2), drawn from `random` in row-major order. Under
// RANDOM_WALK each column is then summed cumulatively down the rows of each
// series: consecutive rows with equal `series` entries (one per row; empty:
// all rows one series).
Eigen::MatrixXd DrawNoise(NoiseConfig::Type type, double std, Eigen::Index rows,
                          Eigen::Index cols, absl::Span<const int> series,
                          Random& random);

// The published input noise of the step taking the run from `step` to
// step + 1 steps, for the standardised training pairs of that step's jump:
// [P, 2n], one series per trajectory (pairs.trajectories).
Eigen::MatrixXd InputNoise(const TrainingOptions& options,
                           const data_gen::StatePairs& pairs, int64_t step);

// `dataset` with the samples `range` of `trajectories` made noisy
// (OBSERVATION): noise of std options.noise_std * clean_scale[c] on
// coordinate c of [q, p], one series per trajectory in time order, drawn on
// (noise seed, trajectory index). Everything else is copied unchanged.
data_gen::Dataset AddObservationNoise(const TrainingOptions& options,
                                      const data_gen::Dataset& dataset,
                                      data_gen::SampleRange range,
                                      absl::Span<const int> trajectories,
                                      const Eigen::RowVectorXd& clean_scale);

}  // namespace aanet::train

#endif  // AANET_TRAIN_NOISE_H_
