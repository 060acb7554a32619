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

namespace n2v {
namespace {

// Walks in flight per rank and batch: enough to fill each superstep's messages, few enough that
// a batch's visits (16 bytes a step) stay small.
constexpr std::uint64_t kBatchWalksPerRank = 32768;

struct Walker {
  Rng rng;
  std::uint64_t walk;  // global index
  NodeId previous, current;
  float back;  // w(current, previous): the weight just walked (undirected), looked up (directed)
  std::uint32_t length;  // nodes so far, start included
  std::uint32_t trials;  // rejections at this step
  std::uint32_t arc;  // the proposal waiting for a neighbour test on another rank
  std::uint32_t writer;  // the rank whose block of walks.txt holds this walk
  std::uint32_t unused = 0;
};
static_assert(std::is_trivially_copyable_v<Walker>, "walkers travel as bytes");

// One node of one walk, sent to the rank that writes the walk.
struct Visit {
  std::uint64_t walk;
  std::uint32_t position;
  NodeId node;
};

// The messages to one rank, appended as raw bytes.
class Outbox {
 public:
  template <typename T>
  void put(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    bytes_.append(reinterpret_cast<const char*>(&value), sizeof(T));
  }
  template <typename T>
  void put_array(const T* values, std::size_t count) {
    bytes_.append(reinterpret_cast<const char*>(values), count * sizeof(T));
  }
  std::string take() { return std::move(bytes_); }
  bool empty() const { return bytes_.empty(); }

 private:
  std::string bytes_;
};

class Inbox {
 public:
  explicit Inbox(const std::string& bytes) : bytes_(bytes) {}
  bool done() const { return position_ == bytes_.size(); }
  template <typename T>
  T get() {
    T value;
    take(&value, sizeof(T));
    return value;
  }
  template <typename T>
  void get(T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    take(&value, sizeof(T));
  }
  template <typename T>
  void get_array(T* values, std::size_t count) {
    take(values, count * sizeof(T));
  }

 private:
  void take(void* out, std::size_t size) {
    if (bytes_.size() - position_ < size) throw Error("a walk message from another rank is cut short");
    std::memcpy(out, bytes_.data() + position_, size);
    position_ += size;
  }
  const std::string& bytes_;
  std::size_t position_ = 0;
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
  void step(Walker w);  // as far as the walker goes on this rank
  bool second_order_step(Walker& w, NodeId& next, float& weight);  // false: parked
  void exact_step(Walker& w);  // parks the walker or takes the step
  bool move(Walker& w, NodeId next, float weight);  // false: the walker finished or left
  void park(const Walker& w, const NodeId* candidates, std::size_t count);
  void resume(Walker w, const char* common, std::size_t count);

  void superstep_loop();
  void deliver_visits();
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
  std::vector<NodeId> slots_;  // num_steps per walk of the block
  std::vector<std::uint64_t> lengths_;
};

int ShardWalker::writer_of(std::uint64_t walk) const {
  const auto world = static_cast<int>(world_);
  int r = static_cast<int>(static_cast<unsigned __int128>(walk) * world / total_);
  while (r + 1 < world && walk_shard(total_, r + 1, world).first <= walk) ++r;
  while (r > 0 && walk_shard(total_, r, world).first > walk) --r;
  return r;
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
  Walker w{Rng::for_item(options_.seed, RngStream::Walk, walk), walk, kNoNode, start_of(walk), 0.0f, 1, 0, 0, 0};
  if (owner(w.current) != transport_.rank()) return;  // the start's owner starts the walk
  w.writer = static_cast<std::uint32_t>(writer_of(walk));
  visits_[w.writer].push_back({walk, 0, w.current});
  if (steps_ >= 2) step(w);
}

bool ShardWalker::move(Walker& w, NodeId next, float weight) {
  visits_[w.writer].push_back({w.walk, w.length, next});
  ++w.length;
  ++stats_.steps;
  w.previous = w.current;
  w.current = next;
  w.back = shard_.directed ? 0.0f : weight;
  w.trials = 0;
  if (w.length == steps_) return false;
  if (owner(next) != transport_.rank()) {
    const auto to = static_cast<std::size_t>(owner(next));
    walkers_[to].put(w);
    ++walker_counts_[to];
    ++stats_.walkers_sent;
    return false;
  }
  return true;
}

void ShardWalker::park(const Walker& w, const NodeId* candidates, std::size_t count) {
  Outbox& out = queries_[static_cast<std::size_t>(owner(w.previous))];
  out.put(static_cast<std::uint32_t>(parked_.size()));
  out.put(w.previous);
  out.put(static_cast<std::uint32_t>(count));
  out.put_array(candidates, count);
  parked_.push_back(w);
  ++stats_.queries_sent;
}

// The exact scan over current's arcs; the common neighbours come from previous's owner.
void ShardWalker::exact_step(Walker& w) {
  const NodeId* neighbors = shard_.neighbors(w.current);
  const std::size_t degree = shard_.degree(w.current);
  if (owner(w.previous) != transport_.rank()) {
    park(w, neighbors, degree);
    return;
  }
  std::vector<char> common(degree);
  for (std::size_t i = 0; i < degree; ++i) {
    common[i] = contains_sorted(shard_.neighbors(w.previous), shard_.degree(w.previous), neighbors[i]);
  }
  resume(w, common.data(), degree);
}

// WalkSampler's second-order step, trial by trial with the same draws, until a node is chosen
// or the neighbour test must ask another rank.
bool ShardWalker::second_order_step(Walker& w, NodeId& next, float& weight) {
  const NodeId row = shard_.row(w.current);
  const NodeId* neighbors = shard_.rows.neighbors(row);
  const float* weights = shard_.rows.weights(row);
  if (w.trials == 0 && shard_.directed && rule_.return_extra > 0) {
    w.back = shard_.rows.weight(row, w.previous);
  }
  for (;;) {
    const double extra = rule_.return_extra * w.back;
    if (extra > 0 && w.rng.uniform() * (rule_.bound * sampler_.total_weight(row) + extra) < extra) {
      next = w.previous;
      weight = w.back;
      return true;
    }
    const std::uint32_t arc = sampler_.draw_arc(row, w.rng);
    const NodeId x = neighbors[arc];
    const double u = w.rng.uniform();
    bool accept;
    if (x == w.previous) {
      accept = u < rule_.return_accept;
    } else if (u < rule_.low_accept) {
      accept = true;
    } else if (owner(w.previous) == transport_.rank()) {
      accept = contains_sorted(shard_.neighbors(w.previous), shard_.degree(w.previous), x) == rule_.common_is_high;
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

void ShardWalker::step(Walker w) {
  for (;;) {
    const NodeId row = shard_.row(w.current);
    if (!(sampler_.total_weight(row) > 0)) return;  // a sink: the walk ends here
    NodeId next;
    float weight;
    if (rule_.first_order || w.length == 1) {
      const std::uint32_t arc = sampler_.draw_arc(row, w.rng);
      next = shard_.rows.neighbors(row)[arc];
      weight = shard_.rows.weights(row)[arc];
    } else if (!second_order_step(w, next, weight)) {
      return;
    }
    if (!move(w, next, weight)) return;
  }
}

// The answer to a parked walker's test: common[i] for its one proposal (count 1) or for every arc
// of current (the exact scan).
void ShardWalker::resume(Walker w, const char* common, std::size_t count) {
  const NodeId row = shard_.row(w.current);
  const NodeId* neighbors = shard_.rows.neighbors(row);
  const float* weights = shard_.rows.weights(row);
  if (w.trials == kMaxRejections) {
    if (count != shard_.rows.degree(row)) throw Error("a walk's exact step got a short answer from another rank");
    std::uint32_t arc = exact_pick(rule_, neighbors, weights, count, w.previous, common, w.rng);
    if (arc == kNoArc) arc = sampler_.draw_arc(row, w.rng);  // every mass underflowed
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

void ShardWalker::superstep_loop() {
  for (;;) {
    std::vector<Walker> batch;
    batch.swap(ready_);
    for (const Walker& w : batch) step(w);

    // Walkers that leave and neighbour tests, then the answers.
    std::vector<std::string> outgoing(world_);
    for (std::size_t r = 0; r < world_; ++r) {
      Outbox out;
      out.put(walker_counts_[r]);
      std::string walkers = walkers_[r].take(), queries = queries_[r].take();
      outgoing[r] = out.take() + walkers + queries;
      walker_counts_[r] = 0;
    }
    std::vector<std::string> incoming = exchange(std::move(outgoing));
    std::vector<std::string> answers(world_);
    std::vector<char> common;
    for (std::size_t from = 0; from < world_; ++from) {
      Inbox in(incoming[from]);
      if (in.done()) continue;
      const auto walkers = in.get<std::uint32_t>();
      Walker arrived{Rng(0), 0, 0, 0, 0.0f, 0, 0, 0, 0};
      for (std::uint32_t k = 0; k < walkers; ++k) {
        in.get(arrived);
        ready_.push_back(arrived);
      }
      Outbox reply;
      std::vector<NodeId> candidates;
      while (!in.done()) {
        const auto ticket = in.get<std::uint32_t>();
        const auto previous = in.get<NodeId>();
        const auto count = in.get<std::uint32_t>();
        if (previous >= shard_.num_nodes() || owner(previous) != transport_.rank()) {
          throw Error("rank " + std::to_string(from) + " asked about a node this rank does not own");
        }
        candidates.resize(count);
        in.get_array(candidates.data(), count);
        common.resize(count);
        for (std::uint32_t i = 0; i < count; ++i) {
          common[i] = contains_sorted(shard_.neighbors(previous), shard_.degree(previous), candidates[i]);
        }
        reply.put(ticket);
        reply.put(count);
        reply.put_array(common.data(), count);
      }
      answers[from] = reply.take();
    }
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
    ++stats_.supersteps;

    std::uint64_t active = ready_.size() + parked_.size();
    for (std::uint32_t count : walker_counts_) active += count;
    const auto begin = Clock::now();
    transport_.allreduce_sum(&active, 1);
    stats_.exchange_seconds += std::chrono::duration<double>(Clock::now() - begin).count();
    if (active == 0) return;
  }
}

// The batch's visits go to the ranks that write their walks.
void ShardWalker::deliver_visits() {
  std::vector<std::string> outgoing(world_);
  for (std::size_t r = 0; r < world_; ++r) {
    Outbox out;
    out.put_array(visits_[r].data(), visits_[r].size());
    outgoing[r] = out.take();
    visits_[r].clear();
  }
  std::vector<std::string> incoming = exchange(std::move(outgoing));
  for (const std::string& bytes : incoming) {
    Inbox in(bytes);
    while (!in.done()) {
      const auto visit = in.get<Visit>();
      if (visit.walk < block_.first || visit.walk >= block_.last || visit.position >= steps_) {
        throw Error("another rank sent a step of a walk this rank does not write");
      }
      const std::uint64_t k = visit.walk - block_.first;
      slots_[k * steps_ + visit.position] = visit.node;
      lengths_[k] = std::max<std::uint64_t>(lengths_[k], visit.position + 1);
    }
  }
}

Walks ShardWalker::run(Progress* progress) {
  per_round_ = shard_.starts.size();
  total_ = per_round_ * static_cast<std::uint64_t>(options_.num_walks);
  const int rank = transport_.rank(), world = static_cast<int>(world_);
  block_ = walk_shard(total_, rank, world);
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
    deliver_visits();
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
