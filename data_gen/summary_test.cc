#include "data_gen/summary.h"

#include <string>

#include "data_gen/dataset.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "proto/experiment.pb.h"

namespace aanet::data_gen {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

absl::StatusOr<Dataset> Generate(const std::string& text) {
  Experiment experiment;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &experiment));
  return GenerateDataset(experiment, text);
}

constexpr char kExplicit[] = R"pb(
  simulation {
    harmonic {
      num_particles: 3
      masses { values: [ 1, 2, 7 ] }
      k_wall { values: [ 0.01, 0.02, 0.03 ] }
      k_pair: 0.2
      initial_states {
        q: [ 1, 0, -0.5 ]
        p: [ 0, 0, 0 ]
      }
    }
    num_samples: 10
    time_step: 1
    num_trajectories: 1
  }
)pb";

// A user who named a system can see it is the one generated.
TEST(SummaryTest, PrintsMassesAndWallSpringsInParticleOrder) {
  absl::StatusOr<Dataset> d = Generate(kExplicit);
  ASSERT_TRUE(d.ok()) << d.status();
  const std::string summary = SummarizeDataset(*d, "x.h5");
  EXPECT_THAT(summary, HasSubstr("masses [1, 2, 7], k_wall [0.01, 0.02, "
                                 "0.03]\n"));
  EXPECT_THAT(summary, HasSubstr("3 particle(s), k_pair 0.2"));
  EXPECT_THAT(summary, HasSubstr("  true frequencies (rad/time): "));
}

// The description is the system's (System::Describe), which lists every
// value: the truth checks compare it.
TEST(SummaryTest, ManyParticlesAreListedInTheSystemsLine) {
  absl::StatusOr<Dataset> d = Generate(R"pb(
    simulation {
      harmonic {
        num_particles: 11
        masses { min: 1 max: 2 }
        k_wall { min: 0.01 max: 0.02 }
        k_pair: 0.2
        amplitudes { min: 1 max: 2 }
        phases { min: 0 max: 1 }
      }
      num_samples: 10
      time_step: 1
      num_trajectories: 1
    }
  )pb");
  ASSERT_TRUE(d.ok()) << d.status();
  const std::string summary = SummarizeDataset(*d, "x.h5");
  EXPECT_THAT(summary, HasSubstr("harmonic: 11 particle(s), k_pair 0.2, "
                                 "masses ["));
}

}  // namespace
}  // namespace aanet::data_gen
