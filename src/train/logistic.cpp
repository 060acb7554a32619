#include "train/logistic.h"

#include <torch/optim/lbfgs.h>

#include "core/errors.h"

namespace n2v {

std::vector<float> one_vs_rest_logits(const std::vector<float>& train_x, const std::vector<float>& train_y,
                                      std::size_t dim, std::size_t labels, const std::vector<float>& test_x,
                                      const LogisticOptions& options) {
  const auto d = static_cast<std::int64_t>(dim), L = static_cast<std::int64_t>(labels);
  const auto n = static_cast<std::int64_t>(train_x.size() / dim), m = static_cast<std::int64_t>(test_x.size() / dim);
  if (n == 0 || train_y.size() != static_cast<std::size_t>(n * L))
    throw DataError("logistic regression: " + std::to_string(n) + " training rows for " +
                    std::to_string(train_y.size()) + " label entries");
  // Double precision: the problems are small and L-BFGS's line search likes exact gradients.
  auto as_tensor = [](const std::vector<float>& v, std::int64_t rows, std::int64_t cols) {
    return torch::from_blob(const_cast<float*>(v.data()), {rows, cols}, torch::kFloat32).to(torch::kFloat64);
  };
  torch::Tensor x = as_tensor(train_x, n, d), y = as_tensor(train_y, n, L);
  torch::Tensor mean = x.mean(0), scale = x.std(0, /*unbiased=*/false).clamp_min(1e-12);
  x = (x - mean) / scale;
  const double l2 = options.l2 >= 0 ? options.l2 : 1.0 / static_cast<double>(n);

  torch::Tensor w = torch::zeros({d, L}, torch::kFloat64).requires_grad_(true);
  torch::Tensor b = torch::zeros({L}, torch::kFloat64).requires_grad_(true);
  torch::optim::LBFGS optimizer({w, b}, torch::optim::LBFGSOptions(1.0)
                                            .max_iter(options.max_iterations)
                                            .tolerance_grad(1e-7)
                                            .tolerance_change(1e-10)
                                            .line_search_fn(std::string("strong_wolfe")));
  // Per label: mean log-loss + l2 / 2 * |w|^2; summed over labels.
  auto closure = [&] {
    optimizer.zero_grad();
    torch::Tensor logits = torch::addmm(b, x, w);
    torch::Tensor loss = torch::binary_cross_entropy_with_logits(logits, y) * static_cast<double>(L) +
                         0.5 * l2 * w.pow(2).sum();
    loss.backward();
    return loss;
  };
  optimizer.step(closure);

  torch::NoGradGuard no_grad;
  if (m == 0) return {};
  torch::Tensor test = (as_tensor(test_x, m, d) - mean) / scale;
  torch::Tensor logits = torch::addmm(b, test, w).to(torch::kFloat32).contiguous();
  return std::vector<float>(logits.data_ptr<float>(), logits.data_ptr<float>() + logits.numel());
}

}  // namespace n2v
