#pragma once
// A synthetic MovieLens data set in the ml-latest layout (ratings.csv + movies.csv), for scale
// runs beyond the releases GroupLens ships. Shaped like MovieLens 25M: every user rates at least
// 20 movies and activity has a heavy (log-normal) tail; movie popularity is Zipf-like; ratings
// follow MovieLens 25M's histogram. Movies fall into taste clusters (each with a main genre) and
// every user favours a few clusters, rating them higher, so "liked together" carries signal and
// the PMI graph has real structure rather than noise.
//
// Deterministic for a seed and independent of the thread count: user u draws from
// Rng::for_item(seed, RngStream::Synth, ...) with its own index, the catalogue from its own.
#include <array>
#include <cstdint>
#include <filesystem>
#include <vector>

namespace n2v {

class Progress;

struct SynthOptions {
  std::uint64_t users = 610;  // ml-latest-small's shape by default
  std::uint64_t movies = 9742;
  std::uint64_t ratings = 100836;
  std::uint64_t seed = 42;
  std::uint64_t min_user_ratings = 20;  // as MovieLens selects its users
  int threads = 1;
};

struct SynthSummary {
  std::uint64_t users = 0;
  std::uint64_t movies = 0;  // rows of movies.csv
  std::uint64_t rated_movies = 0;  // movies with at least one rating (<= movies)
  std::uint64_t ratings = 0;
  std::uint64_t max_user_ratings = 0;
  std::array<std::uint64_t, 10> histogram{};  // ratings 0.5, 1.0, ..., 5.0
  std::uint64_t bytes = 0;  // both files
  double mean_rating() const;
};

// MovieLens 25M's share of each rating 0.5, 1.0, ..., 5.0 (sums to 1; mean 3.53).
const std::array<double, 10>& movielens_rating_shares();

// Throws UsageError when the counts are impossible (fewer ratings than users x min_user_ratings,
// more than users x movies, zero counts, ids beyond 32 bits).
void check_synth_options(const SynthOptions& options);

// Ratings per user (index u = userId - 1): each >= min_user_ratings and <= movies, summing to
// options.ratings exactly; log-normal weights share out the rest.
std::vector<std::uint64_t> user_rating_counts(const SynthOptions& options);

// Writes dir/ratings.csv (userId,movieId,rating,timestamp; users in id order, each user's rows in
// time order) and dir/movies.csv (movieId,title,genres; titles RFC 4180 quoted where needed),
// each through AtomicFile. Creates dir.
SynthSummary write_synthetic_movielens(const SynthOptions& options, const std::filesystem::path& dir,
                                       Progress* progress = nullptr);

}  // namespace n2v
