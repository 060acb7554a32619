// skipgram.model sgns across ranks through n2v launch (c10d on loopback): data-parallel with the
// tables on every rank (dist.partition replicate), or the tables divided in blocks (shard). The
// vectors score as one process's.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <sstream>

#include "eval/loss_report.h"
#include "test_util.h"

namespace n2v {
namespace {

using testing::read_text;
using testing::run_n2v;
using testing::TempDir;
using testing::write_text;
namespace fs = std::filesystem;

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
  testing::write_planted_graph(dir.path(), 3, 40);
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

  // With dist.partition shard the tables are divided in blocks (train/sgns_blocks.h): 2 and 3 ranks
  // find the communities as well.
  for (int ranks = 2; ranks <= 3; ++ranks) {
    const fs::path sharded = dir / ("sharded" + std::to_string(ranks));
    auto trained = train(ranks, "--config " + std::string(N2V_SOURCE_DIR) + "/configs/graph.yaml --data-dir " +
                                    dir.path().string() + " --set dist.partition=shard --out " + sharded.string());
    ASSERT_EQ(trained.exit_code, 0) << trained.output;
    EXPECT_NE(trained.output.find("sgns: tables in " + std::to_string(ranks) + " blocks"), std::string::npos)
        << trained.output;
    EXPECT_EQ(count_of(trained.output, "sgns block exchange"), 5u) << trained.output;
    const nlohmann::json scores = evaluate(sharded, "--task genres --labels " + (dir / "labels.tsv").string());
    EXPECT_GT(scores["genres"]["n2v"]["macro_f1"].get<double>(), 0.9) << ranks << " ranks\n" << scores.dump();
    EXPECT_NEAR(scores["genres"]["n2v"]["macro_f1"].get<double>(), f1[0], 0.08) << scores.dump();
  }
}

// configs/ml_small_best.yaml (3 of its 10 epochs) with the evaluation's holdouts: two ranks score as
// one process on all three tasks, within the spread of one process's seeds (10 epochs, seeds 42, 7,
// 13: genres macro-F1 0.350-0.359, links AUC 0.958-0.962, HR@10 0.312-0.322; docs/distributed.md).
TEST(DistributedSgns, TwoRanksScoreAsOneProcessOnMlSmall) {
  N2V_REQUIRE_ML_SMALL();
  TempDir dir;
  const std::string args = "--config " + std::string(N2V_SOURCE_DIR) + "/configs/ml_small_best.yaml --data-dir " +
                           testing::shared_data("ml-latest-small").string() +
                           " --holdout-edges 0.1 --holdout-latest 0.2 --epochs 3 --out ";
  std::vector<nlohmann::json> scores;
  for (int ranks : {1, 2}) {
    const fs::path run = dir / ("ranks" + std::to_string(ranks));
    auto trained = train(ranks, args + run.string());
    ASSERT_EQ(trained.exit_code, 0) << trained.output;
    scores.push_back(evaluate(run));
  }
  const auto& one = scores[0];
  const auto& two = scores[1];
  EXPECT_NEAR(two["genres"]["n2v"]["macro_f1"].get<double>(), one["genres"]["n2v"]["macro_f1"].get<double>(), 0.03)
      << one.dump() << "\n" << two.dump();
  EXPECT_NEAR(two["links"]["n2v_auc"].get<double>(), one["links"]["n2v_auc"].get<double>(), 0.02)
      << one.dump() << "\n" << two.dump();
  EXPECT_NEAR(two["recommend"]["n2v"]["hit_rate@10"].get<double>(),
              one["recommend"]["n2v"]["hit_rate@10"].get<double>(), 0.05)
      << one.dump() << "\n" << two.dump();
  // Far above the baselines' floor: the ranks learnt, not just agreed.
  EXPECT_GT(two["links"]["n2v_auc"].get<double>(), 0.9) << two.dump();
}

// Rank 0's checkpoint resumes with another world size, 2 ranks -> 1 process -> 3 ranks.
TEST(DistributedSgns, ResumeContinuesWithAnotherWorldSize) {
  TempDir dir;
  testing::write_planted_graph(dir.path(), 2, 30);
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

// With the tables in blocks rank 0 gathers them for checkpoint.pt, the same file as one process's:
// 2 ranks in blocks -> 3 ranks in blocks -> 1 process.
TEST(DistributedSgns, BlocksResumeWithAnotherWorldSize) {
  TempDir dir;
  testing::write_planted_graph(dir.path(), 2, 30);
  const std::string args = "--config " + std::string(N2V_SOURCE_DIR) + "/configs/graph.yaml --data-dir " +
                           dir.path().string() + " --set dist.partition=shard --out " + (dir / "run").string();
  auto first = train(2, args + " --epochs 1");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  auto second = train(3, args + " --epochs 2 --resume");
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_EQ(count_of(second.output, "resuming after epoch 1"), 1u) << "rank 0 says it\n" << second.output;
  EXPECT_EQ(count_of(second.output, "sgns block exchange"), 1u) << second.output;
  auto third = train(1, args + " --epochs 3 --resume");
  ASSERT_EQ(third.exit_code, 0) << third.output;
  const std::vector<double> loss = read_loss_csv(dir / "run" / "loss.csv");
  ASSERT_EQ(loss.size(), 3u);
  for (double l : loss) EXPECT_TRUE(std::isfinite(l));
  EXPECT_LT(loss[2], loss[0]);
}

// The rows of a word2vec text file (its header left out), sorted.
std::vector<std::string> sorted_rows(const std::vector<fs::path>& files) {
  std::vector<std::string> rows;
  for (const fs::path& file : files) {
    std::istringstream in(read_text(file));
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) rows.push_back(line);
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

// dist.tables per_rank: every rank saves its blocks and writes its rows. Together they are what rank
// 0 gathers, `n2v evaluate --vectors` reads them through the manifest, and when a rank died while
// the ranks saved an epoch the run resumes from the epoch before, every rank alike, exactly.
TEST(DistributedSgns, TablesWrittenPerRankAreTheGatheredOnesAndResumeExactly) {
  TempDir dir;
  testing::write_planted_graph(dir.path(), 2, 30);
  const std::string args = "--config " + std::string(N2V_SOURCE_DIR) + "/configs/graph.yaml --data-dir " +
                           dir.path().string() + " --set dist.partition=shard --out ";
  const fs::path gathered = dir / "gathered", run = dir / "run";
  auto gather = train(2, args + gathered.string() + " --epochs 2 --set dist.tables=gather");
  ASSERT_EQ(gather.exit_code, 0) << gather.output;
  auto per_rank = train(2, args + run.string() + " --epochs 2 --set dist.tables=per_rank");
  ASSERT_EQ(per_rank.exit_code, 0) << per_rank.output;
  for (const char* file : {"checkpoint.rank-0.pt", "checkpoint.rank-1.pt", "checkpoint.rank-0.previous.pt",
                           "embeddings.rank-0.w2v.txt", "embeddings.rank-1.w2v.txt", "embeddings.manifest.json",
                           "vocabulary.tsv", "loss.csv"})
    EXPECT_TRUE(fs::exists(run / file)) << file;
  for (const char* file : {"checkpoint.pt", "model.pt", "embeddings.w2v.txt"})
    EXPECT_FALSE(fs::exists(run / file)) << file << " needs the whole table on rank 0";

  const std::vector<fs::path> shards = {run / "embeddings.rank-0.w2v.txt", run / "embeddings.rank-1.w2v.txt"};
  EXPECT_EQ(sorted_rows(shards), sorted_rows({gathered / "embeddings.w2v.txt"}));
  const std::string labels = " --task genres --labels " + (dir / "labels.tsv").string();
  auto scored = run_n2v("evaluate --vectors " + (run / "embeddings.manifest.json").string() + labels);
  ASSERT_EQ(scored.exit_code, 0) << scored.output;
  auto whole = run_n2v("evaluate --vectors " + (gathered / "embeddings.w2v.txt").string() + labels);
  ASSERT_EQ(whole.exit_code, 0) << whole.output;
  const auto f1 = [](const fs::path& file) {
    return nlohmann::json::parse(read_text(file))["genres"]["n2v"]["macro_f1"].get<double>();
  };
  EXPECT_EQ(f1(run / "embeddings.manifest.json.evaluation.json"), f1(gathered / "embeddings.w2v.txt.evaluation.json"));

  // Rank 1 died while saving epoch 2: rank 0 has epochs 2 and 1, rank 1 only 1.
  const std::vector<std::string> finished = {read_text(shards[0]), read_text(shards[1])};
  fs::remove(run / "checkpoint.rank-1.pt");
  auto resumed = train(2, args + run.string() + " --epochs 2 --set dist.tables=per_rank --resume");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_EQ(count_of(resumed.output, "resuming after epoch 1"), 1u) << resumed.output;
  EXPECT_EQ(read_text(shards[0]), finished[0]);
  EXPECT_EQ(read_text(shards[1]), finished[1]);
  // dist.tables auto resumes the form it finds.
  auto automatic = train(2, args + run.string() + " --epochs 3 --resume");
  ASSERT_EQ(automatic.exit_code, 0) << automatic.output;
  EXPECT_NE(automatic.output.find("each rank saves its own blocks"), std::string::npos) << automatic.output;

  // Another world size is refused, naming both.
  auto three = train(3, args + run.string() + " --epochs 4 --resume --set dist.tables=per_rank");
  EXPECT_NE(three.exit_code, 0);
  EXPECT_NE(three.output.find("a run of 2 ranks; this run has 3"), std::string::npos) << three.output;

  // Asked for without the blocks, it is refused rather than ignored.
  auto replicate = train(2, "--config " + std::string(N2V_SOURCE_DIR) + "/configs/graph.yaml --data-dir " +
                                dir.path().string() + " --set dist.tables=per_rank --out " + (dir / "other").string());
  EXPECT_NE(replicate.exit_code, 0);
  EXPECT_NE(replicate.output.find("dist.tables per_rank writes sgns' tables in blocks"), std::string::npos)
      << replicate.output;
}

}  // namespace
}  // namespace n2v
