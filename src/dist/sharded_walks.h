#pragma once
// node2vec walks over a graph divided between ranks (graph/shard.h), KnightKing style: a walker
// lives on the rank that owns its current node and moves to the owner of the next one. The
// second-order test "is x a neighbour of the previous node t?" is answered where the walker is
// when t or x lives there (undirected graphs: x is t's neighbour exactly when t is x's); else, on
// an undirected graph, the walker takes the proposal to x's owner, which tests it and takes the
// step or sends the walker back, and on a directed graph the test is asked of t's owner. The ranks
// run in supersteps (step every walker as far as it goes here; send the walkers that leave, the
// nodes walked and any tests; answer the tests) over a batch of walks at a time, so the messages
// of a superstep travel in one all-to-all, two when a test was asked.
//
// Each walk draws from its own generator, Rng::for_item(seed, Walk, index), exactly as
// generate_walks draws (walk/walks.h: the same TransitionRule, the same alias tables over the
// same rows), so the walks are those of one process, byte for byte, for any world size.
#include <cstdint>

#include "dist/transport.h"
#include "graph/shard.h"
#include "walk/walks.h"

namespace n2v {

class Progress;

struct ShardWalkStats {
  std::uint64_t steps = 0;  // steps this rank took
  std::uint64_t walkers_sent = 0;  // walkers this rank sent to another rank
  std::uint64_t proposals_sent = 0;  // of them, walkers sent with a proposal for its owner to test
  std::uint64_t proposals_rejected = 0;  // proposals this rank rejected, sending the walker back
  std::uint64_t queries_sent = 0;  // neighbour tests this rank asked another rank
  std::uint64_t bytes_sent = 0;  // to other ranks: walkers, tests, answers and the walks' nodes
  std::uint64_t supersteps = 0;
  double exchange_seconds = 0;  // in the collectives, waiting for the other ranks included
};

// This rank's block of the walks: walk_shard(count, rank, world) of the count_walks() walks of
// the whole graph, as generate_walks(graph, options, that range) gives them. Collective: every
// rank of `transport` calls it with its own shard. Throws UsageError for bad options, the
// transport's error when a rank fails.
Walks walk_sharded(const GraphShard& shard, const WalkOptions& options, Transport& transport,
                   ShardWalkStats* stats = nullptr, Progress* progress = nullptr);

// Every rank's walks, concatenated in rank order, at `root` (an empty Walks elsewhere): the one
// walks.txt of a run whose ranks each made a block. Collective.
Walks gather_walks_at(Transport& transport, const Walks& mine, int root);

}  // namespace n2v
