#include "autodiff/init.h"

#include <cmath>

namespace aanet::ad {

Matrix TruncatedNormal(Eigen::Index rows, Eigen::Index cols, double stddev,
                       Random& rng) {
  AANET_AD_CHECK(rows >= 0 && cols >= 0 && stddev >= 0.0,
                 "TruncatedNormal: bad shape or stddev");
  Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) {
    double z;
    do {
      z = rng.Normal();
    } while (std::abs(z) >= 2.0);
    m.data()[i] = stddev * z;
  }
  return m;
}

Matrix LecunNormal(Eigen::Index fan_in, Eigen::Index fan_out, Random& rng) {
  AANET_AD_CHECK(fan_in > 0 && fan_out >= 0, "LecunNormal: bad shape");
  const double stddev =
      std::sqrt(1.0 / static_cast<double>(fan_in)) / kTruncatedNormalStddevAt2;
  return TruncatedNormal(fan_in, fan_out, stddev, rng);
}

Matrix NormalInit(Eigen::Index rows, Eigen::Index cols, double stddev,
                  Random& rng) {
  AANET_AD_CHECK(rows >= 0 && cols >= 0 && stddev >= 0.0,
                 "NormalInit: bad shape or stddev");
  Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i)
    m.data()[i] = stddev * rng.Normal();
  return m;
}

Matrix ZerosInit(Eigen::Index rows, Eigen::Index cols) {
  return Matrix::Zero(rows, cols);
}

Matrix ConstantInit(Eigen::Index rows, Eigen::Index cols, double value) {
  return Matrix::Constant(rows, cols, value);
}

}  // namespace aanet::ad
