#pragma once
// One rank's part of a graph divided between the ranks of a distributed run (dist.partition:
// shard): the CSR rows of the nodes it owns, and for every node who owns it. The names of all
// nodes stay on every rank (walks.txt and the embeddings need them); the arcs, the weights and
// the walk samplers are divided.
#include <cstdint>
#include <vector>

#include "graph/graph.h"

namespace n2v {

struct GraphShard {
  int rank = 0, world_size = 1;
  bool directed = false;
  CsrGraph rows;  // row r is the r-th node this rank owns (ascending id); neighbours are global node ids
  std::vector<std::uint16_t> owner;  // per node: the rank that holds its row
  std::vector<NodeId> row_of;  // per node: its row at its owner
  std::vector<NodeId> starts;  // nodes with an edge, ascending: walk_start_nodes() of the whole graph
  Vocabulary vocabulary;  // every node's name
  GraphStats stats;  // the whole graph's nodes; `edges` counts only this rank's share (counted_edges)
  std::uint64_t counted_edges = 0;  // edges this rank counts: each edge of the graph is counted by one rank

  std::size_t num_nodes() const { return owner.size(); }
  bool owns(NodeId v) const { return owner[v] == rank; }
  NodeId row(NodeId v) const { return row_of[v]; }
  // The neighbours and weights of a node this rank owns.
  std::size_t degree(NodeId v) const { return rows.degree(row_of[v]); }
  const NodeId* neighbors(NodeId v) const { return rows.neighbors(row_of[v]); }
  const float* weights(NodeId v) const { return rows.weights(row_of[v]); }
};

// The rank that owns the node whose ownership key is `key` (for an edge list, the order in which
// its name first appears in the file; for a graph built whole, its id): a hash of the key, so a
// run of hubs with neighbouring ids spreads over the ranks.
int shard_owner(std::uint64_t key, int world_size);

// Fills owner/row_of from `keys` (one per node, node 0's ignored: it has no edges and stays with
// rank 0) and returns how many nodes `rank` owns.
std::size_t assign_owners(const std::vector<std::uint64_t>& keys, GraphShard& shard);

// Builds shard.rows from the arcs (src, dst, weight) of the nodes it owns, src a global id;
// undirected edges must be given once per direction the shard owns. Rows come out sorted by
// neighbour id, as CsrGraph::from_edges sorts them.
void build_shard_rows(std::vector<Edge> arcs, std::size_t owned_nodes, GraphShard& shard);

// Rank `rank`'s shard of a graph held whole (a MovieLens graph, or a test's), keys = node ids.
GraphShard slice_graph(const Graph& g, int rank, int world_size);

}  // namespace n2v
