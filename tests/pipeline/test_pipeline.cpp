// The stages before training: load_graph and the stage options taken from the config.
#include "pipeline/pipeline.h"

#include <gtest/gtest.h>

#include "core/errors.h"
#include "core/progress.h"
#include "test_util.h"

namespace n2v {
namespace {

using testing::TempDir;
using testing::write_text;

TEST(LoadGraph, ReadsAnEdgeListInsideDataDirOrAbsolute) {
  set_quiet(true);
  TempDir dir;
  write_text(dir / "graph/edges.tsv", "x\ty\t2\ny\tz\n");
  Config config;
  config.data.format = DataFormat::EdgeList;
  config.data.dir = (dir / "graph").string();
  config.data.edges = "edges.tsv";
  Graph g = load_graph(config);
  EXPECT_EQ(g.stats.edges, 2u);
  config.data.dir = "/nonexistent";
  config.data.edges = (dir / "graph/edges.tsv").string();
  EXPECT_EQ(load_graph(config).stats.nodes, 3u);
  config.data.edges = "missing.tsv";
  try {
    load_graph(config);
    ADD_FAILURE() << "no error for a missing edge list";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/missing.tsv: edge list not found (data.edges = 'missing.tsv'"),
              std::string::npos)
        << e.what();
  }
}

// tools/compare-gensim.sh trains gensim on `n2v walk`'s walks.txt and n2v on the same config: the
// walks `n2v train` trains on (prepare_training_data, with held-out edges, in stream mode, other
// thread counts) are exactly those lines.
TEST(PrepareTrainingData, WalksAreThoseNWalkWrites) {
  set_quiet(true);
  TempDir dir;
  std::string edges;
  for (int a = 0; a < 30; ++a)
    for (int b = a + 1; b < 30; b += 1 + (a * b) % 4)
      edges += "n" + std::to_string(a) + "\tn" + std::to_string(b) + "\n";
  write_text(dir / "graph/edges.tsv", edges);
  const std::string settings = " --set data.format=edgelist --data-dir " + (dir / "graph").string() +
                               " --set eval.holdout_edges=0.2 --set walk.p=0.5 --set walk.q=2 --seed 9";
  auto walk = testing::run_n2v("walk --threads 1 --out " + (dir / "walks").string() + settings +
                               " --set skipgram.mode=stream");
  ASSERT_EQ(walk.exit_code, 0) << walk.output;

  Config config = Config::load(dir / "walks" / "config.yaml");
  config.threads = 2;
  PrepareOptions quiet;
  quiet.progress = false;
  const TrainingData data = prepare_training_data(config, quiet);
  std::string lines;
  for (std::size_t i = 0; i < data.walks.size(); ++i) {
    for (std::size_t j = 0; j < data.walks.length(i); ++j)
      lines += (j > 0 ? " " : "") + data.graph.vocabulary.names[data.walks.walk(i)[j]];
    lines += "\n";
  }
  EXPECT_GT(data.walks.size(), 29u);
  EXPECT_EQ(lines, testing::read_text(dir / "walks" / "walks.txt"));
}

TEST(StageOptions, EveryValueComesFromItsConfigKey) {
  Config config;
  config.set("walk.p=0.25");
  config.set("walk.q=4");
  config.set("walk.num_walks=3");
  config.set("walk.num_steps=7");
  config.set("skipgram.window=6");
  config.set("skipgram.negative_samples=2.5");
  config.set("seed=99");
  config.set("threads=3");
  WalkOptions walk = walk_options_from(config);
  EXPECT_EQ(walk.p, 0.25);
  EXPECT_EQ(walk.q, 4.0);
  EXPECT_EQ(walk.num_walks, 3);
  EXPECT_EQ(walk.num_steps, 7);
  EXPECT_EQ(walk.seed, 99u);
  EXPECT_EQ(walk.threads, 3);
  ExampleOptions examples = example_options_from(config);
  EXPECT_EQ(examples.window, 6);
  EXPECT_EQ(examples.negative_samples, 2.5);
  EXPECT_EQ(examples.seed, 99u);
  EXPECT_EQ(examples.threads, 3);
  StreamOptions stream = stream_options_from(config);
  EXPECT_EQ(stream.window, 6);
  EXPECT_EQ(stream.negative_samples, 2.5);
  EXPECT_EQ(stream.seed, 99u);

  config.set("threads=0");
  EXPECT_GE(walk_options_from(config).threads, 1) << "0 = all cores, resolved";
}

}  // namespace
}  // namespace n2v
