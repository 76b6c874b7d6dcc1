#include "autodiff/parameters.h"

#include "Eigen/Core"
#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace aanet::ad {
namespace {

TEST(ParameterStoreTest, AddAndAccess) {
  ParameterStore store;
  EXPECT_EQ(store.size(), 0);
  EXPECT_EQ(store.NumScalars(), 0);
  const int a = store.Add("a", Matrix::Constant(2, 3, 1.5));
  const int b = store.Add("b", Matrix::Constant(1, 4, -2.0));
  EXPECT_EQ(a, 0);
  EXPECT_EQ(b, 1);
  EXPECT_EQ(store.size(), 2);
  EXPECT_EQ(store.NumScalars(), 10);
  EXPECT_EQ(store.name(a), "a");
  EXPECT_EQ(store.name(b), "b");
  EXPECT_EQ(store.value(a), Matrix::Constant(2, 3, 1.5));
  EXPECT_EQ(store.grad(b), Matrix::Zero(1, 4));
  ASSERT_TRUE(store.Find("b").ok());
  EXPECT_EQ(*store.Find("b"), b);
  EXPECT_EQ(store.Find("c").status().code(), absl::StatusCode::kNotFound);
}

TEST(ParameterStoreTest, AddressesAreStable) {
  ParameterStore store;
  const int a = store.Add("a", Matrix::Ones(2, 2));
  const Matrix* address = &store.value(a);
  for (int i = 0; i < 100; ++i) {
    store.Add("p" + std::to_string(i), Matrix::Ones(3, 3));
  }
  EXPECT_EQ(&store.value(a), address);
}

TEST(ParameterStoreTest, ZeroGrad) {
  ParameterStore store;
  const int a = store.Add("a", Matrix::Ones(2, 2));
  store.grad(a).setConstant(3.0);
  store.ZeroGrad();
  EXPECT_EQ(store.grad(a), Matrix::Zero(2, 2));
}

TEST(ParameterStoreTest, FlattenIsIdOrderThenColumnMajor) {
  ParameterStore store;
  Matrix a(2, 2);
  a << 1, 2, 3, 4;
  store.Add("a", a);
  store.Add("b", Matrix::Constant(1, 1, 5));
  Eigen::VectorXd expected(5);
  expected << 1, 3, 2, 4, 5;
  EXPECT_EQ(store.Flatten(), expected);
  store.grad(1)(0, 0) = 7;
  Eigen::VectorXd expected_grad(5);
  expected_grad << 0, 0, 0, 0, 7;
  EXPECT_EQ(store.FlattenGrad(), expected_grad);
}

TEST(ParameterStoreTest, UnflattenRoundTrip) {
  ParameterStore store;
  store.Add("a", Matrix::Zero(2, 3));
  store.Add("b", Matrix::Zero(3, 1));
  Eigen::VectorXd flat = Eigen::VectorXd::LinSpaced(9, 1, 9);
  ASSERT_TRUE(store.Unflatten(flat).ok());
  EXPECT_EQ(store.Flatten(), flat);
  EXPECT_EQ(store.value(0)(1, 0), 2.0);  // Column-major.
  EXPECT_EQ(store.value(1)(2, 0), 9.0);
}

TEST(ParameterStoreTest, UnflattenRejectsWrongSize) {
  ParameterStore store;
  store.Add("a", Matrix::Ones(2, 2));
  const absl::Status status = store.Unflatten(Eigen::VectorXd::Zero(3));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store.value(0), Matrix::Ones(2, 2));
}

using ParameterStoreDeathTest = ::testing::Test;

TEST(ParameterStoreDeathTest, DuplicateOrEmptyNamesAbort) {
  ParameterStore store;
  store.Add("a", Matrix::Ones(1, 1));
  EXPECT_DEATH(store.Add("a", Matrix::Ones(1, 1)), "duplicate name 'a'");
  EXPECT_DEATH(store.Add("", Matrix::Ones(1, 1)), "empty name");
  EXPECT_DEATH(store.value(1), "no parameter with id 1");
}

}  // namespace
}  // namespace aanet::ad
