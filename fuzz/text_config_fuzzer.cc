// Text configs (proto/text_config.h): an Experiment, a SweepConfig and a
// PointSpec parsed from the same bytes, then validated as the binaries do.
#include <cstddef>
#include <cstdint>
#include <string>

#include "data_gen/dataset.h"
#include "proto/experiment.pb.h"
#include "proto/sweep.pb.h"
#include "proto/text_config.h"
#include "train/training_options.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  aanet::Experiment experiment;
  if (aanet::ParseTextProto(text, "fuzz.pbtxt", &experiment).ok()) {
    (void)aanet::data_gen::ValidateSimulationConfig(experiment.simulation());
    (void)aanet::train::ResolveTrainingOptions(experiment.training(), 1000);
  }
  aanet::SweepConfig sweep;
  (void)aanet::ParseTextProto(text, "fuzz.pbtxt", &sweep);
  aanet::PointSpec point;
  (void)aanet::ParseTextProto(text, "fuzz.pbtxt", &point);
  return 0;
}
