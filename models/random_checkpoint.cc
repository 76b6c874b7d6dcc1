#include "models/random_checkpoint.h"

#include <memory>

#include "models/model.h"
#include "models/model_test_util.h"
#include "models/named_parameters.h"
#include "proto/experiment.pb.h"
#include "proto/text_config.h"
#include "rng/random.h"
#include "status/status_macros.h"

namespace aanet::testing {

absl::StatusOr<Checkpoint> RandomCheckpoint(const std::string& config,
                                            const Eigen::RowVectorXd& mean,
                                            const Eigen::RowVectorXd& scale,
                                            double stddev, uint64_t seed) {
  Experiment experiment;
  AANET_RETURN_IF_ERROR(ParseTextProto(config, "test config", &experiment));
  Random random(seed);
  const int num_degrees_of_freedom = static_cast<int>(mean.size() / 2);
  AANET_ASSIGN_OR_RETURN(
      std::unique_ptr<Model> model,
      CreateModel(experiment.model(),
                  ModelContext{num_degrees_of_freedom, scale}, random));
  RandomizeParameters(model->parameters(), stddev, random);
  Checkpoint checkpoint;
  checkpoint.model_kind = model->kind();
  checkpoint.config_text = config;
  checkpoint.num_degrees_of_freedom = num_degrees_of_freedom;
  checkpoint.step = 1;
  checkpoint.parameters =
      ToNamed(model->parameters(), model->parameters().Flatten());
  checkpoint.scaler_mean = mean;
  checkpoint.scaler_scale = scale;
  return checkpoint;
}

}  // namespace aanet::testing
