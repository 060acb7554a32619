#include "dist/sharded_walks.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>
#include <type_traits>

#include "core/errors.h"
#include "core/memory.h"
#include "core/progress.h"
#include "core/text.h"
#include "dist/messages.h"

namespace n2v {
namespace {

// Walks in flight per rank: a batch takes about as many supersteps as a walk has steps, whatever
// its size, and each superstep waits for the slowest rank twice, so batches are large; a walker
// in flight holds 68 bytes.
constexpr std::uint64_t kBatchWalksPerRank = std::uint64_t{1} << 20;

// What travels to the rank that owns the walker's next node: 56 bytes.
struct Traveller {
  Rng rng{0};
  std::uint64_t walk;  // global index
  NodeId previous, current;
  float back;  // w(current, previous): the weight just walked (undirected), looked up (directed)
  std::uint32_t length;  // nodes so far, start included
};
static_assert(std::is_trivially_copyable_v<Traveller> && sizeof(Traveller) == 56, "walkers travel as 56 bytes");

// A walker on this rank: what travels, and its state within a step.
struct Walker {
  Traveller t;
  std::uint32_t trials;  // rejections at this step (0 when it arrives: it left right after a step)
  std::uint32_t arc;  // the proposal waiting for a neighbour test on another rank
  std::uint32_t writer;  // the rank whose block of walks.txt holds this walk
};

// One node of one walk, sent to the rank that writes the walk.
struct Visit {
  std::uint64_t walk;
  std::uint32_t position;
  NodeId node;
};

// One rank's part of the walks.
class ShardWalker {
 public:
  ShardWalker(const GraphShard& shard, const WalkOptions& options, Transport& transport, ShardWalkStats& stats)
      : shard_(shard),
        sampler_(shard.rows, options.p, options.q),
        rule_(sampler_.rule()),
        options_(options),
        steps_(static_cast<std::uint32_t>(options.num_steps)),
        transport_(transport),
        stats_(stats),
        world_(static_cast<std::size_t>(transport.world_size())),
        walkers_(world_),
        queries_(world_),
        walker_counts_(world_, 0),
        visits_(world_) {}

  Walks run(Progress* progress);

 private:
  using Clock = std::chrono::steady_clock;

  int owner(NodeId v) const { return shard_.owner[v]; }
  int writer_of(std::uint64_t walk) const;
  NodeId start_of(std::uint64_t walk);

  void start(std::uint64_t walk);
  bool step_once(Walker& w);  // true: the walker stays here for another step
  void prefetch(const Walker& w) const;  // the lines of the walker's next step
  void step_all(const std::vector<Walker>& walkers);
  bool second_order_step(Walker& w, NodeId& next, float& weight);  // false: parked
  void exact_step(Walker& w);  // parks the walker or takes the step
  bool move(Walker& w, NodeId next, float weight);  // false: the walker finished or left
  void park(const Walker& w, const NodeId* candidates, std::size_t count);
  void resume(Walker w, const char* common, std::size_t count);

  std::string answer_tests(Inbox& in, int from);
  void record(const Visit& visit, std::uint32_t writer);
  void place(const Visit& visit);
  void superstep_loop();
  std::vector<std::string> exchange(std::vector<std::string> outgoing);

  const GraphShard& shard_;
  WalkSampler sampler_;
  const TransitionRule& rule_;
  WalkOptions options_;
  std::uint32_t steps_;
  Transport& transport_;
  ShardWalkStats& stats_;
  std::size_t world_;

  std::vector<Walker> ready_, parked_;
  std::vector<Outbox> walkers_, queries_;  // per destination rank
  std::vector<std::uint32_t> walker_counts_;
  std::vector<std::vector<Visit>> visits_;  // per writer rank

  std::uint64_t total_ = 0, per_round_ = 0;
  std::uint64_t round_ = ~std::uint64_t{0};
  std::vector<NodeId> round_order_;
  WalkRange block_;  // the walks this rank writes
  std::vector<std::uint64_t> block_starts_;  // every rank's first walk
  std::vector<NodeId> slots_;  // num_steps per walk of the block
  std::vector<std::uint64_t> lengths_;
};

int ShardWalker::writer_of(std::uint64_t walk) const {
  // The last rank whose block starts at or before the walk (blocks may be empty).
  const auto after = std::upper_bound(block_starts_.begin(), block_starts_.end(), walk);
  return static_cast<int>(after - block_starts_.begin()) - 1;
}

NodeId ShardWalker::start_of(std::uint64_t walk) {
  const std::uint64_t round = walk / per_round_;
  if (round != round_) {
    round_order_ = start_order(shard_.starts, options_.seed, round);
    round_ = round;
  }
  return round_order_[walk - round * per_round_];
}

void ShardWalker::start(std::uint64_t walk) {
  Walker w{{Rng::for_item(options_.seed, RngStream::Walk, walk), walk, kNoNode, start_of(walk), 0.0f, 1}, 0, 0, 0};
  if (!shard_.owns(w.t.current)) return;  // the start's owner starts the walk
  w.writer = static_cast<std::uint32_t>(writer_of(walk));
  record({walk, 0, w.t.current}, w.writer);
  if (steps_ >= 2) ready_.push_back(w);
}

bool ShardWalker::move(Walker& w, NodeId next, float weight) {
  record({w.t.walk, w.t.length, next}, w.writer);
  ++w.t.length;
  ++stats_.steps;
  w.t.previous = w.t.current;
  w.t.current = next;
  w.t.back = shard_.directed ? 0.0f : weight;
  w.trials = 0;
  if (w.t.length == steps_) return false;
  if (!shard_.owns(next)) {
    const auto to = static_cast<std::size_t>(owner(next));
    walkers_[to].put(w.t);
    ++walker_counts_[to];
    ++stats_.walkers_sent;
    return false;
  }
  return true;
}

void ShardWalker::park(const Walker& w, const NodeId* candidates, std::size_t count) {
  Outbox& out = queries_[static_cast<std::size_t>(owner(w.t.previous))];
  out.put(static_cast<std::uint32_t>(parked_.size()));
  out.put(w.t.previous);
  out.put(static_cast<std::uint32_t>(count));
  out.put_array(candidates, count);
  parked_.push_back(w);
  ++stats_.queries_sent;
}

// The exact scan over current's arcs; the common neighbours come from previous's owner.
void ShardWalker::exact_step(Walker& w) {
  const NodeId* neighbors = shard_.neighbors(w.t.current);
  const std::size_t degree = shard_.degree(w.t.current);
  if (!shard_.owns(w.t.previous)) {
    park(w, neighbors, degree);
    return;
  }
  std::vector<char> common(degree);
  for (std::size_t i = 0; i < degree; ++i) {
    common[i] = contains_sorted(shard_.neighbors(w.t.previous), shard_.degree(w.t.previous), neighbors[i]);
  }
  resume(w, common.data(), degree);
}

// WalkSampler's second-order step, trial by trial with the same draws, until a node is chosen
// or the neighbour test must ask another rank.
bool ShardWalker::second_order_step(Walker& w, NodeId& next, float& weight) {
  const NodeId row = shard_.row(w.t.current);
  const NodeId* neighbors = shard_.rows.neighbors(row);
  const float* weights = shard_.rows.weights(row);
  if (w.trials == 0 && shard_.directed && rule_.return_extra > 0) {
    w.t.back = shard_.rows.weight(row, w.t.previous);
  }
  for (;;) {
    const double extra = rule_.return_extra * w.t.back;
    if (extra > 0 && w.t.rng.uniform() * (rule_.bound * sampler_.total_weight(row) + extra) < extra) {
      next = w.t.previous;
      weight = w.t.back;
      return true;
    }
    const std::uint32_t arc = sampler_.draw_arc(row, w.t.rng);
    const NodeId x = neighbors[arc];
    const double u = w.t.rng.uniform();
    bool accept;
    if (x == w.t.previous) {
      accept = u < rule_.return_accept;
    } else if (u < rule_.low_accept) {
      accept = true;
    } else if (shard_.owns(w.t.previous)) {
      accept = contains_sorted(shard_.neighbors(w.t.previous), shard_.degree(w.t.previous), x) == rule_.common_is_high;
    } else {
      w.arc = arc;
      park(w, &x, 1);
      return false;
    }
    if (accept) {
      next = x;
      weight = weights[arc];
      return true;
    }
    if (++w.trials == kMaxRejections) {
      exact_step(w);
      return false;
    }
  }
}

bool ShardWalker::step_once(Walker& w) {
  const NodeId row = shard_.row(w.t.current);
  if (!(sampler_.total_weight(row) > 0)) return false;  // a sink: the walk ends here
  NodeId next;
  float weight;
  if (rule_.first_order || w.t.length == 1) {
    const std::uint32_t arc = sampler_.draw_arc(row, w.t.rng);
    next = shard_.rows.neighbors(row)[arc];
    weight = shard_.rows.weights(row)[arc];
  } else if (!second_order_step(w, next, weight)) {
    return false;
  }
  if (!move(w, next, weight)) return false;
  prefetch(w);
  return true;
}

void ShardWalker::prefetch(const Walker& w) const {
  const NodeId row = shard_.row(w.t.current);
  Rng peek = w.t.rng;
  const bool second_order = !rule_.first_order && w.t.length > 1;
  if (second_order && rule_.return_extra * w.t.back > 0) peek();  // the return atom's coin comes first
  sampler_.prefetch_arc(row, peek);
  if (second_order && shard_.owns(w.t.previous)) sampler_.prefetch_neighbors(shard_.row(w.t.previous));
}

// The walkers step in lanes, as WalkSampler::walk_many runs its walks: one step of each lane in
// turn, each step prefetching the lines of the lane's next one, so that a lane's cache misses
// overlap the other lanes' work instead of stalling every step.
void ShardWalker::step_all(const std::vector<Walker>& walkers) {
  constexpr std::size_t kLanes = 16;
  Walker lanes[kLanes];
  std::size_t active = 0, next = 0;
  auto refill = [&](Walker& lane) {
    if (next == walkers.size()) return false;
    lane = walkers[next++];
    prefetch(lane);
    return true;
  };
  while (active < kLanes && refill(lanes[active])) ++active;
  while (active > 0) {
    for (std::size_t l = 0; l < active;) {
      if (step_once(lanes[l]) || refill(lanes[l])) {
        ++l;
      } else {
        lanes[l] = lanes[--active];  // the moved lane takes this slot's turn
      }
    }
  }
}

// The answer to a parked walker's test: common[i] for its one proposal (count 1) or for every arc
// of current (the exact scan).
void ShardWalker::resume(Walker w, const char* common, std::size_t count) {
  const NodeId row = shard_.row(w.t.current);
  const NodeId* neighbors = shard_.rows.neighbors(row);
  const float* weights = shard_.rows.weights(row);
  if (w.trials == kMaxRejections) {
    if (count != shard_.rows.degree(row)) throw Error("a walk's exact step got a short answer from another rank");
    std::uint32_t arc = exact_pick(rule_, neighbors, weights, count, w.t.previous, common, w.t.rng);
    if (arc == kNoArc) arc = sampler_.draw_arc(row, w.t.rng);  // every mass underflowed
    if (move(w, neighbors[arc], weights[arc])) ready_.push_back(w);
    return;
  }
  if ((common[0] != 0) == rule_.common_is_high) {
    if (move(w, neighbors[w.arc], weights[w.arc])) ready_.push_back(w);
    return;
  }
  if (++w.trials < kMaxRejections) {
    ready_.push_back(w);
    return;
  }
  exact_step(w);
}

std::vector<std::string> ShardWalker::exchange(std::vector<std::string> outgoing) {
  for (std::size_t r = 0; r < world_; ++r) {
    if (static_cast<int>(r) != transport_.rank()) stats_.bytes_sent += outgoing[r].size();
  }
  const auto begin = Clock::now();
  std::vector<std::string> incoming = transport_.all_to_all(outgoing);
  stats_.exchange_seconds += std::chrono::duration<double>(Clock::now() - begin).count();
  return incoming;
}

// The answers to another rank's neighbour tests. Each test searches a row of this rank's at random,
// so the rows of the tests a few places ahead are fetched while this one is searched.
std::string ShardWalker::answer_tests(Inbox& in, int from) {
  struct Test {
    std::uint32_t ticket;
    NodeId row;
    std::uint32_t first, count;  // its candidates in `candidates`
  };
  std::vector<Test> tests;
  std::vector<NodeId> candidates;
  while (!in.done()) {
    const auto ticket = in.get<std::uint32_t>();
    const auto previous = in.get<NodeId>();
    const auto count = in.get<std::uint32_t>();
    if (previous >= shard_.num_nodes() || !shard_.owns(previous)) {
      throw Error("rank " + std::to_string(from) + " asked about a node this rank does not own");
    }
    const auto first = static_cast<std::uint32_t>(candidates.size());
    candidates.resize(first + count);
    in.get_array(candidates.data() + first, count);
    tests.push_back({ticket, shard_.row(previous), first, count});
  }
  constexpr std::size_t kAhead = 8;
  Outbox reply;
  std::vector<char> common;
  for (std::size_t k = 0; k < tests.size(); ++k) {
    if (k + kAhead < tests.size()) sampler_.prefetch_neighbors(tests[k + kAhead].row);
    const Test& test = tests[k];
    const NodeId* row = shard_.rows.neighbors(test.row);
    const std::size_t degree = shard_.rows.degree(test.row);
    common.resize(test.count);
    for (std::uint32_t i = 0; i < test.count; ++i) common[i] = contains_sorted(row, degree, candidates[test.first + i]);
    reply.put(test.ticket);
    reply.put(test.count);
    reply.put_array(common.data(), test.count);
  }
  return reply.take();
}

// A node of a walk goes to the rank that writes the walk: here, or with the next superstep's messages.
void ShardWalker::record(const Visit& visit, std::uint32_t writer) {
  if (static_cast<int>(writer) == transport_.rank()) place(visit);
  else visits_[writer].push_back(visit);
}

void ShardWalker::place(const Visit& visit) {
  if (visit.walk < block_.first || visit.walk >= block_.last || visit.position >= steps_) {
    throw Error("another rank sent a step of a walk this rank does not write");
  }
  const std::uint64_t k = visit.walk - block_.first;
  slots_[k * steps_ + visit.position] = visit.node;
  lengths_[k] = std::max<std::uint64_t>(lengths_[k], visit.position + 1);
}

// Supersteps until no rank has a walker left. Each is two exchanges: (1) the walkers that leave,
// the nodes walked for the ranks that write them and the neighbour tests, with a header saying
// whether the sender has anything in flight (when no rank has, the batch is done: every rank
// sees every header, so all stop at the same superstep); (2) the tests' answers.
void ShardWalker::superstep_loop() {
  struct Header {
    std::uint32_t walkers, visits, busy;
  };
  std::vector<char> common;
  std::vector<Walker> batch;  // swapped with ready_ each superstep, so both keep their capacity
  for (;;) {
    batch.clear();
    batch.swap(ready_);
    step_all(batch);

    bool busy = !parked_.empty() || !ready_.empty();  // ready: a local exact step resumed a walker
    for (std::size_t r = 0; r < world_; ++r) busy = busy || walker_counts_[r] > 0 || !visits_[r].empty();
    std::vector<std::string> outgoing(world_);
    for (std::size_t r = 0; r < world_; ++r) {
      Outbox out;
      out.put(Header{walker_counts_[r], static_cast<std::uint32_t>(visits_[r].size()), busy ? 1u : 0u});
      out.put_array(visits_[r].data(), visits_[r].size());
      std::string walkers = walkers_[r].take(), queries = queries_[r].take();
      std::string& message = outgoing[r] = out.take();
      message.reserve(message.size() + walkers.size() + queries.size());
      message.append(walkers).append(queries);
      walker_counts_[r] = 0;
      visits_[r].clear();
    }
    std::vector<std::string> incoming = exchange(std::move(outgoing));
    ++stats_.supersteps;

    std::vector<std::string> answers(world_);
    bool anyone_busy = false;
    for (std::size_t from = 0; from < world_; ++from) {
      Inbox in(incoming[from]);
      const auto header = in.get<Header>();
      anyone_busy = anyone_busy || header.busy != 0;
      for (std::uint32_t k = 0; k < header.visits; ++k) place(in.get<Visit>());
      Walker arrived{{Rng(0), 0, 0, 0, 0.0f, 0}, 0, 0, 0};
      for (std::uint32_t k = 0; k < header.walkers; ++k) {
        in.get(arrived.t);
        arrived.writer = static_cast<std::uint32_t>(writer_of(arrived.t.walk));
        ready_.push_back(arrived);
      }
      answers[from] = answer_tests(in, static_cast<int>(from));
    }
    if (!anyone_busy) return;

    std::vector<Walker> waiting;
    waiting.swap(parked_);
    incoming = exchange(std::move(answers));
    for (std::size_t from = 0; from < world_; ++from) {
      Inbox in(incoming[from]);
      while (!in.done()) {
        const auto ticket = in.get<std::uint32_t>();
        const auto count = in.get<std::uint32_t>();
        common.resize(count);
        in.get_array(common.data(), count);
        if (ticket >= waiting.size()) throw Error("another rank answered a neighbour test that was not asked");
        resume(waiting[ticket], common.data(), count);
      }
    }
  }
}

Walks ShardWalker::run(Progress* progress) {
  per_round_ = shard_.starts.size();
  total_ = per_round_ * static_cast<std::uint64_t>(options_.num_walks);
  const int rank = transport_.rank(), world = static_cast<int>(world_);
  block_ = walk_shard(total_, rank, world);
  for (int r = 0; r < world; ++r) block_starts_.push_back(walk_shard(total_, r, world).first);
  const std::uint64_t mine = block_.last - block_.first;
  check_fits_in_memory("walking", static_cast<double>(mine) * (static_cast<double>(steps_) * sizeof(NodeId) + 8),
                       format_double(static_cast<double>(mine)) + " walks of " + std::to_string(steps_) + " nodes",
                       "walk.num_walks or walk.num_steps");
  slots_.assign(mine * steps_, kNoNode);
  lengths_.assign(mine, 0);

  const std::uint64_t batch = kBatchWalksPerRank * world_;
  for (std::uint64_t first = 0; first < total_; first += batch) {
    const std::uint64_t last = std::min(total_, first + batch);
    for (std::uint64_t walk = first; walk < last; ++walk) start(walk);
    superstep_loop();
    if (progress) progress->advance((last - first) / world_ + (static_cast<std::uint64_t>(rank) < (last - first) % world_));
  }

  Walks walks;
  walks.offsets.assign(mine + 1, 0);
  std::uint64_t end = 0;
  for (std::uint64_t k = 0; k < mine; ++k) {
    if (end != k * steps_) std::memmove(slots_.data() + end, slots_.data() + k * steps_, lengths_[k] * sizeof(NodeId));
    end += lengths_[k];
    walks.offsets[k + 1] = end;
  }
  slots_.resize(end);
  slots_.shrink_to_fit();
  walks.nodes = std::move(slots_);
  return walks;
}

}  // namespace

Walks gather_walks_at(Transport& transport, const Walks& mine, int root) {
  std::vector<std::string> outgoing(static_cast<std::size_t>(transport.world_size()));
  Outbox out;
  out.put(static_cast<std::uint64_t>(mine.size()));
  for (std::size_t i = 0; i < mine.size(); ++i) out.put(static_cast<std::uint64_t>(mine.length(i)));
  out.put_array(mine.nodes.data(), mine.nodes.size());
  outgoing[static_cast<std::size_t>(root)] = out.take();
  const std::vector<std::string> incoming = transport.all_to_all(outgoing);
  Walks all;
  if (transport.rank() != root) return all;
  for (const std::string& bytes : incoming) {
    Inbox in(bytes);
    const auto count = in.get<std::uint64_t>();
    const std::uint64_t base = all.nodes.size();
    std::uint64_t end = base;
    for (std::uint64_t i = 0; i < count; ++i) all.offsets.push_back(end += in.get<std::uint64_t>());
    all.nodes.resize(end);
    in.get_array(all.nodes.data() + base, end - base);
  }
  return all;
}

Walks walk_sharded(const GraphShard& shard, const WalkOptions& options, Transport& transport, ShardWalkStats* stats,
                   Progress* progress) {
  if (options.num_walks < 0 || options.num_steps < 1) {
    throw UsageError("walk.num_walks must be >= 0 and walk.num_steps >= 1 (got " + std::to_string(options.num_walks) +
                     " and " + std::to_string(options.num_steps) + ")");
  }
  if (transport.rank() != shard.rank || transport.world_size() != shard.world_size) {
    throw UsageError("the graph shard is rank " + std::to_string(shard.rank) + " of " +
                     std::to_string(shard.world_size) + ", the transport rank " + std::to_string(transport.rank()) +
                     " of " + std::to_string(transport.world_size()));
  }
  ShardWalkStats local;
  ShardWalker walker(shard, options, transport, stats ? *stats : local);
  return walker.run(progress);
}

}  // namespace n2v
