// HNSW search (hnswlib, header-only) on inner products of the unit rows, which are their cosine.
// The graph is built once at load; searching it is safe from many threads.
#include <hnswlib/hnswlib.h>

#include <algorithm>

#include "server/neighbor_index.h"

namespace n2v {
namespace {

// M 16 and ef_construction 200 are hnswlib's recommended middle. The search breadth ef is set once,
// before any search (hnswlib reads it unguarded); searchKnn widens it to the count asked for when
// that is larger, so 64 is the breadth of a k-10 query.
constexpr std::size_t kLinks = 16, kEfConstruction = 200, kEf = 64;

class HnswIndex : public NeighborIndex {
 public:
  HnswIndex(const std::vector<float>& unit, std::size_t rows, std::int64_t dim, std::uint64_t seed)
      : movies_(rows > 0 ? rows - 1 : 0),
        space_(static_cast<std::size_t>(dim)),
        graph_(&space_, std::max<std::size_t>(rows, 1), kLinks, kEfConstruction, seed) {
    for (std::size_t t = 1; t < rows; ++t) graph_.addPoint(unit.data() + t * dim, t);
    graph_.setEf(kEf);
  }

  std::vector<Neighbor> search(const float* direction, std::size_t count,
                               const std::vector<std::int64_t>& skip) const override {
    const std::size_t asked = std::min(count + skip.size(), movies_);
    if (asked == 0) return {};
    auto heap = graph_.searchKnn(direction, asked);
    std::vector<Neighbor> out;
    for (; !heap.empty(); heap.pop()) {
      const auto token = static_cast<std::int64_t>(heap.top().second);
      if (std::find(skip.begin(), skip.end(), token) != skip.end()) continue;
      out.push_back(Neighbor{token, 1.0f - heap.top().first});
    }
    std::reverse(out.begin(), out.end());
    if (out.size() > count) out.resize(count);
    return out;
  }

 private:
  std::size_t movies_;
  hnswlib::InnerProductSpace space_;
  mutable hnswlib::HierarchicalNSW<float> graph_;  // searchKnn is not const in every hnswlib
};

}  // namespace

std::unique_ptr<NeighborIndex> make_hnsw_index(const std::vector<float>& unit, std::size_t rows, std::int64_t dim,
                                               std::uint64_t seed) {
  return std::make_unique<HnswIndex>(unit, rows, dim, seed);
}

}  // namespace n2v
