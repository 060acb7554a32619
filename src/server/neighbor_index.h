#pragma once
// Nearest movies by cosine similarity over the model's unit rows. Exact search scans every row
// (the default: a few microseconds for ml-latest-small); HNSW (hnswlib) answers catalogues of
// 10^5+ movies in logarithmic time at a recall measured against the exact search at load.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "serve/model_file.h"

namespace n2v {

enum class IndexKind { Exact, Hnsw };

class NeighborIndex {
 public:
  virtual ~NeighborIndex() = default;
  // Up to `count` tokens (token 0 never) nearest the unit vector `direction`, best first, none of
  // `skip` (the query's own movies).
  virtual std::vector<Neighbor> search(const float* direction, std::size_t count,
                                       const std::vector<std::int64_t>& skip) const = 0;
};

// Both read `unit` (row-major [rows x dim], row 0 zero), which must outlive them.
std::unique_ptr<NeighborIndex> make_exact_index(const std::vector<float>& unit, std::size_t rows, std::int64_t dim);
// Throws UsageError when this n2v was built without hnswlib (it always is with N2V_WITH_SERVE).
std::unique_ptr<NeighborIndex> make_hnsw_index(const std::vector<float>& unit, std::size_t rows, std::int64_t dim,
                                               std::uint64_t seed = 42);

// The mean share of the exact top `k` that `approximate` finds, over up to `queries` rows spread
// evenly over the vocabulary (each query's own row left out of both lists).
double recall_at_k(const NeighborIndex& approximate, const NeighborIndex& exact, const std::vector<float>& unit,
                   std::size_t rows, std::int64_t dim, std::size_t k, std::size_t queries);

}  // namespace n2v
