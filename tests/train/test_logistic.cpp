// The genre task's classifier: one-vs-rest logistic regression (LibTorch's L-BFGS).
#include "train/logistic.h"

#include <gtest/gtest.h>

#include <random>

namespace n2v {
namespace {

TEST(Logistic, SeparatesTwoLinearLabels) {
  // Label 0: x0 > 0; label 1: x1 > 0. 200 points, then 4 test points.
  std::mt19937 gen(1);
  std::normal_distribution<float> normal;
  std::vector<float> x, y;
  for (int i = 0; i < 200; ++i) {
    float a = normal(gen), b = normal(gen);
    x.insert(x.end(), {a, b, normal(gen)});
    y.insert(y.end(), {a > 0 ? 1.0f : 0.0f, b > 0 ? 1.0f : 0.0f});
  }
  std::vector<float> test{2, -2, 0, -2, 2, 0, 2, 2, 0, -2, -2, 0};
  std::vector<float> logits = one_vs_rest_logits(x, y, 3, 2, test);
  ASSERT_EQ(logits.size(), 8u);
  const int expected[4][2] = {{1, 0}, {0, 1}, {1, 1}, {0, 0}};
  for (int i = 0; i < 4; ++i)
    for (int l = 0; l < 2; ++l) EXPECT_EQ(logits[i * 2 + l] > 0, expected[i][l] == 1) << i << " " << l;
}

}  // namespace
}  // namespace n2v
