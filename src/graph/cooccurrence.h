#pragma once
// The Keras example's movie graph: an edge between two movies liked (rating >= min_rating) by
// the same user, weighted by PMI x co-count, kept when the weight is >= min_weight.
#include <cstdint>
#include <string>
#include <vector>

#include "data/movielens.h"
#include "graph/graph.h"

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

// The same weights from raw counts; exposed for tests. D is log(total item frequency).
double pmi_weight(std::size_t xy, std::size_t x, std::size_t y, double log_total);

}  // namespace n2v
