#include <gtest/gtest.h>
#include <torch/cuda.h>

#include <cmath>

#include "core/errors.h"
#include "core/thread_pool.h"
#include "core/progress.h"
#include "eval/keras_reference.h"
#include "eval/loss_report.h"
#include "graph/cooccurrence.h"
#include "models/skipgram.h"
#include "models/skipgram_loss.h"
#include "pipeline/pipeline.h"
#include "test_util.h"
#include "train/keras_adam.h"
#include "train/train.h"
#include "walk/examples.h"
#include "walk/walks.h"

namespace n2v {
namespace {

using testing::run_n2v;
using testing::TempDir;

TEST(SkipGram, ForwardIsTheDotProductOfSharedRows) {
  SkipGram model(4, 2, 1);
  {
    torch::NoGradGuard no_grad;
    model->weight().copy_(torch::tensor({{0.f, 0.f}, {1.f, 2.f}, {3.f, -1.f}, {0.5f, 0.5f}}));
  }
  auto logits = model->forward(torch::tensor({1, 2, 3}, torch::kLong), torch::tensor({2, 2, 1}, torch::kLong));
  // (1,2).(3,-1) = 1; (3,-1).(3,-1) = 10; (0.5,0.5).(1,2) = 1.5
  ASSERT_EQ(logits.sizes(), (std::vector<std::int64_t>{3}));
  EXPECT_FLOAT_EQ(logits[0].item<float>(), 1.0f);
  EXPECT_FLOAT_EQ(logits[1].item<float>(), 10.0f);
  EXPECT_FLOAT_EQ(logits[2].item<float>(), 1.5f);
}

TEST(SkipGram, LossAndGradientMatchAHandComputation) {
  SkipGram model(3, 1, 1);
  {
    torch::NoGradGuard no_grad;
    model->weight().copy_(torch::tensor({{0.5f}, {2.0f}, {-1.0f}}));
  }
  auto target = torch::tensor({1, 1}, torch::kLong);
  auto context = torch::tensor({2, 0}, torch::kLong);
  auto labels = torch::tensor({1.0f, 0.0f});
  auto weights = torch::tensor({3.0f, 1.0f});
  const double l2 = 0.01;
  auto loss = keras_skipgram_loss(model->forward(target, context), labels, weights, model->weight(), l2);
  loss.backward();
  // logits: 2 * -1 = -2 (label 1, weight 3), 2 * 0.5 = 1 (label 0, weight 1); batch of 2.
  auto softplus = [](double x) { return std::log1p(std::exp(x)); };
  double bce = (3 * softplus(2.0) + 1 * softplus(1.0)) / 2;
  double reg = l2 * (0.25 + 4.0 + 1.0);
  EXPECT_NEAR(loss.item<double>(), bce + reg, 1e-6);
  auto sigmoid = [](double x) { return 1 / (1 + std::exp(-x)); };
  // dL/dlogit_i = w_i (sigmoid(x_i) - y_i) / batch; dW = that times the other row, plus 2 l2 W.
  double g0 = 3 * (sigmoid(-2.0) - 1) / 2, g1 = 1 * (sigmoid(1.0) - 0) / 2;
  auto grad = model->weight().grad();
  EXPECT_NEAR(grad[0][0].item<double>(), g1 * 2.0 + 2 * l2 * 0.5, 1e-6);
  EXPECT_NEAR(grad[1][0].item<double>(), g0 * -1.0 + g1 * 0.5 + 2 * l2 * 2.0, 1e-6);
  EXPECT_NEAR(grad[2][0].item<double>(), g0 * 2.0 + 2 * l2 * -1.0, 1e-6);
}

TEST(SkipGram, FusedLossEqualsTheAutogradReference) {
  torch::manual_seed(3);
  const std::int64_t vocabulary = 40, dim = 16, n = 300;
  auto target = torch::randint(0, vocabulary, {n}, torch::kLong);
  auto context = torch::randint(0, vocabulary, {n}, torch::kLong);
  context.index_put_({torch::indexing::Slice(0, 10)}, target.index({torch::indexing::Slice(0, 10)}));  // t == c rows
  auto labels = torch::randint(0, 2, {n}).to(torch::kFloat);
  auto weights = torch::randint(1, 5, {n}).to(torch::kFloat);
  for (bool large_logits : {false, true}) {
    SkipGram reference(vocabulary, dim, 1), fused(vocabulary, dim, 1);
    if (large_logits) {
      torch::NoGradGuard no_grad;
      reference->weight().mul_(20);
      fused->weight().mul_(20);
    }
    auto expected = keras_skipgram_loss(reference->forward(target, context), labels, weights, reference->weight(), 1e-3);
    expected.backward();
    auto got = fused_skipgram_loss(fused->weight(), target, context, labels, weights, 1e-3);
    (got * 2).backward();  // an upstream gradient other than 1 must scale the result
    EXPECT_NEAR(got.item<double>(), expected.item<double>(), 1e-5 * std::abs(expected.item<double>()));
    EXPECT_TRUE(torch::allclose(fused->weight().grad(), 2 * reference->weight().grad(), 1e-4, 1e-6))
        << (fused->weight().grad() - 2 * reference->weight().grad()).abs().max().item<double>();
  }
}

// The fused loss and Keras' Adam split their loops over threads (partial sums over fixed chunks, the
// gradient's rows by owner, Adam's pass by ranges): a few steps on 1, 2 and 3 threads give the same
// bits. 2,000 examples over 300 rows with repeats and t == c pairs, so that every owner has rows whose
// terms must add in example order, and a matrix of several sum-of-squares chunks.
TEST(SkipGram, FusedLossAndAdamGiveTheSameBitsOnAnyThreadCount) {
  torch::manual_seed(5);
  const std::int64_t vocabulary = 300, dim = 64, n = 2000;
  auto target = torch::randint(0, vocabulary, {n}, torch::kLong);
  auto context = torch::randint(0, vocabulary, {n}, torch::kLong);
  context.index_put_({torch::indexing::Slice(0, 50)}, target.index({torch::indexing::Slice(0, 50)}));
  auto labels = torch::randint(0, 2, {n}).to(torch::kFloat);
  auto weights = torch::randint(1, 5, {n}).to(torch::kFloat);
  std::vector<float> first_weights, first_losses;
  for (int threads : {1, 2, 3}) {
    SkipGram model(vocabulary, dim, 1);
    torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(0.01).eps(1e-7));
    std::vector<float> losses;
    for (int step = 0; step < 3; ++step) {
      clear_gradients(optimizer);
      auto loss = fused_skipgram_loss(model->weight(), target, context, labels, weights, 1e-3, threads);
      loss.backward();
      keras_adam_step(optimizer, threads);
      losses.push_back(loss.item<float>());
    }
    auto w = model->weight().detach().contiguous();
    std::vector<float> got(w.data_ptr<float>(), w.data_ptr<float>() + w.numel());
    if (threads == 1) {
      first_weights = got;
      first_losses = losses;
      continue;
    }
    EXPECT_EQ(losses, first_losses) << threads << " threads";
    EXPECT_TRUE(got == first_weights) << threads << " threads";
  }
}

TEST(SkipGram, InitialiserIsKerasHeNormal) {
  const std::int64_t vocabulary = 1406, dim = 50;
  SkipGram model(vocabulary, dim, 7);
  auto w = model->weight().detach();
  double expected_sd = std::sqrt(2.0 / vocabulary);  // fan_in = V, not dim
  EXPECT_NEAR(w.std().item<double>(), expected_sd, 0.02 * expected_sd);
  EXPECT_NEAR(w.mean().item<double>(), 0.0, 0.02 * expected_sd);
  double bound = 2.0 * expected_sd / 0.87962566103423978;  // truncated at 2 sd of the untruncated normal
  EXPECT_LE(w.abs().max().item<double>(), bound * (1 + 1e-6));
  EXPECT_GT(w.abs().max().item<double>(), 0.95 * bound);
  SkipGram same(vocabulary, dim, 7), other(vocabulary, dim, 8);
  EXPECT_TRUE(torch::equal(w, same->weight().detach()));
  EXPECT_FALSE(torch::equal(w, other->weight().detach()));
}

// A small graph's examples, for the training mechanics.
Examples small_examples() {
  std::vector<Edge> edges;
  for (NodeId v = 1; v < 30; ++v) edges.push_back({v, static_cast<NodeId>(v % 29 + 1), 1.0f + v % 3});
  for (NodeId v = 1; v < 30; v += 3) edges.push_back({v, static_cast<NodeId>((v + 7) % 29 + 1), 2.0f});
  CsrGraph g = CsrGraph::from_edges(30, edges, false);
  WalkOptions walk_options = walk_options_from(Config{});
  walk_options.num_walks = 20;
  Walks walks = generate_walks(g, walk_options);
  ExampleOptions example_options = example_options_from(Config{});
  example_options.window = 3;
  return generate_examples(walks, 30, example_options);
}

// Settings that train small_examples() in a blink: one thread, batches of 64, 8 dimensions.
Config small_training_config(int epochs) {
  Config config;
  config.threads = 1;
  config.train.batch_size = 64;
  config.train.embedding_dim = 8;
  config.train.epochs = epochs;
  return config;
}

TEST(Train, ResumeEndsWithTheSameWeightsAsAnUninterruptedRun) {
  set_quiet(true);
  Examples examples = small_examples();
  Config config = small_training_config(3);
  TempDir full, resumed;
  TrainResult straight = train_skipgram(examples, 30, config, full.path(), false);
  ASSERT_EQ(straight.epoch_loss.size(), 3u);
  Config two = config;
  two.train.epochs = 2;
  train_skipgram(examples, 30, two, resumed.path(), false);
  EXPECT_EQ(read_loss_csv(resumed / "loss.csv").size(), 2u);
  TrainResult continued = train_skipgram(examples, 30, config, resumed.path(), true);
  EXPECT_EQ(continued.first_epoch, 3);
  EXPECT_EQ(continued.epoch_loss, straight.epoch_loss);
  EXPECT_EQ(continued.embeddings, straight.embeddings) << "bit-identical weights after resume";
  EXPECT_EQ(read_loss_csv(resumed / "loss.csv"), read_loss_csv(full / "loss.csv"));

  Config changed = config;
  changed.walk.p = 2;  // other examples: the checkpoint must not be reused
  EXPECT_THROW(train_skipgram(examples, 30, changed, resumed.path(), true), UsageError);
}

// train.learning_rate: 1e30 once trained to -nan, exported NaN vectors and exited 0.
TEST(Train, ANonFiniteLossStopsTrainingAndLeavesTheLastGoodFiles) {
  set_quiet(true);
  Examples examples = small_examples();
  Config config = small_training_config(2);
  TempDir dir;
  train_skipgram(examples, 30, config, dir.path(), false);
  const std::string checkpoint = testing::read_text(dir / "checkpoint.pt");
  const std::string loss = testing::read_text(dir / "loss.csv");
  Config diverging = config;
  diverging.train.learning_rate = 1e30;
  diverging.train.epochs = 3;
  try {
    train_skipgram(examples, 30, diverging, dir.path(), false);
    ADD_FAILURE() << "trained through a non-finite loss";
  } catch (const TrainingError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind("training diverged: the loss of epoch 1/3 (the mean of its ", 0), 0u) << message;
    EXPECT_TRUE(message.find(" is nan") != std::string::npos || message.find(" is -nan") != std::string::npos ||
                message.find(" is inf") != std::string::npos)
        << message;
    EXPECT_NE(message.find("lower train.learning_rate = 1e+30 or train.l2 = 1e-06"), std::string::npos) << message;
    // The step is named: not the first, whose loss is computed before any update.
    const std::size_t at = message.find(", first at step ");
    ASSERT_NE(at, std::string::npos) << message;
    EXPECT_NE(message.substr(at + 16, 2), "1/") << message;
    EXPECT_EQ(e.exit_code(), 1);
  }
  EXPECT_EQ(testing::read_text(dir / "checkpoint.pt"), checkpoint) << "the good checkpoint stays";
  EXPECT_EQ(testing::read_text(dir / "loss.csv"), loss);
}

TEST(Train, AnEmbeddingThatCannotFitIsRefusedBeforeAllocating) {
  set_quiet(true);
  Config config = small_training_config(1);
  config.train.embedding_dim = 100000;
  try {
    train_skipgram(small_examples(), 1'000'000'000, config, {}, false);  // 3.2 PB
    ADD_FAILURE() << "a 3.2 PB model accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("training needs about 3.2 PB (1000000000 tokens x train.embedding_dim 100000"),
              std::string::npos)
        << e.what();
  }
}

TEST(Train, SameSeedSameCpuModelWithOneOrTwoThreads) {
  set_quiet(true);
  Examples examples = small_examples();
  Config config;
  config.train.batch_size = 64;
  config.train.embedding_dim = 8;
  config.train.epochs = 2;
  config.threads = 1;
  TrainResult one = train_skipgram(examples, 30, config, {}, false);
  config.threads = 2;
  TrainResult two = train_skipgram(examples, 30, config, {}, false);
  EXPECT_EQ(one.embeddings, two.embeddings);
  config.seed = 43;
  TrainResult other = train_skipgram(examples, 30, config, {}, false);
  EXPECT_NE(one.embeddings, other.embeddings);
}

TEST(Train, StreamModeTrainsWithAFallingLoss) {
  set_quiet(true);
  std::vector<Edge> edges;
  for (NodeId v = 1; v < 30; ++v) edges.push_back({v, static_cast<NodeId>(v % 29 + 1), 1.0f + v % 3});
  CsrGraph g = CsrGraph::from_edges(30, edges, false);
  WalkOptions walk_options = walk_options_from(Config{});
  walk_options.num_walks = 20;
  Walks walks = generate_walks(g, walk_options);
  Config config;
  config.threads = 1;
  config.skipgram.mode = SkipGramMode::Stream;
  config.skipgram.window = 3;
  config.train.batch_size = 256;
  config.train.embedding_dim = 8;
  config.train.epochs = 4;
  TempDir out;
  TrainResult result = train_skipgram_stream(walks, 30, config, out.path(), false);
  ASSERT_EQ(result.epoch_loss.size(), 4u);
  EXPECT_LT(result.epoch_loss.back(), result.epoch_loss.front());
  EXPECT_LT(result.epoch_loss.back(), 0.95 * std::log(2.0) * 1.0) << "better than chance";
  TrainResult again = train_skipgram_stream(walks, 30, config, {}, false);
  EXPECT_EQ(again.embeddings, result.embeddings) << "deterministic despite the loader's worker thread";
  EXPECT_EQ(read_loss_csv(out / "loss.csv").size(), 4u);

  // --resume restores the lazy Adam moments too: 2 + 2 epochs end where 4 straight epochs do.
  TempDir resumed;
  Config two = config;
  two.train.epochs = 2;
  train_skipgram_stream(walks, 30, two, resumed.path(), false);
  TrainResult continued = train_skipgram_stream(walks, 30, config, resumed.path(), true);
  EXPECT_EQ(continued.first_epoch, 3);
  EXPECT_EQ(continued.embeddings, result.embeddings);

  // The shared loop's divergence check holds in stream mode too, naming the stream rate.
  Config diverging = config;
  diverging.train.stream_optimizer = StreamOptimizer::Sgd;
  diverging.train.stream_learning_rate = 1e30;
  try {
    train_skipgram_stream(walks, 30, diverging, {}, false);
    ADD_FAILURE() << "trained through a non-finite loss";
  } catch (const TrainingError& e) {
    EXPECT_NE(std::string(e.what()).find("lower train.stream_learning_rate = 1e+30"), std::string::npos) << e.what();
  }
}

TEST(Train, StreamModeLazyAdamGivesTheSameBitsOnOneAndTwoThreads) {
  set_quiet(true);
  // 3,000 nodes, so that a batch's uniform negatives touch enough rows for every phase of the step
  // to split (models/skipgram_math.h's useful_threads).
  constexpr NodeId kNodes = 3000;
  std::vector<Edge> edges;
  for (NodeId v = 1; v < kNodes; ++v) {
    edges.push_back({v, static_cast<NodeId>(v % (kNodes - 1) + 1), 1.0f});  // a ring
    const auto chord = static_cast<NodeId>((v * 7) % (kNodes - 1) + 1);
    if (chord != v) edges.push_back({v, chord, 2.0f});
  }
  WalkOptions walk_options = walk_options_from(Config{});
  walk_options.threads = 1;
  const Walks walks = generate_walks(CsrGraph::from_edges(kNodes, edges, false), walk_options);
  Config config;
  config.skipgram.mode = SkipGramMode::Stream;
  config.skipgram.window = 3;
  config.train.batch_size = 8192;
  config.train.embedding_dim = 16;
  config.train.epochs = 2;
  config.threads = 1;
  const std::uint64_t tasks_before = pool_tasks_run();
  TrainResult one = train_skipgram_stream(walks, kNodes, config, {}, false);
  EXPECT_EQ(pool_tasks_run(), tasks_before) << "one thread hands the pool nothing";
  config.threads = 2;
  TrainResult two = train_skipgram_stream(walks, kNodes, config, {}, false);
  EXPECT_GT(pool_tasks_run(), tasks_before) << "the two-thread run used a second thread";
  EXPECT_EQ(one.embeddings, two.embeddings);
  EXPECT_EQ(one.epoch_loss, two.epoch_loss);
}

TEST(Train, StreamModeOnMlLatestSmallTrainsEveryPositiveTheWalksImply) {
  N2V_REQUIRE_ML_SMALL();
  set_quiet(true);
  MovieLensData data = load_movielens(testing::shared_data("ml-latest-small"));
  Graph g = build_movie_graph(data, cooccurrence_options_from(Config{}));
  Config config;
  config.threads = 1;
  config.skipgram.mode = SkipGramMode::Stream;
  config.train.epochs = 3;
  config.train.batch_size = 4096;
  WalkOptions walk_options = walk_options_from(Config{});
  Walks walks = generate_walks(g.graph, walk_options);
  // Positives the walks imply: ordered pairs within the window whose tokens differ.
  std::uint64_t implied = 0;
  const std::size_t window = static_cast<std::size_t>(config.skipgram.window);
  for (std::size_t w = 0; w < walks.size(); ++w) {
    for (std::size_t i = 0; i < walks.length(w); ++i) {
      for (std::size_t j = 0; j < walks.length(w); ++j) {
        std::size_t distance = i > j ? i - j : j - i;
        if (distance >= 1 && distance <= window && walks.walk(w)[i] != walks.walk(w)[j]) ++implied;
      }
    }
  }
  TrainResult result = train_skipgram_stream(walks, g.vocabulary.size(), config, {}, false);
  ASSERT_EQ(result.positives_per_epoch.size(), 3u);
  for (std::uint64_t positives : result.positives_per_epoch) EXPECT_EQ(positives, implied);
  EXPECT_GT(implied, 7025u * 80u);  // about 90 ordered pairs per 10-node walk, less repeats
  EXPECT_LT(result.epoch_loss[2], result.epoch_loss[1]);
  EXPECT_LT(result.epoch_loss[1], result.epoch_loss[0]);
}

TEST(Train, CudaRequestWithoutCudaIsAUsageError) {
  if (torch::cuda::is_available()) GTEST_SKIP() << "a CUDA device is present; the error path cannot be reached";
  EXPECT_THROW(resolve_device(TrainDevice::Cuda), UsageError);
  EXPECT_EQ(resolve_device(TrainDevice::Auto), ComputeDevice::Cpu);
  TempDir out;
  auto result = run_n2v("train --device cuda --out " + out.path().string());
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("--device cuda: no CUDA device"), std::string::npos) << result.output;
  EXPECT_FALSE(std::filesystem::exists(out / "config.yaml")) << "failed before writing anything";
}

// The correctness test of the port: the Keras example's loss curve, every epoch within 1%.
TEST(Train, MlLatestSmallLossCurveWithinOnePercentOfKeras) {
  N2V_REQUIRE_ML_SMALL();
  TempDir out;
  auto result = run_n2v("train --config " + std::string(N2V_SOURCE_DIR) + "/configs/ml_small.yaml --data-dir " +
                        testing::shared_data("ml-latest-small").string() + " --out " + out.path().string());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  std::vector<double> loss = read_loss_csv(out / "loss.csv");
  ASSERT_EQ(loss.size(), kKerasReferenceLoss.size());
  for (std::size_t e = 0; e < loss.size(); ++e) {
    EXPECT_NEAR(loss[e], kKerasReferenceLoss[e], 0.01 * kKerasReferenceLoss[e]) << "epoch " << e + 1;
  }
  EXPECT_LT(max_relative_difference(loss), 0.01);
  // ~881,412 examples as in the example: 860 steps of 1024, within 1%.
  auto at = result.output.find("Epoch 1/10 - ");
  ASSERT_NE(at, std::string::npos) << result.output;
  int steps = std::stoi(result.output.substr(at + 13));
  EXPECT_NEAR(steps, 860, 8.6) << result.output;
  EXPECT_TRUE(std::filesystem::exists(out / "loss_vs_keras.svg"));
  EXPECT_TRUE(std::filesystem::exists(out / "checkpoint.pt"));
  auto compare = run_n2v("compare-loss " + out.path().string());
  EXPECT_EQ(compare.exit_code, 0);
  EXPECT_NE(compare.output.find("2.4527"), std::string::npos) << compare.output;

  // --resume with other settings fails before any work and leaves the run's config.yaml as it was.
  const std::string config_before = testing::read_text(out / "config.yaml");
  auto changed = run_n2v("train --config " + std::string(N2V_SOURCE_DIR) + "/configs/ml_small.yaml --data-dir " +
                         testing::shared_data("ml-latest-small").string() + " --out " + out.path().string() +
                         " --resume --epochs 11 --set walk.p=2");
  EXPECT_EQ(changed.exit_code, 2) << changed.output;
  EXPECT_NE(changed.output.find("was made with other settings"), std::string::npos) << changed.output;
  EXPECT_EQ(changed.output.find("walks:"), std::string::npos) << "failed before the slow stages";
  EXPECT_EQ(testing::read_text(out / "config.yaml"), config_before);
}

// The example: train.learning_rate 1e30 trained to -nan, exported NaN vectors and exited 0.
TEST(Train, MlLatestSmallWithAHugeLearningRateStopsAndExportsNothing) {
  N2V_REQUIRE_ML_SMALL();
  TempDir out;
  auto result = run_n2v("train --data-dir " + testing::shared_data("ml-latest-small").string() +
                        " --set train.learning_rate=1e30 --epochs 2 --out " + out.path().string());
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("error: training diverged: the loss of epoch 1/2 (the mean of its"), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("lower train.learning_rate = 1e+30 or train.l2 = 1e-06"), std::string::npos)
      << result.output;
  for (const char* file : {"checkpoint.pt", "loss.csv", "model.pt", "embeddings.tsv", "embeddings.w2v.txt"}) {
    EXPECT_FALSE(std::filesystem::exists(out / file)) << file;
  }
}

TEST(Train, MlLatestSmallExampleCountWithinOnePercent) {
  N2V_REQUIRE_ML_SMALL();
  set_quiet(true);
  MovieLensData data = load_movielens(testing::shared_data("ml-latest-small"));
  Graph g = build_movie_graph(data, cooccurrence_options_from(Config{}));
  WalkOptions walk_options = walk_options_from(Config{});  // the example's: 5 rounds of 10 nodes, p = q = 1
  walk_options.threads = 2;
  Walks walks = generate_walks(g.graph, walk_options);
  ASSERT_EQ(walks.size(), 7025u);
  ExampleOptions example_options = example_options_from(Config{});  // window 10, 4 negatives
  for (std::uint64_t seed : {1u, 42u}) {
    walk_options.seed = example_options.seed = seed;
    Examples examples = generate_examples(generate_walks(g.graph, walk_options), g.vocabulary.size(), example_options);
    EXPECT_NEAR(static_cast<double>(examples.size()), 881412.0, 0.01 * 881412.0) << "seed " << seed;
    double total_weight = 0;
    for (float w : examples.weights) total_weight += w;
    EXPECT_LE(total_weight, 7025.0 * 450.0);  // 90 positives and 360 negatives per walk, minus self-pairs
    EXPECT_GT(total_weight, 0.9 * 7025.0 * 450.0);
  }
}

}  // namespace
}  // namespace n2v
