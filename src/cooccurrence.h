#pragma once
// The Keras example's movie graph: an edge between two movies liked (rating >= min_rating) by
// the same user, weighted by PMI x co-count, kept when the weight is >= min_weight.
#include <cstdint>
#include <string>
#include <vector>

#include "graph.h"
#include "movielens.h"

namespace n2v {

struct GraphStats {
  std::size_t ratings = 0;  // rating rows read
  std::size_t movies = 0;  // rows of the movies file
  std::size_t liked_ratings = 0;  // distinct (user, movie) with rating >= min_rating
  std::size_t users_with_likes = 0;
  std::size_t co_rated_pairs = 0;  // distinct unordered movie pairs liked by a common user
  std::size_t nodes = 0;  // movies with at least one kept edge
  std::size_t edges = 0;
  double average_degree = 0.0;
  std::size_t unknown_movie_ratings = 0;
  std::string to_json() const;
};

struct MovieGraph {
  CsrGraph graph;  // node = token; node 0 reserved
  Vocabulary vocabulary;
  std::vector<Edge> edges;  // kept edges in token ids, src < dst, sorted
  GraphStats stats;
};

struct CooccurrenceOptions {
  double min_rating = 5.0;
  double min_weight = 10.0;
  int threads = 1;
};

// Counts co-ratings movie by movie (a sparse A^T A with one dense counter row per thread), so
// memory is linear in the liked ratings plus the kept edges: no pair table of the whole corpus.
// Tokens are assigned in ascending movieId order, starting at 1.
MovieGraph build_movie_graph(const MovieLensData& data, const CooccurrenceOptions& options);

// The same weights from raw counts; exposed for tests. D is log(total item frequency).
double pmi_weight(std::size_t xy, std::size_t x, std::size_t y, double log_total);

}  // namespace n2v
