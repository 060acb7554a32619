#include "eval/bench.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_util.h"

namespace n2v {
namespace {

using testing::run_n2v;
using testing::TempDir;

TEST(Bench, QuantilesInterpolateBetweenOrderStatistics) {
  EXPECT_DOUBLE_EQ(quantile({4, 1, 3, 2}, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(quantile({4, 1, 3, 2}, 0.25), 1.75);
  EXPECT_DOUBLE_EQ(quantile({4, 1, 3, 2}, 0.75), 3.25);
  EXPECT_DOUBLE_EQ(quantile({3, 1, 2}, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(quantile({3, 1, 2}, 1.0), 3.0);
  EXPECT_DOUBLE_EQ(quantile({5}, 0.25), 5.0);
  EXPECT_DOUBLE_EQ(quantile({}, 0.5), 0.0);
}

TEST(Bench, RecorderSummarisesStagesInRunOrder) {
  BenchRecorder rec;
  EXPECT_EQ(rec.time("walks", [] { return 42; }), 42);
  rec.add("load", 1.0);
  rec.add("load", 3.0);
  rec.add("load", 2.0);
  rec.set_work("load", 100, "ratings");
  rec.skip("train", "no torch");
  rec.info("ratings", 100);
  rec.info("device", "cpu");
  rec.info("ratings", 101);  // replaced in place
  const std::vector<StageSummary> s = rec.summaries();
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].name, "walks");
  EXPECT_EQ(s[0].seconds.size(), 1u);
  EXPECT_GE(s[0].median, 0.0);
  EXPECT_EQ(s[1].name, "load");
  EXPECT_DOUBLE_EQ(s[1].median, 2.0);
  EXPECT_DOUBLE_EQ(s[1].q1, 1.5);
  EXPECT_DOUBLE_EQ(s[1].q3, 2.5);
  EXPECT_DOUBLE_EQ(s[1].min, 1.0);
  EXPECT_DOUBLE_EQ(s[1].max, 3.0);
  EXPECT_DOUBLE_EQ(s[1].mean, 2.0);
  EXPECT_GT(s[1].peak_rss_mb, 0.0);
  EXPECT_GT(s[1].rss_mb, 0.0);
  EXPECT_LE(s[1].rss_mb, s[1].peak_rss_mb + 8.0);  // read a moment apart
  EXPECT_EQ(s[2].skipped, "no torch");

  const std::string text = rec.to_json();
  const nlohmann::json json = nlohmann::json::parse(text);
  EXPECT_EQ(json["ratings"], 101);
  EXPECT_EQ(json["device"], "cpu");
  EXPECT_LT(text.find("\"ratings\""), text.find("\"device\"")) << text;  // facts in the order first given
  EXPECT_LT(text.find("\"device\""), text.find("\"stages\"")) << text;
  EXPECT_DOUBLE_EQ(json["stages"]["load"]["median"].get<double>(), 2.0);
  EXPECT_EQ(json["stages"]["load"]["seconds"], nlohmann::json::array({1, 3, 2}));
  EXPECT_EQ(json["stages"]["load"]["work"], 100);
  EXPECT_EQ(json["stages"]["load"]["unit"], "ratings");
  EXPECT_EQ(json["stages"]["train"], nlohmann::json({{"skipped", "no torch"}}));
  EXPECT_LT(text.find("\"walks\""), text.find("\"load\"")) << text;  // stages in run order
  EXPECT_NE(rec.table().find("50.0 ratings/s"), std::string::npos) << rec.table();  // 100 in the median 2 s
}

// The smoke test CI runs: every stage on a tiny synthetic data set, exit 0, bench.json complete.
// No timing assertions.
void expect_every_stage(const std::filesystem::path& bench_json) {
  ASSERT_TRUE(std::filesystem::exists(bench_json));
  const nlohmann::json json = nlohmann::json::parse(testing::read_text(bench_json));
  for (const char* stage : {"load", "graph", "walks", "examples", "total"}) {
    ASSERT_TRUE(json["stages"].contains(stage)) << stage;
    EXPECT_EQ(json["stages"][stage]["seconds"].size(), 1u) << stage;
    EXPECT_GE(json["stages"][stage]["median"].get<double>(), 0.0) << stage;
  }
  for (const char* stage : {"train", "export"}) {
    ASSERT_TRUE(json["stages"].contains(stage)) << stage;
    EXPECT_EQ(json["stages"][stage].contains("skipped"), !N2V_BENCH_HAS_TORCH) << stage;
  }
  EXPECT_GT(json["edges"].get<int>(), 0);
  EXPECT_GT(json["walks"].get<int>(), 0);
  EXPECT_EQ(json["repeat"], 1);
  EXPECT_TRUE(json["n2v_version"].is_string());
}

TEST(BenchCli, RunsEveryStageOnATinySyntheticDataSet) {
  TempDir dir;
  auto synth = run_n2v("synth --users 60 --movies 150 --ratings 4000 --out " + (dir / "data").string());
  ASSERT_EQ(synth.exit_code, 0) << synth.output;
  const std::string common = "--data-dir " + (dir / "data").string() +
                             " --threads 2 --set graph.min_rating=4 --set graph.min_weight=1 --set walk.num_walks=2"
                             " --set train.batch_size=64 --set train.embedding_dim=8";
  auto aggregate = run_n2v("bench --repeat 1 " + common + " --out " + (dir / "aggregate").string());
  ASSERT_EQ(aggregate.exit_code, 0) << aggregate.output;
  EXPECT_NE(aggregate.output.find("median s"), std::string::npos) << aggregate.output;
  expect_every_stage(dir / "aggregate" / "bench.json");

  auto stream = run_n2v("bench --repeat 1 " + common + " --set skipgram.mode=stream --out " + (dir / "stream").string());
  ASSERT_EQ(stream.exit_code, 0) << stream.output;
  expect_every_stage(dir / "stream" / "bench.json");
}

TEST(BenchCli, BadArgumentsLeaveNoOutput) {
  TempDir dir;
  auto zero = run_n2v("bench --repeat 0 --data-dir " + (dir / "none").string() + " --out " + (dir / "out").string());
  EXPECT_EQ(zero.exit_code, 2) << zero.output;
  auto missing = run_n2v("bench --repeat 1 --set data.url= --data-dir " + (dir / "none").string() + " --out " +
                         (dir / "out").string());
  EXPECT_NE(missing.exit_code, 0) << missing.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "out"));
}

}  // namespace
}  // namespace n2v
