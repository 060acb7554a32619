#include "graph/holdout.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <numeric>
#include <random>
#include <set>

#include "core/errors.h"
#include "core/progress.h"
#include "graph/edgelist.h"
#include "pipeline/pipeline.h"
#include "test_util.h"
#include "walk/walks.h"

namespace n2v {
namespace {

using testing::read_text;
using testing::TempDir;
using testing::write_text;
namespace fs = std::filesystem;

// A random graph of `nodes` nodes: a ring (so it is connected) plus random chords, as edge-list text.
std::string random_graph_text(int nodes, int chords, unsigned seed) {
  std::mt19937 gen(seed);
  std::string text;
  for (int i = 0; i < nodes; ++i) text += "n" + std::to_string(i) + "\tn" + std::to_string((i + 1) % nodes) + "\n";
  for (int c = 0; c < chords; ++c) {
    int a = static_cast<int>(gen() % nodes), b = static_cast<int>(gen() % nodes);
    if (a != b) text += "n" + std::to_string(a) + "\tn" + std::to_string(b) + "\t2\n";
  }
  return text;
}

Graph parse(const std::string& text, bool directed = false) {
  EdgeListOptions options = edge_list_options_from(Config{});
  options.directed = directed;
  return parse_edge_list(text, "graph.tsv", options);
}

std::size_t component_count(const Graph& g) {
  std::vector<std::size_t> parent(g.vocabulary.size());
  std::iota(parent.begin(), parent.end(), 0);
  std::function<std::size_t(std::size_t)> find = [&](std::size_t x) { return parent[x] == x ? x : parent[x] = find(parent[x]); };
  for (const Edge& e : g.edges) parent[find(e.src)] = find(e.dst);
  std::set<std::size_t> roots;
  for (std::size_t t = 1; t < g.vocabulary.size(); ++t) roots.insert(find(t));
  return roots.size();
}

bool joined(const CsrGraph& g, NodeId a, NodeId b) { return g.has_edge(a, b) || g.has_edge(b, a); }

TEST(HoldoutEdges, RemovesTheFractionKeepsConnectivityAndSamplesTrueNonEdges) {
  const Graph original = parse(random_graph_text(60, 240, 7));
  Graph g = original;
  const std::size_t edges = original.edges.size();
  std::vector<LabeledPair> pairs = hold_out_edges(g, 0.3, 42);

  const auto wanted = static_cast<std::size_t>(std::llround(0.3 * edges));
  ASSERT_EQ(pairs.size(), 2 * wanted);
  EXPECT_EQ(g.edges.size(), edges - wanted);
  EXPECT_EQ(g.stats.edges, edges - wanted);
  EXPECT_EQ(g.graph.num_edges(), edges - wanted);
  EXPECT_DOUBLE_EQ(g.stats.average_degree, 2.0 * (edges - wanted) / 60.0);
  EXPECT_EQ(g.vocabulary.names, original.vocabulary.names);
  EXPECT_EQ(component_count(g), 1u);
  for (std::size_t t = 1; t < g.vocabulary.size(); ++t) EXPECT_GT(g.graph.degree(static_cast<NodeId>(t)), 0u);

  std::set<std::pair<NodeId, NodeId>> seen;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const LabeledPair& p = pairs[i];
    EXPECT_EQ(p.edge, i < wanted);  // edges first
    EXPECT_NE(p.src, p.dst);
    EXPECT_TRUE(seen.insert({std::min(p.src, p.dst), std::max(p.src, p.dst)}).second) << "pair repeated";
    EXPECT_FALSE(joined(g.graph, p.src, p.dst)) << "a held-out pair is still in the training graph";
    EXPECT_EQ(joined(original.graph, p.src, p.dst), p.edge);
  }

  Graph again = original;
  std::vector<LabeledPair> same = hold_out_edges(again, 0.3, 42);
  Graph other = original;
  std::vector<LabeledPair> different = hold_out_edges(other, 0.3, 43);
  auto key = [](const std::vector<LabeledPair>& v) {
    std::vector<std::uint64_t> k;
    for (const auto& p : v) k.push_back((std::uint64_t{p.src} << 32) | p.dst);
    return k;
  };
  EXPECT_EQ(key(same), key(pairs));
  EXPECT_NE(key(different), key(pairs));
}

TEST(HoldoutEdges, ATreeHasNothingToGiveAndComponentsStayWhole) {
  // Two components: a path a-b-c and a triangle x-y-z. Only one triangle edge can go.
  Graph g = parse("a b\nb c\nx y\ny z\nz x\n");
  std::vector<LabeledPair> pairs = hold_out_edges(g, 0.6, 1);
  ASSERT_EQ(pairs.size(), 2u);  // asked for 3, one possible
  EXPECT_TRUE(pairs[0].edge);
  EXPECT_FALSE(pairs[1].edge);
  EXPECT_EQ(g.edges.size(), 4u);
  EXPECT_EQ(component_count(g), 2u);
  const auto& names = g.vocabulary.names;
  std::set<std::string> triangle{"x", "y", "z"};
  EXPECT_TRUE(triangle.count(names[pairs[0].src]) && triangle.count(names[pairs[0].dst]));
}

TEST(HoldoutEdges, DirectedEdgesWithAReverseStay) {
  // a->b and b->a: similarity is symmetric, so holding one out would leak it through the other.
  Graph g = parse("a b\nb a\nb c\nc a\na d\nd c\nc b\n", /*directed=*/true);
  std::vector<LabeledPair> pairs = hold_out_edges(g, 0.9, 3);
  for (const auto& p : pairs)
    if (p.edge) EXPECT_FALSE(g.graph.has_edge(p.dst, p.src)) << g.vocabulary.names[p.src] << "->" << g.vocabulary.names[p.dst];
  for (const auto& p : pairs)
    if (!p.edge) EXPECT_FALSE(joined(g.graph, p.src, p.dst));
  // Of 6 requested, only c->a, a->d and d->c may go (no reverse); with seed 3 the spanning forest
  // keeps two of them (and one edge at b), so one goes. b and d, joined in neither direction, are
  // the only non-edge.
  std::set<std::string> held, non_edges;
  for (const auto& p : pairs)
    (p.edge ? held : non_edges).insert(g.vocabulary.names[p.src] + (p.edge ? "->" : "-") + g.vocabulary.names[p.dst]);
  ASSERT_EQ(pairs.size(), held.size() + non_edges.size()) << "no pair twice";
  EXPECT_EQ(held.size(), 1u);
  for (const auto& edge : held) EXPECT_TRUE(edge == "c->a" || edge == "a->d" || edge == "d->c") << edge;
  ASSERT_EQ(non_edges.size(), 1u);
  EXPECT_TRUE(*non_edges.begin() == "b-d" || *non_edges.begin() == "d-b") << *non_edges.begin();
  EXPECT_EQ(g.stats.edges, 7u - held.size());
}

TEST(HoldoutEdges, DenseGraphsListTheirFewNonEdges) {
  // K5 minus one edge: 9 edges, one non-edge; asking for 4 held-out edges gets 4 edges, 1 non-edge.
  std::string text;
  for (int a = 0; a < 5; ++a)
    for (int b = a + 1; b < 5; ++b)
      if (!(a == 0 && b == 1)) text += std::to_string(a) + " " + std::to_string(b) + "\n";
  Graph g = parse(text);
  std::vector<LabeledPair> pairs = hold_out_edges(g, 0.45, 5);
  std::size_t negatives = std::count_if(pairs.begin(), pairs.end(), [](const LabeledPair& p) { return !p.edge; });
  EXPECT_EQ(pairs.size() - negatives, 4u);
  ASSERT_EQ(negatives, 1u);
  const LabeledPair& n = pairs.back();
  EXPECT_EQ(std::set<std::string>({g.vocabulary.names[n.src], g.vocabulary.names[n.dst]}), std::set<std::string>({"0", "1"}));
}

TEST(HoldoutLatest, HoldsEachUsersLatestFractionByTimestamp) {
  Ratings r;
  // User 1: five ratings, out of time order; ties at t=30 go by row order.
  r.push_back(1, 10, 5, 50);
  r.push_back(1, 11, 4, 10);
  r.push_back(2, 20, 3, 5);
  r.push_back(1, 12, 3, 30);
  r.push_back(1, 13, 2, 30);
  r.push_back(2, 21, 5, 1);
  r.push_back(1, 14, 1, 20);
  Ratings held = hold_out_latest(r, 0.4);
  // User 1: floor(0.4 * 5) = 2: t=50 (movie 10) and the later row of the t=30 tie (movie 13).
  // User 2: floor(0.4 * 2) = 0.
  EXPECT_EQ(held.movie, (std::vector<std::int32_t>{10, 13}));
  EXPECT_EQ(held.user, (std::vector<std::int32_t>{1, 1}));
  EXPECT_EQ(held.rating, (std::vector<float>{5, 2}));
  EXPECT_EQ(held.timestamp, (std::vector<std::int64_t>{50, 30}));
  EXPECT_EQ(r.movie, (std::vector<std::int32_t>{11, 20, 12, 21, 14}));  // row order kept
  EXPECT_EQ(r.size() + held.size(), 7u);
}

// (A run without a holdout removes an earlier run's files at its commit: TrainCommand tests.)
TEST(HoldoutFiles, RoundTripAndNothingWithoutAHoldout) {
  TempDir dir;
  Graph g = parse("\"tab\tname\"\tb\nb\tc\nc\t\"quote\"\"d\"\n");
  std::vector<LabeledPair> pairs{{1, 2, true}, {1, 4, false}};
  HeldOut held;
  held.has_edges = true;
  held.pairs = pairs;
  held.has_ratings = true;
  held.ratings.push_back(7, 318, 4.5f, 1234567890);
  write_held_out(held, g.vocabulary, dir.path());
  std::vector<LabeledPair> back = read_holdout_edges(dir / kHoldoutEdgesFile, g.vocabulary);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].src, 1u);
  EXPECT_EQ(back[1].dst, 4u);
  EXPECT_TRUE(back[0].edge);
  EXPECT_FALSE(back[1].edge);
  EXPECT_EQ(read_text(dir / kHoldoutRatingsFile), "userId,movieId,rating,timestamp\n7,318,4.5,1234567890\n");
  Ratings ratings = parse_ratings_csv(read_text(dir / kHoldoutRatingsFile), "holdout_ratings.csv");
  EXPECT_EQ(ratings.timestamp[0], 1234567890);

  // Another model's vocabulary: the names do not resolve.
  Graph other = parse("x y\n");
  EXPECT_THROW(read_holdout_edges(dir / kHoldoutEdgesFile, other.vocabulary), DataError);

  TempDir empty;
  write_held_out(HeldOut{}, g.vocabulary, empty.path());
  EXPECT_TRUE(fs::is_empty(empty.path()));
}

// The training graph: load_graph applies the holdout, so neither the graph nor the walks on it
// contain a held-out edge.
TEST(HoldoutEdges, NothingHeldOutReachesTheGraphOrTheWalks) {
  set_quiet(true);
  TempDir dir;
  write_text(dir / "edges.tsv", random_graph_text(40, 160, 11));
  Config config;
  config.set("data.format", "edgelist", "test");
  config.set("data.dir", dir.path().string(), "test");
  config.set("eval.holdout_edges", "0.25", "test");
  config.validate();
  HeldOut held;
  Graph g = load_graph(config, &held);
  ASSERT_TRUE(held.has_edges);
  EXPECT_FALSE(held.has_ratings);
  ASSERT_FALSE(held.pairs.empty());
  std::set<std::uint64_t> held_edges;
  for (const auto& p : held.pairs) {
    if (!p.edge) continue;
    EXPECT_FALSE(joined(g.graph, p.src, p.dst));
    held_edges.insert((std::uint64_t{std::min(p.src, p.dst)} << 32) | std::max(p.src, p.dst));
  }
  WalkOptions options = walk_options_from(Config{});
  options.num_walks = 20;
  options.num_steps = 30;
  Walks walks = generate_walks(g.graph, options);
  std::size_t steps = 0;
  for (std::size_t i = 0; i < walks.size(); ++i) {
    const NodeId* w = walks.walk(i);
    for (std::size_t j = 1; j < walks.length(i); ++j, ++steps) {
      std::uint64_t key = (std::uint64_t{std::min(w[j - 1], w[j])} << 32) | std::max(w[j - 1], w[j]);
      ASSERT_FALSE(held_edges.count(key)) << "walk " << i << " crosses a held-out edge";
    }
  }
  EXPECT_GT(steps, 10000u);

  // The same config again: the same split (evaluate rebuilds the training graph this way).
  HeldOut again;
  Graph g2 = load_graph(config, &again);
  EXPECT_EQ(g2.edges.size(), g.edges.size());
  ASSERT_EQ(again.pairs.size(), held.pairs.size());
  for (std::size_t i = 0; i < held.pairs.size(); ++i) EXPECT_EQ(again.pairs[i].src, held.pairs[i].src);
}

// Held-out ratings never reach the graph: a pair liked together only in the held-out part makes no edge.
TEST(HoldoutLatest, HeldOutLikesMakeNoEdges) {
  set_quiet(true);
  TempDir dir;
  write_text(dir / "movies.csv", "movieId,title,genres\n1,A (2000),Drama\n2,B (2000),Drama\n3,C (2000),Comedy\n");
  // Each user likes 1 and 2 early; the last of four ratings (movie 3, liked) is held out at 0.25.
  std::string ratings = "userId,movieId,rating,timestamp\n";
  for (int u = 1; u <= 6; ++u) {
    ratings += std::to_string(u) + ",1,5.0,100\n" + std::to_string(u) + ",2,5.0,200\n";
    ratings += std::to_string(u) + ",3,5.0,900\n" + std::to_string(u) + ",1,4.0,50\n";
  }
  write_text(dir / "ratings.csv", ratings);
  Config config;
  config.set("data.dir", dir.path().string(), "test");
  config.set("graph.min_weight", "0", "test");
  config.validate();
  Graph full = load_graph(config);
  EXPECT_TRUE(full.graph.has_edge(1, 3));

  config.set("eval.holdout_latest", "0.25", "test");
  HeldOut held;
  Graph g = load_graph(config, &held);
  ASSERT_TRUE(held.has_ratings);
  EXPECT_EQ(held.ratings.size(), 6u);
  for (std::size_t i = 0; i < held.ratings.size(); ++i) EXPECT_EQ(held.ratings.movie[i], 3);
  EXPECT_EQ(g.stats.liked_ratings, 12u);
  EXPECT_EQ(g.vocabulary.names, (std::vector<std::string>{"NA", "1", "2"}));
}

TEST(HoldoutConfig, KeysAreFractionsAndLatestNeedsRatings) {
  Config config;
  config.set("eval.holdout_edges", "1", "test");
  EXPECT_THROW(config.validate(), ConfigError);
  config.set("eval.holdout_edges", "0.2", "test");
  config.set("data.format", "edgelist", "test");
  config.validate();
  config.set("eval.holdout_latest", "0.2", "test");
  try {
    config.validate();
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("eval.holdout_latest"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace n2v
