#pragma once
// The Keras example's movie graph: an edge between two movies liked (rating >= min_rating) by
// the same user, weighted by PMI x co-count, kept when the weight is >= min_weight.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "data/movielens.h"
#include "graph/graph.h"
#include "graph/shard.h"

namespace n2v {

// No defaults: pipeline/pipeline.h maps the Config (the one place for defaults) to these fields.
struct CooccurrenceOptions {
  double min_rating = 5.0;
  double min_weight = 10.0;
  int threads = 1;
};

// Counts co-ratings movie by movie (a sparse A^T A with one dense counter row per thread), so
// memory is linear in the liked ratings plus the kept edges: no pair table of the whole corpus.
// Tokens are assigned in ascending movieId order, starting at 1.
Graph build_movie_graph(const MovieLensData& data, const CooccurrenceOptions& options);

// Adds up `values` element by element across the ranks of a distributed run, in place (an allreduce).
using SumAcrossRanks = std::function<void(std::vector<std::uint64_t>& values)>;

// Rank `rank`'s shard of the same graph (graph/shard.h), built by `world_size` ranks together without
// any holding the whole: each counts the whole rows (every co-rated movie) of the movies it owns,
// movie i of the ascending movieIds belonging to rank shard_owner(i), and one sum across the ranks
// of which movies kept an edge numbers the tokens as build_movie_graph does. Its rows, weights,
// tokens and vocabulary are build_movie_graph's; each rank counts twice its 1/N share of the pairs.
GraphShard build_movie_graph_shard(const MovieLensData& data, const CooccurrenceOptions& options, int rank,
                                   int world_size, const SumAcrossRanks& sum_across_ranks);

// The same weights from raw counts; exposed for tests. D is log(total item frequency).
double pmi_weight(std::size_t xy, std::size_t x, std::size_t y, double log_total);

}  // namespace n2v
