#include "graph/edgelist.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "core/errors.h"
#include "core/progress.h"
#include "pipeline/pipeline.h"
#include "test_util.h"
#include "walk/walks.h"

namespace n2v {
namespace {

using testing::read_text;
using testing::run_n2v;
using testing::TempDir;
using testing::write_text;

Graph parse(const std::string& text, bool directed = false, SelfLoops self_loops = SelfLoops::Drop,
            EdgeListReport* report = nullptr) {
  EdgeListOptions options = edge_list_options_from(Config{});
  options.directed = directed;
  options.self_loops = self_loops;
  return parse_edge_list(text, "edges.txt", options, report);
}

// The message of the DataError that parsing `text` throws ("" when it does not throw).
std::string parse_error(const std::string& text, SelfLoops self_loops = SelfLoops::Drop) {
  try {
    parse(text, false, self_loops);
  } catch (const DataError& e) {
    return e.what();
  }
  return "";
}

float weight(const Graph& g, const std::string& a, const std::string& b) {
  auto token = [&](const std::string& name) {
    auto it = std::find(g.vocabulary.names.begin(), g.vocabulary.names.end(), name);
    EXPECT_NE(it, g.vocabulary.names.end()) << name;
    return static_cast<NodeId>(it - g.vocabulary.names.begin());
  };
  return g.graph.weight(token(a), token(b));
}

TEST(EdgeList, TabCommaAndSpaceSeparatedFilesGiveTheSameGraph) {
  Graph tab = parse("alice\tbob\t2.5\nbob\tcarol\ncarol\talice\t0.5\n");
  Graph comma = parse("alice,bob,2.5\nbob , carol\r\ncarol,alice,0.5\n");
  Graph space = parse("  alice   bob 2.5\nbob\t carol\ncarol alice   0.5  \n");
  for (const Graph* g : {&tab, &comma, &space}) {
    EXPECT_EQ(g->vocabulary.names, (std::vector<std::string>{"NA", "alice", "bob", "carol"}));
    EXPECT_EQ(g->vocabulary.titles, g->vocabulary.names);
    EXPECT_EQ(g->vocabulary.movie_ids, (std::vector<std::int64_t>(4, -1)));
    EXPECT_EQ(g->vocabulary.genres.size(), 4u);
    EXPECT_EQ(g->stats.nodes, 3u);
    EXPECT_EQ(g->stats.edges, 3u);
    EXPECT_DOUBLE_EQ(g->stats.average_degree, 2.0);
    EXPECT_FLOAT_EQ(weight(*g, "alice", "bob"), 2.5f);
    EXPECT_FLOAT_EQ(weight(*g, "bob", "alice"), 2.5f) << "undirected";
    EXPECT_FLOAT_EQ(weight(*g, "bob", "carol"), 1.0f) << "default weight";
    EXPECT_FLOAT_EQ(weight(*g, "alice", "carol"), 0.5f);
    EXPECT_EQ(g->graph.num_nodes(), 4u);
    EXPECT_EQ(g->graph.degree(0), 0u) << "token 0 is reserved";
  }
}

TEST(EdgeList, CommentsBlankLinesHeadersAndQuotedNames) {
  EdgeListReport report;
  Graph g = parse(
      "# a comment\n"
      "source\ttarget\tweight\n"  // a header: its weight field is not a number
      "\n"
      "   # an indented comment\n"
      "New York\tBoston\t3\n"
      "\"Tab\tCity\"\tBoston\n",
      false, SelfLoops::Drop, &report);
  EXPECT_TRUE(report.header);
  EXPECT_EQ(report.edge_lines, 2u);
  EXPECT_EQ(g.vocabulary.names, (std::vector<std::string>{"NA", "New York", "Boston", "Tab\tCity"}));
  Graph spaces = parse("\"New York\" Boston 3\n\"say \"\"hi\"\"\" Boston\n");
  EXPECT_EQ(spaces.vocabulary.names, (std::vector<std::string>{"NA", "New York", "Boston", "say \"hi\""}));
  EXPECT_FLOAT_EQ(weight(spaces, "New York", "Boston"), 3.0f);
  // Numbers are names too: tokens follow first appearance, not numeric order.
  Graph numeric = parse("10 2\n2 1\n");
  EXPECT_EQ(numeric.vocabulary.names, (std::vector<std::string>{"NA", "10", "2", "1"}));
}

TEST(EdgeList, DuplicatesSumZeroWeightsAndSelfLoopsDrop) {
  EdgeListReport report;
  Graph g = parse("a b 1\nb a 2\na b 0.5\nc c 4\nb d 0\na e 0\ne a -0\n", false, SelfLoops::Drop, &report);
  EXPECT_FLOAT_EQ(weight(g, "a", "b"), 3.5f) << "a-b, b-a and a-b are one undirected edge";
  EXPECT_EQ(report.duplicates_merged, 3u);
  EXPECT_EQ(report.self_loops_dropped, 1u);
  EXPECT_EQ(report.zero_weight_dropped, 2u);
  EXPECT_EQ(g.vocabulary.names, (std::vector<std::string>{"NA", "a", "b"})) << "c, d and e have no kept edge";
  EXPECT_EQ(g.stats.edges, 1u);

  Graph directed = parse("a b 1\nb a 2\na b 0.5\n", true);
  EXPECT_FLOAT_EQ(weight(directed, "a", "b"), 1.5f);
  EXPECT_FLOAT_EQ(weight(directed, "b", "a"), 2.0f);
  EXPECT_EQ(directed.stats.edges, 2u);
  EXPECT_DOUBLE_EQ(directed.stats.average_degree, 1.0) << "directed: edges / nodes";
  EXPECT_TRUE(directed.graph.directed());
}

TEST(EdgeList, EveryErrorNamesTheFileAndLine) {
  EXPECT_EQ(parse_error("a b\nlonely\n"),
            "edges.txt:2: expected 'src dst [weight]' separated by spaces, got 1 field: 'lonely'");
  EXPECT_EQ(parse_error("a,b\na,b,1,2\n"),
            "edges.txt:2: expected 'src dst [weight]' separated by commas, got 4 fields: 'a,b,1,2'");
  EXPECT_EQ(parse_error("a b 1\n# fine\na c heavy\n"), "edges.txt:3: weight 'heavy' is not a number");
  EXPECT_EQ(parse_error("a b -2\n"), "edges.txt:1: weight -2 is negative; weights must be >= 0");
  EXPECT_EQ(parse_error("a b 1\na c nan\n"), "edges.txt:2: weight 'nan' is not finite");
  EXPECT_EQ(parse_error("a b inf\n"), "edges.txt:1: weight 'inf' is not finite");
  EXPECT_EQ(parse_error("a b 1e39\n"), "edges.txt:1: weight 1e39 is too large for a float");
  EXPECT_EQ(parse_error("a b 1e-50\n"), "edges.txt:1: weight 1e-50 is too small for a float (it would become 0)");
  EXPECT_EQ(parse_error("a,b,1\n,c,1\n"), "edges.txt:2: empty node name in ',c,1'");
  EXPECT_EQ(parse_error("a,b,\n"), "edges.txt:1: weight '' is not a number");
  EXPECT_EQ(parse_error("a b\n\"open b\n"), "edges.txt:2: unterminated quoted name");
  EXPECT_EQ(parse_error("a b\n\"x\"y b\n"), "edges.txt:2: unexpected 'y' after a closing quote");
  EXPECT_EQ(parse_error("a b\nc c\n", SelfLoops::Error),
            "edges.txt:2: self-loop 'c' -> 'c'; set graph.self_loops: drop to skip self-loops");
  EXPECT_EQ(parse_error("a b 3e38\nb a 3e38\n"),
            "edges.txt:1: the weights of edge 'a' - 'b' sum to 6e+38, too large for a float");
  EXPECT_EQ(parse_error("# nothing\n\n"),
            "edges.txt: no edges (0 edge lines, 0 self-loops dropped, 0 zero-weight edges dropped); expected lines "
            "'src dst [weight]'");
  EXPECT_NE(parse_error("a a\n").find("no edges (1 edge lines, 1 self-loops dropped"), std::string::npos);
  EXPECT_EQ(parse_error("a\tb\t2\n"), "") << "a valid file parses";
}

// Only a word is a header's weight: data with a bad number on the first line is an error, not a
// header dropped without a word.
TEST(EdgeList, AFirstLineWithABadNumberIsNoHeader) {
  EXPECT_EQ(parse_error("a b 1.5x\nb c 2\n"), "edges.txt:1: weight '1.5x' is not a number");
  EXPECT_EQ(parse_error("a,b,-\nb,c,2\n"), "edges.txt:1: weight '-' is not a number");
  EXPECT_EQ(parse_error("a b .5.\nb c 2\n"), "edges.txt:1: weight '.5.' is not a number");
  EdgeListReport report;
  Graph g = parse("# a comment\nfrom to w\nb c 2\n", false, SelfLoops::Drop, &report);
  EXPECT_TRUE(report.header);
  EXPECT_EQ(report.header_line, 2u);
  EXPECT_EQ(g.stats.edges, 1u);
}

// walks.txt and embeddings.w2v.txt write a name's blanks as '_' (one word): two names that would
// then be one word are refused where they are read.
TEST(EdgeList, NamesThatAreOneWordWithBlanksAsUnderscoresAreRefused) {
  EXPECT_EQ(parse_error("\"a b\",c\na_b,c\n"),
            "edges.txt:2: node names 'a b' and 'a_b' are both 'a_b' in walks.txt and embeddings.w2v.txt, which write "
            "blanks as '_'; rename one");
  EXPECT_NE(parse_error("x\t\"a b\"\nx\t\"a\tb\"\n").find("'a b' and 'a\\tb' are both 'a_b'"), std::string::npos);
  EXPECT_EQ(parse_error("\"a b\",c\nab,c\n"), "") << "differing by more than the blank";
}

// n2v graph's edges.tsv reads back as the same graph, whatever the names hold.
TEST(EdgeList, EdgeListFieldsReadBackUnchanged) {
  const std::vector<std::string> names{"plain", "with space", "with\ttab", "\"quoted", " leading", "trailing ",
                                       "com,ma"};
  std::string text = "src\tdst\tweight\n";
  for (std::size_t i = 0; i + 1 < names.size(); ++i)
    text += edge_list_field(names[i]) + "\t" + edge_list_field(names[i + 1]) + "\t1\n";
  Graph g = parse(text);
  std::set<std::string> read(g.vocabulary.names.begin() + 1, g.vocabulary.names.end());
  EXPECT_EQ(read, std::set<std::string>(names.begin(), names.end()));
}

TEST(EdgeList, DirectedSinksEndWalks) {
  // a -> b -> c, c is a sink; d <-> a.
  Graph g = parse("a b\nb c\nd a\na d\n", true);
  WalkOptions options = walk_options_from(Config{});
  options.num_walks = 2;
  options.num_steps = 6;
  for (auto [p, q] : std::vector<std::pair<double, double>>{{1, 1}, {0.25, 4}}) {
    options.p = p;
    options.q = q;
    Walks walks = generate_walks(g.graph, options);
    ASSERT_EQ(walks.size(), 8u) << "every node starts, the sink too";
    const NodeId c = 3;
    ASSERT_EQ(g.vocabulary.names[c], "c");
    for (std::size_t i = 0; i < walks.size(); ++i) {
      const NodeId* w = walks.walk(i);
      std::size_t n = walks.length(i);
      for (std::size_t j = 0; j + 1 < n; ++j) ASSERT_TRUE(g.graph.has_edge(w[j], w[j + 1]));
      if (n < 6) {
        EXPECT_EQ(w[n - 1], c) << "only the sink ends a walk early";
      }
      if (w[0] == c) {
        EXPECT_EQ(n, 1u);
      }
    }
  }
}

// Every pair in walks.txt (names) must be an edge of the file.
void expect_walks_follow_edges(const std::string& walks_txt, const std::set<std::pair<std::string, std::string>>& edges,
                               std::size_t expected_lines) {
  std::istringstream lines(walks_txt);
  std::string line;
  std::size_t count = 0;
  while (std::getline(lines, line)) {
    ++count;
    std::istringstream names(line);
    std::string previous, name;
    names >> previous;
    while (names >> name) {
      EXPECT_TRUE(edges.count({previous, name})) << previous << " -> " << name << " in '" << line << "'";
      previous = name;
    }
  }
  EXPECT_EQ(count, expected_lines);
}

TEST(WalkCommand, WalksAnEdgeList) {
  TempDir dir;
  write_text(dir / "data/edges.csv", "# karate-ish\nn1,n2,1\nn2,n3,2\nn3,n1,1\nn3,n4\nn4,n5,0.5\n");
  std::string common = "--set data.format=edgelist --set data.edges=edges.csv --data-dir " + (dir / "data").string() +
                       " --set walk.num_walks=3 --set walk.num_steps=7 --set walk.p=0.5 --set walk.q=2";
  auto result = run_n2v("walk " + common + " --out " + (dir / "out").string());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("walks                    15"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("steps                    90"), std::string::npos) << result.output;
  std::set<std::pair<std::string, std::string>> edges{{"n1", "n2"}, {"n2", "n3"}, {"n3", "n1"}, {"n3", "n4"},
                                                      {"n4", "n5"}};
  auto undirected = edges;
  for (auto [a, b] : edges) undirected.insert({b, a});
  expect_walks_follow_edges(read_text(dir / "out/walks.txt"), undirected, 15);

  // Directed: n5 is a sink, so walks reaching it are shorter.
  result = run_n2v("walk " + common + " --set graph.directed=true --out " + (dir / "directed").string());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  std::string text = read_text(dir / "directed/walks.txt");
  expect_walks_follow_edges(text, edges, 15);
  EXPECT_NE(text.find("n5\n"), std::string::npos);

  // n2v graph reads edge lists too.
  result = run_n2v("graph " + common + " --out " + (dir / "graph").string());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("nodes                    5"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("edges                    5"), std::string::npos) << result.output;
}

TEST(WalkCommand, BadEdgeListExitsOneAndWritesNothing) {
  TempDir dir;
  write_text(dir / "data/edges.tsv", "a\tb\t1\nb\tc\t-1\n");
  auto result = run_n2v("walk --set data.format=edgelist --data-dir " + (dir / "data").string() + " --out " +
                        (dir / "out").string());
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("edges.tsv:2: weight -1 is negative"), std::string::npos) << result.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "out"));
}

}  // namespace
}  // namespace n2v
