#include <Eigen/Dense>
#include <H5Cpp.h>
#include <boost/numeric/odeint.hpp>
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "proto/experiment.pb.h"
#include "google/protobuf/text_format.h"

TEST(Smoke, All) {
  Eigen::Matrix2d m = Eigen::Matrix2d::Identity();
  aanet::Experiment e;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString("name: 'x'", &e));
  absl::StatusOr<int> s = 3;
  EXPECT_EQ(absl::StrCat(e.name(), *s), "x3");
  EXPECT_EQ(m.trace(), 2.0);
  EXPECT_GT(H5::PredType::NATIVE_DOUBLE.getSize(), 0u);
}
