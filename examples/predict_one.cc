// An example of your own program on the inference library: predicts one
// state, given on the command line, after each dt.
//
//   bazel run //examples:predict_one -- RUN/best.h5 DT q_0 ... q_{n-1}
//       p_0 ... p_{n-1}
#include <cstdlib>
#include <iostream>

#include "models/predictor.h"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: predict_one CHECKPOINT DT q_0 ... p_{n-1}\n";
    return 1;
  }
  absl::StatusOr<aanet::Predictor> predictor = aanet::Predictor::Load(argv[1]);
  if (!predictor.ok()) {
    std::cerr << "predict_one: " << predictor.status().message() << "\n";
    return 1;
  }
  const double dt = std::atof(argv[2]);
  Eigen::MatrixXd state(1, argc - 3);
  for (int i = 3; i < argc; ++i) state(0, i - 3) = std::atof(argv[i]);
  // PredictChecked refuses bad states, a negative or non-finite dt, and a
  // prediction that is not finite, as //eval:predict and Python do.
  absl::StatusOr<Eigen::MatrixXd> predicted =
      predictor->PredictChecked(state, dt);
  if (!predicted.ok()) {
    std::cerr << "predict_one: " << predicted.status().message() << "\n";
    return 1;
  }
  std::cout << *predicted << "\n";
  return 0;
}
