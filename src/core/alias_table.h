#pragma once
// Walker's alias method with Vose's construction: O(1) draws from a discrete distribution. One
// builder fills entries the caller owns (the walks lay one table per node over the CSR arcs); an
// AliasTable owns the entries of a single distribution. Both draw the same way, from one 64-bit
// random number.
#include <cstdint>
#include <limits>
#include <vector>

#include "core/rng.h"

namespace n2v {

// Bucket i keeps its own index with probability threshold / 2^32, else gives `alias`.
struct AliasEntry {
  std::uint32_t threshold;
  std::uint32_t alias;
};
// The threshold of a full bucket (its alias is itself): rounding left it at 1.
constexpr std::uint32_t kAliasFull = std::numeric_limits<std::uint32_t>::max();

// Builds tables one after another, keeping the work space (the walks build one per node).
class AliasBuilder {
 public:
  // Fills entries[0..n) for weights[0..n) (finite, >= 0; n < 2^32) and returns the weights' sum,
  // added up in order in double. A sum that is not > 0 leaves the entries untouched: the caller
  // has nothing to draw. A zero weight is never drawn.
  double build(const float* weights, std::size_t n, AliasEntry* entries);
  double build(const double* weights, std::size_t n, AliasEntry* entries);

 private:
  template <typename Weight>
  double build_from(const Weight* weights, std::size_t n, AliasEntry* entries);

  std::vector<double> scaled_;
  std::vector<std::uint32_t> small_, large_;
};

// A draw split into its bucket and coin. One 64-bit draw gives both: the high half of r * n picks
// the bucket (Lemire's multiply-shift), bits 32..63 of the low half are a fresh uniform coin.
struct AliasDraw {
  std::uint32_t bucket, coin;
};
inline AliasDraw alias_draw(std::uint64_t r, std::uint64_t n) {
  const unsigned __int128 m = static_cast<unsigned __int128>(r) * n;
  return {static_cast<std::uint32_t>(m >> 64), static_cast<std::uint32_t>(static_cast<std::uint64_t>(m) >> 32)};
}
// The index a draw lands on. Apart from alias_draw so that a caller can prefetch
// entries + d.bucket and do other work before reading it.
inline std::uint32_t alias_pick(const AliasEntry* entries, AliasDraw d) {
  const AliasEntry entry = entries[d.bucket];
  return d.coin < entry.threshold ? d.bucket : entry.alias;
}

// The alias table of one distribution.
class AliasTable {
 public:
  AliasTable() = default;
  // Throws Error when there are no weights, more than 2^32 - 1, one is negative or not finite,
  // none is > 0, or their sum overflows.
  explicit AliasTable(const std::vector<double>& weights);

  // An index in [0, size()), i with probability weights[i] / sum. One rng() call.
  std::uint32_t draw(Rng& rng) const { return alias_pick(entries_.data(), alias_draw(rng(), entries_.size())); }
  std::size_t size() const { return entries_.size(); }
  const std::vector<AliasEntry>& entries() const { return entries_; }

 private:
  std::vector<AliasEntry> entries_;
};

}  // namespace n2v
