#include "graph/edgelist.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <sstream>

#include "core/errors.h"
#include "core/progress.h"
#include "graph/shard.h"
#include "pipeline/pipeline.h"
#include "test_util.h"
#include "walk/walks.h"

namespace n2v {
namespace {

using testing::error_message;
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

EdgeListOptions options_for(bool directed, SelfLoops self_loops = SelfLoops::Drop) {
  EdgeListOptions options = edge_list_options_from(Config{});
  options.directed = directed;
  options.self_loops = self_loops;
  return options;
}

// Float bits, so a test tells 1.35f from a float one ulp away and fails on a different summation order.
std::vector<std::uint32_t> bits(const float* values, std::size_t n) {
  std::vector<std::uint32_t> out(n);
  if (n > 0) std::memcpy(out.data(), values, n * sizeof(float));
  return out;
}

void expect_same_vocabulary(const Vocabulary& a, const Vocabulary& b) {
  EXPECT_EQ(a.names, b.names);
  EXPECT_EQ(a.titles, b.titles);
  EXPECT_EQ(a.movie_ids, b.movie_ids);
  EXPECT_EQ(a.genres, b.genres);
}

void expect_same_report(const EdgeListReport& a, const EdgeListReport& b) {
  EXPECT_EQ(a.edge_lines, b.edge_lines);
  EXPECT_EQ(a.header, b.header);
  EXPECT_EQ(a.header_line, b.header_line);
  EXPECT_EQ(a.self_loops_dropped, b.self_loops_dropped);
  EXPECT_EQ(a.duplicates_merged, b.duplicates_merged);
  EXPECT_EQ(a.zero_weight_dropped, b.zero_weight_dropped);
}

void expect_same_graph(const Graph& a, const Graph& b) {
  expect_same_vocabulary(a.vocabulary, b.vocabulary);
  ASSERT_EQ(a.edges.size(), b.edges.size());
  for (std::size_t i = 0; i < a.edges.size(); ++i) {
    EXPECT_EQ(a.edges[i].src, b.edges[i].src) << i;
    EXPECT_EQ(a.edges[i].dst, b.edges[i].dst) << i;
    EXPECT_EQ(bits(&a.edges[i].weight, 1), bits(&b.edges[i].weight, 1)) << i;
  }
  EXPECT_EQ(a.graph.directed(), b.graph.directed());
  EXPECT_EQ(a.graph.offsets(), b.graph.offsets());
  EXPECT_EQ(a.graph.neighbor_array(), b.graph.neighbor_array());
  EXPECT_EQ(bits(a.graph.weight_array().data(), a.graph.weight_array().size()),
            bits(b.graph.weight_array().data(), b.graph.weight_array().size()));
  EXPECT_EQ(a.stats.nodes, b.stats.nodes);
  EXPECT_EQ(a.stats.edges, b.stats.edges);
  EXPECT_EQ(a.stats.average_degree, b.stats.average_degree);
}

// Node v's row in `shard` (which owns it) is its row in the whole graph, neighbours and weight bits.
void expect_row(const CsrGraph& whole, const GraphShard& shard, NodeId v, const std::string& where) {
  ASSERT_TRUE(shard.owns(v)) << where;
  ASSERT_EQ(shard.degree(v), whole.degree(v)) << where << " node " << v;
  const std::size_t n = whole.degree(v);
  EXPECT_EQ(std::vector<NodeId>(shard.neighbors(v), shard.neighbors(v) + n),
            std::vector<NodeId>(whole.neighbors(v), whole.neighbors(v) + n))
      << where << " node " << v;
  EXPECT_EQ(bits(shard.weights(v), n), bits(whole.weights(v), n)) << where << " node " << v;
}

// Reads `text` as shards of 1 to 4 ranks and checks them against the whole graph: every row at its
// owner, one owner per node, dense rows at every rank, the vocabulary, the edge counts, and the rows
// of slice_graph (which owns by token, so other ranks: compared node by node).
void expect_shards_match_whole_graph(const std::string& text, bool directed, int max_world = 4) {
  const EdgeListOptions options = options_for(directed);
  EdgeListReport whole_report;
  const Graph g = parse_edge_list(text, "edges.txt", options, &whole_report);
  const std::size_t n = g.graph.num_nodes();
  for (int world = 1; world <= max_world; ++world) {
    std::vector<GraphShard> shards;
    std::vector<int> owners(n, 0);
    std::uint64_t counted = 0, arcs = 0;
    for (int rank = 0; rank < world; ++rank) {
      const std::string where = (directed ? "directed" : "undirected") + std::string(", rank ") +
                                std::to_string(rank) + " of " + std::to_string(world);
      EdgeListReport report;
      GraphShard shard = parse_edge_list_shard(text, "edges.txt", options, rank, world, &report);
      EXPECT_EQ(shard.rank, rank);
      EXPECT_EQ(shard.world_size, world);
      EXPECT_EQ(shard.directed, directed);
      expect_same_vocabulary(shard.vocabulary, g.vocabulary);
      ASSERT_EQ(shard.num_nodes(), n) << where;
      ASSERT_EQ(shard.row_of.size(), n) << where;
      std::vector<NodeId> all_nodes(n - 1);
      std::iota(all_nodes.begin(), all_nodes.end(), 1);
      EXPECT_EQ(shard.starts, all_nodes) << where << ": every node has an edge";
      EXPECT_EQ(shard.stats.nodes, g.stats.nodes) << where;
      EXPECT_EQ(shard.stats.edges, shard.counted_edges) << where;
      EXPECT_EQ(report.edge_lines, whole_report.edge_lines) << where;
      EXPECT_EQ(report.header, whole_report.header) << where;
      EXPECT_EQ(report.self_loops_dropped, whole_report.self_loops_dropped) << where;
      if (world == 1) {
        expect_same_report(report, whole_report);
        EXPECT_EQ(shard.rows.num_arcs(), g.graph.num_arcs());
      }
      std::vector<NodeId> rows;
      for (NodeId v = 0; v < n; ++v) {
        if (!shard.owns(v)) continue;
        rows.push_back(shard.row(v));
        if (v == kReservedToken) continue;
        ++owners[v];
        expect_row(g.graph, shard, v, where);
      }
      std::sort(rows.begin(), rows.end());
      std::vector<NodeId> dense(shard.rows.num_nodes());
      std::iota(dense.begin(), dense.end(), 0);
      EXPECT_EQ(rows, dense) << where << ": the owned nodes' rows are 0..owned-1";
      // The edge's first endpoint (tokens keep first-appearance order, so its src) decides who counts it.
      const auto own_edges =
          std::count_if(g.edges.begin(), g.edges.end(), [&](const Edge& e) { return shard.owns(e.src); });
      EXPECT_EQ(shard.counted_edges, static_cast<std::uint64_t>(own_edges)) << where;
      counted += shard.counted_edges;
      arcs += shard.rows.num_arcs();
      shards.push_back(std::move(shard));
    }
    EXPECT_EQ(counted, g.stats.edges) << "world " << world << ": each edge is counted once";
    EXPECT_EQ(arcs, g.graph.num_arcs()) << "world " << world << ": no arc is held twice or lost";
    for (NodeId v = 1; v < n; ++v) {
      EXPECT_EQ(owners[v], 1) << "world " << world << ": node " << v << " has one owner";
      if (owners[v] == 1) {
        // Every rank agrees on the owner, so any rank's table finds the shard that holds v.
        for (const GraphShard& shard : shards) EXPECT_EQ(shard.owner[v], shards[0].owner[v]);
      }
    }
    for (int rank = 0; rank < world; ++rank) {
      const GraphShard sliced = slice_graph(g, rank, world);
      for (NodeId v = 1; v < n; ++v) {
        if (!sliced.owns(v)) continue;
        const GraphShard& reader = shards[shards[0].owner[v]];
        ASSERT_EQ(sliced.degree(v), reader.degree(v)) << "node " << v;
        const std::size_t d = sliced.degree(v);
        EXPECT_EQ(std::vector<NodeId>(sliced.neighbors(v), sliced.neighbors(v) + d),
                  std::vector<NodeId>(reader.neighbors(v), reader.neighbors(v) + d))
            << "node " << v;
        EXPECT_EQ(bits(sliced.weights(v), d), bits(reader.weights(v), d)) << "node " << v;
      }
    }
  }
}

// Every case the merge has: b-a after a-b (one edge undirected, two directed), duplicates whose
// float sum depends on the order (0.1 + 1 + 0.25), a node in zero-weight lines only (z, which still
// takes a first-appearance id and so shifts the later nodes' keys), a zero-weight duplicate of a
// kept edge, self-loops (k's first one comes before k appears in an edge), a header and comments.
// r-s sums to a float that depends on the order: 1 + 2^-24 + 2^-53 + 2^-53 is 1 + 2^-24 in line
// order, a tie that rounds to 1.0f, but 1 + 2^-24 + 2^-52 (rounding up) from the last line back.
const char* const kHandMadeEdges =
    "# people and weights\n"
    "from to weight\n"
    "k k 2\n"
    "a b 1\n"
    "b c 2.5\n"
    "b a 0.25\n"
    "z a 0\n"
    "a b 0.1\n"
    "c d 3\n"
    "  # an indented comment\n"
    "c d 0\n"
    "d d 5\n"
    "e f 0.3\n"
    "\n"
    "f e 0.7\n"
    "x y 0\n"
    "y x 0\n"
    "g a 1e-3\n"
    "a g 2\n"
    "k a 1\n"
    "h b 7\n"
    "e f 0.1\n"
    "r s 1\n"
    "r s 5.9604644775390625e-08\n"
    "r s 1.1102230246251565e-16\n"
    "r s 1.1102230246251565e-16\n";

TEST(EdgeListShard, EveryOwnedRowIsTheWholeGraphsRow) {
  for (bool directed : {false, true}) {
    SCOPED_TRACE(directed ? "directed" : "undirected");
    const Graph g = parse(kHandMadeEdges, directed);
    ASSERT_EQ(g.vocabulary.names,
              (std::vector<std::string>{"NA", "a", "b", "c", "d", "e", "f", "g", "k", "h", "r", "s"}))
        << "z, x and y are in zero-weight lines only";
    const float one = 1.0f, r_s = weight(g, "r", "s");
    EXPECT_EQ(bits(&r_s, 1), bits(&one, 1)) << "summed in line order";
    expect_shards_match_whole_graph(kHandMadeEdges, directed);
  }
}

// 2,000 lines over 300 names: duplicates, zero weights, self-loops and weights whose sums round.
std::string random_edge_list(unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> node(0, 299), kind(0, 9);
  std::uniform_real_distribution<double> real(0.0, 5.0);
  const char* const fixed[] = {"0", "0.1", "0.25", "1", "3.3", "1e-3"};
  std::ostringstream text;
  text << "src\tdst\tweight\n";
  for (int line = 0; line < 2000; ++line) {
    // Few distinct pairs for many lines: node names drawn from a narrow part of the range at times.
    const int a = node(rng), b = kind(rng) < 3 ? (a + 1 + kind(rng)) % 300 : node(rng);
    text << "node " << a << "\tnode " << (kind(rng) == 0 ? a : b);
    const int k = kind(rng);
    if (k < 2) {
      text << '\n';  // weight 1
    } else if (k < 6) {
      text << '\t' << fixed[static_cast<std::size_t>(kind(rng)) % 6] << '\n';
    } else {
      text.precision(17);
      text << '\t' << real(rng) << '\n';
    }
    if (line % 500 == 7) text << "# a comment at line " << line << "\n";
  }
  return text.str();
}

TEST(EdgeListShard, RandomListsGiveTheWholeGraphsRowsAtEveryWorldSize) {
  for (unsigned seed : {1u, 2u}) {
    const std::string text = random_edge_list(seed);
    for (bool directed : {false, true}) {
      SCOPED_TRACE((directed ? "directed, seed " : "undirected, seed ") + std::to_string(seed));
      EdgeListReport report;
      const Graph g = parse_edge_list(text, "edges.tsv", options_for(directed), &report);
      // The list must exercise what it is for.
      EXPECT_GT(report.duplicates_merged, 50u);
      EXPECT_GT(report.zero_weight_dropped, 0u);
      EXPECT_GT(report.self_loops_dropped, 50u);
      EXPECT_GT(g.stats.edges, 1000u);
      expect_shards_match_whole_graph(text, directed);
    }
  }
}

// More kept lines than the reader holds before it folds duplicates (2^16), so sums run across
// folds; checked against sums done here, in line order, in a map.
TEST(EdgeListShard, SumsAcrossManyDuplicateLinesAreTheLineOrderSums) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> node(0, 399);
  std::uniform_real_distribution<double> real(0.0, 3.0);
  std::string text;
  std::map<std::pair<std::string, std::string>, double> directed_sums, undirected_sums;
  std::size_t lines = 0;
  // w-x as r-s in kHandMadeEdges: only the line order gives 1.0f, here with 1 + 2^-24 folded early.
  const std::map<int, double> w_x{{0, 1.0}, {1, 0x1p-24}, {199998, 0x1p-53}, {199999, 0x1p-53}};
  for (int i = 0; i < 200000; ++i) {
    std::string a = "v" + std::to_string(node(rng)), b = "v" + std::to_string(node(rng));
    double w = i % 50 == 0 ? 0.0 : real(rng);
    if (w_x.count(i)) {
      a = "w";
      b = "x";
      w = w_x.at(i);
    }
    char weight[32];
    std::snprintf(weight, sizeof weight, "%.17g", w);
    text += a + "," + b + "," + weight + "\n";
    if (a == b) continue;
    ++lines;
    directed_sums[{a, b}] += w;
    undirected_sums[{std::min(a, b), std::max(a, b)}] += w;
  }
  for (bool directed : {false, true}) {
    SCOPED_TRACE(directed ? "directed" : "undirected");
    const auto& sums = directed ? directed_sums : undirected_sums;
    EdgeListReport report;
    const Graph g = parse_edge_list(text, "edges.csv", options_for(directed), &report);
    EXPECT_EQ(report.duplicates_merged, lines - sums.size());
    std::map<std::string, NodeId> token;
    for (NodeId t = 1; t < g.vocabulary.size(); ++t) token[g.vocabulary.names[t]] = t;
    std::size_t edges = 0;
    for (const auto& [pair, sum] : sums) {
      if (sum == 0) continue;
      ++edges;
      const float expected = static_cast<float>(sum), got = g.graph.weight(token[pair.first], token[pair.second]);
      ASSERT_EQ(bits(&got, 1), bits(&expected, 1)) << pair.first << " - " << pair.second;
    }
    EXPECT_EQ(g.stats.edges, edges);
    EXPECT_EQ(g.graph.weight(token["w"], token["x"]), 1.0f);
    expect_shards_match_whole_graph(text, directed, 2);
  }
}

TEST(EdgeListShard, ARankMayOwnNoEdgeButAFileWithoutOneIsAnErrorOnEveryRank) {
  const EdgeListOptions options = options_for(true);
  std::uint64_t counted = 0;
  std::size_t empty_ranks = 0;
  for (int rank = 0; rank < 8; ++rank) {
    GraphShard shard = parse_edge_list_shard("a b 2\nc a 0\n", "edges.txt", options, rank, 8);
    counted += shard.counted_edges;
    if (shard.rows.num_arcs() == 0) ++empty_ranks;
  }
  EXPECT_EQ(counted, 1u);
  EXPECT_EQ(empty_ranks, 7u) << "one edge, directed: only the source's owner holds an arc";

  for (int rank = 0; rank < 3; ++rank) {
    EXPECT_EQ(error_message<DataError>([&] {
                parse_edge_list_shard("# nothing\na a 1\n", "edges.txt", options, rank, 3);
              }),
              "edges.txt: no edges (1 edge lines, 1 self-loops dropped, 0 zero-weight edges dropped); expected lines "
              "'src dst [weight]'");
  }
}

TEST(EdgeListShard, MalformedLinesFailOnEveryRankAsTheWholeFileReaderFails) {
  const std::vector<std::pair<std::string, SelfLoops>> bad{
      {"a b\nlonely\n", SelfLoops::Drop},
      {"a b 1\n# fine\na c heavy\n", SelfLoops::Drop},
      {"a b -2\n", SelfLoops::Drop},
      {"a b\n\"open b\n", SelfLoops::Drop},
      {"a b\nc c\n", SelfLoops::Error},
      {"\"a b\",c\na_b,c\n", SelfLoops::Drop},
      {"a b\rc d\r", SelfLoops::Drop},
  };
  for (const auto& case_ : bad) {
    // Named copies: a lambda may not capture a structured binding before C++20.
    const std::string& text = case_.first;
    const SelfLoops self_loops = case_.second;
    const std::string whole = error_message<DataError>([&] { parse(text, false, self_loops); });
    ASSERT_NE(whole, "") << text;
    for (int rank = 0; rank < 3; ++rank) {
      EXPECT_EQ(error_message<DataError>([&] {
                  parse_edge_list_shard(text, "edges.txt", options_for(false, self_loops), rank, 3);
                }),
                whole)
          << text << " at rank " << rank;
    }
  }
  EXPECT_NE(error_message<UsageError>([] { parse_edge_list_shard("a b\n", "edges.txt", options_for(false), 2, 2); }),
            "");
  EXPECT_NE(error_message<UsageError>([] { parse_edge_list_shard("a b\n", "edges.txt", options_for(false), 0, 0); }),
            "");
}

// read_edge_list streams the file; whatever its line ends and size, the graph is its text's.
TEST(EdgeList, ReadingAFileGivesTheGraphOfItsText) {
  std::string big = "src,dst,weight\n";
  for (int i = 0; i < 120000; ++i) {  // ~2 MB: lines cross the stream's 1 MiB buffer
    big += "node" + std::to_string(i % 997) + ",node" + std::to_string((i * 7 + 3) % 1009) + "," +
           std::to_string(i % 5) + "\n";
  }
  const std::vector<std::pair<std::string, std::string>> files{
      {"lf", kHandMadeEdges},
      {"crlf and bom", "\xEF\xBB\xBF" "src\tdst\tw\r\na\tb\t2\r\n\r\nb\tc\r\n# note\r\nc\ta\t0.5\r\n"},
      {"no newline at the end", "a b 1\nb c 2\nc d 3"},
      {"one line, bom, no newline", "\xEF\xBB\xBF" "a,b,4"},
      {"one line ending in CR", "a b 2\r"},
      {"big", big},
  };
  TempDir dir;
  for (const auto& [what, text] : files) {
    SCOPED_TRACE(what);
    const std::filesystem::path path = dir / "edges.txt";
    write_text(path, text);
    for (bool directed : {false, true}) {
      EdgeListReport text_report, file_report;
      const Graph from_text = parse_edge_list(text, path.string(), options_for(directed), &text_report);
      const Graph from_file = read_edge_list(path, options_for(directed), &file_report);
      expect_same_graph(from_file, from_text);
      expect_same_report(file_report, text_report);

      EdgeListReport shard_report;
      const GraphShard shard = read_edge_list_shard(path, options_for(directed), 1, 2, &shard_report);
      const GraphShard text_shard = parse_edge_list_shard(text, path.string(), options_for(directed), 1, 2);
      expect_same_vocabulary(shard.vocabulary, from_text.vocabulary);
      EXPECT_EQ(shard.owner, text_shard.owner);
      EXPECT_EQ(shard.rows.offsets(), text_shard.rows.offsets());
      EXPECT_EQ(shard.rows.neighbor_array(), text_shard.rows.neighbor_array());
      EXPECT_EQ(shard.counted_edges, text_shard.counted_edges);
      EXPECT_EQ(shard_report.edge_lines, text_report.edge_lines);
    }
  }
}

TEST(EdgeList, FileErrorsNameTheFileAndLine) {
  TempDir dir;
  const std::filesystem::path path = dir / "edges.tsv";
  const std::string name = path.string();
  auto file_error = [&](const std::string& text) {
    write_text(path, text);
    return error_message<DataError>([&] { read_edge_list(path, options_for(false)); });
  };
  EXPECT_EQ(file_error("a\tb\r\nb\tc\r\n\r\nlonely\r\n"),
            name + ":4: expected 'src dst [weight]' separated by tabs, got 1 field: 'lonely'");
  EXPECT_EQ(file_error("\xEF\xBB\xBF" "a b 1\nb c -1"), name + ":2: weight -1 is negative; weights must be >= 0");
  EXPECT_EQ(file_error("a b 3e38\nb a 3e38\n"),
            name + ":1: the weights of edge 'a' - 'b' sum to 6e+38, too large for a float");
  EXPECT_EQ(file_error("a b\rc d\r"),
            error_message<DataError>([&] { parse_edge_list("a b\rc d\r", name, options_for(false)); }))
      << "CR-only line ends are refused as in text";
  EXPECT_NE(file_error("a b\rc d\r").find("CR alone"), std::string::npos);
  std::filesystem::remove(path);
  EXPECT_EQ(error_message<DataError>([&] { read_edge_list(path, options_for(false)); }), name + ": file not found");
  EXPECT_EQ(error_message<DataError>([&] { read_edge_list_shard(dir.path(), options_for(false), 0, 2); }),
            dir.path().string() + ": is a folder; n2v reads regular files only");
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
