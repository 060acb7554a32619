// Walks across ranks over c10d (dist.partition: shard): n2v launch -- walk and train on loopback,
// byte for byte the walks of one process, and the failures of a rank mid-walk.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "test_util.h"

namespace n2v {
namespace {

namespace fs = std::filesystem;

// A power-law graph whose walks take a couple of seconds on two ranks (for the failure tests) or
// a moment (for the others).
fs::path rmat_graph(const fs::path& dir, int nodes, int edges) {
  auto synth = testing::run_n2v("synth --graph rmat --nodes " + std::to_string(nodes) + " --edges " +
                                std::to_string(edges) + " --weights uniform --out " + dir.string());
  EXPECT_EQ(synth.exit_code, 0) << synth.output;
  return dir;
}

std::string walk_args(const fs::path& data, const fs::path& out) {
  return "walk --config " + std::string(N2V_SOURCE_DIR) + "/configs/graph.yaml --data-dir " + data.string() +
         " --set walk.num_walks=2 --set walk.num_steps=30 --set walk.p=2 --set walk.q=0.5 --out " + out.string();
}

std::string concatenated_rank_files(const fs::path& out, int world) {
  std::string all;
  for (int rank = 0; rank < world; ++rank) {
    const fs::path file = out / ("walks.rank-" + std::to_string(rank) + ".txt");
    EXPECT_TRUE(fs::exists(file)) << file;
    all += testing::read_text(file);
  }
  return all;
}

TEST(DistributedWalks, ShardedWalksOnOneToFourRanksAreTheSingleProcessWalksByteForByte) {
  testing::TempDir dir;
  const fs::path data = rmat_graph(dir / "graph", 3000, 30000);
  auto one = testing::run_n2v(walk_args(data, dir / "one"));
  ASSERT_EQ(one.exit_code, 0) << one.output;
  const std::string expected = testing::read_text(dir / "one" / "walks.txt");
  ASSERT_GT(expected.size(), 100000u);
  for (int world : {1, 2, 3, 4}) {
    const fs::path out = dir / ("shard" + std::to_string(world));
    auto run = testing::run_n2v("launch --nproc " + std::to_string(world) + " -- " + walk_args(data, out) +
                                " --set dist.partition=shard");
    ASSERT_EQ(run.exit_code, 0) << run.output;
    if (world == 1) {
      EXPECT_EQ(testing::read_text(out / "walks.txt"), expected) << "one rank is one process";
      continue;
    }
    EXPECT_EQ(concatenated_rank_files(out, world), expected) << "world " << world;
    EXPECT_FALSE(fs::exists(out / "walks.txt")) << "the single file is made only when asked";
    EXPECT_NE(run.output.find("[rank 1] [n2v] graph shard: rank 1 of " + std::to_string(world) + " holds"),
              std::string::npos)
        << run.output;
    EXPECT_NE(run.output.find("walks across ranks: rank 0 took"), std::string::npos) << run.output;
  }
  // One walks.txt on rank 0 when asked; the replicated graph gives the same walks.
  auto single = testing::run_n2v("launch --nproc 3 -- " + walk_args(data, dir / "single") +
                                 " --set dist.partition=shard --set dist.walks_file=single");
  ASSERT_EQ(single.exit_code, 0) << single.output;
  EXPECT_EQ(testing::read_text(dir / "single" / "walks.txt"), expected);
  EXPECT_FALSE(fs::exists(dir / "single" / "walks.rank-1.txt"));
  auto replicate = testing::run_n2v("launch --nproc 2 -- " + walk_args(data, dir / "replicate"));
  ASSERT_EQ(replicate.exit_code, 0) << replicate.output;
  EXPECT_EQ(concatenated_rank_files(dir / "replicate", 2), expected);
}

// Starts two ranks by hand; once rank 0 is walking, `signal` goes to rank 1. Returns rank 0's log
// and writes its exit status and the milliseconds it took after the signal to DIR/r0.rc.
std::string rank_one_stopped_mid_walk(const fs::path& data, const testing::TempDir& dir, const std::string& signal) {
  const std::string d = dir.path().string();
  static int attempt = 0;
  const int port = 20000 + (static_cast<int>(::getpid()) * 7 + 131 * attempt++) % 20000;
  const std::string env = "WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(port);
  const std::string run = std::string(N2V_BINARY) + " " + walk_args(data, dir / "run") +
                          " --set walk.num_walks=40 --set dist.partition=shard --set dist.timeout_s=3";
  const std::string script =
      "export " + env + "; RANK=1 " + run + " > " + d + "/r1.log 2>&1 & P1=$!; RANK=0 " + run + " > " + d +
      "/r0.log 2>&1 & P0=$!; for i in $(seq 1200); do grep -q 'walks: ' " + d +
      "/r0.log && break; sleep 0.05; done; kill -" + signal + " $P1; S=$(date +%s%N); wait $P0; echo $? > " + d +
      "/r0.rc; echo $(( ($(date +%s%N) - S) / 1000000 )) >> " + d + "/r0.rc; kill -9 $P1 2>/dev/null; wait";
  EXPECT_EQ(std::system(script.c_str()), 0);
  return testing::read_text(dir / "r0.log");
}

TEST(DistributedWalks, ARankKilledOrStoppedMidWalkStopsTheOtherNamingItAndLeavesNoWalks) {
  testing::TempDir graph_dir;
  const fs::path data = rmat_graph(graph_dir / "graph", 20000, 200000);
  for (const std::string signal : {"KILL", "STOP"}) {
    SCOPED_TRACE("SIG" + signal);
    testing::TempDir dir;
    const std::string log = rank_one_stopped_mid_walk(data, dir, signal);
    std::istringstream rc(testing::read_text(dir / "r0.rc"));
    int code = -1;
    long milliseconds = -1;
    rc >> code >> milliseconds;
    EXPECT_EQ(code, 1) << log;
    EXPECT_NE(log.find("rank 1 stopped or hung (world of 2, dist.timeout_s = 3)"), std::string::npos) << log;
    EXPECT_GE(milliseconds, 0);
    EXPECT_LT(milliseconds, 20000) << "within dist.timeout_s, not a hang";
    EXPECT_EQ(log.find("wrote "), std::string::npos) << log;
    EXPECT_FALSE(fs::exists(dir / "run" / "walks.txt"));
    EXPECT_FALSE(fs::exists(dir / "run" / "walks.rank-0.txt"));
  }
}

TEST(DistributedWalks, TrainingOnShardedWalksIsTrainingOnTheSingleProcessWalks) {
  N2V_REQUIRE_ML_SMALL();
  testing::TempDir dir;
  const std::string train = "train --config " + std::string(N2V_SOURCE_DIR) + "/configs/ml_small.yaml --data-dir " +
                            testing::shared_data("ml-latest-small").string() + " --epochs 1 --set export.onnx=false";
  auto replicate = testing::run_n2v("launch --nproc 2 -- " + train + " --out " + (dir / "replicate").string());
  ASSERT_EQ(replicate.exit_code, 0) << replicate.output;
  auto shard = testing::run_n2v("launch --nproc 2 -- " + train + " --set dist.partition=shard --out " +
                                (dir / "shard").string());
  ASSERT_EQ(shard.exit_code, 0) << shard.output;
  EXPECT_NE(shard.output.find("graph shard: rank 1 of 2"), std::string::npos) << shard.output;
  // loss.csv's third column is the epoch's seconds.
  auto losses = [](const std::string& csv) {
    std::string out;
    std::istringstream lines(csv);
    for (std::string line; std::getline(lines, line);) out += line.substr(0, line.rfind(',')) + "\n";
    return out;
  };
  EXPECT_EQ(losses(testing::read_text(dir / "shard" / "loss.csv")),
            losses(testing::read_text(dir / "replicate" / "loss.csv")))
      << "the same walks, so the same examples and the same training";
}

}  // namespace
}  // namespace n2v
