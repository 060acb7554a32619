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
