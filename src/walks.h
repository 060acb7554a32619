#pragma once
// node2vec biased random walks over a CsrGraph (no torch). Exact second-order sampling with
// memory linear in the edges: no per-edge alias tables.
#include <cstdint>
#include <vector>

#include "graph.h"

namespace n2v {

class Progress;

struct WalkOptions {
  double p = 1.0;
  double q = 1.0;
  int num_walks = 5;  // rounds; each round starts one walk from every node with edges
  int num_steps = 10;  // nodes per walk, start included
  std::uint64_t seed = 42;
  int threads = 1;
};

// All walks, concatenated: walk i is nodes[offsets[i] .. offsets[i+1]). Walks can be shorter
// than num_steps when they reach a node without (out-)neighbours.
struct Walks {
  std::vector<NodeId> nodes;
  std::vector<std::uint64_t> offsets{0};
  std::size_t size() const { return offsets.size() - 1; }
  const NodeId* walk(std::size_t i) const { return nodes.data() + offsets[i]; }
  std::size_t length(std::size_t i) const { return offsets[i + 1] - offsets[i]; }
};

// Walk i = round * starts + position draws from Rng::for_item(seed, RngStream::Walk, i); the start
// order of each round is a shuffle seeded from (seed, round). Same seed, same walks, any thread count.
Walks generate_walks(const CsrGraph& graph, const WalkOptions& options, Progress* progress = nullptr);

}  // namespace n2v
