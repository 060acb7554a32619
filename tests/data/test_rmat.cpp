// The R-MAT generator: exact counts, valid edges, the same bytes for any thread count, a skewed
// degree distribution, and a file the edge-list reader takes.
#include "data/rmat.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "core/errors.h"
#include "test_util.h"

namespace n2v {
namespace {

namespace fs = std::filesystem;
using testing::read_text;
using testing::TempDir;

RmatOptions small(int threads) {
  RmatOptions o;
  o.nodes = 5000;  // not a power of two: ids beyond it are drawn again
  o.edges = 200000;  // several blocks of 65536
  o.seed = 7;
  o.threads = threads;
  return o;
}

TEST(Rmat, EdgesAreValidCountedExactlyAndSkewed) {
  TempDir dir;
  RmatOptions o = small(2);
  o.weights = RmatWeights::Uniform;
  const RmatSummary s = write_rmat_edge_list(o, dir.path());
  std::istringstream in(read_text(dir.path() / "edges.tsv"));
  std::map<std::uint64_t, std::uint64_t> degree;
  std::uint64_t lines = 0, u, v;
  double w;
  while (in >> u >> v >> w) {
    ++lines;
    ASSERT_LT(u, o.nodes);
    ASSERT_LT(v, o.nodes);
    ASSERT_NE(u, v) << "no self-loops";
    ASSERT_GT(w, 0.0);
    ASSERT_LE(w, 1.0);
    ++degree[u];
    ++degree[v];
  }
  EXPECT_EQ(lines, o.edges);
  EXPECT_EQ(s.edges, o.edges);
  EXPECT_EQ(s.nodes_with_edges, degree.size());
  std::vector<std::uint64_t> degrees;
  for (const auto& [node, d] : degree) degrees.push_back(d);
  EXPECT_EQ(s.max_degree, *std::max_element(degrees.begin(), degrees.end()));
  EXPECT_DOUBLE_EQ(s.mean_degree, 2.0 * o.edges / degrees.size());
  // Power-law: the largest hub has far more than the mean, and the top 1% of nodes hold a large
  // share of the edge ends (a uniform random graph: max about 1.3x the mean, top 1% about 1.5%).
  EXPECT_GT(s.max_degree, 20 * s.mean_degree);
  std::sort(degrees.rbegin(), degrees.rend());
  std::uint64_t top = 0;
  for (std::size_t i = 0; i < degrees.size() / 100; ++i) top += degrees[i];
  EXPECT_GT(static_cast<double>(top) / (2.0 * o.edges), 0.15);
}

TEST(Rmat, TheSameSeedGivesTheSameBytesForAnyThreadCount) {
  TempDir dir;
  write_rmat_edge_list(small(1), dir.path() / "one");
  write_rmat_edge_list(small(2), dir.path() / "two");
  write_rmat_edge_list(small(5), dir.path() / "five");
  const std::string one = read_text(dir.path() / "one" / "edges.tsv");
  EXPECT_EQ(read_text(dir.path() / "two" / "edges.tsv"), one);
  EXPECT_EQ(read_text(dir.path() / "five" / "edges.tsv"), one);
  RmatOptions other = small(2);
  other.seed = 8;
  write_rmat_edge_list(other, dir.path() / "other");
  EXPECT_NE(read_text(dir.path() / "other" / "edges.tsv"), one);
}

TEST(Rmat, ImpossibleOptionsAreUsageErrors) {
  auto refused = [](auto change) {
    RmatOptions o;
    change(o);
    EXPECT_THROW(check_rmat_options(o), UsageError);
  };
  refused([](RmatOptions& o) { o.nodes = 1; });
  refused([](RmatOptions& o) { o.nodes = std::uint64_t{1} << 32; });
  refused([](RmatOptions& o) { o.edges = 0; });
  refused([](RmatOptions& o) { o.a = 0.9; });  // a + b + c >= 1
  refused([](RmatOptions& o) { o.c = 0; });
  EXPECT_NO_THROW(check_rmat_options(RmatOptions{}));
}

TEST(Rmat, TheCommandWritesAnEdgeListTheGraphCommandReads) {
  TempDir dir;
  const std::string out = (dir.path() / "rmat").string();
  auto synth = testing::run_n2v("synth --graph rmat --nodes 2000 --edges 30000 --seed 3 --out " + out);
  ASSERT_EQ(synth.exit_code, 0) << synth.output;
  EXPECT_NE(synth.output.find("edges                    30000"), std::string::npos) << synth.output;
  auto graph = testing::run_n2v("graph --set data.format=edgelist --data-dir " + out + " --out " +
                                (dir.path() / "graph").string());
  ASSERT_EQ(graph.exit_code, 0) << graph.output;
  // Mixing the two generators' options is refused, naming the option.
  auto mixed = testing::run_n2v("synth --graph rmat --users 5 --out " + (dir.path() / "x").string());
  EXPECT_EQ(mixed.exit_code, 2) << mixed.output;
  EXPECT_NE(mixed.output.find("--users is for --graph movielens"), std::string::npos) << mixed.output;
  EXPECT_FALSE(fs::exists(dir.path() / "x"));
}

}  // namespace
}  // namespace n2v
