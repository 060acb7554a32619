#include "graph/cooccurrence.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include <cmath>

#include "core/errors.h"
#include "core/progress.h"
#include "pipeline/pipeline.h"
#include "test_util.h"

namespace n2v {
namespace {

using testing::expect_csr_invariants;
using testing::read_text;
using testing::run_n2v;
using testing::TempDir;
using testing::write_text;

// Four users; liked = rating 5. Item frequencies 1:3, 2:4, 3:2, 4:1 (total 10, D = log 10).
// Pairs: (1,2) x3, (2,3) x2, (1,3), (1,4), (2,4) x1 each.
MovieLensData four_users() {
  MovieLensData data;
  for (int id = 1; id <= 5; ++id) data.movies.add(Movie{id, "Movie " + std::to_string(id), "Drama"});
  auto rate = [&](int u, int m, float r) { data.ratings.push_back(u, m, r, 0); };
  rate(1, 1, 5); rate(1, 2, 5); rate(1, 3, 5); rate(1, 4, 3); rate(1, 1, 5);  // a repeated row counts once
  rate(2, 1, 5); rate(2, 2, 5); rate(2, 3, 4.5f); rate(2, 5, 1);
  rate(3, 2, 5); rate(3, 3, 5);
  rate(4, 1, 5); rate(4, 2, 5); rate(4, 4, 5);
  data.rating_rows = data.ratings.size();
  return data;
}

TEST(Cooccurrence, PmiWeightsOfAHandComputedExample) {
  set_quiet(true);
  CooccurrenceOptions options = cooccurrence_options_from(Config{});
  options.min_weight = 1.0;
  Graph g = build_movie_graph(four_users(), options);
  EXPECT_EQ(g.stats.liked_ratings, 10u);
  EXPECT_EQ(g.stats.users_with_likes, 4u);
  EXPECT_EQ(g.stats.co_rated_pairs, 5u);
  // Kept (weight >= 1): (1,2) = 3 log 2.5 = 2.7489, (2,3) = 2 log 2.5 = 1.8326, (1,4) = log(10/3) = 1.2040.
  // Dropped: (1,3) = log(10/6) = 0.5108, (2,4) = log 2.5 = 0.9163.
  ASSERT_EQ(g.stats.nodes, 4u);
  ASSERT_EQ(g.stats.edges, 3u);
  ASSERT_EQ(g.vocabulary.names, (std::vector<std::string>{"NA", "1", "2", "3", "4"}));
  EXPECT_EQ(g.vocabulary.titles[3], "Movie 3");
  ASSERT_EQ(g.edges.size(), 3u);
  EXPECT_EQ(g.edges[0].src, 1u); EXPECT_EQ(g.edges[0].dst, 2u);
  EXPECT_FLOAT_EQ(g.edges[0].weight, 2.7488721956);
  EXPECT_EQ(g.edges[1].src, 1u); EXPECT_EQ(g.edges[1].dst, 4u);
  EXPECT_FLOAT_EQ(g.edges[1].weight, 1.2039728043);
  EXPECT_EQ(g.edges[2].src, 2u); EXPECT_EQ(g.edges[2].dst, 3u);
  EXPECT_FLOAT_EQ(g.edges[2].weight, 1.8325814637);
  EXPECT_DOUBLE_EQ(g.stats.average_degree, 1.5);
  EXPECT_FLOAT_EQ(g.graph.weight(2, 1), 2.7488721956f);
  EXPECT_FLOAT_EQ(g.graph.weight(1, 3), 0.0f);

  options.min_weight = 1.5;  // (1,4) goes, and with it node 4
  Graph smaller = build_movie_graph(four_users(), options);
  EXPECT_EQ(smaller.stats.edges, 2u);
  EXPECT_EQ(smaller.stats.nodes, 3u);
}

TEST(Cooccurrence, SameGraphWithAnyThreadCount) {
  set_quiet(true);
  CooccurrenceOptions options = cooccurrence_options_from(Config{});
  options.min_weight = 0.5;
  options.threads = 1;
  Graph one = build_movie_graph(four_users(), options);
  options.threads = 8;
  Graph many = build_movie_graph(four_users(), options);
  EXPECT_EQ(one.graph.neighbor_array(), many.graph.neighbor_array());
  EXPECT_EQ(one.graph.weight_array(), many.graph.weight_array());
}

TEST(Cooccurrence, MlLatestSmallMatchesTheKerasExample) {
  N2V_REQUIRE_ML_SMALL();
  set_quiet(true);
  MovieLensData data = load_movielens(testing::shared_data("ml-latest-small"));
  CooccurrenceOptions options = cooccurrence_options_from(Config{});
  options.threads = 2;
  Graph g = build_movie_graph(data, options);
  EXPECT_EQ(g.stats.ratings, 100836u);
  EXPECT_EQ(g.stats.movies, 9742u);
  EXPECT_EQ(g.stats.users_with_likes, 573u);
  EXPECT_EQ(g.stats.co_rated_pairs, 298586u);
  EXPECT_EQ(g.stats.nodes, 1405u);
  EXPECT_EQ(g.stats.edges, 40043u);
  EXPECT_NEAR(g.stats.average_degree, 57.0, 0.005);
  expect_csr_invariants(g.graph);
  EXPECT_EQ(g.graph.num_nodes(), 1406u);
}

TEST(GraphCommand, PrintsAndWritesTheStatistics) {
  N2V_REQUIRE_ML_SMALL();
  TempDir out;
  auto result = run_n2v("graph --config " + std::string(N2V_SOURCE_DIR) + "/configs/ml_small.yaml --data-dir " +
                        testing::shared_data("ml-latest-small").string() + " --out " + out.path().string());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("co-rated pairs           298586"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("average degree           57.0"), std::string::npos) << result.output;
  const nlohmann::json json = nlohmann::json::parse(read_text(out / "graph_stats.json"));
  EXPECT_EQ(json["edges"], 40043);
  EXPECT_EQ(json["nodes"], 1405);
  EXPECT_EQ(json["co_rated_pairs"], 298586);
  EXPECT_EQ(json["average_degree"], 57);  // rounded to 2 decimals: 57.0
  EXPECT_EQ(json["unknown_movie_ratings"], 0);
  std::string edges = read_text(out / "edges.tsv");
  EXPECT_EQ(std::count(edges.begin(), edges.end(), '\n'), 40044);  // header + edges
  EXPECT_TRUE(std::filesystem::exists(out / "config.yaml"));
}

TEST(GraphCommand, BadInputExitsOneAndWritesNothing) {
  TempDir dir;
  write_text(dir / "data/ratings.csv", "userId,movieId,rating,timestamp\n1,1,5,0\n1,2,abc,0\n");
  write_text(dir / "data/movies.csv", "movieId,title,genres\n1,A,Drama\n2,B,Drama\n");
  auto result = run_n2v("graph --data-dir " + (dir / "data").string() + " --out " + (dir / "out").string());
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("ratings.csv:3: rating 'abc' is not a number"), std::string::npos) << result.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "out")) << "no partial output";
}

TEST(GraphCommand, BadUsageExitsTwo) {
  TempDir dir;
  auto result = run_n2v("graph --set walk.p=0 --out " + (dir / "out").string());
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("walk.p = 0 is out of range"), std::string::npos) << result.output;
  result = run_n2v("graph --no-such-flag");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  result = run_n2v("--version");
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_NE(result.output.find("n2v 0."), std::string::npos) << result.output;
}

}  // namespace
}  // namespace n2v
