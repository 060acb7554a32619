// Training checkpoints: what --resume restores, and what it refuses.
#include "train/checkpoint.h"

#include <gtest/gtest.h>

#include <functional>

#include "core/errors.h"
#include "test_util.h"
#include "train/torch_version.h"

namespace n2v {
namespace {

using testing::read_text;
using testing::TempDir;
using testing::write_text;
namespace fs = std::filesystem;

torch::optim::Adam adam_for(SkipGram& model) {
  return torch::optim::Adam(model->parameters(), torch::optim::AdamOptions(0.01).eps(1e-7));
}

// The same batch each time: Adam's moments and step count then decide where the weights go.
void adam_steps(SkipGram& model, torch::optim::Adam& optimizer, int steps) {
  const torch::Tensor target = torch::tensor({1, 2, 3, 7}, torch::kLong);
  const torch::Tensor context = torch::tensor({4, 5, 1, 2}, torch::kLong);
  const torch::Tensor labels = torch::tensor({1.0f, 0.0f, 1.0f, 0.0f});
  for (int s = 0; s < steps; ++s) {
    optimizer.zero_grad();
    torch::binary_cross_entropy_with_logits(model->forward(target, context), labels).backward();
    optimizer.step();
  }
}

// Adam's moments of `parameter`; null before its first step.
const torch::optim::AdamParamState* adam_state(torch::optim::Adam& optimizer, const torch::Tensor& parameter) {
  auto it = optimizer.state().find(optimizer_state_key(optimizer, parameter));
  return it == optimizer.state().end() ? nullptr : static_cast<const torch::optim::AdamParamState*>(it->second.get());
}

template <typename Error>
std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    adam_steps(model_, optimizer_, 3);
    extra_["m"] = torch::arange(6, torch::kFloat).reshape({2, 3});
    save_checkpoint(path(), model_, optimizer_, state_, run_fingerprint(Config{}), extra_);
  }
  fs::path path() const { return dir_ / "checkpoint.pt"; }

  TempDir dir_;
  SkipGram model_{20, 4, 1};
  torch::optim::Adam optimizer_ = adam_for(model_);
  Checkpoint state_{2, {2.5, 2.4}, {0.125, 0.25}};
  ExtraState extra_;
};

TEST_F(CheckpointTest, RoundTripRestoresModelAdamStateExtraTensorsAndLossHistory) {
  SkipGram model(20, 4, 2);  // another initialisation, overwritten by the load
  ASSERT_FALSE(torch::equal(model->weight(), model_->weight()));
  torch::optim::Adam optimizer = adam_for(model);
  ExtraState extra{{"m", torch::zeros({2, 3})}};
  Checkpoint loaded = load_checkpoint(path(), read_checkpoint_bytes(path(), nullptr), model, optimizer,
                                      run_fingerprint(Config{}), extra);
  EXPECT_EQ(loaded.epoch, 2);
  EXPECT_EQ(loaded.loss, state_.loss);
  EXPECT_EQ(loaded.seconds, state_.seconds);
  EXPECT_TRUE(torch::equal(model->weight(), model_->weight()));
  EXPECT_TRUE(torch::equal(extra.at("m"), extra_.at("m"))) << extra.at("m");

  const auto* saved = adam_state(optimizer_, model_->weight());
  const auto* restored = adam_state(optimizer, model->weight());
  ASSERT_NE(saved, nullptr);
  ASSERT_NE(restored, nullptr) << "Adam's moments were not restored";
  EXPECT_EQ(restored->step(), 3);
  EXPECT_TRUE(torch::equal(restored->exp_avg(), saved->exp_avg()));
  EXPECT_TRUE(torch::equal(restored->exp_avg_sq(), saved->exp_avg_sq()));
  // The next steps go exactly where the uninterrupted run's go.
  adam_steps(model_, optimizer_, 2);
  adam_steps(model, optimizer, 2);
  EXPECT_TRUE(torch::equal(model->weight(), model_->weight()));
}

TEST_F(CheckpointTest, OtherSettingsAreRefusedWithAUsageError) {
  Config other;
  other.walk.p = 2;
  SkipGram model(20, 4, 2);
  torch::optim::Adam optimizer = adam_for(model);
  ExtraState extra{{"m", torch::zeros({2, 3})}};
  const std::string bytes = read_checkpoint_bytes(path(), nullptr);
  const std::string message = error_of<UsageError>(
      [&] { load_checkpoint(path(), bytes, model, optimizer, run_fingerprint(other), extra); });
  EXPECT_NE(message.find("--resume: " + path().string() + " was made with other settings"), std::string::npos)
      << message;
  const std::string resume = error_of<UsageError>([&] { check_resumable(other, dir_.path()); });
  EXPECT_NE(resume.find("other settings"), std::string::npos) << resume;

  // What may change on resume: more epochs, other threads, device, data folder and distribution.
  Config resumed;
  for (const char* change :
       {"train.epochs=30", "threads=3", "train.device=auto", "data.dir=/elsewhere", "dist.timeout_s=5"})
    resumed.set(change);
  EXPECT_EQ(run_fingerprint(resumed), run_fingerprint(Config{}));
  EXPECT_NO_THROW(check_resumable(resumed, dir_.path()));
  resumed.set("train.learning_rate=0.002");
  EXPECT_NE(run_fingerprint(resumed), run_fingerprint(Config{}));
}

TEST_F(CheckpointTest, BytesThatAreNoCheckpointAreADataErrorNamingTheFile) {
  SkipGram model(20, 4, 2);
  torch::optim::Adam optimizer = adam_for(model);
  ExtraState extra;
  const std::string expected = path().string() + ": not a readable n2v checkpoint";
  EXPECT_EQ(error_of<DataError>([&] {
              load_checkpoint(path(), "not a checkpoint", model, optimizer, run_fingerprint(Config{}), extra);
            }),
            expected);
  const std::string bytes = read_text(path());
  EXPECT_EQ(error_of<DataError>([&] {
              load_checkpoint(path(), bytes.substr(0, bytes.size() / 2), model, optimizer, run_fingerprint(Config{}),
                              extra);
            }),
            expected)
      << "a truncated copy";
  write_text(path(), "garbage");
  EXPECT_EQ(error_of<DataError>([&] { check_resumable(Config{}, dir_.path()); }), expected);

  const fs::path missing = dir_ / "none" / "checkpoint.pt";
  EXPECT_EQ(error_of<UsageError>([&] { read_checkpoint_bytes(missing, nullptr); }),
            "--resume: no checkpoint at " + missing.string());
  EXPECT_EQ(error_of<UsageError>([&] { check_resumable(Config{}, dir_ / "none"); }),
            "--resume: no checkpoint at " + missing.string());
}

TEST(LossCsv, OneLinePerEpochWithLossAndSeconds) {
  TempDir dir;
  write_loss_csv(dir / "loss.csv", Checkpoint{2, {2.4527, 2.3431}, {1.5, 3.25}});
  EXPECT_EQ(read_text(dir / "loss.csv"), "epoch,loss,seconds\n1,2.452700,1.500\n2,2.343100,3.250\n");
}

}  // namespace
}  // namespace n2v
