#pragma once
// A weighted graph in compressed sparse row form (gapbs style: count, prefix-sum, fill, sort).
// Node ids are token ids: node 0 is the reserved token ("NA" in the Keras example) and has no
// edges, so walks, examples and the embedding matrix all use the same numbering.
#include <cstdint>
#include <string>
#include <vector>

namespace n2v {

using NodeId = std::uint32_t;
constexpr NodeId kReservedToken = 0;

struct Edge {
  NodeId src = 0;
  NodeId dst = 0;
  float weight = 1.0f;
};

class CsrGraph {
 public:
  CsrGraph() = default;
  // Builds from an edge list. Undirected graphs store each edge in both directions.
  // Duplicate (src, dst) pairs are kept as given; callers merge them first if they must.
  static CsrGraph from_edges(std::size_t num_nodes, const std::vector<Edge>& edges, bool directed);

  std::size_t num_nodes() const { return offsets_.empty() ? 0 : offsets_.size() - 1; }
  std::size_t num_arcs() const { return neighbors_.size(); }  // stored directed entries
  std::size_t num_edges() const { return directed_ ? num_arcs() : num_arcs() / 2; }
  bool directed() const { return directed_; }

  std::size_t degree(NodeId v) const { return offsets_[v + 1] - offsets_[v]; }
  std::uint64_t begin(NodeId v) const { return offsets_[v]; }
  std::uint64_t end(NodeId v) const { return offsets_[v + 1]; }
  const NodeId* neighbors(NodeId v) const { return neighbors_.data() + offsets_[v]; }
  const float* weights(NodeId v) const { return weights_.data() + offsets_[v]; }
  // Binary search in v's sorted neighbour list.
  bool has_edge(NodeId u, NodeId v) const;
  float weight(NodeId u, NodeId v) const;  // 0 when there is no edge

  const std::vector<std::uint64_t>& offsets() const { return offsets_; }
  const std::vector<NodeId>& neighbor_array() const { return neighbors_; }
  const std::vector<float>& weight_array() const { return weights_; }

 private:
  std::vector<std::uint64_t> offsets_;
  std::vector<NodeId> neighbors_;
  std::vector<float> weights_;
  bool directed_ = false;
};

// Names of the nodes: token -> external id (movie id) and label (title). Token 0 is "NA".
struct Vocabulary {
  std::vector<std::string> names;  // "1", "318", ... or edge-list node names; names[0] == "NA"
  std::vector<std::int64_t> movie_ids;  // token -> movieId, -1 for token 0 and non-MovieLens graphs
  std::vector<std::string> titles;  // token -> title (the node name for edge-list graphs)
  std::vector<std::string> genres;  // token -> "Action|Sci-Fi", empty when unknown
  std::size_t size() const { return names.size(); }
};

}  // namespace n2v
