#pragma once
// Any weighted graph from an edge list: one edge per line, "src dst [weight]", separated by tabs,
// commas or spaces (detected from the first edge line), node names are strings, "#" starts a
// comment line. Policies (docs/graph-and-walks.md, "Edge lists"):
//   - missing weight: 1; weights must be finite and >= 0;
//   - duplicates: weights summed (undirected: a-b and b-a are the same edge);
//   - zero weight: not an edge; an edge whose summed weight is 0 is dropped and counted;
//   - self-loops: dropped and counted (graph.self_loops drop) or an error (error);
//   - a first line whose weight field is not a number is a header and is skipped.
// Node tokens follow the first appearance of a name in a kept edge, from 1 (0 is reserved).
#include <filesystem>
#include <string>
#include <string_view>

#include "core/config.h"
#include "graph/cooccurrence.h"
#include "graph/shard.h"

namespace n2v {

// No defaults: pipeline/pipeline.h maps the Config (the one place for defaults) to these fields.
struct EdgeListOptions {
  bool directed;
  SelfLoops self_loops;
};

// What the reader did besides keeping edges, for the log.
struct EdgeListReport {
  std::size_t edge_lines = 0;
  bool header = false;
  std::size_t header_line = 0;  // the line read as a header, for the log
  std::size_t self_loops_dropped = 0;
  // A shard reader (read_edge_list_shard) counts these two over the lines it keeps only, the
  // other fields over the whole file.
  std::size_t duplicates_merged = 0;  // lines folded into an earlier edge
  std::size_t zero_weight_dropped = 0;  // edges whose (summed) weight is 0
};

// `name` prefixes error messages ("edges.tsv:7: ..."). Throws DataError on a malformed line, a
// bad weight, a self-loop under SelfLoops::Error, two names that are one word once their blanks
// are '_' (one_word: they would be one node in walks.txt and embeddings.w2v.txt), or a list without
// edges. Only a first line whose third field is a word (it starts with no digit, sign or '.') is a
// header; "1.5x" there is a bad weight. read_edge_list streams the file: its memory follows the
// distinct edges and the names, not the file's size.
Graph parse_edge_list(std::string_view text, const std::string& name, const EdgeListOptions& options,
                      EdgeListReport* report = nullptr);
Graph read_edge_list(const std::filesystem::path& path, const EdgeListOptions& options,
                     EdgeListReport* report = nullptr);

// Rank `rank` of `world_size`'s shard of the edge list (graph/shard.h): streams the file once,
// keeping only the edges with an endpoint this rank owns, so no rank holds the whole graph.
//   - A node's ownership key is the order in which its name first appears in the file's edge
//     lines (self-loops aside), counting the nodes that end up in no kept edge too.
//   - Vocabulary, tokens and every owned node's row (neighbours and float weights) are what
//     read_edge_list gives for the whole file: duplicates are summed in the same order.
//   - counted_edges (and stats.edges): the kept edges whose first endpoint (undirected: the one
//     that appeared first; directed: the source) this rank owns, so the ranks' counts sum to the
//     graph's edge count. stats.average_degree stays 0: no rank knows the whole count.
//   - Every rank reads every line, so a malformed line, a self-loop under SelfLoops::Error or a
//     file without an edge of weight > 0 fail on all ranks alike; but the weights of an edge that
//     sum past a float's range fail only on the ranks that keep that edge, and the zero-weight
//     count in the "no edges" message is the rank's own (EdgeListReport).
GraphShard read_edge_list_shard(const std::filesystem::path& path, const EdgeListOptions& options, int rank,
                                int world_size, EdgeListReport* report = nullptr);
// The same from text, for tests.
GraphShard parse_edge_list_shard(std::string_view text, const std::string& name, const EdgeListOptions& options,
                                 int rank, int world_size, EdgeListReport* report = nullptr);

// A node name as an edge-list field in a tab-separated file that parse_edge_list reads back
// unchanged: quoted when it holds a tab, a quote, CR or LF, or starts or ends with a blank.
std::string edge_list_field(std::string_view name);

// data.edges inside data.dir, or data.edges itself when it is absolute.
std::filesystem::path edge_list_path(const DataConfig& data);

}  // namespace n2v
