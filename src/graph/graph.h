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

// How the graph was built; the MovieLens counts stay 0 for an edge list.
struct GraphStats {
  std::size_t ratings = 0;  // rating rows read
  std::size_t movies = 0;  // rows of the movies file
  std::size_t liked_ratings = 0;  // distinct (user, movie) with rating >= min_rating
  std::size_t users_with_likes = 0;
  std::size_t co_rated_pairs = 0;  // distinct unordered movie pairs liked by a common user
  std::size_t nodes = 0;  // movies with at least one kept edge
  std::size_t edges = 0;
  double average_degree = 0.0;
  std::size_t unknown_movie_ratings = 0;
  std::string to_json() const;
};

// A graph with the names of its nodes and the statistics of how it was built: the MovieLens movie
// graph (graph/cooccurrence.h) or any edge list (graph/edgelist.h).
struct Graph {
  CsrGraph graph;  // node = token; node 0 reserved
  Vocabulary vocabulary;
  std::vector<Edge> edges;  // kept edges in token ids, src < dst, sorted
  GraphStats stats;
};

}  // namespace n2v
