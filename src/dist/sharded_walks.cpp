#include "dist/sharded_walks.h"

#include <algorithm>
#include <chrono>
#include <cstddef>
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
// its size, and each superstep waits for the slowest rank, so batches are large; a walker in
// flight holds 88 bytes. A batch's steps are numbered in 32 bits (Visit::slot).
constexpr std::uint64_t kBatchWalksPerRank = std::uint64_t{1} << 20;

// What travels to the rank that owns the walker's next node: the first kTravellerBytes bytes.
struct Traveller {
  Rng rng{0};
  std::uint32_t walk;  // index within the batch
  NodeId previous, current;
  float back;  // w(current, previous): the weight just walked (undirected), looked up (directed)
  std::uint32_t length;  // nodes so far, start included
};
constexpr std::size_t kTravellerBytes = offsetof(Traveller, length) + sizeof(std::uint32_t);
static_assert(std::is_trivially_copyable_v<Traveller> && kTravellerBytes == 52, "walkers travel as 52 bytes");

// On an undirected graph, "is x a neighbour of t?" is "is t a neighbour of x?", which x's owner
// can answer too. So a proposal x that needs the test, when t lives elsewhere, is tested here when
// x lives here, and otherwise travels with the walker to x's owner, which tests it and takes the
// step (where the walker would go next anyway), or sends the walker back for another trial.
// The walker's travelling bytes and these, 64 bytes.
struct Proposal {
  NodeId node;  // the proposed next node, owned by the receiver; kNoNode: a rejected walker coming back
  float weight;  // w(current, node)
  std::uint32_t trials;  // rejections at this step, this one included when it comes back
};

// A walker on this rank: what travels, and its state within a step.
struct Walker {
  Traveller t;
  std::uint32_t trials;  // rejections at this step
  std::uint32_t writer;  // the rank whose block of walks.txt holds this walk
  NodeId previous_row;  // previous's row on this rank; kNoNode when another rank owns it
  std::uint32_t arc;  // kAwaiting / kAnswered*: the proposal's arc in current's row
  NodeId proposal;  // kProposed: the proposed next node, to test here or at its owner
  float proposal_weight;
  enum class Pending : std::uint32_t {
    kNone,
    kAwaiting,  // parked: a neighbour test about `arc` is asked of previous's owner (directed graphs)
    kAnsweredCommon,  // the answer came: arc's node is a neighbour of previous
    kAnsweredNotCommon,
    kProposed,  // `proposal` needs the test against previous, by the proposal's row
  } pending;
};
static_assert(sizeof(Walker) == 88, "a walker in flight holds 88 bytes");

// Where a node's row is: its row here, or kElsewhere | its owner. One 4-byte lookup a step, where
// GraphShard's owner and row_of would be two cache misses.
constexpr std::uint32_t kElsewhere = std::uint32_t{1} << 31;

// A walker being stepped. A step is a chain of dependent cache misses (where the node's row is;
// the row's offsets; the alias entry and neighbour drawn; the previous node's list), so each lane
// does one link a visit and prefetches the next, and the other lanes' work hides the wait, as
// WalkSampler::walk_many does in one process.
enum class Stage : std::uint8_t {
  kLocate,  // read where current's row is: here, or send the walker on
  kPropose,  // start a trial: the return atom's coin, or draw a bucket of current's alias table
  kResolve,  // pick the drawn arc and accept or reject it
  kFetchAnswered,  // an answered test: fetch the proposal's neighbour and weight
  kAnswered,  // take or reject the answered proposal
  kLocateProposal,  // read where the proposal's row is: here, or send the walker there
  kFetchProposal,  // fetch the top of the proposal's list
  kTestProposal,  // is previous a neighbour of the proposal? take or reject it
};
struct Lane {
  Walker w;
  Stage stage;
  NodeId row;  // current's row (after kLocate); kNoNode for a proposal that came from current's owner
  NodeId proposal_row;
  WalkSampler::ArcDraw arc;  // the trial's draw (kResolve) or the answered proposal's place (kAnswered)
};

// One node of one walk, sent to the rank that writes the walk.
struct Visit {
  std::uint32_t slot;  // the walk's index within the batch * num_steps + the node's position
  NodeId node;
};

// One rank's part of the walks.
class ShardWalker {
 public:
  ShardWalker(const GraphShard& shard, const WalkOptions& options, Transport& transport, ShardWalkStats& stats);

  Walks run(Progress* progress);

 private:
  using Clock = std::chrono::steady_clock;

  int writer_of(std::uint64_t walk) const;
  NodeId start_of(std::uint64_t walk);

  void start(std::uint64_t walk);
  void step_all(const std::vector<Walker>& walkers);
  // One link of a lane's step; false when the walker finished, left for another rank or waits
  // for a neighbour test's answer.
  bool advance(Lane& lane);
  bool propose(Lane& lane);
  bool resolve(Lane& lane);
  bool reject(Lane& lane);
  bool exact_step(Lane& lane);  // false: parked
  // The exact scan's step given, for each of current's arcs, whether it leads to a neighbour of previous.
  bool exact_move(Lane& lane, const char* common);
  bool test_proposal(Lane& lane);
  // Takes the step to `next`; next_row is its row when known to be here.
  bool move(Lane& lane, NodeId next, float weight, NodeId next_row = kNoNode);
  void send(const Walker& w, std::uint32_t to);
  void send_proposal(const Walker& w, NodeId node, std::uint32_t to);
  void arrive(const Traveller& t, const Proposal& proposal);
  void park(const Walker& w, const NodeId* candidates, std::size_t count);
  void take_answer(Walker w, const char* common, std::size_t count);

  std::string answer_tests(Inbox& in, int from);
  void record(const Visit& visit, std::uint32_t writer);
  void place(const Visit& visit);
  void superstep_loop();
  void exchange(const std::vector<std::string>& outgoing);  // into incoming_

  const GraphShard& shard_;
  WalkSampler sampler_;
  const TransitionRule& rule_;
  WalkOptions options_;
  std::uint32_t steps_;
  Transport& transport_;
  ShardWalkStats& stats_;
  std::size_t world_;
  std::vector<std::uint32_t> location_;  // per node: its row here, or kElsewhere | owner
  const NodeId* neighbors_;  // shard_.rows' arrays
  const float* weights_;

  std::vector<Walker> ready_, parked_;
  std::vector<Outbox> walkers_, proposals_, queries_;  // per destination rank
  std::vector<std::uint32_t> walker_counts_, proposal_counts_;
  std::vector<std::vector<Visit>> visits_;  // per writer rank
  std::vector<std::string> outgoing_, answers_, incoming_;  // a superstep's messages, their memory kept

  std::uint64_t total_ = 0, per_round_ = 0;
  std::uint64_t round_ = ~std::uint64_t{0};
  std::vector<NodeId> round_order_;
  WalkRange block_;  // the walks this rank writes
  std::vector<std::uint64_t> block_starts_;  // every rank's first walk
  std::vector<NodeId> slots_;  // num_steps per walk of the block; kNoNode after a walk's end
  std::uint64_t batch_first_ = 0;  // the batch's first walk
  std::int64_t slot_base_ = 0;  // where the batch's slot 0 would be in slots_
};

ShardWalker::ShardWalker(const GraphShard& shard, const WalkOptions& options, Transport& transport,
                         ShardWalkStats& stats)
    : shard_(shard),
      sampler_(shard.rows, options.p, options.q),
      rule_(sampler_.rule()),
      options_(options),
      steps_(static_cast<std::uint32_t>(options.num_steps)),
      transport_(transport),
      stats_(stats),
      world_(static_cast<std::size_t>(transport.world_size())),
      neighbors_(shard.rows.neighbor_array().data()),
      weights_(shard.rows.weight_array().data()),
      walkers_(world_),
      proposals_(world_),
      queries_(world_),
      walker_counts_(world_, 0),
      proposal_counts_(world_, 0),
      visits_(world_) {
  if (shard.rows.num_nodes() >= kElsewhere) throw UsageError("a rank owns too many nodes for 31-bit rows");
  location_.resize(shard.num_nodes());
  for (NodeId v = 0; v < shard.num_nodes(); ++v) {
    location_[v] = shard.owns(v) ? shard.row(v) : kElsewhere | shard.owner[v];
  }
}

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
  const auto in_batch = static_cast<std::uint32_t>(walk - batch_first_);
  Walker w{{Rng::for_item(options_.seed, RngStream::Walk, walk), in_batch, kNoNode, start_of(walk), 0.0f, 1},
           0, 0, kNoNode, 0, kNoNode, 0.0f, Walker::Pending::kNone};
  if (!shard_.owns(w.t.current)) return;  // the start's owner starts the walk
  w.writer = static_cast<std::uint32_t>(writer_of(walk));
  record({in_batch * steps_, w.t.current}, w.writer);
  if (steps_ >= 2) ready_.push_back(w);
}

void ShardWalker::send(const Walker& w, std::uint32_t to) {
  walkers_[to].put_array(reinterpret_cast<const char*>(&w.t), kTravellerBytes);
  ++walker_counts_[to];
  ++stats_.walkers_sent;
}

void ShardWalker::send_proposal(const Walker& w, NodeId node, std::uint32_t to) {
  proposals_[to].put_array(reinterpret_cast<const char*>(&w.t), kTravellerBytes);
  proposals_[to].put(Proposal{node, w.proposal_weight, w.trials});
  ++proposal_counts_[to];
  ++stats_.walkers_sent;
  if (node != kNoNode) ++stats_.proposals_sent;
}

// A walker from another rank: moved here, with a proposal to test here, or back from its proposal's
// owner. Its previous node lives elsewhere (on the sender, or where it was before).
void ShardWalker::arrive(const Traveller& t, const Proposal& proposal) {
  Walker w{t, proposal.trials, static_cast<std::uint32_t>(writer_of(batch_first_ + t.walk)), kNoNode, 0,
           proposal.node, proposal.weight, Walker::Pending::kNone};
  if (proposal.node != kNoNode) {
    if (proposal.node >= location_.size()) throw Error("another rank sent a proposal of a node that does not exist");
    w.pending = Walker::Pending::kProposed;  // that this rank owns it is checked when its place is read
  }
  ready_.push_back(w);
}

bool ShardWalker::move(Lane& lane, NodeId next, float weight, NodeId next_row) {
  Walker& w = lane.w;
  record({w.t.walk * steps_ + w.t.length, next}, w.writer);
  ++w.t.length;
  ++stats_.steps;
  w.t.previous = w.t.current;
  w.previous_row = lane.row;
  w.t.current = next;
  w.t.back = shard_.directed ? 0.0f : weight;
  w.trials = 0;
  if (w.t.length == steps_) return false;
  if (!rule_.first_order && lane.row != kNoNode) sampler_.prefetch_neighbors(lane.row);
  if (next_row != kNoNode) {
    lane.row = next_row;
    sampler_.prefetch_row(next_row);
    lane.stage = Stage::kPropose;
  } else {
    __builtin_prefetch(location_.data() + next);
    lane.stage = Stage::kLocate;
  }
  return true;
}

void ShardWalker::park(const Walker& w, const NodeId* candidates, std::size_t count) {
  Outbox& out = queries_[shard_.owner[w.t.previous]];
  out.put(static_cast<std::uint32_t>(parked_.size()));
  out.put(w.t.previous);
  out.put(static_cast<std::uint32_t>(count));
  out.put_array(candidates, count);
  parked_.push_back(w);
  ++stats_.queries_sent;
}

bool ShardWalker::advance(Lane& lane) {
  Walker& w = lane.w;
  switch (lane.stage) {
    case Stage::kLocate: {
      const std::uint32_t location = location_[w.t.current];
      if (location & kElsewhere) {
        send(w, location & ~kElsewhere);
        return false;
      }
      lane.row = location;
      sampler_.prefetch_row(location);
      lane.stage = w.pending == Walker::Pending::kNone ? Stage::kPropose : Stage::kFetchAnswered;
      return true;
    }
    case Stage::kPropose:
      return propose(lane);
    case Stage::kResolve:
      return resolve(lane);
    case Stage::kFetchAnswered:
      lane.arc.begin = shard_.rows.begin(lane.row);
      __builtin_prefetch(neighbors_ + lane.arc.begin + w.arc);
      __builtin_prefetch(weights_ + lane.arc.begin + w.arc);
      lane.stage = Stage::kAnswered;
      return true;
    case Stage::kAnswered: {
      const bool common = w.pending == Walker::Pending::kAnsweredCommon;
      w.pending = Walker::Pending::kNone;
      const std::uint64_t arc = lane.arc.begin + w.arc;
      if (common == rule_.common_is_high) return move(lane, neighbors_[arc], weights_[arc]);
      return reject(lane);
    }
    case Stage::kLocateProposal: {
      const std::uint32_t location = location_[w.proposal];
      if (location & kElsewhere) {
        if (lane.row == kNoNode) throw Error("another rank sent a proposal of a node this rank does not own");
        send_proposal(w, w.proposal, location & ~kElsewhere);
        return false;
      }
      lane.proposal_row = location;
      __builtin_prefetch(shard_.rows.offsets().data() + location);
      lane.stage = Stage::kFetchProposal;
      return true;
    }
    case Stage::kFetchProposal:
      sampler_.prefetch_neighbors(lane.proposal_row);
      lane.stage = Stage::kTestProposal;
      return true;
    case Stage::kTestProposal:
      return test_proposal(lane);
  }
  return false;
}

bool ShardWalker::test_proposal(Lane& lane) {
  Walker& w = lane.w;
  w.pending = Walker::Pending::kNone;
  const bool common =
      contains_sorted(shard_.rows.neighbors(lane.proposal_row), shard_.rows.degree(lane.proposal_row), w.t.previous);
  if (common == rule_.common_is_high) return move(lane, w.proposal, w.proposal_weight, lane.proposal_row);
  if (lane.row != kNoNode) return reject(lane);
  // Rejected at the proposal's owner: the next trial is drawn by current's owner.
  ++w.trials;
  ++stats_.proposals_rejected;
  send_proposal(w, kNoNode, shard_.owner[w.t.current]);
  return false;
}

// A trial of WalkSampler's second-order step (or the first-order draw), with the same draws.
bool ShardWalker::propose(Lane& lane) {
  Walker& w = lane.w;
  const NodeId row = lane.row;
  const double total = sampler_.total_weight(row);
  if (!(total > 0)) return false;  // a sink: the walk ends here
  if (w.trials == kMaxRejections) return exact_step(lane);  // rejected for the last time at the proposal's owner
  if (!rule_.first_order && w.t.length > 1) {
    if (w.trials == 0 && shard_.directed && rule_.return_extra > 0) w.t.back = shard_.rows.weight(row, w.t.previous);
    const double extra = rule_.return_extra * w.t.back;
    if (extra > 0 && w.t.rng.uniform() * (rule_.bound * total + extra) < extra) return move(lane, w.t.previous, w.t.back);
  }
  lane.arc = sampler_.start_arc(row, w.t.rng);
  __builtin_prefetch(weights_ + lane.arc.begin + lane.arc.draw.bucket);
  lane.stage = Stage::kResolve;
  return true;
}

bool ShardWalker::resolve(Lane& lane) {
  Walker& w = lane.w;
  const std::uint32_t i = sampler_.finish_arc(lane.arc);
  const NodeId x = neighbors_[lane.arc.begin + i];
  if (rule_.first_order || w.t.length == 1) return move(lane, x, weights_[lane.arc.begin + i]);
  const double u = w.t.rng.uniform();
  bool accept;
  if (x == w.t.previous) {
    accept = u < rule_.return_accept;
  } else if (u < rule_.low_accept) {
    accept = true;
  } else if (w.previous_row != kNoNode) {
    accept = contains_sorted(shard_.rows.neighbors(w.previous_row), shard_.rows.degree(w.previous_row), x) ==
             rule_.common_is_high;
  } else if (!shard_.directed) {  // the test can go to either end
    w.proposal = x;
    w.proposal_weight = weights_[lane.arc.begin + i];
    w.pending = Walker::Pending::kProposed;
    __builtin_prefetch(location_.data() + x);
    lane.stage = Stage::kLocateProposal;
    return true;
  } else {
    w.arc = i;
    w.pending = Walker::Pending::kAwaiting;
    park(w, &x, 1);
    return false;
  }
  return accept ? move(lane, x, weights_[lane.arc.begin + i]) : reject(lane);
}

bool ShardWalker::reject(Lane& lane) {
  if (++lane.w.trials == kMaxRejections) return exact_step(lane);
  lane.stage = Stage::kPropose;
  return true;
}

// The exact scan over current's arcs; the common neighbours come from previous's owner when
// previous lives elsewhere.
bool ShardWalker::exact_step(Lane& lane) {
  Walker& w = lane.w;
  const NodeId* neighbors = shard_.rows.neighbors(lane.row);
  const std::size_t degree = shard_.rows.degree(lane.row);
  if (w.previous_row == kNoNode) {
    park(w, neighbors, degree);
    return false;
  }
  std::vector<char> common(degree);
  for (std::size_t i = 0; i < degree; ++i) {
    common[i] = contains_sorted(shard_.rows.neighbors(w.previous_row), shard_.rows.degree(w.previous_row), neighbors[i]);
  }
  return exact_move(lane, common.data());
}

bool ShardWalker::exact_move(Lane& lane, const char* common) {
  const NodeId* neighbors = shard_.rows.neighbors(lane.row);
  const float* weights = shard_.rows.weights(lane.row);
  std::uint32_t arc = exact_pick(rule_, neighbors, weights, shard_.rows.degree(lane.row), lane.w.t.previous, common,
                                 lane.w.t.rng);
  if (arc == kNoArc) arc = sampler_.draw_arc(lane.row, lane.w.t.rng);  // every mass underflowed
  return move(lane, neighbors[arc], weights[arc]);
}

// The walkers step in lanes, one link of a step per visit (see Lane).
void ShardWalker::step_all(const std::vector<Walker>& walkers) {
  constexpr std::size_t kLanes = 16;
  Lane lanes[kLanes];
  std::size_t active = 0, next = 0;
  auto refill = [&](Lane& lane) {
    if (next == walkers.size()) return false;
    lane.w = walkers[next++];
    if (lane.w.pending == Walker::Pending::kProposed) {
      lane.row = kNoNode;
      lane.stage = Stage::kLocateProposal;
      __builtin_prefetch(location_.data() + lane.w.proposal);
    } else {
      lane.stage = Stage::kLocate;
      __builtin_prefetch(location_.data() + lane.w.t.current);
    }
    return true;
  };
  while (active < kLanes && refill(lanes[active])) ++active;
  while (active > 0) {
    for (std::size_t l = 0; l < active;) {
      if (advance(lanes[l]) || refill(lanes[l])) {
        ++l;
      } else {
        lanes[l] = lanes[--active];  // the moved lane takes this slot's turn
      }
    }
  }
}

// A parked walker's answer: for its one proposal, it goes back to the lanes with it; for the
// exact scan (every arc of current, rare), the step is taken here.
void ShardWalker::take_answer(Walker w, const char* common, std::size_t count) {
  if (w.trials != kMaxRejections) {
    w.pending = common[0] != 0 ? Walker::Pending::kAnsweredCommon : Walker::Pending::kAnsweredNotCommon;
    ready_.push_back(w);
    return;
  }
  Lane lane{w, Stage::kLocate, location_[w.t.current], kNoNode, {}};
  if (count != shard_.rows.degree(lane.row)) throw Error("a walk's exact step got a short answer from another rank");
  if (exact_move(lane, common)) ready_.push_back(lane.w);
}

void ShardWalker::exchange(const std::vector<std::string>& outgoing) {
  for (std::size_t r = 0; r < world_; ++r) {
    if (static_cast<int>(r) != transport_.rank()) stats_.bytes_sent += outgoing[r].size();
  }
  const auto begin = Clock::now();
  transport_.all_to_all(outgoing, incoming_);
  stats_.exchange_seconds += std::chrono::duration<double>(Clock::now() - begin).count();
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
  const std::int64_t slot = slot_base_ + visit.slot;
  if (slot < 0 || static_cast<std::uint64_t>(slot) >= slots_.size()) {
    throw Error("another rank sent a step of a walk this rank does not write");
  }
  slots_[static_cast<std::uint64_t>(slot)] = visit.node;
}

// Supersteps until no rank has a walker left. Each is one or two exchanges: (1) the walkers that
// leave (with or without a proposal), the nodes walked for the ranks that write them and the
// neighbour tests, with a header saying whether the sender has anything in flight and whether it
// asked any rank a test (every rank sees every header, so all stop at the same superstep and all
// agree whether there is a second exchange); (2) the tests' answers, when any were asked.
void ShardWalker::superstep_loop() {
  struct Header {
    std::uint32_t walkers, proposals, visits, busy, asked;
  };
  std::vector<char> common;
  std::vector<Walker> batch;  // swapped with ready_ each superstep, so both keep their capacity
  for (;;) {
    batch.clear();
    batch.swap(ready_);
    step_all(batch);

    bool busy = !parked_.empty() || !ready_.empty();  // ready: a local exact step resumed a walker
    for (std::size_t r = 0; r < world_; ++r) {
      busy = busy || walker_counts_[r] > 0 || proposal_counts_[r] > 0 || !visits_[r].empty();
    }
    const bool asked = !parked_.empty();
    outgoing_.resize(world_);
    for (std::size_t r = 0; r < world_; ++r) {
      const Header header{walker_counts_[r], proposal_counts_[r], static_cast<std::uint32_t>(visits_[r].size()),
                          busy ? 1u : 0u, asked ? 1u : 0u};
      std::string& message = outgoing_[r];
      message.assign(reinterpret_cast<const char*>(&header), sizeof header);
      message.append(reinterpret_cast<const char*>(visits_[r].data()), visits_[r].size() * sizeof(Visit));
      message.append(walkers_[r].bytes()).append(proposals_[r].bytes()).append(queries_[r].bytes());
      walkers_[r].clear();
      proposals_[r].clear();
      queries_[r].clear();
      walker_counts_[r] = proposal_counts_[r] = 0;
      visits_[r].clear();
    }
    exchange(outgoing_);
    ++stats_.supersteps;

    answers_.resize(world_);
    bool anyone_busy = false, anyone_asked = false;
    for (std::size_t from = 0; from < world_; ++from) {
      Inbox in(incoming_[from]);
      const auto header = in.get<Header>();
      anyone_busy = anyone_busy || header.busy != 0;
      anyone_asked = anyone_asked || header.asked != 0;
      for (std::uint32_t k = 0; k < header.visits; ++k) place(in.get<Visit>());
      Traveller t;
      for (std::uint32_t k = 0; k < header.walkers; ++k) {
        in.get_array(reinterpret_cast<char*>(&t), kTravellerBytes);
        arrive(t, Proposal{kNoNode, 0.0f, 0});
      }
      for (std::uint32_t k = 0; k < header.proposals; ++k) {
        in.get_array(reinterpret_cast<char*>(&t), kTravellerBytes);
        arrive(t, in.get<Proposal>());
      }
      answers_[from] = answer_tests(in, static_cast<int>(from));
    }
    if (!anyone_busy) return;
    if (!anyone_asked) continue;

    std::vector<Walker> waiting;
    waiting.swap(parked_);
    exchange(answers_);
    for (std::size_t from = 0; from < world_; ++from) {
      Inbox in(incoming_[from]);
      while (!in.done()) {
        const auto ticket = in.get<std::uint32_t>();
        const auto count = in.get<std::uint32_t>();
        common.resize(count);
        in.get_array(common.data(), count);
        if (ticket >= waiting.size()) throw Error("another rank answered a neighbour test that was not asked");
        take_answer(waiting[ticket], common.data(), count);
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
  check_fits_in_memory("walking", static_cast<double>(mine) * static_cast<double>(steps_) * sizeof(NodeId),
                       format_double(static_cast<double>(mine)) + " walks of " + std::to_string(steps_) + " nodes",
                       "walk.num_walks or walk.num_steps");
  slots_.assign(mine * steps_, kNoNode);

  const std::uint64_t batch = std::min(kBatchWalksPerRank * world_, std::uint64_t{0xffffffff} / steps_);
  for (std::uint64_t first = 0; first < total_; first += batch) {
    const std::uint64_t last = std::min(total_, first + batch);
    batch_first_ = first;
    slot_base_ = (static_cast<std::int64_t>(first) - static_cast<std::int64_t>(block_.first)) * steps_;
    for (std::uint64_t walk = first; walk < last; ++walk) start(walk);
    superstep_loop();
    if (progress) progress->advance((last - first) / world_ + (static_cast<std::uint64_t>(rank) < (last - first) % world_));
  }

  Walks walks;
  walks.offsets.assign(mine + 1, 0);
  std::uint64_t end = 0;
  for (std::uint64_t k = 0; k < mine; ++k) {
    const NodeId* walk = slots_.data() + k * steps_;
    const std::uint64_t length = static_cast<std::uint64_t>(std::find(walk, walk + steps_, kNoNode) - walk);
    if (end != k * steps_) std::memmove(slots_.data() + end, walk, length * sizeof(NodeId));
    end += length;
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
