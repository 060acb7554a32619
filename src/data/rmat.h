#pragma once
// A power-law graph for scale runs: R-MAT (Chakrabarti, Zhan and Faloutsos, 2004) with Graph500's
// parameters a = 0.57, b = c = 0.19, d = 0.05, written as an edge list that `data.format: edgelist`
// reads. Real large graphs (social, web, payments) are skewed, with hubs of degree 10^5 and more;
// that is what stresses walks and partitions, and what MovieLens' dense co-rating graph lacks.
//
// Each edge descends `scale` levels of the adjacency matrix (2^scale >= nodes), picking a quadrant
// with probabilities a, b, c, d at each; the ids are then scrambled by a fixed bijection of
// [0, 2^scale) (so hubs are not all small ids, as Graph500 permutes them) and an edge with an end
// at or beyond `nodes`, or a self-loop, is drawn again. Duplicate edges stay (the reader merges
// them, summing weights). Deterministic for a seed and independent of the thread count: edge block
// k draws from Rng::for_item(seed, RngStream::Rmat, k). Memory: the degree counts (4 bytes a node)
// and the write buffers, never the edges.
#include <cstdint>
#include <filesystem>

#include "core/choice.h"

namespace n2v {

class Progress;

enum class RmatWeights { None, Uniform };
template <>
struct Choices<RmatWeights> {
  static constexpr std::pair<RmatWeights, const char*> names[]{{RmatWeights::None, "none"},
                                                               {RmatWeights::Uniform, "uniform"}};
};

struct RmatOptions {
  std::uint64_t nodes = 1 << 20;
  std::uint64_t edges = 16 << 20;  // Graph500's edge factor 16
  std::uint64_t seed = 42;
  double a = 0.57, b = 0.19, c = 0.19;  // d = 1 - a - b - c
  RmatWeights weights = RmatWeights::None;  // uniform: a third column, weights in (0, 1]
  int threads = 1;
};

struct RmatSummary {
  std::uint64_t nodes = 0;  // ids 0 .. nodes - 1 (those of degree 0 are not in the file)
  std::uint64_t edges = 0;  // lines of edges.tsv
  std::uint64_t nodes_with_edges = 0;
  std::uint64_t max_degree = 0;  // an edge counts once at each end
  std::uint64_t p99_degree = 0;  // over the nodes with edges
  double mean_degree = 0;  // over the nodes with edges
  std::uint64_t bytes = 0;
};

// Throws UsageError for zero counts, more than 2^32 - 2 nodes (n2v's node ids), fewer than 2 nodes,
// or a, b, c not in (0, 1) with a + b + c < 1.
void check_rmat_options(const RmatOptions& options);

// Writes dir/edges.tsv ("u<TAB>v" or "u<TAB>v<TAB>w" lines) through AtomicFile; creates dir.
RmatSummary write_rmat_edge_list(const RmatOptions& options, const std::filesystem::path& dir,
                                 Progress* progress = nullptr);

}  // namespace n2v
