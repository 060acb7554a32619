#include "dist/sharded_walks.h"

#include <gtest/gtest.h>

#include "core/errors.h"
#include "core/progress.h"
#include "data/movielens.h"
#include "dist/local_world.h"
#include "graph/cooccurrence.h"
#include "graph/shard.h"
#include "pipeline/pipeline.h"
#include "test_util.h"
#include "walk/exactness.h"

namespace n2v {
namespace {

using namespace walk_testing;

// A Graph around a CSR graph: its edges once each (undirected: src < dst), names "1", "2", ...
Graph whole(const CsrGraph& csr) {
  Graph g;
  g.graph = csr;
  g.vocabulary.names.push_back("NA");
  for (NodeId v = 1; v < csr.num_nodes(); ++v) g.vocabulary.names.push_back(std::to_string(v));
  for (NodeId v = 0; v < csr.num_nodes(); ++v) {
    for (std::size_t i = 0; i < csr.degree(v); ++i) {
      const NodeId x = csr.neighbors(v)[i];
      if (csr.directed() || v < x) g.edges.push_back({v, x, csr.weights(v)[i]});
    }
  }
  return g;
}

struct ShardedRun {
  Walks walks;  // every rank's block, in rank order
  std::vector<ShardWalkStats> stats;
};

ShardedRun walk_on_ranks(const Graph& g, const WalkOptions& options, int world) {
  ShardedRun run;
  std::vector<Walks> blocks(static_cast<std::size_t>(world));
  run.stats.resize(static_cast<std::size_t>(world));
  LocalWorld ranks(world);
  ranks.run([&](Transport& transport) {
    const GraphShard shard = slice_graph(g, transport.rank(), world);
    blocks[transport.rank()] = walk_sharded(shard, options, transport, &run.stats[transport.rank()]);
  });
  run.walks = concat_walks(blocks);
  return run;
}

WalkOptions options_with(double p, double q, int num_walks, int num_steps) {
  WalkOptions options = walk_options_from(Config{});
  options.p = p;
  options.q = q;
  options.num_walks = num_walks;
  options.num_steps = num_steps;
  options.threads = 1;
  return options;
}

TEST(ShardedWalks, AnyWorldSizeGivesTheSingleProcessWalksByteForByte) {
  for (bool directed : {false, true}) {
    const Graph g = whole(random_graph(400, 2500, directed, directed ? 3 : 4));
    for (auto [p, q] : std::vector<std::pair<double, double>>{{1, 1}, {2, 0.5}, {0.25, 4}}) {
      const WalkOptions options = options_with(p, q, 3, 25);
      const Walks expected = generate_walks(g.graph, options);
      for (int world : {1, 2, 3, 4}) {
        SCOPED_TRACE((directed ? "directed" : "undirected") + std::string(" p=") + std::to_string(p) +
                     " q=" + std::to_string(q) + " world " + std::to_string(world));
        const ShardedRun run = walk_on_ranks(g, options, world);
        EXPECT_EQ(run.walks.offsets, expected.offsets);
        EXPECT_EQ(run.walks.nodes, expected.nodes);
        std::uint64_t steps = 0, sent = 0, queries = 0, proposals = 0;
        for (const ShardWalkStats& s : run.stats) {
          steps += s.steps;
          sent += s.walkers_sent;
          queries += s.queries_sent;
          proposals += s.proposals_sent;
        }
        EXPECT_EQ(steps, expected.nodes.size() - expected.size()) << "every step is taken once, on one rank";
        if (world > 1) {
          EXPECT_GT(sent, steps / 4) << "walkers cross between ranks";
          if (!(p == 1 && q == 1) && directed) EXPECT_GT(queries, 0u) << "the neighbour test is asked of previous's owner";
          if (!(p == 1 && q == 1) && !directed) {
            EXPECT_GT(proposals, 0u) << "undirected: the test travels with the walker to the proposal's owner";
          }
          if (directed || (p == 1 && q == 1)) EXPECT_EQ(proposals, 0u);
        } else {
          EXPECT_EQ(sent + queries + proposals, 0u);
        }
      }
    }
  }
}

// q = 1000 on a graph with few triangles: most proposals are rejected (at their owner, when the
// walker took them there), so steps reach the exact scan, whose common neighbours then come from
// another rank.
TEST(ShardedWalks, TheExactScanAcrossRanksDrawsTheSameSteps) {
  const Graph star = whole(make_graph(7, {{1, 2, 1.0f}, {2, 3, 2.0f}, {2, 4, 0.5f}, {2, 5, 1.5f}, {3, 4, 1.0f}, {5, 6, 1.0f}},
                                      false, true));
  const Graph sparse = whole(random_graph(300, 600, false, 9));
  std::uint64_t exact_scans_asked = 0;
  for (const Graph* g : {&star, &sparse}) {
    for (auto [p, q] : std::vector<std::pair<double, double>>{{1000, 1000}, {1e-3, 1e3}, {1, 1e3}}) {
      const WalkOptions options = options_with(p, q, 20, 30);
      const Walks expected = generate_walks(g->graph, options);
      for (int world : {2, 3}) {
        const ShardedRun run = walk_on_ranks(*g, options, world);
        EXPECT_EQ(run.walks.nodes, expected.nodes) << "p=" << p << " q=" << q << " world " << world;
        EXPECT_EQ(run.walks.offsets, expected.offsets);
        std::uint64_t rejected = 0;
        for (const ShardWalkStats& s : run.stats) {
          exact_scans_asked += s.queries_sent;
          rejected += s.proposals_rejected;
        }
        EXPECT_GT(rejected, 0u) << "proposals rejected at their owner send the walker back for its next trial";
      }
    }
  }
  EXPECT_GT(exact_scans_asked, 0u) << "an exact scan whose previous node is elsewhere asks its owner";
}

// The transitions of sharded walks against the exact node2vec probabilities, on three ranks.
TEST(ShardedWalks, StepsAcrossThreeRanksMatchTheExactProbabilities) {
  for (const auto* arcs : {&kSixUndirected, &kSixDirected}) {
    const bool directed = arcs == &kSixDirected;
    const CsrGraph csr = make_graph(7, *arcs, directed, true);
    const Graph g = whole(csr);
    for (auto [p, q] : std::vector<std::pair<double, double>>{{0.25, 4}, {2, 0.5}}) {
      const ShardedRun run = walk_on_ranks(g, options_with(p, q, 12000, 40), 3);
      // Counts of next given (previous, current), over every step of every walk.
      std::map<std::pair<NodeId, NodeId>, std::vector<std::uint64_t>> counts;
      for (std::size_t i = 0; i < run.walks.size(); ++i) {
        const NodeId* w = run.walks.walk(i);
        for (std::size_t j = 2; j < run.walks.length(i); ++j) {
          auto& c = counts[{w[j - 2], w[j - 1]}];
          c.resize(csr.num_nodes());
          ++c[w[j]];
        }
      }
      int tested = 0;
      for (const auto& [pair, c] : counts) {
        std::uint64_t n = 0;
        for (std::uint64_t k : c) n += k;
        if (n < 20000) continue;
        int df;
        const double statistic = chi_square(c, exact_probabilities(csr, pair.first, pair.second, p, q), n, df);
        EXPECT_LT(statistic, chi_square_critical(df, 1e-4)) << pair.first << " -> " << pair.second;
        ++tested;
      }
      EXPECT_GE(tested, 5) << (directed ? "directed" : "undirected") << " p=" << p << " q=" << q;
    }
  }
}

TEST(ShardedWalks, MlLatestSmallOnThreeRanksEqualsOneProcess) {
  N2V_REQUIRE_ML_SMALL();
  set_quiet(true);
  MovieLensData data = load_movielens(testing::shared_data("ml-latest-small"));
  const Graph g = build_movie_graph(data, cooccurrence_options_from(Config{}));
  const WalkOptions options = options_with(2, 0.5, 2, 40);
  const Walks expected = generate_walks(g.graph, options);
  const ShardedRun run = walk_on_ranks(g, options, 3);
  EXPECT_EQ(run.walks.nodes, expected.nodes);
  EXPECT_EQ(run.walks.offsets, expected.offsets);
}

// The ranks count the co-ratings of their own movies (no rank builds the whole graph): each holds
// the rows, weights and vocabulary of one process's graph for its nodes, and the walks are one
// process's, byte for byte.
TEST(ShardedWalks, MlLatestSmallCountedByTheRanksEqualsOneProcess) {
  N2V_REQUIRE_ML_SMALL();
  set_quiet(true);
  MovieLensData data = load_movielens(testing::shared_data("ml-latest-small"));
  const CooccurrenceOptions graph_options = cooccurrence_options_from(Config{});
  const Graph g = build_movie_graph(data, graph_options);
  const WalkOptions options = options_with(2, 0.5, 1, 20);
  const Walks expected = generate_walks(g.graph, options);
  for (int world = 2; world <= 3; ++world) {
    std::vector<Walks> blocks(static_cast<std::size_t>(world));
    std::vector<std::uint64_t> edges(static_cast<std::size_t>(world)), rows(static_cast<std::size_t>(world));
    LocalWorld ranks(world);
    ranks.run([&](Transport& transport) {
      const int rank = transport.rank();
      const GraphShard shard = build_movie_graph_shard(
          data, graph_options, rank, world,
          [&transport](std::vector<std::uint64_t>& values) { transport.allreduce_sum(values.data(), values.size()); });
      EXPECT_EQ(shard.vocabulary.names, g.vocabulary.names);
      EXPECT_EQ(shard.vocabulary.titles, g.vocabulary.titles);
      EXPECT_EQ(shard.stats.co_rated_pairs, g.stats.co_rated_pairs);
      EXPECT_EQ(shard.starts.size(), g.vocabulary.size() - 1);
      for (NodeId v = 1; v < g.graph.num_nodes(); ++v) {
        if (!shard.owns(v)) continue;
        ASSERT_EQ(shard.degree(v), g.graph.degree(v)) << "node " << v;
        for (std::size_t i = 0; i < shard.degree(v); ++i) {
          EXPECT_EQ(shard.neighbors(v)[i], g.graph.neighbors(v)[i]);
          EXPECT_EQ(shard.weights(v)[i], g.graph.weights(v)[i]);  // the same float
        }
      }
      edges[static_cast<std::size_t>(rank)] = shard.counted_edges;
      rows[static_cast<std::size_t>(rank)] = shard.rows.num_nodes();
      blocks[static_cast<std::size_t>(rank)] = walk_sharded(shard, options, transport);
    });
    std::uint64_t all_edges = 0, all_rows = 0;
    for (int r = 0; r < world; ++r) {
      all_edges += edges[static_cast<std::size_t>(r)];
      all_rows += rows[static_cast<std::size_t>(r)];
      EXPECT_GT(rows[static_cast<std::size_t>(r)], g.vocabulary.size() / (2 * world)) << "rank " << r << " of " << world;
    }
    EXPECT_EQ(all_edges, g.stats.edges) << world << " ranks";
    EXPECT_EQ(all_rows, g.vocabulary.size()) << "every node's row on one rank, token 0's on rank 0";
    const Walks walks = concat_walks(blocks);
    EXPECT_EQ(walks.nodes, expected.nodes) << world << " ranks";
    EXPECT_EQ(walks.offsets, expected.offsets);
  }
}

TEST(ShardedWalks, AShardOfAnotherWorldIsRefused) {
  const Graph g = whole(make_graph(7, kSixUndirected, false, true));
  LocalWorld ranks(2);
  EXPECT_THROW(ranks.run([&](Transport& transport) {
    const GraphShard shard = slice_graph(g, transport.rank(), 3);
    walk_sharded(shard, options_with(1, 1, 1, 5), transport);
  }),
               UsageError);
}

TEST(LocalWorld, ARankThatFailsStopsTheOthersInsteadOfLeavingThemWaiting) {
  LocalWorld ranks(3);
  try {
    ranks.run([&](Transport& transport) {
      if (transport.rank() == 1) throw DataError("rank 1 read a bad line");
      std::uint64_t one = 1;
      for (int i = 0; i < 3; ++i) transport.allreduce_sum(&one, 1);
    });
    FAIL() << "the world should fail";
  } catch (const DataError& e) {
    EXPECT_STREQ(e.what(), "rank 1 read a bad line") << "the failing rank's own error, not the others'";
  }
}

TEST(LocalWorld, AllToAllDeliversEachRanksMessages) {
  LocalWorld ranks(3);
  std::vector<std::vector<std::string>> received(3);
  ranks.run([&](Transport& transport) {
    std::vector<std::string> out;
    for (int to = 0; to < 3; ++to) out.push_back(std::to_string(transport.rank()) + ">" + std::to_string(to));
    received[transport.rank()] = transport.all_to_all(out);
    std::uint64_t value = static_cast<std::uint64_t>(transport.rank()) + 1;
    transport.allreduce_sum(&value, 1);
    EXPECT_EQ(value, 6u);
  });
  for (int r = 0; r < 3; ++r) {
    for (int from = 0; from < 3; ++from) EXPECT_EQ(received[r][from], std::to_string(from) + ">" + std::to_string(r));
  }
}

TEST(LocalWorld, SendReceivePassesBuffersRoundARingAndRefusesAnotherSize) {
  LocalWorld ranks(3);
  std::vector<std::vector<int>> received(3, std::vector<int>(4, -1));
  ranks.run([&](Transport& transport) {
    const int me = transport.rank(), to = (me + 2) % 3, from = (me + 1) % 3;
    const std::vector<int> mine(4, me * 10);
    transport.send_receive(mine.data(), 4 * sizeof(int), to, received[me].data(), 4 * sizeof(int), from);
  });
  for (int r = 0; r < 3; ++r) EXPECT_EQ(received[r], std::vector<int>(4, (r + 1) % 3 * 10)) << "rank " << r;

  LocalWorld two(2);
  try {
    two.run([&](Transport& transport) {
      std::vector<char> out(transport.rank() == 0 ? 8 : 16), in(16);
      transport.send_receive(out.data(), out.size(), 1 - transport.rank(), in.data(), 16, 1 - transport.rank());
    });
    FAIL() << "rank 1 expects 16 bytes and gets 8";
  } catch (const DistributedError& e) {
    EXPECT_NE(std::string(e.what()).find("rank 0 sent rank 1 8 bytes where 16 were expected"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace n2v
