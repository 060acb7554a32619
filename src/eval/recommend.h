#pragma once
// Next-item recommendation from movie vectors, beside two baselines ranked the same way (no torch).
// For each user: the profile is the user's liked training movies that are in the graph; every
// graph movie the user has not rated in training is ranked; the targets are the user's held-out
// liked movies that are in the graph. Scores:
//   n2v         cosine similarity to the mean of the profile's unit vectors
//   popularity  training users who liked the movie
//   co-rating   sum over the profile of the training users who liked both movies (raw counts)
// Users without a profile or a target are skipped (and counted). Ties go to the smaller token.
#include <cstdint>
#include <vector>

#include "data/movielens.h"
#include "eval/metrics.h"
#include "graph/graph.h"

namespace n2v {

struct RecommendResult {
  std::size_t k = 10;
  RankingScores n2v, popularity, co_rating;  // means over the evaluated users
  std::size_t users = 0;  // evaluated
  std::size_t users_without_profile = 0;  // had a target but no liked training movie in the graph
  std::size_t targets = 0;  // held-out liked graph movies of the evaluated users
  std::size_t targets_outside_graph = 0;  // held-out liked movies the graph lacks (not counted)
};

// `embeddings` is row-major [vocabulary.size() x dim]; vocabulary.movie_ids map tokens to movies.
// A movie is liked at rating >= min_rating.
RecommendResult evaluate_recommendations(const std::vector<float>& embeddings, std::int64_t dim,
                                         const Vocabulary& vocabulary, const Ratings& train, const Ratings& held_out,
                                         double min_rating, std::size_t k = 10);

}  // namespace n2v
