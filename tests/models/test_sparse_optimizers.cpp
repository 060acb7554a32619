// Stream mode's lazy Adam on several threads, and the Adam update both modes share.
#include "models/sparse_optimizers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "models/skipgram.h"
#include "models/skipgram_loss.h"
#include "models/skipgram_math.h"

namespace n2v {
namespace {

bool same_bits(const torch::Tensor& a, const torch::Tensor& b) {
  return a.sizes() == b.sizes() &&
         std::memcmp(a.data_ptr<float>(), b.data_ptr<float>(), static_cast<std::size_t>(a.numel()) * 4) == 0;
}

TEST(AdamUpdate, OneStepIsKerasFormula) {
  // Step 1 from zero moments: m = 0.1 g, v = 0.001 g^2, lr_t = lr sqrt(0.001) / 0.1.
  const AdamConstants adam = keras_adam_constants(0.01, 1);
  EXPECT_FLOAT_EQ(adam.step_size, static_cast<float>(0.01 * std::sqrt(1 - 0.999) / (1 - 0.9)));
  float w[3] = {1.0f, -2.0f, 0.5f}, m[3] = {}, v[3] = {};
  const float g[3] = {0.5f, -1.0f, 0.0f};
  adam_update(w, m, v, g, 3, 2.0f, 0.1f, adam);  // gradient 2 g + 0.1 w
  const float expected_g[3] = {2 * 0.5f + 0.1f * 1.0f, 2 * -1.0f + 0.1f * -2.0f, 0.1f * 0.5f};
  const float before[3] = {1.0f, -2.0f, 0.5f};
  for (int k = 0; k < 3; ++k) {
    EXPECT_FLOAT_EQ(m[k], (1.0f - 0.9f) * expected_g[k]);  // the float constants, as the update computes them
    EXPECT_FLOAT_EQ(v[k], (1.0f - 0.999f) * expected_g[k] * expected_g[k]);
    EXPECT_NEAR(w[k], before[k] - adam.step_size * m[k] / (std::sqrt(v[k]) + 1e-7f), 1e-7);
    // A first Adam step moves each weight by about lr against its gradient's sign.
    EXPECT_NEAR(before[k] - w[k], 0.01 * (expected_g[k] > 0 ? 1 : -1), 1e-4);
  }
}

// Batches with repeated rows and self-pairs, so that the order of additions into a row matters.
struct StreamBatch {
  torch::Tensor target, context, label;
};
StreamBatch batch_of(std::int64_t vocabulary, std::int64_t n, std::uint64_t seed) {
  torch::manual_seed(static_cast<std::int64_t>(seed));
  StreamBatch b{torch::randint(1, vocabulary, {n}, torch::kLong), torch::randint(1, vocabulary, {n}, torch::kLong),
                torch::randint(0, 2, {n}, torch::kFloat)};
  b.context.slice(0, 0, 20).copy_(b.target.slice(0, 0, 20));  // self-pairs
  return b;
}

// Big enough that 3 threads get work (models/skipgram_math.h: useful_threads): 8,000 examples,
// about 3,000 touched rows.
TEST(LazyAdam, SameBitsOnOneTwoAndThreeThreads) {
  const std::int64_t vocabulary = 3000;
  std::vector<torch::Tensor> weights;
  std::vector<double> losses;
  for (int threads : {1, 2, 3}) {
    torch::Tensor w = SkipGram(vocabulary, 16, 5)->weight().detach().clone();
    LazyAdamState state;
    double loss = 0;
    for (std::uint64_t step = 0; step < 5; ++step) {
      const StreamBatch b = batch_of(vocabulary, 8000, step);
      loss += lazy_adam_step(w, state, b.target, b.context, b.label, 0.01, 1e-3, threads);
    }
    weights.push_back(w);
    losses.push_back(loss);
  }
  EXPECT_FALSE(same_bits(weights[0], SkipGram(vocabulary, 16, 5)->weight().detach())) << "the steps moved the weights";
  for (std::size_t i = 1; i < weights.size(); ++i) {
    EXPECT_TRUE(same_bits(weights[0], weights[i])) << "threads " << i + 1;
    EXPECT_EQ(losses[0], losses[i]) << "threads " << i + 1;
  }
}

TEST(SkipGramRowGradient, TwoThreadsGiveTheOneThreadRowsAndLoss) {
  ASSERT_EQ(skipgram_math::useful_threads(5000, 2048, 2), 2);
  const std::int64_t vocabulary = 50;  // few rows: most examples share rows
  torch::Tensor w = SkipGram(vocabulary, 8, 3)->weight().detach().clone();
  const StreamBatch b = batch_of(vocabulary, 5000, 11);  // 2 threads' worth
  std::vector<std::int32_t> slots(vocabulary, -1);
  RowSparse one, two;
  const double loss_one = skipgram_row_gradient(w, b.target, b.context, b.label, 0.001, slots, one, 1);
  const double loss_two = skipgram_row_gradient(w, b.target, b.context, b.label, 0.001, slots, two, 2);
  EXPECT_EQ(loss_one, loss_two);
  EXPECT_EQ(one.rows, two.rows);
  ASSERT_EQ(one.values.size(), two.values.size());
  EXPECT_EQ(std::memcmp(one.values.data(), two.values.data(), one.values.size() * 4), 0);
  EXPECT_EQ(slots, std::vector<std::int32_t>(vocabulary, -1));
}

}  // namespace
}  // namespace n2v
