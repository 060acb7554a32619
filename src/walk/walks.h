#pragma once
// node2vec biased random walks over a CsrGraph (no torch). Exact second-order sampling with
// memory linear in the edges: no per-edge alias tables.
#include <cstdint>
#include <limits>
#include <vector>

#include "core/alias_table.h"
#include "core/rng.h"
#include "graph/graph.h"

namespace n2v {

class Progress;

// node2vec's factors in the form the rejection sampler uses. WalkSampler and the walks across
// ranks (dist/) both step with it, which is what makes their walks the same.
struct TransitionRule {
  TransitionRule(double p, double q);  // UsageError outside [kWalkParameterMin, kWalkParameterMax]
  double p, q;
  bool first_order;  // p = q = 1: one alias draw a step
  double bound;  // max(1, 1/q): the envelope over everything but the return atom
  double return_accept;  // min(1/p, bound) / bound
  double return_extra;  // max(0, 1/p - bound): the return edge's mass above the envelope, per unit weight
  double low_accept;  // min(1, 1/q) / bound: accepted without the neighbour test below this
  bool common_is_high;  // q > 1: neighbours of previous get the higher factor
};

// Rejections before a step switches to the exact scan. Away from the return edge a trial is
// accepted with probability >= min(1, 1/q) / max(1, 1/q) (1/4 for q = 4 or 1/4), so 32
// rejections in a row are rare unless p or q is extreme.
constexpr int kMaxRejections = 32;
// "No arc": an index into a node's arcs that there is not.
constexpr std::uint32_t kNoArc = std::numeric_limits<std::uint32_t>::max();

// Is x in the sorted list a[0..n)? (Branchless binary search.)
inline bool contains_sorted(const NodeId* a, std::size_t n, NodeId x) {
  if (n == 0) return false;
  const NodeId* base = a;
  while (n > 1) {
    std::size_t half = n / 2;
    base = base[half] <= x ? base + half : base;
    n -= half;
  }
  return *base == x;
}

// The exact step after kMaxRejections: arc i of current (to neighbors[i], weight weights[i]) has
// mass weights[i] times 1/p when neighbors[i] == previous, 1 when common[i] (it is a neighbour of
// previous), 1/q otherwise. Draws one rng.uniform() and returns the arc it lands on; when every
// mass underflowed (absurd p, q) returns kNoArc without drawing.
std::uint32_t exact_pick(const TransitionRule& rule, const NodeId* neighbors, const float* weights, std::size_t degree,
                         NodeId previous, const char* common, Rng& rng);

// No defaults: pipeline/pipeline.h maps the Config (the one place for defaults) to these fields.
struct WalkOptions {
  double p;
  double q;
  int num_walks;  // rounds; each round starts one walk from every node with edges
  int num_steps;  // nodes per walk, start included
  std::uint64_t seed;
  int threads;
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

// "No next node": the current node has no (out-)neighbours, so the walk ends there.
constexpr NodeId kNoNode = std::numeric_limits<NodeId>::max();

// The Keras example's transition rule, sampled exactly. From `current`, having come from
// `previous`, neighbour x has weight w(current, x) times 1/p when x == previous, 1 when x is a
// neighbour of previous (an out-neighbour: previous -> x in a directed graph), 1/q otherwise.
//
// p = q = 1 is first order: one draw from current's alias table. Otherwise rejection sampling
// (KnightKing): propose x from the alias table, accept with probability factor(x) / bound where
// bound = max(1, 1/q); the return edge's mass above the bound is a separate atom, so a small p
// costs nothing. The neighbour-of-previous test is a binary search in previous's sorted list,
// made only when the coin falls where the two factors disagree. After a run of rejections the
// step falls back to an exact scan (a merge of both sorted lists), which keeps it exact (the
// trials are independent) and bounds the time for extreme p, q. Memory: 8 bytes per arc plus 8
// per node.
class WalkSampler {
 public:
  WalkSampler(const CsrGraph& graph, double p, double q);

  // The first step of a walk: proportional to the edge weights. kNoNode at a sink.
  NodeId first_step(NodeId current, Rng& rng) const;
  // One second-order step. kNoNode when current has no out-neighbours.
  NodeId next_step(NodeId previous, NodeId current, Rng& rng) const;
  // Writes one walk of at most num_steps nodes (start included) to out; returns its length.
  std::size_t walk(NodeId start, std::size_t num_steps, Rng& rng, NodeId* out) const;
  // `count` walks at once, interleaved so that their cache misses overlap: on a graph larger
  // than the cache every step is a chain of misses, and one walk alone waits on each of them.
  // Walk k starts at starts[k] and draws from rngs[k] exactly as walk() would (same nodes); it
  // goes to out + k * num_steps and its length to lengths[k].
  void walk_many(const NodeId* starts, Rng* rngs, std::size_t count, std::size_t num_steps, NodeId* out,
                 std::uint64_t* lengths) const;

  bool first_order() const { return rule_.first_order; }
  const TransitionRule& rule() const { return rule_; }
  // Node v's arc drawn in proportion to the weights (one rng() call), and the weights' sum; the
  // walks across ranks (dist/) step with these over a shard's rows.
  std::uint32_t draw_arc(NodeId v, Rng& rng) const;
  // draw_arc in three parts, for an engine that steps other walkers while each part's cache lines
  // arrive: prefetch_row fetches v's offsets and weight sum; start_arc draws the bucket (the same
  // rng() call) and prefetches its alias entry and neighbour; finish_arc picks the arc's index.
  struct ArcDraw {
    std::uint64_t begin;  // v's first arc
    AliasDraw draw;
  };
  void prefetch_row(NodeId v) const;
  ArcDraw start_arc(NodeId v, Rng& rng) const;
  std::uint32_t finish_arc(ArcDraw arc) const;
  // Prefetches the lines a neighbour test's search of v's sorted list touches first.
  void prefetch_neighbors(NodeId v) const;
  double total_weight(NodeId v) const { return total_weight_[v]; }
  const CsrGraph& graph() const { return graph_; }

 private:
  // One second-order step in progress. A rejection trial has two halves so that walk_many can
  // run other walks between them while the proposal's cache lines arrive.
  struct StepState {
    NodeId previous, current;
    float back;  // w(current, previous); 0 when that arc is missing
    std::uint64_t begin;  // current's first arc
    AliasDraw draw;
    int trials;
  };
  // Draws an alias bucket of v and prefetches its entry and neighbour.
  void draw_bucket(NodeId v, Rng& rng, std::uint64_t& begin, AliasDraw& draw) const;
  std::uint32_t pick(std::uint64_t begin, AliasDraw draw) const;
  std::uint32_t draw_index(NodeId v, Rng& rng) const;
  bool propose(StepState& s, Rng& rng) const;  // true: the return atom, the next node is previous
  std::uint32_t resolve(const StepState& s, Rng& rng) const;  // the accepted arc, or kNoArc
  // The second-order step given w(current, previous); stores w(current, next) in next_weight.
  NodeId step(NodeId previous, NodeId current, float current_previous_weight, Rng& rng, float& next_weight) const;
  NodeId exact_step(NodeId previous, NodeId current, Rng& rng, float& next_weight) const;
  template <bool kFirstOrder>
  void walk_many_impl(const NodeId* starts, Rng* rngs, std::size_t count, std::size_t num_steps, NodeId* out,
                      std::uint64_t* lengths) const;

  const CsrGraph& graph_;
  TransitionRule rule_;
  bool fits_in_cache_;  // small graphs walk second order one walk at a time
  std::vector<AliasEntry> alias_;  // parallel to the CSR arcs
  std::vector<double> total_weight_;  // per node
};

// Nodes with at least one edge (in or out), ascending: the start nodes of every round.
std::vector<NodeId> walk_start_nodes(const CsrGraph& graph);
// Round `round`'s start order: a Fisher-Yates shuffle (as Python's random.shuffle) of `starts`
// seeded from Rng::for_item(seed, RngStream::StartOrder, round).
std::vector<NodeId> start_order(const std::vector<NodeId>& starts, std::uint64_t seed, std::uint64_t round);

// Walk i = round * starts + position draws from Rng::for_item(seed, RngStream::Walk, i); the start
// order of each round is a shuffle seeded from (seed, round). Same seed, same walks, any thread count.
Walks generate_walks(const CsrGraph& graph, const WalkOptions& options, Progress* progress = nullptr);

// Walk indices [first, last): what one rank of a distributed run generates.
struct WalkRange {
  std::uint64_t first = 0, last = 0;
};
// How many walks generate_walks makes: num_walks rounds over the nodes with edges.
std::uint64_t count_walks(const CsrGraph& graph, const WalkOptions& options);
// Rank `rank`'s contiguous block of `total` walks; the blocks of ranks 0..world_size-1 tile [0, total).
WalkRange walk_shard(std::uint64_t total, int rank, int world_size);
// Walks first..last-1 only. Walk i depends on (seed, i) alone, so the concatenation of the ranges
// of a tiling equals generate_walks' output byte for byte.
Walks generate_walks(const CsrGraph& graph, const WalkOptions& options, WalkRange range, Progress* progress = nullptr);
// The walks of `parts`, in order.
Walks concat_walks(const std::vector<Walks>& parts);

}  // namespace n2v
