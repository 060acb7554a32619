#include "graph/shard.h"

#include <limits>
#include <numeric>
#include <string>

#include "core/errors.h"
#include "core/rng.h"

namespace n2v {

int shard_owner(std::uint64_t key, int world_size) {
  return static_cast<int>(splitmix64(key) % static_cast<std::uint64_t>(world_size));
}

std::size_t assign_owners(const std::vector<std::uint64_t>& keys, GraphShard& shard) {
  if (shard.world_size < 1 || shard.world_size > std::numeric_limits<std::uint16_t>::max() || shard.rank < 0 ||
      shard.rank >= shard.world_size) {
    throw UsageError("a graph shard needs 0 <= rank < world size <= 65535 (got rank " + std::to_string(shard.rank) +
                     " of " + std::to_string(shard.world_size) + ")");
  }
  const std::size_t n = keys.size();
  shard.owner.assign(n, 0);
  shard.row_of.assign(n, 0);
  std::vector<NodeId> next_row(static_cast<std::size_t>(shard.world_size), 0);
  for (std::size_t v = 1; v < n; ++v) {
    const int r = shard_owner(keys[v], shard.world_size);
    shard.owner[v] = static_cast<std::uint16_t>(r);
    shard.row_of[v] = next_row[static_cast<std::size_t>(r)]++;
  }
  if (n > 0) shard.row_of[0] = next_row[0]++;  // node 0 has an empty row on rank 0
  return next_row[static_cast<std::size_t>(shard.rank)];
}

void build_shard_rows(std::vector<Edge> arcs, std::size_t owned_nodes, GraphShard& shard) {
  for (Edge& arc : arcs) arc.src = shard.row_of[arc.src];
  shard.rows = CsrGraph::from_edges(owned_nodes, arcs, /*directed=*/true);
}

GraphShard slice_graph(const Graph& g, int rank, int world_size) {
  GraphShard shard;
  shard.rank = rank;
  shard.world_size = world_size;
  shard.directed = g.graph.directed();
  shard.vocabulary = g.vocabulary;
  shard.stats = g.stats;
  std::vector<std::uint64_t> keys(g.graph.num_nodes());
  std::iota(keys.begin(), keys.end(), 0);
  const std::size_t owned = assign_owners(keys, shard);

  std::vector<char> has_edge(g.graph.num_nodes(), 0);
  std::vector<Edge> arcs;
  for (const Edge& e : g.edges) {
    has_edge[e.src] = has_edge[e.dst] = 1;
    if (shard.owns(e.src)) {
      ++shard.counted_edges;
      arcs.push_back(e);
    }
    if (!shard.directed && shard.owns(e.dst)) arcs.push_back({e.dst, e.src, e.weight});
  }
  for (NodeId v = kReservedToken + 1; v < g.graph.num_nodes(); ++v) {
    if (has_edge[v]) shard.starts.push_back(v);
  }
  shard.stats.edges = shard.counted_edges;
  build_shard_rows(std::move(arcs), owned, shard);
  return shard;
}

}  // namespace n2v
