#include "graph/graph.h"

#include <algorithm>
#include <numeric>

#include "core/json.h"
#include "core/memory.h"

namespace n2v {

std::string GraphStats::to_json() const {
  Json j;
  j["ratings"] = ratings;
  j["movies"] = movies;
  j["liked_ratings"] = liked_ratings;
  j["users_with_liked_movies"] = users_with_likes;
  j["co_rated_pairs"] = co_rated_pairs;
  j["nodes"] = nodes;
  j["edges"] = edges;
  j["average_degree"] = json_rounded(average_degree, 2);
  j["unknown_movie_ratings"] = unknown_movie_ratings;
  return json_text(j);
}

CsrGraph CsrGraph::from_edges(std::size_t num_nodes, const std::vector<Edge>& edges, bool directed) {
  CsrGraph g;
  g.directed_ = directed;
  // Walks read these at random nodes: huge pages spare most of their TLB misses.
  assign_in_huge_pages(g.offsets_, num_nodes + 1);
  for (const Edge& e : edges) {
    ++g.offsets_[e.src + 1];
    if (!directed) ++g.offsets_[e.dst + 1];
  }
  std::partial_sum(g.offsets_.begin(), g.offsets_.end(), g.offsets_.begin());
  assign_in_huge_pages(g.neighbors_, g.offsets_.back());
  assign_in_huge_pages(g.weights_, g.offsets_.back());
  std::vector<std::uint64_t> cursor(g.offsets_.begin(), g.offsets_.end() - 1);
  auto place = [&](NodeId from, NodeId to, float w) {
    std::uint64_t slot = cursor[from]++;
    g.neighbors_[slot] = to;
    g.weights_[slot] = w;
  };
  for (const Edge& e : edges) {
    place(e.src, e.dst, e.weight);
    if (!directed) place(e.dst, e.src, e.weight);
  }
  // Sort each adjacency list by neighbour id, carrying the weights along.
  std::vector<std::pair<NodeId, float>> scratch;
  for (std::size_t v = 0; v < num_nodes; ++v) {
    std::uint64_t b = g.offsets_[v], e = g.offsets_[v + 1];
    if (std::is_sorted(g.neighbors_.begin() + b, g.neighbors_.begin() + e)) continue;
    scratch.clear();
    for (std::uint64_t i = b; i < e; ++i) scratch.emplace_back(g.neighbors_[i], g.weights_[i]);
    std::sort(scratch.begin(), scratch.end());
    for (std::uint64_t i = b; i < e; ++i) {
      g.neighbors_[i] = scratch[i - b].first;
      g.weights_[i] = scratch[i - b].second;
    }
  }
  return g;
}

bool CsrGraph::has_edge(NodeId u, NodeId v) const {
  const NodeId* first = neighbors(u);
  const NodeId* last = first + degree(u);
  return std::binary_search(first, last, v);
}

float CsrGraph::weight(NodeId u, NodeId v) const {
  const NodeId* first = neighbors(u);
  const NodeId* last = first + degree(u);
  const NodeId* it = std::lower_bound(first, last, v);
  return (it != last && *it == v) ? weights(u)[it - first] : 0.0f;
}

}  // namespace n2v
