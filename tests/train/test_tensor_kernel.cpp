// The tensor kernel (train.kernel tensor): the Keras model's loss and Adam in torch tensor ops, the
// batches on the device, the loss summed there. CUDA runs only this path; the TensorKernel tests
// run it on the CPU against the fused loops, so that on a GPU only the copy to the device is new.
// The Cuda tests run the same checks on a CUDA device and skip without one (CI has none);
// tools/gpu-check.sh runs them on a machine with a GPU.
#include <gtest/gtest.h>
#include <torch/cuda.h>

#include <cmath>

#include "core/config.h"
#include "core/errors.h"
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

// The tensor-op loss and its autograd gradient on `device` against the fused CPU loops.
void expect_loss_and_gradient_match_the_fused_loops(torch::Device device) {
  torch::manual_seed(5);
  const std::int64_t vocabulary = 50, dim = 16, n = 500;
  const auto target = torch::randint(0, vocabulary, {n}, torch::kLong);
  const auto context = torch::randint(0, vocabulary, {n}, torch::kLong);
  const auto labels = torch::randint(0, 2, {n}).to(torch::kFloat);
  const auto weights = torch::randint(1, 5, {n}).to(torch::kFloat);
  const auto start = torch::randn({vocabulary, dim}) * 0.5;
  auto fused = start.clone().requires_grad_(true);
  auto tensor = start.to(device).requires_grad_(true);
  auto fused_loss = fused_skipgram_loss(fused, target, context, labels, weights, 1e-3);
  auto tensor_loss = tensor_op_skipgram_loss(tensor, target.to(device), context.to(device), labels.to(device),
                                             weights.to(device), 1e-3);
  EXPECT_EQ(tensor_loss.device(), device);
  fused_loss.backward();
  tensor_loss.backward();
  EXPECT_NEAR(tensor_loss.item<double>(), fused_loss.item<double>(), 1e-5 * std::abs(fused_loss.item<double>()));
  EXPECT_TRUE(torch::allclose(tensor.grad().cpu(), fused.grad(), 1e-4, 1e-6))
      << (tensor.grad().cpu() - fused.grad()).abs().max().item<double>();
  // The gradient is not trivially equal: the fused loops and autograd computed it apart.
  EXPECT_GT(fused.grad().abs().sum().item<double>(), 0.0);
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

// Three epochs with the tensor kernel on `device` follow the fused CPU run: losses and weights.
void expect_training_follows_the_fused_run(const std::string& device) {
  const Examples examples = random_examples(30, 4000);
  Config config;
  config.set("threads", "1", "test");
  config.set("train.batch_size", "64", "test");
  config.set("train.embedding_dim", "8", "test");
  config.set("train.learning_rate", "0.01", "test");
  config.set("train.kernel", "fused", "test");
  config.set("train.epochs", "2", "test");
  const TrainResult fused_two_epochs = train_skipgram(examples, 30, config, {}, false);
  config.set("train.epochs", "3", "test");
  const TrainResult fused = train_skipgram(examples, 30, config, {}, false);
  config.set("train.kernel", "tensor", "test");
  config.set("train.device", device, "test");
  const TrainResult tensor = train_skipgram(examples, 30, config, {}, false);
  EXPECT_EQ(choice_name(tensor.device), device);
  ASSERT_EQ(tensor.epoch_loss.size(), fused.epoch_loss.size());
  for (std::size_t e = 0; e < fused.epoch_loss.size(); ++e) {
    EXPECT_NEAR(tensor.epoch_loss[e], fused.epoch_loss[e], 1e-4 * fused.epoch_loss[e]) << "epoch " << e + 1;
  }
  EXPECT_LT(fused.epoch_loss.back(), fused.epoch_loss.front()) << "the run did not train";
  ASSERT_EQ(tensor.embeddings.size(), fused.embeddings.size());
  double worst = 0, third_epoch_step = 0;
  for (std::size_t i = 0; i < fused.embeddings.size(); ++i) {
    worst = std::max(worst, static_cast<double>(std::abs(tensor.embeddings[i] - fused.embeddings[i])));
    third_epoch_step = std::max(third_epoch_step, static_cast<double>(std::abs(fused.embeddings[i] - fused_two_epochs.embeddings[i])));
  }
  EXPECT_LT(worst, 1e-3) << "largest weight difference after 3 epochs";
  EXPECT_GT(third_epoch_step, 20 * worst) << "the kernels differ by more than a small part of an epoch's change";
}

// configs/ml_small.yaml on the real data with the tensor kernel on `device`: Keras' curve within 1%.
void expect_ml_latest_small_within_one_percent_of_keras(const std::string& device) {
  TempDir out;
  auto result = run_n2v("train --device " + device + " --set train.kernel=tensor --config " +
                        std::string(N2V_SOURCE_DIR) + "/configs/ml_small.yaml --data-dir " +
                        testing::shared_data("ml-latest-small").string() + " --out " + out.path().string());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::vector<double> loss = read_loss_csv(out / "loss.csv");
  ASSERT_EQ(loss.size(), kKerasReferenceLoss.size());
  EXPECT_LT(max_relative_difference(loss), 0.01);
  // The exported model answers on any machine (on CUDA, its tensors were copied off the device).
  auto similar = run_n2v("similar --model " + (out / "model.pt").string() + " --title \"Matrix, The (1999)\" -k 3");
  EXPECT_EQ(similar.exit_code, 0) << similar.output;
}

TEST(TensorKernel, LossAndGradientMatchTheFusedLoops) { expect_loss_and_gradient_match_the_fused_loops(torch::kCPU); }

TEST(TensorKernel, TrainingFollowsTheFusedRun) { expect_training_follows_the_fused_run("cpu"); }

TEST(TensorKernel, MlLatestSmallStaysWithinOnePercentOfKeras) {
  N2V_REQUIRE_ML_SMALL();
  expect_ml_latest_small_within_one_percent_of_keras("cpu");
}

TEST(TensorKernel, AutoIsFusedOnTheCpuAndTensorOnCuda) {
  EXPECT_FALSE(uses_tensor_kernel(TrainKernel::Auto, ComputeDevice::Cpu));
  EXPECT_TRUE(uses_tensor_kernel(TrainKernel::Tensor, ComputeDevice::Cpu));
  EXPECT_TRUE(uses_tensor_kernel(TrainKernel::Auto, ComputeDevice::Cuda));
  EXPECT_THROW(uses_tensor_kernel(TrainKernel::Fused, ComputeDevice::Cuda), UsageError);
}

TEST(TensorKernel, OnlyTheKerasAggregateModelTakesAKernel) {
  for (const char* other : {"skipgram.model=sgns", "skipgram.mode=stream"}) {
    Config config;
    config.set("train.kernel=tensor");
    config.set(other);
    const std::string message = testing::error_message<ConfigError>([&] { config.validate(); });
    EXPECT_NE(message.find("leave train.kernel at auto"), std::string::npos) << message;
  }
}

class Cuda : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  }
};

TEST_F(Cuda, LossAndGradientMatchTheCpuLoops) { expect_loss_and_gradient_match_the_fused_loops(torch::kCUDA); }

TEST_F(Cuda, TrainingOnTheDeviceFollowsTheCpuRun) { expect_training_follows_the_fused_run("cuda"); }

TEST_F(Cuda, MlLatestSmallOnTheDeviceStaysWithinOnePercentOfKeras) {
  N2V_REQUIRE_ML_SMALL();
  expect_ml_latest_small_within_one_percent_of_keras("cuda");
}

}  // namespace
}  // namespace n2v
