#pragma once
// Data held out of training for `n2v evaluate` (no torch). load_graph applies the eval.holdout_*
// keys, so every command that builds the graph from a run's config.yaml sees the training graph;
// `n2v train` saves what was removed into its output folder:
//   holdout_edges.tsv    src, dst, label: the removed edges (1) and as many sampled non-edges (0)
//   holdout_ratings.csv  userId,movieId,rating,timestamp: each user's latest ratings
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "data/movielens.h"
#include "graph/cooccurrence.h"
#include "graph/graph.h"

namespace n2v {

struct LabeledPair {
  NodeId src = 0;
  NodeId dst = 0;
  bool edge = false;  // true: a held-out edge; false: a sampled non-edge
};

struct HeldOut {
  bool has_edges = false;  // eval.holdout_edges > 0
  std::vector<LabeledPair> pairs;  // held-out edges first, then the non-edges
  bool has_ratings = false;  // eval.holdout_latest > 0
  Ratings ratings;
};

// Removes round(fraction x edges) edges from g (CSR, edge list and stats rebuilt; the vocabulary is
// unchanged) and returns them with as many sampled non-edges. The edges of a random spanning
// forest are never removed, so every node keeps an edge and every component stays connected; when
// too few other edges exist, fewer are removed (the caller compares with the request). In a
// directed graph an edge whose reverse exists is never removed, as similarity is symmetric.
// Non-edges are distinct node pairs joined in neither direction. Draws from
// Rng::for_item(seed, RngStream::Holdout, 0 and 1).
std::vector<LabeledPair> hold_out_edges(Graph& g, double fraction, std::uint64_t seed);

// Moves each user's latest floor(fraction x n) of their n ratings (by timestamp; ties by row order)
// out of `ratings`, keeping the row order of both parts.
Ratings hold_out_latest(Ratings& ratings, double fraction);

// Node names (the vocabulary's) in a tab-separated file, quoted when they hold a tab or a quote.
void write_holdout_edges(const std::vector<LabeledPair>& pairs, const Vocabulary& vocabulary,
                         const std::filesystem::path& path);
// Throws DataError naming the file and line for a malformed row or a name the vocabulary lacks.
std::vector<LabeledPair> read_holdout_edges(const std::filesystem::path& path, const Vocabulary& vocabulary);
// The MovieLens ratings.csv layout, so parse_ratings_csv reads it back.
void write_ratings_csv(const Ratings& ratings, const std::filesystem::path& path);

constexpr const char* kHoldoutEdgesFile = "holdout_edges.tsv";
constexpr const char* kHoldoutRatingsFile = "holdout_ratings.csv";

// Writes the files `held` has into out_dir (a run's staging folder: the run's commit removes the
// ones it has not, so that a folder reused by a run without a holdout never pairs a model with
// data it was trained on; core/run_folder.h).
void write_held_out(const HeldOut& held, const Vocabulary& vocabulary, const std::filesystem::path& out_dir);

}  // namespace n2v
