// Training checkpoints: what --resume restores, and what it refuses.
#include "train/checkpoint.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <limits>
#include <map>

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

const std::string kDigest = "examples 0123456789abcdef";

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    adam_steps(model_, optimizer_, 3);
    extra_["m"] = torch::arange(6, torch::kFloat).reshape({2, 3});
    save_checkpoint(path(), model_, optimizer_, state_, run_fingerprint(Config{}), kDigest, extra_);
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
                                      run_fingerprint(Config{}), kDigest, extra);
  EXPECT_EQ(loaded.epoch, 2);
  EXPECT_EQ(loaded.loss, state_.loss);
  EXPECT_EQ(loaded.seconds, state_.seconds);
  EXPECT_TRUE(torch::equal(model->weight(), model_->weight()));
  EXPECT_TRUE(torch::equal(extra.at("m").tensor, extra_.at("m").tensor)) << extra.at("m").tensor;

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
      [&] { load_checkpoint(path(), bytes, model, optimizer, run_fingerprint(other), kDigest, extra); });
  EXPECT_NE(message.find("--resume: " + path().string() + " was made with other settings"), std::string::npos)
      << message;
  EXPECT_NE(message.find("(walk.p: 2 here, 1 in the checkpoint)"), std::string::npos) << "names what differs: " << message;
  const std::string resume = error_of<UsageError>([&] { check_resumable(other, dir_.path()); });
  EXPECT_NE(resume.find("other settings"), std::string::npos) << resume;

  // What may change on resume: more epochs, other threads, device, data folder and distribution.
  Config resumed;
  // What may change on resume: more epochs, other threads, device, kernel, data folder, download, exports
  // and distribution.
  for (const char* change :
       {"train.epochs=30", "threads=3", "train.device=auto", "train.kernel=tensor", "data.dir=/elsewhere",
        "data.url=file:///elsewhere.zip", "data.sha256=abc", "export.onnx=false", "export.numpy=false",
        "dist.timeout_s=5"})
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
  auto load_message = [&](const std::string& bytes) {
    return error_of<DataError>(
        [&] { load_checkpoint(path(), bytes, model, optimizer, run_fingerprint(Config{}), kDigest, extra); });
  };
  const std::string prefix = path().string() + " is not an n2v checkpoint (";
  EXPECT_EQ(load_message("not a checkpoint").rfind(prefix + "not a readable torch archive: ", 0), 0u)
      << load_message("not a checkpoint");
  const std::string bytes = read_text(path());
  EXPECT_EQ(load_message(bytes.substr(0, bytes.size() / 2)).rfind(prefix, 0), 0u) << "a truncated copy";
  EXPECT_EQ(load_message("").rfind(prefix + "the file is empty)", 0), 0u) << load_message("");
  for (const std::string& message : {load_message("not a checkpoint"), load_message(bytes.substr(0, 100))})
    EXPECT_EQ(message.find('\n'), std::string::npos) << "one line, no c10 backtrace: " << message;

  write_text(path(), "garbage");
  EXPECT_EQ(error_of<DataError>([&] { check_resumable(Config{}, dir_.path()); }).rfind(prefix, 0), 0u);
  write_text(path(), "");
  EXPECT_EQ(error_of<DataError>([&] { check_resumable(Config{}, dir_.path()); }),
            prefix + "the file is empty); --resume reads the checkpoint.pt that `n2v train` writes into its --out "
                     "folder; start a new --out folder (or delete the checkpoint) to train from scratch");
  fs::remove(path());
  fs::create_directory(path());
  EXPECT_EQ(error_of<DataError>([&] { read_checkpoint_bytes(path(), nullptr); }), prefix + "it is a folder)");
  EXPECT_EQ(error_of<DataError>([&] { check_resumable(Config{}, dir_.path()); }), prefix + "it is a folder)");

  const fs::path missing = dir_ / "none" / "checkpoint.pt";
  EXPECT_EQ(error_of<UsageError>([&] { read_checkpoint_bytes(missing, nullptr); }),
            "--resume: no checkpoint at " + missing.string());
  EXPECT_EQ(error_of<UsageError>([&] { check_resumable(Config{}, dir_ / "none"); }),
            "--resume: no checkpoint at " + missing.string());
}

// A checkpoint of other data under the same settings: refused before a tensor meets the model (a
// smaller vocabulary's matrix once replaced the model's storage and corrupted the heap).
TEST_F(CheckpointTest, OtherDataIsRefusedBeforeAnyTensorIsUsed) {
  const std::string bytes = read_checkpoint_bytes(path(), nullptr);
  SkipGram bigger(30, 4, 2);
  torch::optim::Adam optimizer = adam_for(bigger);
  const torch::Tensor before = bigger->weight().clone();
  ExtraState extra{{"m", torch::zeros({2, 3})}};
  EXPECT_EQ(error_of<UsageError>([&] {
              load_checkpoint(path(), bytes, bigger, optimizer, run_fingerprint(Config{}), kDigest, extra);
            }).rfind("--resume: " + path().string() + " was trained on other data: a vocabulary of 20 tokens, this "
                     "run's has 30", 0),
            0u);
  EXPECT_TRUE(torch::equal(bigger->weight(), before)) << "the model is untouched";

  SkipGram same(20, 4, 2);
  torch::optim::Adam same_optimizer = adam_for(same);
  const std::string message = error_of<UsageError>([&] {
    load_checkpoint(path(), bytes, same, same_optimizer, run_fingerprint(Config{}), "examples fedcba9876543210", extra);
  });
  EXPECT_NE(message.find("was trained on other data (its examples 0123456789abcdef, this run's examples "
                         "fedcba9876543210)"), std::string::npos)
      << message;
}

TEST(TrainingDataDigest, ChangesWithAnyExampleOrWalk) {
  Examples examples{{1, 2, 3}, {2, 3, 1}, {1.0f, 0.0f, 1.0f}, {1.0f, 2.0f, 1.0f}};
  const std::string digest = training_data_digest(examples);
  EXPECT_EQ(digest.rfind("examples ", 0), 0u);
  EXPECT_EQ(training_data_digest(examples), digest);
  Examples other = examples;
  other.weights[2] = 3.0f;
  EXPECT_NE(training_data_digest(other), digest);
  other = examples;
  other.targets.push_back(1);
  EXPECT_NE(training_data_digest(other), digest);

  Walks walks;
  walks.nodes = {1, 2, 3, 4};
  walks.offsets = {0, 2, 4};
  const std::string walk_digest = training_data_digest(walks);
  EXPECT_EQ(walk_digest.rfind("walks ", 0), 0u);
  walks.offsets = {0, 1, 4};  // the same nodes cut into other walks
  EXPECT_NE(training_data_digest(walks), walk_digest);
}

// Checkpoints built record by record, each with one record wrong: every one is a DataError that
// names the file and the record, and the model and extra tensors keep their values.
class HostileCheckpointTest : public ::testing::Test {
 protected:
  using Records = std::map<std::string, c10::IValue>;

  // A checkpoint as save_checkpoint writes it, before the data records existed (so only the shape
  // checks stand between a wrong tensor and the model), from `saved` and its optimizer.
  Records good_records() const {
    return {{"epoch", torch::tensor(std::int64_t{2})},
            {"loss", torch::tensor(std::vector<double>{2.5, 2.4}, torch::kDouble)},
            {"seconds", torch::tensor(std::vector<double>{0.125, 0.25}, torch::kDouble)},
            {"fingerprint", c10::IValue(run_fingerprint(Config{}))},
            {"extra/v", torch::ones({2, 3})}};
  }
  void write(SkipGram& model, torch::optim::Adam& optimizer, const Records& records) {
    torch::serialize::OutputArchive archive, model_archive, optimizer_archive;
    model->save(model_archive);
    optimizer.save(optimizer_archive);
    archive.write("model", model_archive);
    archive.write("optimizer", optimizer_archive);
    for (const auto& [key, value] : records) archive.write(key, value);
    archive.save_to(path().string());
  }
  // The DataError of resuming a 20 x 4 model from the file ("" when it loads).
  std::string load_error() {
    SkipGram model(20, 4, 2);
    torch::optim::Adam optimizer = adam_for(model);
    const torch::Tensor before = model->weight().clone();
    ExtraState extra{{"v", {torch::zeros({2, 3}), /*non_negative=*/true}}};
    const std::string message = error_of<DataError>([&] {
      load_checkpoint(path(), read_checkpoint_bytes(path(), nullptr), model, optimizer, run_fingerprint(Config{}),
                      kDigest, extra);
    });
    EXPECT_TRUE(torch::equal(model->weight(), before)) << "model changed by a refused checkpoint: " << message;
    EXPECT_TRUE(torch::equal(extra.at("v").tensor, torch::zeros({2, 3}))) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    return message;
  }
  void expect_damaged(const std::string& what) {
    const std::string message = load_error();
    EXPECT_EQ(message.rfind(path().string() + ": damaged n2v checkpoint: " + what, 0), 0u) << what << "\n" << message;
  }
  fs::path path() const { return dir_ / "checkpoint.pt"; }

  TempDir dir_;
  SkipGram saved_{20, 4, 1};
  torch::optim::Adam optimizer_ = adam_for(saved_);
};

TEST_F(HostileCheckpointTest, TheGoodRecordsLoad) {
  adam_steps(saved_, optimizer_, 2);
  write(saved_, optimizer_, good_records());
  SkipGram model(20, 4, 2);
  torch::optim::Adam optimizer = adam_for(model);
  ExtraState extra{{"v", {torch::zeros({2, 3}), true}}};
  const Checkpoint state = load_checkpoint(path(), read_checkpoint_bytes(path(), nullptr), model, optimizer,
                                           run_fingerprint(Config{}), kDigest, extra);
  EXPECT_EQ(state.epoch, 2);
  EXPECT_TRUE(torch::equal(model->weight(), saved_->weight()));
  EXPECT_TRUE(torch::equal(extra.at("v").tensor, torch::ones({2, 3})));
}

TEST_F(HostileCheckpointTest, AModelOfASmallerVocabularyIsRefusedByItsShape) {
  SkipGram smaller(10, 4, 1);
  torch::optim::Adam optimizer = adam_for(smaller);
  write(smaller, optimizer, good_records());
  expect_damaged("'model/embedding.weight' has shape [10, 4], expected [20, 4]");
}

TEST_F(HostileCheckpointTest, WrongDtypeAndNonFiniteWeightsAreRefused) {
  SkipGram doubled(20, 4, 1);
  doubled->to(torch::kDouble);
  torch::optim::Adam doubled_optimizer = adam_for(doubled);
  write(doubled, doubled_optimizer, good_records());
  expect_damaged("'model/embedding.weight' has dtype Double, expected Float");

  {
    torch::NoGradGuard no_grad;
    saved_->weight()[3][1] = std::numeric_limits<float>::quiet_NaN();
  }
  write(saved_, optimizer_, good_records());
  expect_damaged("'model/embedding.weight' holds NaN or infinite values");
}

TEST_F(HostileCheckpointTest, AdamStateOfAnotherShapeOrWithNegativeMomentsIsRefused) {
  SkipGram smaller(10, 4, 1);
  torch::optim::Adam smaller_optimizer = adam_for(smaller);
  adam_steps(smaller, smaller_optimizer, 1);
  write(saved_, smaller_optimizer, good_records());
  expect_damaged("Adam's first moment has shape [10, 4], expected [20, 4]");

  adam_steps(saved_, optimizer_, 1);
  adam_state(optimizer_, saved_->weight())->exp_avg_sq().fill_(-1);
  write(saved_, optimizer_, good_records());
  expect_damaged("Adam's second moment holds negative values");

}

TEST_F(HostileCheckpointTest, AdamOptionsAreTheRunsWhateverTheFileSays) {
  torch::optim::Adam other_rate(saved_->parameters(), torch::optim::AdamOptions(0.5).eps(1e-3));
  adam_steps(saved_, other_rate, 1);
  write(saved_, other_rate, good_records());
  SkipGram model(20, 4, 2);
  torch::optim::Adam optimizer = adam_for(model);
  ExtraState extra{{"v", {torch::zeros({2, 3}), true}}};
  load_checkpoint(path(), read_checkpoint_bytes(path(), nullptr), model, optimizer, run_fingerprint(Config{}), kDigest,
                  extra);
  const auto& options = static_cast<const torch::optim::AdamOptions&>(optimizer.param_groups().at(0).options());
  EXPECT_EQ(options.lr(), 0.01);
  EXPECT_EQ(options.eps(), 1e-7);
  ASSERT_NE(adam_state(optimizer, model->weight()), nullptr);
  EXPECT_EQ(adam_state(optimizer, model->weight())->step(), 1);
}

TEST_F(HostileCheckpointTest, ExtraStateIsCheckedForShapeDtypeFinitenessAndSign) {
  const std::vector<std::pair<torch::Tensor, std::string>> cases{
      {torch::ones({3, 2}), "'extra/v' has shape [3, 2], expected [2, 3]"},
      {torch::ones({2, 3}, torch::kDouble), "'extra/v' has dtype Double, expected Float"},
      {torch::full({2, 3}, std::numeric_limits<float>::infinity()), "'extra/v' holds NaN or infinite values"},
      {torch::full({2, 3}, -1.0f), "'extra/v' holds negative values"}};
  for (const auto& [tensor, what] : cases) {
    Records records = good_records();
    records["extra/v"] = tensor;
    write(saved_, optimizer_, records);
    expect_damaged(what);
  }
  Records missing = good_records();
  missing.erase("extra/v");
  write(saved_, optimizer_, missing);
  expect_damaged("no tensor 'extra/v'");
}

TEST_F(HostileCheckpointTest, EpochAndLossHistoryAreChecked) {
  const std::vector<std::pair<std::pair<std::string, c10::IValue>, std::string>> cases{
      {{"epoch", torch::tensor(std::int64_t{-1})}, "'epoch' holds negative values"},
      {{"epoch", torch::tensor(2.0, torch::kDouble)}, "'epoch' has dtype Double, expected Long"},
      {{"epoch", torch::tensor(std::int64_t{3})}, "'loss' has shape [2], expected [3]"},
      {{"epoch", torch::tensor(std::int64_t{1} << 40)}, "'epoch' is 1099511627776"},
      {{"epoch", torch::tensor(std::int64_t{2147483647})}, "'loss' has shape [2], expected [2147483647]"},
      {{"loss", torch::tensor(std::vector<double>{2.5, std::nan("")}, torch::kDouble)},
       "'loss' holds NaN or infinite values"},
      {{"seconds", torch::tensor(std::vector<double>{0.5, -1.0}, torch::kDouble)}, "'seconds' holds negative values"},
      {{"fingerprint", c10::IValue(std::int64_t{7})}, ""}};
  for (const auto& [record, what] : cases) {
    Records records = good_records();
    records[record.first] = record.second;
    write(saved_, optimizer_, records);
    if (what.empty()) {
      const std::string message = load_error();
      EXPECT_EQ(message.rfind(path().string() + " is not an n2v checkpoint (no fingerprint record)", 0), 0u) << message;
    } else {
      expect_damaged(what);
    }
  }
}

TEST_F(HostileCheckpointTest, AModelFileIsNamedAsOne) {
  torch::serialize::OutputArchive model_like;
  model_like.write("n2v_format_version", c10::IValue(std::int64_t{1}));
  model_like.save_to(path().string());
  EXPECT_EQ(load_error().rfind(path().string() + " is not an n2v checkpoint (it is an n2v model.pt, not a "
                                                 "checkpoint.pt)", 0),
            0u)
      << load_error();
}

// The command line, on ml-latest-small, one epoch.
class CheckpointCliTest : public ::testing::Test {
 protected:
  void SetUp() override { N2V_REQUIRE_ML_SMALL(); }
  std::string train(const fs::path& data, const fs::path& out, const std::string& more = "") const {
    return "train --config '" + std::string(N2V_SOURCE_DIR) + "/configs/ml_small.yaml' --data-dir '" + data.string() +
           "' --out '" + out.string() + "' --epochs 1 --set export.onnx=false " + more;
  }
  static fs::path ml_small() { return testing::shared_data("ml-latest-small"); }
  TempDir dir_;
};

// The example: a checkpoint of a smaller vocabulary (the first 80000 ratings) once
// corrupted the heap on --resume with the whole data set.
TEST_F(CheckpointCliTest, ResumingFromACheckpointOfOtherDataIsRefused) {
  const fs::path small = dir_ / "small";
  const std::string ratings = read_text(ml_small() / "ratings.csv");
  std::size_t end = 0;
  for (int line = 0; line < 80000; ++line) end = ratings.find('\n', end) + 1;
  write_text(small / "ratings.csv", ratings.substr(0, end));
  fs::copy_file(ml_small() / "movies.csv", small / "movies.csv");
  auto first = testing::run_n2v(train(small, dir_ / "run"));
  ASSERT_EQ(first.exit_code, 0) << first.output;
  auto resumed = testing::run_n2v(train(ml_small(), dir_ / "run", "--resume"));
  EXPECT_EQ(resumed.exit_code, 2) << resumed.output;
  EXPECT_NE(resumed.output.find("n2v: error: --resume: " + (dir_ / "run" / "checkpoint.pt").string() +
                                " was trained on other data: a vocabulary of "),
            std::string::npos)
      << resumed.output;
}

// A full disk while checkpoint.pt or model.pt is written: one line and exit 1 (torch's writer
// once aborted the process), no temporary file left.
TEST_F(CheckpointCliTest, AFullDiskWhileACheckpointOrTheModelIsWrittenIsOneLineAndExitOne) {
  for (const std::string file : {"checkpoint.pt", "model.pt"}) {
    const fs::path out = dir_ / ("run-" + file.substr(0, file.find('.')));
    auto result = testing::run_n2v_on_full_disk(out, 4096, file, train(ml_small(), out));
    EXPECT_EQ(result.exit_code, 1) << result.output;
    // One last line naming the file where it was written: checkpoint.pt in OUT, model.pt in the
    // run's staging folder inside OUT (core/run_folder.h).
    const std::string last_line = result.output.substr(result.output.rfind('\n', result.output.size() - 2) + 1);
    EXPECT_EQ(last_line.rfind("n2v: error: cannot write " + out.string() + "/", 0), 0u) << result.output;
    const std::string ending = "/" + file + ": No space left on device\n";
    EXPECT_EQ(last_line.substr(last_line.size() - std::min(last_line.size(), ending.size())), ending) << result.output;
    EXPECT_EQ(result.output.find("terminate"), std::string::npos) << result.output;
    // The run made OUT, so a failed run leaves no OUT at all (or, if anything stays, no temporary file).
    if (fs::exists(out)) EXPECT_TRUE(testing::temp_files_in(out).empty()) << testing::temp_files_in(out).front();
  }
}

TEST(LossCsv, OneLinePerEpochWithLossAndSeconds) {
  TempDir dir;
  write_loss_csv(dir / "loss.csv", Checkpoint{2, {2.4527, 2.3431}, {1.5, 3.25}});
  EXPECT_EQ(read_text(dir / "loss.csv"), "epoch,loss,seconds\n1,2.452700,1.500\n2,2.343100,3.250\n");
}

}  // namespace
}  // namespace n2v
