#include "walk/walks.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/errors.h"
#include "core/progress.h"
#include "data/movielens.h"
#include "graph/cooccurrence.h"
#include "pipeline/pipeline.h"
#include "test_util.h"
#include "walk/exactness.h"

namespace n2v {
namespace {

using namespace walk_testing;

TEST(ChiSquare, CriticalValuesMatchTables) {
  EXPECT_NEAR(chi_square_critical(1, 0.05), 3.8415, 1e-3);
  EXPECT_NEAR(chi_square_critical(1, 1e-4), 15.1367, 1e-3);
  EXPECT_NEAR(chi_square_critical(4, 1e-4), 23.5127, 1e-3);
  EXPECT_NEAR(chi_square_critical(10, 0.01), 23.2093, 1e-3);
  EXPECT_NEAR(chi_square_critical(30, 1e-4), 67.6326, 1e-3);  // scipy.stats.chi2.isf
}

constexpr std::uint64_t kSamples = 200'000;
constexpr double kAlpha = 1e-4;

struct Case {
  const char* graph;
  const std::vector<Arc>* arcs;
  bool directed;
  std::vector<std::pair<NodeId, NodeId>> pairs;  // (previous, current)
};

const std::vector<Case> kCases{
    {"triangle+pendant", &kTriangleUndirected, false, {{1, 3}, {4, 3}, {2, 1}}},
    {"triangle+pendant directed", &kTriangleDirected, true, {{1, 3}, {2, 3}, {1, 2}}},
    {"six nodes", &kSixUndirected, false, {{1, 3}, {5, 3}, {6, 4}}},
    {"six nodes directed", &kSixDirected, true, {{1, 3}, {5, 3}, {4, 6}, {3, 4}}},
};
const std::vector<std::pair<double, double>> kPQ{{1, 1}, {0.25, 4}, {4, 0.25}, {2, 0.5}};

// The core exactness test: >= 200,000 second-order steps from fixed (previous, current) pairs
// against the exact transition probabilities, every (p, q), weighted and unweighted, undirected
// and directed. It also checks its own power: the same counts must reject the rule with p and q
// swapped, and (directed) the rule with the neighbour test reversed, wherever those differ enough
// to be detectable.
TEST(WalkSampler, SecondOrderStepsMatchTheExactProbabilities) {
  int power_checks = 0;
  for (const Case& c : kCases) {
    for (bool weighted : {true, false}) {
      CsrGraph g = make_graph(7, *c.arcs, c.directed, weighted);
      for (auto [p, q] : kPQ) {
        WalkSampler sampler(g, p, q);
        for (auto [previous, current] : c.pairs) {
          SCOPED_TRACE(std::string(c.graph) + (weighted ? " weighted" : " unweighted") + " p=" + std::to_string(p) +
                       " q=" + std::to_string(q) + " previous=" + std::to_string(previous) +
                       " current=" + std::to_string(current));
          Rng rng(1234 + previous * 10 + current);
          std::vector<std::uint64_t> counts(g.num_nodes(), 0);
          for (std::uint64_t i = 0; i < kSamples; ++i) {
            NodeId next = sampler.next_step(previous, current, rng);
            ASSERT_LT(next, g.num_nodes());
            ++counts[next];
          }
          std::vector<double> exact = exact_probabilities(g, previous, current, p, q);
          int df;
          double statistic = chi_square(counts, exact, kSamples, df);
          ASSERT_GE(df, 1);
          EXPECT_LT(statistic, chi_square_critical(df, kAlpha));

          auto check_power = [&](const std::vector<double>& wrong) {
            // Expected statistic under the wrong hypothesis: n * sum (p - p')^2 / p'.
            double noncentrality = 0;
            for (std::size_t x = 0; x < wrong.size(); ++x)
              if (wrong[x] > 0) noncentrality += kSamples * (exact[x] - wrong[x]) * (exact[x] - wrong[x]) / wrong[x];
            int wrong_df;
            double critical = chi_square_critical(df, kAlpha);
            if (noncentrality < 4 * critical) return;
            EXPECT_GT(chi_square(counts, wrong, kSamples, wrong_df), critical) << "the test cannot tell a wrong rule";
            ++power_checks;
          };
          if (p != q) check_power(exact_probabilities(g, previous, current, q, p));
          if (c.directed) check_power(exact_probabilities(g, previous, current, p, q, Rule::PreviousIsTarget));
        }
      }
    }
  }
  EXPECT_GE(power_checks, 40);
}

TEST(WalkSampler, FirstStepIsProportionalToTheWeights) {
  for (const Case& c : kCases) {
    CsrGraph g = make_graph(7, *c.arcs, c.directed, true);
    WalkSampler sampler(g, 0.25, 4);
    for (NodeId current = 1; current < g.num_nodes(); ++current) {
      if (g.degree(current) < 2) continue;
      SCOPED_TRACE(std::string(c.graph) + " current=" + std::to_string(current));
      Rng rng(99 + current);
      std::vector<std::uint64_t> counts(g.num_nodes(), 0);
      for (std::uint64_t i = 0; i < kSamples; ++i) ++counts[sampler.first_step(current, rng)];
      int df;
      double statistic = chi_square(counts, exact_probabilities(g, kNoNode, current, 1, 1), kSamples, df);
      EXPECT_LT(statistic, chi_square_critical(df, kAlpha));
    }
  }
}

// Extreme p and q: rejection mostly fails and the exact-scan fallback decides; still exact.
TEST(WalkSampler, ExtremeParametersStayExact) {
  // A star around 2 with a tail: from 1, every other neighbour of 2 is "away" (factor 1/q).
  std::vector<Arc> star{{1, 2, 1.0f}, {2, 3, 2.0f}, {2, 4, 0.5f}, {2, 5, 1.5f}, {3, 4, 1.0f}, {5, 6, 1.0f}};
  // A weighted clique: from 1, every other neighbour of 2 is a neighbour of 1 (factor 1).
  std::vector<Arc> clique{{1, 2, 1.0f}, {1, 3, 2.0f}, {1, 4, 0.5f}, {2, 3, 1.5f}, {2, 4, 3.0f}, {3, 4, 1.0f}};
  struct Extreme {
    const std::vector<Arc>* arcs;
    double p, q;
  };
  const std::vector<Extreme> cases{{&star, 1000, 1000}, {&star, 1000, 500}, {&star, 1e-3, 1e3},
                                   {&star, 1e3, 1e-3},  {&star, 50, 1},      {&clique, 2, 1e-3},
                                   {&clique, 1e3, 1e-3}, {&clique, 1e-3, 1e-3}};
  for (const Extreme& c : cases) {
    CsrGraph g = make_graph(7, *c.arcs, false, true);
    WalkSampler sampler(g, c.p, c.q);
    for (auto [previous, current] : std::vector<std::pair<NodeId, NodeId>>{{1, 2}, {3, 2}}) {
      SCOPED_TRACE((c.arcs == &star ? "star p=" : "clique p=") + std::to_string(c.p) + " q=" + std::to_string(c.q) +
                   " previous=" + std::to_string(previous));
      Rng rng(7);
      std::vector<std::uint64_t> counts(g.num_nodes(), 0);
      for (std::uint64_t i = 0; i < kSamples; ++i) ++counts[sampler.next_step(previous, current, rng)];
      int df;
      double statistic = chi_square(counts, exact_probabilities(g, previous, current, c.p, c.q), kSamples, df);
      EXPECT_LT(statistic, chi_square_critical(df, kAlpha));
    }
  }
}

// The ends of the accepted range (core/config.h) are exact: with p at its least every second-order
// step returns to the previous node, even over weights near float's largest; with q at its least
// a step never stays next to the previous node while a node away from it is there. p = 1e-308,
// once accepted, made the return weight infinite and walks returned about 2% of the time.
TEST(WalkSampler, TheLeastPReturnsEveryTimeAndTheLeastQAlwaysMovesAway) {
  const std::vector<Arc> heavy{{1, 2, 3e38f}, {1, 3, 2.0f}, {2, 3, 1e30f}, {2, 4, 3e38f}, {3, 4, 1.0f}, {4, 5, 2e38f}};
  CsrGraph g = make_graph(6, heavy, false, true);
  WalkSampler return_always(g, kWalkParameterMin, 1.0);
  Rng rng(3);
  for (auto [previous, current] : std::vector<std::pair<NodeId, NodeId>>{{1, 2}, {3, 2}, {4, 2}, {2, 4}, {5, 4}}) {
    for (int i = 0; i < 20000; ++i) ASSERT_EQ(return_always.next_step(previous, current, rng), previous) << i;
  }
  WalkOptions options{kWalkParameterMin, 1.0, 20, 12, 7, 2};
  const Walks walks = generate_walks(g, options);
  ASSERT_EQ(walks.size(), 5u * 20);
  for (std::size_t i = 0; i < walks.size(); ++i) {
    ASSERT_EQ(walks.length(i), 12u);
    for (std::size_t j = 2; j < walks.length(i); ++j) ASSERT_EQ(walks.walk(i)[j], walks.walk(i)[j - 2]) << i;
  }
  // From 1 to 2: 3 is 1's neighbour (factor 1), 4 is away (factor 1e100), 1 is the return.
  WalkSampler away_always(g, 1.0, kWalkParameterMin);
  for (int i = 0; i < 20000; ++i) ASSERT_EQ(away_always.next_step(1, 2, rng), 4u) << i;
}

TEST(WalkSampler, ParametersOutsideTheExactRangeAreRefused) {
  CsrGraph g = make_graph(3, {{1, 2, 1.0f}}, false, true);
  for (auto [p, q] : std::vector<std::pair<double, double>>{{1e-308, 1}, {1, 1e-101}, {1e101, 1}, {0, 1}, {1, NAN}}) {
    try {
      WalkSampler sampler(g, p, q);
      ADD_FAILURE() << "p = " << p << ", q = " << q << " accepted";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("must be in [1e-100, 1e+100]"), std::string::npos) << e.what();
    }
  }
}

TEST(WalkSampler, NodesWithoutNeighboursEndTheWalk) {
  CsrGraph g = make_graph(5, {{1, 2, 1.0f}, {2, 3, 1.0f}}, true, true);  // 3 is a sink, 4 has nothing
  for (auto [p, q] : kPQ) {
    WalkSampler sampler(g, p, q);
    Rng rng(1);
    EXPECT_EQ(sampler.first_step(3, rng), kNoNode);
    EXPECT_EQ(sampler.next_step(2, 3, rng), kNoNode);
    EXPECT_EQ(sampler.first_step(4, rng), kNoNode);
    std::vector<NodeId> out(10);
    ASSERT_EQ(sampler.walk(1, 10, rng, out.data()), 3u);
    EXPECT_EQ(out[0], 1u);
    EXPECT_EQ(out[1], 2u);
    EXPECT_EQ(out[2], 3u);
    EXPECT_EQ(sampler.walk(4, 10, rng, out.data()), 1u);
    EXPECT_EQ(sampler.walk(1, 1, rng, out.data()), 1u);
  }
}

// ---- Whole walks. ----

// A random graph with skewed degrees, some isolated nodes and (directed) some sinks.

void expect_valid_walks(const CsrGraph& g, const Walks& walks, const WalkOptions& options) {
  const std::vector<NodeId> starts = walk_start_nodes(g);
  ASSERT_EQ(walks.size(), starts.size() * options.num_walks);
  ASSERT_EQ(walks.offsets.back(), walks.nodes.size());
  for (std::size_t i = 0; i < walks.size(); ++i) {
    const NodeId* w = walks.walk(i);
    const std::size_t length = walks.length(i);
    ASSERT_GE(length, 1u);
    ASSERT_LE(length, static_cast<std::size_t>(options.num_steps));
    for (std::size_t j = 0; j + 1 < length; ++j) ASSERT_TRUE(g.has_edge(w[j], w[j + 1])) << "walk " << i << " step " << j;
    if (length < static_cast<std::size_t>(options.num_steps)) {
      ASSERT_EQ(g.degree(w[length - 1]), 0u) << "walk " << i << " stopped early at a node with neighbours";
    }
  }
  // Round r is walks [r * S, (r + 1) * S): their starts are every start node once.
  for (int round = 0; round < options.num_walks; ++round) {
    std::vector<NodeId> round_starts;
    for (std::size_t k = 0; k < starts.size(); ++k) round_starts.push_back(walks.walk(round * starts.size() + k)[0]);
    if (round > 0) {
      std::vector<NodeId> previous_round;
      for (std::size_t k = 0; k < starts.size(); ++k)
        previous_round.push_back(walks.walk((round - 1) * starts.size() + k)[0]);
      EXPECT_NE(round_starts, previous_round) << "each round has its own shuffle";
    }
    EXPECT_EQ(round_starts, start_order(starts, options.seed, round));
    std::sort(round_starts.begin(), round_starts.end());
    ASSERT_EQ(round_starts, starts) << "round " << round;
  }
}

TEST(GenerateWalks, WalksFollowEdgesAndRoundsCoverEveryNode) {
  for (bool directed : {false, true}) {
    CsrGraph g = random_graph(300, 1500, directed, directed ? 5 : 6);
    std::vector<NodeId> starts = walk_start_nodes(g);
    EXPECT_EQ(std::count(starts.begin(), starts.end(), 0u), 0) << "node 0 never starts";
    EXPECT_LE(starts.size(), 294u);
    EXPECT_GE(starts.size(), 250u);
    for (auto [p, q] : kPQ) {
      SCOPED_TRACE((directed ? "directed p=" : "undirected p=") + std::to_string(p) + " q=" + std::to_string(q));
      WalkOptions options = walk_options_from(Config{});
      options.p = p;
      options.q = q;
      options.num_walks = 3;
      options.num_steps = 12;
      options.threads = 2;
      Walks walks = generate_walks(g, options);
      expect_valid_walks(g, walks, options);
      if (directed) {
        EXPECT_LT(walks.nodes.size(), walks.size() * 12) << "some walks reach sinks";
      } else {
        EXPECT_EQ(walks.nodes.size(), walks.size() * 12);
      }
    }
  }
}

// A walk is first_step then next_step, each from the walk's own generator; the interleaved
// walk_many (16 walks in flight) and the one-walk walk() give exactly those nodes.
TEST(GenerateWalks, InterleavedWalksEqualChainedSingleSteps) {
  std::vector<std::pair<double, double>> pqs = kPQ;
  pqs.push_back({1e-3, 1e3});  // the exact-scan fallback too
  pqs.push_back({1e3, 1e-3});
  pqs.push_back({1e3, 1e3});  // mostly rejected: the fallback decides
  for (bool directed : {false, true}) {
    CsrGraph g = random_graph(200, 900, directed, 21);
    for (auto [p, q] : pqs) {
      SCOPED_TRACE((directed ? "directed p=" : "undirected p=") + std::to_string(p) + " q=" + std::to_string(q));
      WalkOptions options = walk_options_from(Config{});
      options.p = p;
      options.q = q;
      options.num_walks = 2;
      options.num_steps = 15;
      options.seed = 3;
      Walks walks = generate_walks(g, options);
      WalkSampler sampler(g, p, q);
      for (std::size_t i = 0; i < walks.size(); ++i) {
        const NodeId* w = walks.walk(i);
        Rng rng = Rng::for_item(options.seed, RngStream::Walk, i);
        std::vector<NodeId> chained{w[0]};
        NodeId next = sampler.first_step(w[0], rng);
        while (next != kNoNode && chained.size() < 15) {
          chained.push_back(next);
          next = sampler.next_step(chained[chained.size() - 2], chained.back(), rng);
        }
        ASSERT_EQ(std::vector<NodeId>(w, w + walks.length(i)), chained) << "walk " << i;
        Rng again = Rng::for_item(options.seed, RngStream::Walk, i);
        std::vector<NodeId> single(15);
        single.resize(sampler.walk(w[0], 15, again, single.data()));
        ASSERT_EQ(single, chained) << "walk " << i;
      }
    }
  }
}

TEST(GenerateWalks, SameSeedSameWalksWithAnyThreadCount) {
  CsrGraph g = random_graph(1000, 6000, true, 11);  // directed: short walks exercise the compaction
  for (auto [p, q] : std::vector<std::pair<double, double>>{{1, 1}, {0.25, 4}}) {
    WalkOptions options = walk_options_from(Config{});
    options.p = p;
    options.q = q;
    options.num_walks = 3;  // ~3000 walks, a dozen chunks
    options.num_steps = 20;
    options.seed = 7;
    options.threads = 1;
    Walks one = generate_walks(g, options);
    for (int threads : {2, 8}) {
      options.threads = threads;
      Walks many = generate_walks(g, options);
      EXPECT_EQ(one.nodes, many.nodes) << threads << " threads";
      EXPECT_EQ(one.offsets, many.offsets) << threads << " threads";
    }
    options.seed = 8;
    Walks other = generate_walks(g, options);
    EXPECT_NE(one.nodes, other.nodes) << "a different seed gives different walks";
  }
}

TEST(GenerateWalks, ShardsOfAnyWorldConcatenateToTheSingleProcessWalks) {
  CsrGraph g = random_graph(1000, 6000, true, 11);  // directed: shards hold walks of every length
  for (auto [p, q] : std::vector<std::pair<double, double>>{{1, 1}, {0.25, 4}}) {
    WalkOptions options = walk_options_from(Config{});
    options.p = p;
    options.q = q;
    options.num_walks = 3;
    options.num_steps = 20;
    options.threads = 2;
    const Walks all = generate_walks(g, options);
    ASSERT_EQ(count_walks(g, options), all.size());
    for (int world : {1, 2, 3, 7}) {
      std::vector<Walks> parts;
      std::uint64_t next = 0;
      for (int rank = 0; rank < world; ++rank) {
        const WalkRange range = walk_shard(all.size(), rank, world);
        EXPECT_EQ(range.first, next) << "the shards tile the walk indices";
        next = range.last;
        options.threads = 1 + rank % 2;
        parts.push_back(generate_walks(g, options, range));
        EXPECT_EQ(parts.back().size(), range.last - range.first);
      }
      EXPECT_EQ(next, all.size());
      const Walks joined = concat_walks(parts);
      EXPECT_EQ(joined.nodes, all.nodes) << "world " << world;
      EXPECT_EQ(joined.offsets, all.offsets) << "world " << world;
    }
  }
  WalkOptions options = walk_options_from(Config{});
  EXPECT_THROW(generate_walks(g, options, WalkRange{0, count_walks(g, options) + 1}), UsageError);
}

TEST(GenerateWalks, MlLatestSmallShardsOfTwoRanksEqualOneProcess) {
  N2V_REQUIRE_ML_SMALL();
  set_quiet(true);
  MovieLensData data = load_movielens(testing::shared_data("ml-latest-small"));
  Graph g = build_movie_graph(data, cooccurrence_options_from(Config{}));
  WalkOptions options = walk_options_from(Config{});  // the Keras example's walks
  const Walks all = generate_walks(g.graph, options);
  const Walks rank0 = generate_walks(g.graph, options, walk_shard(all.size(), 0, 2));
  const Walks rank1 = generate_walks(g.graph, options, walk_shard(all.size(), 1, 2));
  EXPECT_EQ(rank0.size() + rank1.size(), 7025u);
  const Walks joined = concat_walks({rank0, rank1});
  EXPECT_EQ(joined.nodes, all.nodes);
  EXPECT_EQ(joined.offsets, all.offsets);
}

// The progress is advanced by the walks each chunk made, from every thread: its count is the walks'.
TEST(GenerateWalks, ProgressCountsWalks) {
  CsrGraph g = random_graph(100, 300, false, 3);
  WalkOptions options = walk_options_from(Config{});
  options.num_walks = 8;
  options.threads = 3;
  const std::uint64_t expected = walk_start_nodes(g).size() * 8;
  ASSERT_GT(expected, 2 * 256u) << "chunks of 256 walks: several, on several threads";
  Walks walks, shard;
  set_quiet(false);
  ::testing::internal::CaptureStderr();
  {
    Progress progress("walks", expected, "walks");
    walks = generate_walks(g, options, &progress);
    progress.finish("8 rounds");
    Progress part("shard", 0, "walks");
    shard = generate_walks(g, options, {100, 350}, &part);
    part.finish();
  }
  const std::string log = ::testing::internal::GetCapturedStderr();
  set_quiet(true);
  EXPECT_EQ(walks.size(), expected);
  EXPECT_EQ(shard.size(), 250u);
  EXPECT_NE(log.find("[n2v] walks: " + std::to_string(expected) + " walks in "), std::string::npos) << log;
  EXPECT_NE(log.find(" walks/s) - 8 rounds\n"), std::string::npos) << log;
  EXPECT_NE(log.find("[n2v] shard: 250 walks in "), std::string::npos) << log;
}

TEST(GenerateWalks, MlLatestSmallWithTheExampleConfig) {
  N2V_REQUIRE_ML_SMALL();
  set_quiet(true);
  MovieLensData data = load_movielens(testing::shared_data("ml-latest-small"));
  Graph g = build_movie_graph(data, cooccurrence_options_from(Config{}));
  WalkOptions options = walk_options_from(Config{});  // p = q = 1, 5 rounds, 10 nodes, seed 42: the Keras example
  options.threads = 2;
  Walks walks = generate_walks(g.graph, options);
  ASSERT_EQ(walks.size(), 7025u);
  EXPECT_EQ(walks.nodes.size(), 70250u);
  expect_valid_walks(g.graph, walks, options);
  options.p = 0.25;
  options.q = 4;
  Walks biased = generate_walks(g.graph, options);
  ASSERT_EQ(biased.size(), 7025u);
  expect_valid_walks(g.graph, biased, options);
  // A small p returns often: many more immediate returns (x, y, x) than with p = 1.
  auto returns = [](const Walks& w) {
    std::size_t n = 0;
    for (std::size_t i = 2; i < w.nodes.size(); ++i) n += w.nodes[i] == w.nodes[i - 2];
    return n;
  };
  EXPECT_GT(returns(biased), 2 * returns(walks));
}

TEST(WalkCommand, WritesTheKerasExamplesWalksForMlLatestSmall) {
  N2V_REQUIRE_ML_SMALL();
  testing::TempDir out;
  auto result = testing::run_n2v("walk --config " + std::string(N2V_SOURCE_DIR) + "/configs/ml_small.yaml --data-dir " +
                                 testing::shared_data("ml-latest-small").string() + " --out " + out.path().string() +
                                 " --threads 2");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("walks                    7025"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("steps                    63225"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("steps per second"), std::string::npos) << result.output;
  std::string text = testing::read_text(out / "walks.txt");
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 7025);
  // Movie ids, ten per line; 858 (The Godfather) has the most edges (506), so walks pass through it.
  std::istringstream lines(text);
  std::string line;
  std::getline(lines, line);
  std::istringstream ids(line);
  long long id;
  int count = 0;
  while (ids >> id) {
    EXPECT_GT(id, 0);
    ++count;
  }
  EXPECT_EQ(count, 10) << line;
  EXPECT_NE(text.find(" 858 "), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(out / "config.yaml"));

  // Same seed, same file, whatever the thread count.
  testing::TempDir again;
  result = testing::run_n2v("walk --config " + std::string(N2V_SOURCE_DIR) + "/configs/ml_small.yaml --data-dir " +
                            testing::shared_data("ml-latest-small").string() + " --out " + again.path().string() +
                            " --threads 1");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(testing::read_text(again / "walks.txt"), text);
}

}  // namespace
}  // namespace n2v
