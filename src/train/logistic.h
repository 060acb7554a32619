#pragma once
// One-vs-rest logistic regression for the genre task (torch-free interface; implemented in
// n2v_torch with LibTorch's L-BFGS).
#include <cstddef>
#include <vector>

namespace n2v {

struct LogisticOptions {
  // L2 penalty on the weights per label, added to the mean log-loss; negative means 1 / training
  // rows, which is scikit-learn's default (C = 1) objective divided by the row count.
  double l2 = -1.0;
  int max_iterations = 200;
};

// Fits one binary classifier per label on standardised features (training mean and deviation) and
// returns the test rows' logits, row-major [test rows x labels]. train_x is [rows x dim],
// train_y [rows x labels] of 0/1, test_x [test rows x dim], all row-major.
std::vector<float> one_vs_rest_logits(const std::vector<float>& train_x, const std::vector<float>& train_y,
                                      std::size_t dim, std::size_t labels, const std::vector<float>& test_x,
                                      const LogisticOptions& options = {});

}  // namespace n2v
