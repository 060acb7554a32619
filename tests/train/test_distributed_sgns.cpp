// skipgram.model sgns across ranks through n2v launch (c10d on loopback): data-parallel with the
// tables on every rank (dist.partition replicate). The vectors score as one process's.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <random>

#include "eval/loss_report.h"
#include "test_util.h"

namespace n2v {
namespace {

using testing::read_text;
using testing::run_n2v;
using testing::TempDir;
using testing::write_text;
namespace fs = std::filesystem;

// `communities` of `per_community` nodes: an edge inside a community with probability 0.3, across
// with 0.01; labels.tsv names each node's community.
void write_planted_graph(const fs::path& dir, int communities, int per_community) {
  std::mt19937 gen(2024);
  std::uniform_real_distribution<double> coin(0, 1);
  std::string edges, labels;
  const int n = communities * per_community;
  for (int a = 0; a < n; ++a) {
    labels += "v" + std::to_string(a) + "\tc" + std::to_string(a / per_community) + "\n";
    for (int b = a + 1; b < n; ++b)
      if (coin(gen) < (a / per_community == b / per_community ? 0.3 : 0.01))
        edges += "v" + std::to_string(a) + "\tv" + std::to_string(b) + "\n";
  }
  write_text(dir / "edges.tsv", edges);
  write_text(dir / "labels.tsv", "# node\tlabels\n" + labels);
}

// `n2v train` on `ranks` processes (one: no launch), one thread each.
testing::CommandResult train(int ranks, const std::string& arguments) {
  const std::string train = "train --set threads=1 " + arguments;
  return run_n2v(ranks == 1 ? train : "launch --nproc " + std::to_string(ranks) + " -- " + train);
}

nlohmann::json evaluate(const fs::path& run, const std::string& arguments = "") {
  auto result = run_n2v("evaluate --model " + (run / "model.pt").string() + " " + arguments);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  return nlohmann::json::parse(read_text(run / "evaluation.json"));
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Three communities of 40 nodes with configs/graph.yaml: the node classifier finds them on 1, 2
// and 3 ranks (a coin scores a macro-F1 of about 0.33 here), equally within noise.
TEST(DistributedSgns, PlantedCommunitiesOnOneTwoAndThreeRanks) {
  TempDir dir;
  write_planted_graph(dir.path(), 3, 40);
  std::vector<double> f1;
  for (int ranks = 1; ranks <= 3; ++ranks) {
    const fs::path run = dir / ("ranks" + std::to_string(ranks));
    auto trained = train(ranks, "--config " + std::string(N2V_SOURCE_DIR) + "/configs/graph.yaml --data-dir " +
                                    dir.path().string() + " --out " + run.string());
    ASSERT_EQ(trained.exit_code, 0) << trained.output;
    if (ranks > 1) {
      EXPECT_EQ(count_of(trained.output, "] Epoch "), 5u) << "rank 0 alone prints the epochs\n" << trained.output;
      EXPECT_EQ(count_of(trained.output, "sgns row exchange"), 5u) << trained.output;
      EXPECT_EQ(count_of(trained.output, "] [n2v] export:"), 1u) << "only rank 0 writes\n" << trained.output;
    }
    const nlohmann::json scores = evaluate(run, "--task genres --labels " + (dir / "labels.tsv").string());
    f1.push_back(scores["genres"]["n2v"]["macro_f1"].get<double>());
    EXPECT_GT(f1.back(), 0.9) << ranks << " ranks\n" << scores.dump();
    EXPECT_LT(scores["genres"]["random"]["macro_f1"].get<double>(), 0.5) << scores.dump();
  }
  EXPECT_NEAR(f1[1], f1[0], 0.08);
  EXPECT_NEAR(f1[2], f1[0], 0.08);
}

// Rank 0's checkpoint resumes with another world size, 2 ranks -> 1 process -> 3 ranks.
TEST(DistributedSgns, ResumeContinuesWithAnotherWorldSize) {
  TempDir dir;
  write_planted_graph(dir.path(), 2, 30);
  const std::string args = "--config " + std::string(N2V_SOURCE_DIR) + "/configs/graph.yaml --data-dir " +
                           dir.path().string() + " --out " + (dir / "run").string();
  auto first = train(2, args + " --epochs 1");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  auto second = train(1, args + " --epochs 2 --resume");
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_NE(second.output.find("resuming after epoch 1"), std::string::npos) << second.output;
  auto third = train(3, args + " --epochs 3 --resume");
  ASSERT_EQ(third.exit_code, 0) << third.output;
  EXPECT_EQ(count_of(third.output, "resuming after epoch 2"), 1u) << "rank 0 says it\n" << third.output;
  const std::vector<double> loss = read_loss_csv(dir / "run" / "loss.csv");
  ASSERT_EQ(loss.size(), 3u);
  for (double l : loss) EXPECT_TRUE(std::isfinite(l));
  EXPECT_TRUE(fs::exists(dir / "run" / "model.pt"));
}

}  // namespace
}  // namespace n2v
