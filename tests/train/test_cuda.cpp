// The CUDA path: the tensor-op loss, the DataLoader on the device, training, export. Every test skips
// without a usable CUDA device (CI has none); tools/gpu-check.sh runs them on a machine with a GPU.
#include <gtest/gtest.h>
#include <torch/cuda.h>

#include <cmath>

#include "core/config.h"
#include "eval/keras_reference.h"
#include "eval/loss_report.h"
#include "models/skipgram.h"
#include "models/skipgram_loss.h"
#include "test_util.h"
#include "train/train.h"
#include "walk/examples.h"

namespace n2v {
namespace {

using testing::run_n2v;
using testing::TempDir;

class Cuda : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  }
};

TEST_F(Cuda, LossAndGradientMatchTheCpuLoops) {
  torch::manual_seed(5);
  const std::int64_t vocabulary = 50, dim = 16, n = 500;
  const auto target = torch::randint(0, vocabulary, {n}, torch::kLong);
  const auto context = torch::randint(0, vocabulary, {n}, torch::kLong);
  const auto labels = torch::randint(0, 2, {n}).to(torch::kFloat);
  const auto weights = torch::randint(1, 5, {n}).to(torch::kFloat);
  const auto start = torch::randn({vocabulary, dim}) * 0.5;
  auto cpu = start.clone().requires_grad_(true);
  auto gpu = start.to(torch::kCUDA).requires_grad_(true);
  auto cpu_loss = fused_skipgram_loss(cpu, target, context, labels, weights, 1e-3);
  auto gpu_loss = fused_skipgram_loss(gpu, target.to(torch::kCUDA), context.to(torch::kCUDA), labels.to(torch::kCUDA),
                                      weights.to(torch::kCUDA), 1e-3);
  EXPECT_TRUE(gpu_loss.is_cuda());
  cpu_loss.backward();
  gpu_loss.backward();
  EXPECT_NEAR(gpu_loss.item<double>(), cpu_loss.item<double>(), 1e-5 * std::abs(cpu_loss.item<double>()));
  EXPECT_TRUE(torch::allclose(gpu.grad().cpu(), cpu.grad(), 1e-4, 1e-6))
      << (gpu.grad().cpu() - cpu.grad()).abs().max().item<double>();
}

// Random weighted examples over `vocabulary` tokens (the training mechanics need no graph).
Examples random_examples(std::int64_t vocabulary, std::int64_t n) {
  torch::manual_seed(11);
  auto to_vector = [](const torch::Tensor& t, auto type) {
    using T = decltype(type);
    auto c = t.contiguous();
    return std::vector<T>(c.data_ptr<T>(), c.data_ptr<T>() + c.numel());
  };
  Examples examples;
  examples.targets = to_vector(torch::randint(1, vocabulary, {n}, torch::kLong), std::int64_t{});
  examples.contexts = to_vector(torch::randint(1, vocabulary, {n}, torch::kLong), std::int64_t{});
  examples.labels = to_vector(torch::randint(0, 2, {n}).to(torch::kFloat), float{});
  examples.weights = to_vector(torch::randint(1, 4, {n}).to(torch::kFloat), float{});
  return examples;
}

TEST_F(Cuda, TrainingOnTheDeviceFollowsTheCpuRun) {
  const Examples examples = random_examples(30, 4000);
  Config config;
  config.set("threads", "1", "test");
  config.set("train.batch_size", "64", "test");
  config.set("train.embedding_dim", "8", "test");
  config.set("train.epochs", "3", "test");
  const TrainResult cpu = train_skipgram(examples, 30, config, {}, false);
  config.set("train.device", "cuda", "test");
  const TrainResult gpu = train_skipgram(examples, 30, config, {}, false);
  ASSERT_EQ(gpu.epoch_loss.size(), cpu.epoch_loss.size());
  for (std::size_t e = 0; e < cpu.epoch_loss.size(); ++e) {
    EXPECT_NEAR(gpu.epoch_loss[e], cpu.epoch_loss[e], 1e-4 * cpu.epoch_loss[e]) << "epoch " << e + 1;
  }
  ASSERT_EQ(gpu.embeddings.size(), cpu.embeddings.size());
  double worst = 0;
  for (std::size_t i = 0; i < cpu.embeddings.size(); ++i) {
    worst = std::max(worst, static_cast<double>(std::abs(gpu.embeddings[i] - cpu.embeddings[i])));
  }
  EXPECT_LT(worst, 1e-3) << "largest weight difference after 3 epochs";
}

TEST_F(Cuda, MlLatestSmallOnTheDeviceStaysWithinOnePercentOfKeras) {
  N2V_REQUIRE_ML_SMALL();
  TempDir out;
  auto result = run_n2v("train --device cuda --config " + std::string(N2V_SOURCE_DIR) + "/configs/ml_small.yaml --data-dir " +
                        testing::shared_data("ml-latest-small").string() + " --out " + out.path().string());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::vector<double> loss = read_loss_csv(out / "loss.csv");
  ASSERT_EQ(loss.size(), kKerasReferenceLoss.size());
  EXPECT_LT(max_relative_difference(loss), 0.01);
  // The exported model answers on any machine (its tensors were copied off the device).
  auto similar = run_n2v("similar --model " + (out / "model.pt").string() + " --title \"Matrix, The (1999)\" -k 3");
  EXPECT_EQ(similar.exit_code, 0) << similar.output;
}

}  // namespace
}  // namespace n2v
