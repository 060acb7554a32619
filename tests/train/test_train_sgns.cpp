#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "core/errors.h"
#include "graph/graph.h"
#include "pipeline/pipeline.h"
#include "test_util.h"
#include "train/train.h"
#include "walk/walks.h"

namespace n2v {
namespace {

using testing::run_n2v;
using testing::TempDir;

constexpr int kCommunities = 4, kPerCommunity = 20;

// Node 0 is left alone (the reserved token); node v >= 1 is in community (v - 1) / kPerCommunity.
// Every pair within a community is an edge, and each node has one edge to the next community.
int community_of(NodeId v) { return static_cast<int>(v - 1) / kPerCommunity; }

Walks planted_community_walks() {
  std::vector<Edge> edges;
  const NodeId n = kCommunities * kPerCommunity;
  for (NodeId u = 1; u <= n; ++u) {
    for (NodeId v = u + 1; v <= n; ++v)
      if (community_of(u) == community_of(v)) edges.push_back({u, v, 1.0f});
    const NodeId across = 1 + (u - 1 + kPerCommunity + 3) % n;
    if (community_of(across) != community_of(u)) edges.push_back({u, across, 1.0f});
  }
  const CsrGraph graph = CsrGraph::from_edges(n + 1, edges, false);
  WalkOptions options{1.0, 1.0, 10, 20, 5, 1};
  return generate_walks(graph, options);
}

Config sgns_config(int threads) {
  Config config;
  config.threads = threads;
  config.skipgram.model = SkipGramModel::Sgns;
  config.skipgram.window = 5;
  config.skipgram.negative_samples = 5;
  config.train.embedding_dim = 16;
  config.train.epochs = 3;
  config.train.batch_size = 64;
  config.train.stream_learning_rate = 0.025;
  return config;
}

// Of each node's 5 nearest nodes by cosine, the share in its community (chance: 19 / 79 = 0.24).
double community_precision(const TrainResult& result) {
  const auto dim = static_cast<std::size_t>(result.dim);
  const NodeId n = kCommunities * kPerCommunity;
  auto row = [&](NodeId v) { return result.embeddings.data() + v * dim; };
  auto cosine = [&](NodeId a, NodeId b) {
    double ab = 0, aa = 0, bb = 0;
    for (std::size_t i = 0; i < dim; ++i) ab += row(a)[i] * row(b)[i], aa += row(a)[i] * row(a)[i], bb += row(b)[i] * row(b)[i];
    return ab / std::sqrt(aa * bb);
  };
  double hits = 0;
  for (NodeId v = 1; v <= n; ++v) {
    std::vector<NodeId> others;
    for (NodeId u = 1; u <= n; ++u)
      if (u != v) others.push_back(u);
    std::partial_sort(others.begin(), others.begin() + 5, others.end(),
                      [&](NodeId a, NodeId b) { return cosine(v, a) > cosine(v, b); });
    for (int k = 0; k < 5; ++k) hits += community_of(others[k]) == community_of(v);
  }
  return hits / (5.0 * n);
}

TEST(TrainSgns, OneThreadGivesTheSameModelBitForBit) {
  const Walks walks = planted_community_walks();
  const Config config = sgns_config(1);
  const TrainResult a = train_sgns(walks, kCommunities * kPerCommunity + 1, config, {}, false);
  const TrainResult b = train_sgns(walks, kCommunities * kPerCommunity + 1, config, {}, false);
  ASSERT_EQ(a.embeddings.size(), b.embeddings.size());
  EXPECT_EQ(std::memcmp(a.embeddings.data(), b.embeddings.data(), a.embeddings.size() * sizeof(float)), 0);
  EXPECT_EQ(a.epoch_loss, b.epoch_loss);
  Config other = config;
  other.seed = 43;
  const TrainResult c = train_sgns(walks, kCommunities * kPerCommunity + 1, other, {}, false);
  EXPECT_NE(a.embeddings, c.embeddings) << "another seed, another model";
}

// sgns' loop stops as the Keras one does (train/divergence.h stop_if_diverged): a rate that
// overflows the tables is an error naming the epoch and sgns' rate key, not NaN vectors.
TEST(TrainSgns, ADivergingRateStopsTrainingNamingItsKey) {
  const Walks walks = planted_community_walks();
  Config config = sgns_config(1);
  config.train.stream_learning_rate = 1e30;
  try {
    train_sgns(walks, kCommunities * kPerCommunity + 1, config, {}, false);
    ADD_FAILURE() << "trained through non-finite tables";
  } catch (const TrainingError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind("training diverged: the loss of epoch 1/3", 0), 0u) << message;
    EXPECT_NE(message.find("lower train.stream_learning_rate = 1e+30"), std::string::npos) << message;
    EXPECT_EQ(message.find("train.l2"), std::string::npos) << "sgns has no L2: " << message;
  }
}

// A subsampling rate in range that keeps no pair trains on nothing: an error, not the initial
// vectors exported as if learnt (the Keras model refuses "only 0 examples" the same way).
TEST(TrainSgns, TrainingOnNoPairIsAnError) {
  Config config = sgns_config(1);
  config.skipgram.subsample = 1e-12;
  const std::string message = testing::error_message<DataError>(
      [&] { train_sgns(planted_community_walks(), kCommunities * kPerCommunity + 1, config, {}, false); });
  EXPECT_NE(message.find("sgns trained on no pair in epoch 1: skipgram.subsample 1e-12 kept no two nodes"),
            std::string::npos)
      << message;
}

TEST(TrainSgns, TablesThatCannotFitAreRefusedBeforeAllocating) {
  Config config = sgns_config(1);
  config.train.embedding_dim = 100000;
  try {
    train_sgns(planted_community_walks(), 1'000'000'000, config, {}, false);  // 2.4 PB of tables
    ADD_FAILURE() << "2.4 PB of tables accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("training needs about 2.4 PB (1000000000 tokens x train.embedding_dim 100000"),
              std::string::npos)
        << e.what();
  }
}

TEST(TrainSgns, TwoThreadsLearnPlantedCommunitiesAsWellAsOne) {
  const Walks walks = planted_community_walks();
  const TrainResult one = train_sgns(walks, kCommunities * kPerCommunity + 1, sgns_config(1), {}, false);
  const TrainResult two = train_sgns(walks, kCommunities * kPerCommunity + 1, sgns_config(2), {}, false);
  const double p1 = community_precision(one), p2 = community_precision(two);
  EXPECT_GT(p1, 0.9) << "chance is 0.24";
  EXPECT_GT(p2, 0.9) << "chance is 0.24";
  EXPECT_NEAR(p1, p2, 0.05);
  // Both saw every pair: the same positives an epoch (the draws depend on the walk, not the thread).
  EXPECT_EQ(one.positives_per_epoch, two.positives_per_epoch);
  EXPECT_LT(one.epoch_loss.back(), one.epoch_loss.front()) << "the loss falls";
}

// The learning rate decays over train.epochs, so an interrupted run resumes to the uninterrupted
// model only with the same epochs: resuming a finished run restores both tables and the loss
// history exactly and trains nothing; more epochs train on from there.
TEST(TrainSgns, ResumeRestoresBothTablesAndTrainsOn) {
  const Walks walks = planted_community_walks();
  Config config = sgns_config(1);
  config.skipgram.subsample = 0.001;  // keeps about 36% of each node's occurrences
  TempDir run;
  const TrainResult finished = train_sgns(walks, kCommunities * kPerCommunity + 1, config, run.path(), false);
  const TrainResult again = train_sgns(walks, kCommunities * kPerCommunity + 1, config, run.path(), true);
  EXPECT_EQ(again.first_epoch, 4);
  EXPECT_EQ(again.embeddings, finished.embeddings) << "the input table, restored bit for bit";
  EXPECT_EQ(again.epoch_loss, finished.epoch_loss);
  Config longer = config;
  longer.train.epochs = 4;
  const TrainResult more = train_sgns(walks, kCommunities * kPerCommunity + 1, longer, run.path(), true);
  EXPECT_EQ(more.first_epoch, 4);
  ASSERT_EQ(more.epoch_loss.size(), 4u);
  EXPECT_EQ(std::vector<double>(more.epoch_loss.begin(), more.epoch_loss.begin() + 3), finished.epoch_loss);
  EXPECT_NE(more.embeddings, finished.embeddings);
  // The output table was restored too: a zero output table (a fresh start) would make epoch 4's
  // loss about 6 ln 2 = 4.16 (every logit 0), far above the trained epochs'.
  EXPECT_LT(more.epoch_loss[3], finished.epoch_loss[0]);
  EXPECT_TRUE(std::filesystem::exists(run / "loss.csv"));
  Config other = config;
  other.skipgram.subsample = 0;
  EXPECT_THROW(train_sgns(walks, kCommunities * kPerCommunity + 1, other, run.path(), true), UsageError)
      << "a checkpoint resumes only its own settings";
}

TEST(TrainSgns, TrainsInAnyWorldSize) {
  Config config = sgns_config(1);
  EXPECT_NO_THROW(check_trainable(config, 1));
  EXPECT_NO_THROW(check_trainable(config, 3));  // data-parallel: tests/train/test_distributed_sgns.cpp
}

// The whole command on the real data: train, then the exports, similar and evaluate read it.
TEST(TrainSgns, CommandTrainsExportsAndEvaluatesOnMlSmall) {
  N2V_REQUIRE_ML_SMALL();
  TempDir out;
  const std::string data = testing::shared_data("ml-latest-small").string();
  auto train = run_n2v("train --config " + std::string(N2V_SOURCE_DIR) + "/configs/ml_small.yaml --data-dir " + data +
                       " --out " + out.path().string() +
                       " --set skipgram.model=sgns --set train.epochs=2 --set export.onnx=false --threads 2");
  ASSERT_EQ(train.exit_code, 0) << train.output;
  EXPECT_NE(train.output.find("Epoch 2/2"), std::string::npos) << train.output;
  for (const char* name : {"model.pt", "embeddings.tsv", "embeddings.w2v.txt", "checkpoint.pt", "config.yaml"}) {
    EXPECT_TRUE(std::filesystem::exists(out / name)) << name;
  }
  EXPECT_NE(testing::read_text(out / "config.yaml").find("model: \"sgns\""), std::string::npos);
  auto similar = run_n2v("similar --model " + (out / "model.pt").string() + " --title 'Toy Story (1995)' -k 3");
  EXPECT_EQ(similar.exit_code, 0) << similar.output;
  auto evaluate = run_n2v("evaluate --model " + (out / "model.pt").string() + " --task genres");
  EXPECT_EQ(evaluate.exit_code, 0) << evaluate.output;
  auto resume = run_n2v("train --config " + (out / "config.yaml").string() + " --data-dir " + data + " --out " +
                        out.path().string() + " --epochs 3 --resume --threads 1");
  EXPECT_EQ(resume.exit_code, 0) << resume.output;
  EXPECT_NE(resume.output.find("resuming after epoch 2"), std::string::npos) << resume.output;
}

}  // namespace
}  // namespace n2v
