// libFuzzer target: the edge-list reader (src/graph/edgelist), then a few node2vec walks on the
// graph it returns. The first byte picks the options (bit 0: directed, bit 1: self-loops are an
// error; '0'..'3' in the corpus); the rest is the file's text. Besides expect_clean, a graph the
// reader returns must be consistent: one vocabulary entry per node, edges between known nodes,
// finite positive weights, and walks that stay on the graph's nodes.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "fuzz_util.h"
#include "graph/edgelist.h"
#include "walk/walks.h"

namespace {

void check_graph(const n2v::Graph& g) {
  const n2v::CsrGraph& csr = g.graph;
  if (csr.num_nodes() != g.vocabulary.size()) n2v::fuzz::finding("nodes and vocabulary differ in size");
  for (const n2v::Edge& e : g.edges) {
    if (e.src >= csr.num_nodes() || e.dst >= csr.num_nodes()) n2v::fuzz::finding("an edge to an unknown node");
  }
  for (float w : csr.weight_array()) {
    if (!std::isfinite(w) || w <= 0) n2v::fuzz::finding("a stored weight that is not finite and > 0");
  }
  // p and q away from 1: the second-order sampler with rejections and its exact fallback.
  const n2v::WalkSampler sampler(csr, 0.25, 4.0);
  std::vector<n2v::NodeId> walk(8);
  for (n2v::NodeId start = 1; start < csr.num_nodes() && start < 64; ++start) {
    n2v::Rng rng(start);
    const std::size_t length = sampler.walk(start, walk.size(), rng, walk.data());
    if (length == 0 || length > walk.size()) n2v::fuzz::finding("a walk of impossible length");
    for (std::size_t i = 0; i < length; ++i) {
      if (walk[i] >= csr.num_nodes()) n2v::fuzz::finding("a walk left the graph");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const n2v::EdgeListOptions options{(data[0] & 1) != 0, (data[0] & 2) ? n2v::SelfLoops::Error : n2v::SelfLoops::Drop};
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  n2v::fuzz::expect_clean([&] { check_graph(n2v::parse_edge_list(text, "edges.tsv", options)); });
  return 0;
}
