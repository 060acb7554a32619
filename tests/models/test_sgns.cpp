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

// The pair step is one SGD step on the pair's skip-gram loss, against autograd; with a negative
// drawn twice, both of its updates use the rows before the step. Without its positive (every
// target a negative, as a pair's step in a block other than its centre's) likewise.
TEST(Sgns, PairStepIsAnSgdStepOnTheAutogradLoss) {
  for (bool positive : {true, false}) {
    SCOPED_TRACE(positive ? "with the positive" : "negatives only");
    torch::manual_seed(7);
    const std::int64_t rows = 7, dim = 5;
    const float lr = 0.3f;
    torch::Tensor input = torch::randn({rows, dim}), output = torch::randn({rows, dim});
    // Context 2; targets: the centre 4, negatives 1, 5, 1.
    const std::vector<NodeId> targets{4, 1, 5, 1};
    torch::Tensor in = input.clone().requires_grad_(true), out = output.clone().requires_grad_(true);
    auto c = torch::tensor({2}, torch::kLong), t = torch::tensor({4, 1, 5, 1}, torch::kLong);
    auto logits = torch::matmul(in.index_select(0, c), out.index_select(0, t).t());  // [1 x 4]
    auto labels = torch::zeros({1, 4});
    if (positive) labels.select(1, 0).fill_(1);
    namespace F = torch::nn::functional;
    // -log sigmoid(x) for label 1, -log sigmoid(-x) for label 0.
    auto loss = (labels * F::softplus(-logits) + (1 - labels) * F::softplus(logits)).sum();
    loss.backward();

    // Rows padded to 8 floats, as the training loop lays them out.
    const std::int64_t stride = 8;
    auto padded = [&](const torch::Tensor& table) {
      return torch::nn::functional::pad(table, torch::nn::functional::PadFuncOptions({0, stride - dim})).contiguous();
    };
    torch::Tensor input_rows = padded(input), output_rows = padded(output);
    SgnsTables tables{input_rows.data_ptr<float>(), output_rows.data_ptr<float>(), dim, stride};
    SgnsScratch scratch;
    SgnsLoss step_loss;
    sgns_pair_step(tables, 2, targets.data(), 4, lr, scratch, step_loss, positive);
    EXPECT_NEAR(step_loss.sum(), loss.item<double>(), 1e-4);
    EXPECT_EQ(step_loss.positives, positive ? 1u : 0u);
    auto rows_of = [&](const torch::Tensor& table) { return table.narrow(1, 0, dim); };
    EXPECT_TRUE(torch::allclose(rows_of(input_rows), in.detach() - lr * in.grad(), 1e-5, 1e-5));
    EXPECT_TRUE(torch::allclose(rows_of(output_rows), out.detach() - lr * out.grad(), 1e-5, 1e-5));
    EXPECT_GT((rows_of(output_rows) - out.detach()).abs().max().item<float>(), 1e-3) << "the step changed the tables";
    EXPECT_EQ(input_rows.narrow(1, dim, stride - dim).abs().max().item<float>(), 0.0f) << "the padding is left alone";
  }
}

TEST(Sgns, ExtremeLogitsStayFinite) {
  const std::int64_t dim = 2;
  std::vector<float> input{0, 0, 100, 100}, output{0, 0, 100, 100};
  SgnsTables tables{input.data(), output.data(), dim, dim};
  SgnsScratch scratch;
  SgnsLoss loss;
  const NodeId targets[] = {1, 1};  // x = 20000 as positive and as negative
  sgns_pair_step(tables, 1, targets, 2, 0.01f, scratch, loss);
  EXPECT_TRUE(std::isfinite(loss.sum()));
  EXPECT_NEAR(loss.sum(), 20000.0, 1.0) << "softplus(20000) = 20000; the positive costs ~0";
  for (float v : input) EXPECT_TRUE(std::isfinite(v));
}

// The loss folds its running product into a log before it overflows: a million pairs of six
// targets (a product of up to 2^6,000,000) still add up to the exact sum of their softplus terms.
TEST(Sgns, TheLossOfManyPairsStaysExact) {
  const std::int64_t dim = 2;
  std::vector<float> input{0, 0, 0, 0}, output{0, 0, 0, 0};  // every logit 0: each target costs log 2
  SgnsTables tables{input.data(), output.data(), dim, dim};
  SgnsScratch scratch;
  SgnsLoss loss;
  const NodeId targets[] = {1, 1, 1, 1, 1, 1};
  for (int pair = 0; pair < 1000000; ++pair) sgns_pair_step(tables, 1, targets, 6, 0.0f, scratch, loss);
  EXPECT_EQ(loss.positives, 1000000u);
  EXPECT_NEAR(loss.sum(), 6e6 * std::log(2.0), 1e-3);
  SgnsLoss two;
  two.add(loss);
  two.add(loss);
  EXPECT_NEAR(two.sum(), 12e6 * std::log(2.0), 1e-3);
}

}  // namespace
}  // namespace n2v
