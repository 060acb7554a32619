#include <gtest/gtest.h>
#include <torch/nn/functional/activation.h>
#include <torch/torch.h>

#include <cmath>
#include <vector>

#include "models/sgns.h"
#include "models/sgns_step.h"

namespace n2v {
namespace {

TEST(Sgns, StartsAsWord2vec) {
  const std::int64_t dim = 8;
  Sgns model(50, dim, 3);
  EXPECT_LE(model->input.abs().max().item<float>(), 0.5f / dim);
  EXPECT_GT(model->input.abs().max().item<float>(), 0.4f / dim) << "uniform over the whole +-0.5/dim";
  EXPECT_EQ(model->output.abs().max().item<float>(), 0.0f);
  EXPECT_TRUE(torch::equal(model->input, Sgns(50, dim, 3)->input)) << "the seed fixes the start";
  EXPECT_FALSE(torch::equal(model->input, Sgns(50, dim, 4)->input));
  auto names = model->named_parameters().keys();
  EXPECT_EQ(names, (std::vector<std::string>{"input", "output"}));
}

// The window step is one SGD step on the summed skip-gram loss of its pairs, against autograd.
TEST(Sgns, WindowStepIsAnSgdStepOnTheAutogradLoss) {
  torch::manual_seed(7);
  const std::int64_t rows = 7, dim = 5;
  const float lr = 0.3f;
  torch::Tensor input = torch::randn({rows, dim}), output = torch::randn({rows, dim});
  // Context 2 twice (a node met twice in the window); targets: the centre 4, negatives 1, 5, 6.
  const std::vector<NodeId> contexts{2, 3, 2}, targets{4, 1, 5, 6};
  torch::Tensor in = input.clone().requires_grad_(true), out = output.clone().requires_grad_(true);
  auto c = torch::tensor({2, 3, 2}, torch::kLong), t = torch::tensor({4, 1, 5, 6}, torch::kLong);
  auto logits = torch::matmul(in.index_select(0, c), out.index_select(0, t).t());  // [3 x 4]
  auto labels = torch::zeros({3, 4});
  labels.select(1, 0).fill_(1);
  namespace F = torch::nn::functional;
  // -log sigmoid(x) for label 1, -log sigmoid(-x) for label 0.
  auto loss = (labels * F::softplus(-logits) + (1 - labels) * F::softplus(logits)).sum();
  loss.backward();

  SgnsTables tables{input.data_ptr<float>(), output.data_ptr<float>(), dim};
  SgnsScratch scratch;
  SgnsLoss step_loss;
  sgns_window_step(tables, contexts.data(), 3, targets.data(), 4, lr, scratch, step_loss);
  EXPECT_NEAR(step_loss.sum, loss.item<double>(), 1e-4);
  EXPECT_EQ(step_loss.positives, 3u);
  EXPECT_TRUE(torch::allclose(input, in.detach() - lr * in.grad(), 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(output, out.detach() - lr * out.grad(), 1e-5, 1e-5));
  EXPECT_GT((output - out.detach()).abs().max().item<float>(), 1e-3) << "the step changed the tables";
}

TEST(Sgns, ExtremeLogitsStayFinite) {
  const std::int64_t dim = 2;
  std::vector<float> input{0, 0, 100, 100}, output{0, 0, 100, 100};
  SgnsTables tables{input.data(), output.data(), dim};
  SgnsScratch scratch;
  SgnsLoss loss;
  const NodeId contexts[] = {1}, targets[] = {1, 1};  // x = 20000 as positive and as negative
  sgns_window_step(tables, contexts, 1, targets, 2, 0.01f, scratch, loss);
  EXPECT_TRUE(std::isfinite(loss.sum));
  EXPECT_NEAR(loss.sum, 20000.0, 1.0) << "softplus(20000) = 20000; the positive costs ~0";
  for (float v : input) EXPECT_TRUE(std::isfinite(v));
}

}  // namespace
}  // namespace n2v
