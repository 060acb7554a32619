#include "walk/walks.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "core/config.h"
#include "core/errors.h"
#include "core/memory.h"
#include "core/parallel.h"
#include "core/progress.h"
#include "core/text.h"

namespace n2v {
namespace {

// Lanes in flight per thread: enough misses outstanding to cover the memory latency, few
// enough that the lanes' state stays in L1.
constexpr std::size_t kLanes = 16;
// Below this many bytes of graph and tables, second-order walks run one lane at a time: the
// data is in cache, and the lanes' bookkeeping costs more than it hides (measured: 27 M vs
// 19 M steps/s on ml-latest-small; on a 5 M-edge graph 16 lanes give 3.0 M vs 2.2 M).
constexpr std::size_t kCacheBytes = std::size_t{4} << 20;

}  // namespace

TransitionRule::TransitionRule(double p_, double q_) : p(p_), q(q_) {
  // Outside this range the factors 1/p and 1/q times a weight overflow or vanish (core/config.h).
  auto exact = [](double v) { return v >= kWalkParameterMin && v <= kWalkParameterMax; };
  if (!exact(p) || !exact(q)) {
    throw UsageError("walk.p and walk.q must be in [" + format_double(kWalkParameterMin) + ", " +
                     format_double(kWalkParameterMax) + "] (got p = " + format_double(p) + ", q = " + format_double(q) + ")");
  }
  first_order = p == 1.0 && q == 1.0;
  bound = std::max(1.0, 1.0 / q);
  return_accept = std::min(1.0 / p, bound) / bound;
  return_extra = std::max(0.0, 1.0 / p - bound);
  low_accept = std::min(1.0, 1.0 / q) / bound;
  common_is_high = q > 1.0;
}

std::uint32_t exact_pick(const TransitionRule& rule, const NodeId* neighbors, const float* weights, std::size_t degree,
                         NodeId previous, const char* common, Rng& rng) {
  auto mass = [&](std::size_t i) {
    const double factor = neighbors[i] == previous ? 1.0 / rule.p : common[i] ? 1.0 : 1.0 / rule.q;
    return weights[i] * factor;
  };
  double total = 0;
  for (std::size_t i = 0; i < degree; ++i) total += mass(i);
  if (!(total > 0)) return kNoArc;
  const double target = rng.uniform() * total;
  double sum = 0;
  std::size_t chosen = degree;
  for (std::size_t i = 0; i < degree; ++i) {
    const double m = mass(i);
    if (m > 0) chosen = i;  // rounding can leave target just above the last sum
    sum += m;
    if (target < sum) break;
  }
  return static_cast<std::uint32_t>(chosen);
}

WalkSampler::WalkSampler(const CsrGraph& graph, double p, double q) : graph_(graph), rule_(p, q) {
  if (graph.num_nodes() > kNoNode) throw UsageError("the graph has too many nodes for 32-bit node ids");
  fits_in_cache_ = graph.num_arcs() * (sizeof(NodeId) + sizeof(float) + sizeof(AliasEntry)) +
                       graph.num_nodes() * (sizeof(std::uint64_t) + sizeof(double)) <=
                   kCacheBytes;

  // One alias table per node, laid over its arcs.
  const std::size_t n = graph.num_nodes();
  assign_in_huge_pages(alias_, graph.num_arcs());
  assign_in_huge_pages(total_weight_, n);
  AliasBuilder builder;
  for (NodeId v = 0; v < n; ++v) {
    const std::size_t degree = graph.degree(v);
    if (degree == 0) continue;
    if (degree > kNoArc) throw UsageError("node " + std::to_string(v) + " has too many neighbours");
    // A sum that is not > 0 leaves the table unset: the walk ends at v.
    total_weight_[v] = builder.build(graph.weights(v), degree, alias_.data() + graph.begin(v));
  }
}

inline void WalkSampler::draw_bucket(NodeId v, Rng& rng, std::uint64_t& begin, AliasDraw& draw) const {
  begin = graph_.begin(v);
  draw = alias_draw(rng(), graph_.end(v) - begin);
  __builtin_prefetch(alias_.data() + begin + draw.bucket);
  __builtin_prefetch(graph_.neighbor_array().data() + begin + draw.bucket);
}

inline std::uint32_t WalkSampler::pick(std::uint64_t begin, AliasDraw draw) const {
  return alias_pick(alias_.data() + begin, draw);
}

inline std::uint32_t WalkSampler::draw_index(NodeId v, Rng& rng) const {
  std::uint64_t begin;
  AliasDraw draw;
  draw_bucket(v, rng, begin, draw);
  return pick(begin, draw);
}

std::uint32_t WalkSampler::draw_arc(NodeId v, Rng& rng) const { return draw_index(v, rng); }

void WalkSampler::prefetch_row(NodeId v) const {
  __builtin_prefetch(graph_.offsets().data() + v);
  __builtin_prefetch(total_weight_.data() + v);
}

WalkSampler::ArcDraw WalkSampler::start_arc(NodeId v, Rng& rng) const {
  ArcDraw arc;
  draw_bucket(v, rng, arc.begin, arc.draw);
  return arc;
}

std::uint32_t WalkSampler::finish_arc(ArcDraw arc) const { return pick(arc.begin, arc.draw); }

inline bool WalkSampler::propose(StepState& s, Rng& rng) const {
  const double extra = rule_.return_extra * s.back;
  if (extra > 0 && rng.uniform() * (rule_.bound * total_weight_[s.current] + extra) < extra) return true;
  draw_bucket(s.current, rng, s.begin, s.draw);
  return false;
}

inline std::uint32_t WalkSampler::resolve(const StepState& s, Rng& rng) const {
  const std::uint32_t i = pick(s.begin, s.draw);
  const NodeId x = graph_.neighbor_array()[s.begin + i];
  const double u = rng.uniform();
  bool accept;
  if (x == s.previous) accept = u < rule_.return_accept;
  else if (u < rule_.low_accept) accept = true;  // both factors accept here: no search needed
  else accept = contains_sorted(graph_.neighbors(s.previous), graph_.degree(s.previous), x) == rule_.common_is_high;
  return accept ? i : kNoArc;
}

// The next step searches v's list (v becomes previous): fetch the lines a search touches.
void WalkSampler::prefetch_neighbors(NodeId v) const {
  const NodeId* list = graph_.neighbors(v);
  const std::size_t degree = graph_.degree(v);
  constexpr std::size_t kPerLine = 64 / sizeof(NodeId), kLines = 16;
  if (degree == 0) return;
  if (degree <= kPerLine * kLines) {
    for (std::size_t i = 0; i < degree; i += kPerLine) __builtin_prefetch(list + i);
    __builtin_prefetch(list + degree - 1);
  } else {
    for (std::size_t k = 1; k < kLines; ++k) __builtin_prefetch(list + degree * k / kLines);  // the top of the search
  }
}

NodeId WalkSampler::first_step(NodeId current, Rng& rng) const {
  if (!(total_weight_[current] > 0)) return kNoNode;
  return graph_.neighbors(current)[draw_index(current, rng)];
}

NodeId WalkSampler::next_step(NodeId previous, NodeId current, Rng& rng) const {
  float next_weight;
  if (rule_.first_order) return first_step(current, rng);
  return step(previous, current, graph_.weight(current, previous), rng, next_weight);
}

NodeId WalkSampler::step(NodeId previous, NodeId current, float current_previous_weight, Rng& rng,
                         float& next_weight) const {
  if (!(total_weight_[current] > 0)) return kNoNode;
  StepState s{previous, current, current_previous_weight, 0, {0, 0}, 0};
  for (; s.trials < kMaxRejections; ++s.trials) {
    if (propose(s, rng)) {
      next_weight = current_previous_weight;
      return previous;
    }
    const std::uint32_t i = resolve(s, rng);
    if (i != kNoArc) {
      next_weight = graph_.weight_array()[s.begin + i];
      return graph_.neighbor_array()[s.begin + i];
    }
  }
  return exact_step(previous, current, rng, next_weight);
}

NodeId WalkSampler::exact_step(NodeId previous, NodeId current, Rng& rng, float& next_weight) const {
  const NodeId* neighbors = graph_.neighbors(current);
  const std::size_t degree = graph_.degree(current);
  const NodeId* previous_neighbors = graph_.neighbors(previous);
  const std::size_t previous_degree = graph_.degree(previous);
  // Both lists are sorted, so one merge finds the common neighbours.
  thread_local std::vector<char> common;
  common.assign(degree, 0);
  for (std::size_t i = 0, j = 0; i < degree; ++i) {
    while (j < previous_degree && previous_neighbors[j] < neighbors[i]) ++j;
    common[i] = j < previous_degree && previous_neighbors[j] == neighbors[i];
  }
  std::uint32_t i = exact_pick(rule_, neighbors, graph_.weights(current), degree, previous, common.data(), rng);
  if (i == kNoArc) i = draw_index(current, rng);  // every mass underflowed: the factors no longer matter
  next_weight = graph_.weights(current)[i];
  return neighbors[i];
}

std::size_t WalkSampler::walk(NodeId start, std::size_t num_steps, Rng& rng, NodeId* out) const {
  std::uint64_t length = 0;
  walk_many(&start, &rng, 1, num_steps, out, &length);
  return length;
}

template <bool kFirstOrder>
void WalkSampler::walk_many_impl(const NodeId* starts, Rng* rngs, std::size_t count, std::size_t num_steps,
                                 NodeId* out, std::uint64_t* lengths) const {
  const std::size_t max_lanes = kFirstOrder || !fits_in_cache_ ? kLanes : 1;
  const NodeId* all_neighbors = graph_.neighbor_array().data();
  const float* all_weights = graph_.weight_array().data();
  const std::uint64_t* offsets = graph_.offsets().data();
  const double* totals = total_weight_.data();
  const bool directed = graph_.directed();
  // A lane is one walk, visited in turn. Each visit does half a step: draw and prefetch, or
  // (the lines now in cache) decide. First steps and first-order steps are one alias draw;
  // second-order steps are rejection trials, each a propose() and a resolve().
  struct Lane {
    std::size_t walk;
    NodeId* out;
    std::size_t length;
    float weight;  // w(previous, current)
    bool pending;  // the first half is done
    StepState s;
  };
  Lane lanes[kLanes];
  std::size_t active = 0, next_walk = 0;
  auto start_lane = [&](Lane& lane) {
    while (next_walk < count) {
      const std::size_t k = next_walk++;
      NodeId* o = out + k * num_steps;
      o[0] = starts[k];
      if (num_steps < 2 || !(totals[starts[k]] > 0)) {
        lengths[k] = 1;
        continue;
      }
      lane = Lane{k, o, 1, 0.0f, false, StepState{kNoNode, starts[k], 0.0f, 0, {0, 0}, 0}};
      return true;
    }
    return false;
  };
  while (active < max_lanes && start_lane(lanes[active])) ++active;
  while (active > 0) {
    for (std::size_t l = 0; l < active;) {
      Lane& lane = lanes[l];
      StepState& s = lane.s;
      Rng& rng = rngs[lane.walk];
      const bool alias_step = kFirstOrder || lane.length == 1;
      bool finished = false, moved = false;
      NodeId next = kNoNode;
      if (!lane.pending) {
        if (!(totals[s.current] > 0)) {
          finished = true;
        } else if (alias_step) {
          draw_bucket(s.current, rng, s.begin, s.draw);
          lane.pending = true;
        } else {
          if (s.trials == 0 && directed && rule_.return_extra > 0) s.back = graph_.weight(s.current, s.previous);
          if (propose(s, rng)) {
            next = s.previous;
            lane.weight = s.back;
            moved = true;
          } else {
            lane.pending = true;
          }
        }
      } else {
        lane.pending = false;
        const std::uint32_t i = alias_step ? pick(s.begin, s.draw) : resolve(s, rng);
        if (i != kNoArc) {
          next = all_neighbors[s.begin + i];
          lane.weight = all_weights[s.begin + i];
          moved = true;
        } else if (++s.trials == kMaxRejections) {
          next = exact_step(s.previous, s.current, rng, lane.weight);
          moved = true;
        }
      }
      if (moved) {
        lane.out[lane.length++] = next;
        // Undirected: w(current, previous) of the next step is the weight just walked.
        s = StepState{s.current, next, directed ? 0.0f : lane.weight, 0, {0, 0}, 0};
        if (lane.length == num_steps) {
          finished = true;
        } else {
          __builtin_prefetch(offsets + next);
          __builtin_prefetch(totals + next);
          if (!kFirstOrder) prefetch_neighbors(s.previous);
        }
      }
      if (finished) {
        lengths[lane.walk] = lane.length;
        if (!start_lane(lane)) {
          lane = lanes[--active];
          continue;  // the moved lane takes this slot's turn
        }
      }
      ++l;
    }
  }
}

void WalkSampler::walk_many(const NodeId* starts, Rng* rngs, std::size_t count, std::size_t num_steps, NodeId* out,
                            std::uint64_t* lengths) const {
  if (num_steps == 0) {
    std::fill(lengths, lengths + count, 0);
    return;
  }
  if (rule_.first_order) walk_many_impl<true>(starts, rngs, count, num_steps, out, lengths);
  else walk_many_impl<false>(starts, rngs, count, num_steps, out, lengths);
}

std::vector<NodeId> walk_start_nodes(const CsrGraph& graph) {
  std::vector<char> has_edge(graph.num_nodes(), 0);
  for (NodeId v = 0; v < graph.num_nodes(); ++v) {
    if (graph.degree(v) > 0) has_edge[v] = 1;
  }
  for (NodeId u : graph.neighbor_array()) has_edge[u] = 1;
  std::vector<NodeId> starts;
  for (NodeId v = kReservedToken + 1; v < graph.num_nodes(); ++v) {
    if (has_edge[v]) starts.push_back(v);
  }
  return starts;
}

std::vector<NodeId> start_order(const std::vector<NodeId>& starts, std::uint64_t seed, std::uint64_t round) {
  std::vector<NodeId> order = starts;
  Rng rng = Rng::for_item(seed, RngStream::StartOrder, round);
  shuffle_in_place(order.begin(), order.end(), rng);
  return order;
}

std::uint64_t count_walks(const CsrGraph& graph, const WalkOptions& options) {
  return walk_start_nodes(graph).size() * static_cast<std::uint64_t>(std::max(options.num_walks, 0));
}

WalkRange walk_shard(std::uint64_t total, int rank, int world_size) {
  const auto r = static_cast<std::uint64_t>(rank), w = static_cast<std::uint64_t>(world_size);
  return {total * r / w, total * (r + 1) / w};
}

Walks concat_walks(const std::vector<Walks>& parts) {
  Walks all;
  for (const Walks& part : parts) {
    const std::uint64_t base = all.nodes.size();
    all.nodes.insert(all.nodes.end(), part.nodes.begin(), part.nodes.end());
    for (std::size_t i = 1; i < part.offsets.size(); ++i) all.offsets.push_back(base + part.offsets[i]);
  }
  return all;
}

Walks generate_walks(const CsrGraph& graph, const WalkOptions& options, Progress* progress) {
  return generate_walks(graph, options, {0, count_walks(graph, options)}, progress);
}

Walks generate_walks(const CsrGraph& graph, const WalkOptions& options, WalkRange range, Progress* progress) {
  if (options.num_walks < 0 || options.num_steps < 1) {
    throw UsageError("walk.num_walks must be >= 0 and walk.num_steps >= 1 (got " + std::to_string(options.num_walks) +
                     " and " + std::to_string(options.num_steps) + ")");
  }
  const WalkSampler sampler(graph, options.p, options.q);
  const std::vector<NodeId> starts = walk_start_nodes(graph);
  const std::uint64_t per_round = starts.size();
  const std::uint64_t all_walks = per_round * static_cast<std::uint64_t>(options.num_walks);
  if (range.first > range.last || range.last > all_walks) {
    throw UsageError("walk range [" + std::to_string(range.first) + ", " + std::to_string(range.last) +
                     ") is outside the " + std::to_string(all_walks) + " walks");
  }
  const std::uint64_t first_walk = range.first;
  const std::uint64_t total = range.last - range.first;
  const std::uint64_t steps = static_cast<std::uint64_t>(options.num_steps);

  // start_of[k] is the start of walk first_walk + k; only the rounds the range touches are shuffled.
  std::vector<NodeId> start_of(total);
  if (total > 0) {
    for (std::uint64_t round = first_walk / per_round; round <= (range.last - 1) / per_round; ++round) {
      std::vector<NodeId> order = start_order(starts, options.seed, round);
      const std::uint64_t begin = std::max(first_walk, round * per_round), end = std::min(range.last, (round + 1) * per_round);
      for (std::uint64_t i = begin; i < end; ++i) start_of[i - first_walk] = order[i - round * per_round];
    }
  }

  // Every walk gets a full-length slot, so threads never coordinate; short walks are squeezed
  // out afterwards.
  // The slots, the lengths, the starts and the offsets.
  check_fits_in_memory("walking", static_cast<double>(total) * (static_cast<double>(steps) * sizeof(NodeId) + 20),
                       format_double(static_cast<double>(total)) + " walks of " + std::to_string(steps) + " nodes",
                       "walk.num_walks or walk.num_steps");
  Walks walks;
  walks.nodes.resize(total * steps);
  std::vector<std::uint64_t> lengths(total);
  constexpr std::uint64_t kChunk = 256;
  const int threads = parallel_threads(total, kChunk, options.threads);
  std::vector<std::vector<Rng>> rngs(threads);  // per thread, reused chunk after chunk
  parallel_chunks(total, kChunk, threads, [&](std::uint64_t first, std::uint64_t last, int thread) {
    std::vector<Rng>& chunk_rngs = rngs[thread];
    chunk_rngs.clear();
    for (std::uint64_t i = first; i < last; ++i) {
      chunk_rngs.push_back(Rng::for_item(options.seed, RngStream::Walk, first_walk + i));
    }
    sampler.walk_many(start_of.data() + first, chunk_rngs.data(), last - first, steps,
                      walks.nodes.data() + first * steps, lengths.data() + first);
    if (progress) progress->advance(last - first);
  });

  walks.offsets.assign(total + 1, 0);
  std::uint64_t end = 0;
  for (std::uint64_t i = 0; i < total; ++i) {
    if (end != i * steps) {
      std::memmove(walks.nodes.data() + end, walks.nodes.data() + i * steps, lengths[i] * sizeof(NodeId));
    }
    end += lengths[i];
    walks.offsets[i + 1] = end;
  }
  if (end < walks.nodes.size()) {
    walks.nodes.resize(end);
    walks.nodes.shrink_to_fit();
  }
  return walks;
}

}  // namespace n2v
