#include "core/alias_table.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/errors.h"

namespace n2v {

template <typename Weight>
double AliasBuilder::build_from(const Weight* weights, std::size_t n, AliasEntry* entries) {
  double total = 0;
  for (std::size_t i = 0; i < n; ++i) total += weights[i];
  if (!(total > 0)) return total;
  scaled_.resize(n);
  small_.clear();
  large_.clear();
  for (std::uint32_t i = 0; i < n; ++i) {
    scaled_[i] = weights[i] * static_cast<double>(n) / total;
    (scaled_[i] < 1.0 ? small_ : large_).push_back(i);
  }
  // The walks' tables were built this way before they were shared: keep the operation order, so
  // that their draws, and the walks, stay the same bit for bit.
  while (!small_.empty() && !large_.empty()) {
    const std::uint32_t s = small_.back(), l = large_.back();
    small_.pop_back();
    const double threshold = std::ldexp(scaled_[s], 32);
    entries[s] = {static_cast<std::uint32_t>(std::min(threshold, 4294967295.0)), l};
    scaled_[l] = (scaled_[l] + scaled_[s]) - 1.0;
    if (scaled_[l] < 1.0) {
      large_.pop_back();
      small_.push_back(l);
    }
  }
  // What is left is full up to rounding.
  for (std::uint32_t i : small_) entries[i] = {kAliasFull, i};
  for (std::uint32_t i : large_) entries[i] = {kAliasFull, i};
  return total;
}

double AliasBuilder::build(const float* weights, std::size_t n, AliasEntry* entries) {
  return build_from(weights, n, entries);
}

double AliasBuilder::build(const double* weights, std::size_t n, AliasEntry* entries) {
  return build_from(weights, n, entries);
}

AliasTable::AliasTable(const std::vector<double>& weights) {
  if (weights.empty()) throw Error("alias table: no weights to draw from");
  if (weights.size() > kAliasFull) {
    throw Error("alias table: " + std::to_string(weights.size()) + " weights, at most " + std::to_string(kAliasFull));
  }
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (!(weights[i] >= 0) || !std::isfinite(weights[i])) {
      throw Error("alias table: weight " + std::to_string(i) + " is " + std::to_string(weights[i]) +
                  "; weights must be finite and >= 0");
    }
  }
  entries_.resize(weights.size());
  AliasBuilder builder;
  const double total = builder.build(weights.data(), weights.size(), entries_.data());
  if (!(total > 0)) {
    throw Error("alias table: all " + std::to_string(weights.size()) + " weights are 0; at least one must be > 0");
  }
  if (!std::isfinite(total)) throw Error("alias table: the weights' sum overflows a double; scale them down");
}

}  // namespace n2v
