// Exact cosine search: one dot product per row, the best `count` kept in a small heap.
#include <algorithm>
#include <queue>

#include "server/neighbor_index.h"

namespace n2v {
namespace {

// The smaller score on top, so the heap holds the best ones; ties go to the smaller token.
struct WorseFirst {
  bool operator()(const Neighbor& a, const Neighbor& b) const {
    return a.score != b.score ? a.score > b.score : a.token < b.token;
  }
};

class ExactIndex : public NeighborIndex {
 public:
  ExactIndex(const std::vector<float>& unit, std::size_t rows, std::int64_t dim) : unit_(unit), rows_(rows), dim_(dim) {}

  std::vector<Neighbor> search(const float* direction, std::size_t count,
                               const std::vector<std::int64_t>& skip) const override {
    std::priority_queue<Neighbor, std::vector<Neighbor>, WorseFirst> best;
    for (std::size_t t = 1; t < rows_; ++t) {
      const Neighbor candidate{static_cast<std::int64_t>(t), dot(unit_.data() + t * dim_, direction)};
      if (best.size() == count && !WorseFirst()(candidate, best.top())) continue;
      if (std::find(skip.begin(), skip.end(), candidate.token) != skip.end()) continue;
      best.push(candidate);
      if (best.size() > count) best.pop();
    }
    std::vector<Neighbor> out(best.size());
    for (std::size_t i = out.size(); i-- > 0; best.pop()) out[i] = best.top();
    return out;
  }

 private:
  // Eight partial sums, which the compiler keeps in one vector register: a single running sum
  // would be a chain of dependent adds that it may not reorder (no -ffast-math). The scan spends
  // most of a similar-movies request here.
  float dot(const float* row, const float* direction) const {
    float partial[8] = {};
    std::int64_t j = 0;
    for (; j + 8 <= dim_; j += 8)
      for (int lane = 0; lane < 8; ++lane) partial[lane] += row[j + lane] * direction[j + lane];
    float sum = 0;
    for (; j < dim_; ++j) sum += row[j] * direction[j];
    for (float p : partial) sum += p;
    return sum;
  }

  const std::vector<float>& unit_;
  std::size_t rows_;
  std::int64_t dim_;
};

}  // namespace

std::unique_ptr<NeighborIndex> make_exact_index(const std::vector<float>& unit, std::size_t rows, std::int64_t dim) {
  return std::make_unique<ExactIndex>(unit, rows, dim);
}

double recall_at_k(const NeighborIndex& approximate, const NeighborIndex& exact, const std::vector<float>& unit,
                   std::size_t rows, std::int64_t dim, std::size_t k, std::size_t queries) {
  if (rows < 2) return 1.0;
  const std::size_t step = std::max<std::size_t>(1, (rows - 1) / std::max<std::size_t>(1, queries));
  std::size_t found = 0, wanted = 0;
  for (std::size_t t = 1; t < rows; t += step) {
    const std::vector<std::int64_t> skip{static_cast<std::int64_t>(t)};
    const float* direction = unit.data() + t * dim;
    const auto truth = exact.search(direction, k, skip);
    const auto answer = approximate.search(direction, k, skip);
    for (const Neighbor& n : truth)
      for (const Neighbor& a : answer) found += a.token == n.token;
    wanted += truth.size();
  }
  return wanted == 0 ? 1.0 : static_cast<double>(found) / static_cast<double>(wanted);
}

}  // namespace n2v
