// Parameter initialisers, drawing only from the seeded aanet::Random so that
// a seed fixes every initial weight on every platform.
//
// Matrices are filled in column-major order (element (0,0), (1,0), ...), one
// draw per element (truncated normals redraw rejected values).
//
// Kernel convention: a dense layer computes x [B, in] * W [in, out], so a
// kernel's fan_in is its number of rows.
#ifndef AANET_AUTODIFF_INIT_H_
#define AANET_AUTODIFF_INIT_H_

#include "Eigen/Core"
#include "autodiff/matrix.h"
#include "rng/random.h"

namespace aanet::ad {

// stddev / sqrt(variance) of a standard normal truncated to (-2, 2):
// the correction flax/haiku apply so that the truncated draws have the
// requested variance.
inline constexpr double kTruncatedNormalStddevAt2 = 0.87962566103423978;

// A [rows, cols] matrix of stddev * z, z ~ N(0, 1) truncated to (-2, 2) by
// rejection (redraw while |z| >= 2). The result's standard deviation is
// 0.8796 * stddev; its values lie in (-2 stddev, 2 stddev).
Matrix TruncatedNormal(Eigen::Index rows, Eigen::Index cols, double stddev,
                       Random& rng);

// LeCun normal kernel [fan_in, fan_out], as flax's default
// nn.initializers.lecun_normal() = variance_scaling(1.0, "fan_in",
// "truncated_normal"): TruncatedNormal with
// stddev = sqrt(1 / fan_in) / 0.87962566103423978, so the values have
// variance 1 / fan_in and lie within +-2 sqrt(1 / fan_in) / 0.8796.
Matrix LecunNormal(Eigen::Index fan_in, Eigen::Index fan_out, Random& rng);

// Untruncated N(0, stddev^2) (e.g. the shear flow's W with stddev 0.01).
Matrix NormalInit(Eigen::Index rows, Eigen::Index cols, double stddev,
                  Random& rng);

// All zeros (biases).
Matrix ZerosInit(Eigen::Index rows, Eigen::Index cols);

// All `value`.
Matrix ConstantInit(Eigen::Index rows, Eigen::Index cols, double value);

}  // namespace aanet::ad

#endif  // AANET_AUTODIFF_INIT_H_
