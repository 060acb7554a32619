#include "walk/stream.h"

#include <algorithm>
#include <cmath>

#include "core/errors.h"

namespace n2v {

void StreamBatch::clear() {
  targets.clear();
  contexts.clear();
  labels.clear();
  positives = 0;
}

namespace {

std::size_t count_positives(const NodeId* walk, std::size_t length, std::size_t window) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < length; ++i) {
    std::size_t end = std::min(length, i + window + 1);
    for (std::size_t j = i + 1; j < end; ++j) n += walk[i] != walk[j] ? 2 : 0;  // (i, j) and (j, i)
  }
  return n;
}

}  // namespace

std::vector<double> token_counts(const Walks& walks, std::size_t vocabulary_size) {
  std::vector<double> counts(vocabulary_size, 0.0);
  for (NodeId token : walks.nodes) counts[token] += 1.0;
  return counts;
}

AliasTable negative_table(const std::vector<double>& counts, NegativeDistribution distribution) {
  // Tokens 1..V-1; token 0 never appears as a negative.
  const std::size_t n = counts.size() - 1;
  std::vector<double> weight(n);
  double total = 0;
  for (std::size_t k = 0; k < n; ++k) {
    weight[k] = distribution == NegativeDistribution::Uniform ? 1.0 : std::pow(counts[k + 1], 0.75);
    total += weight[k];
  }
  if (!(total > 0)) std::fill(weight.begin(), weight.end(), 1.0);  // no walks at all: uniform
  return AliasTable(weight);
}

StreamExamples::StreamExamples(const Walks& walks, std::size_t vocabulary_size, StreamOptions options)
    : walks_(walks), vocabulary_size_(vocabulary_size), options_(std::move(options)) {
  if (vocabulary_size_ < 2) throw UsageError("stream mode needs at least one node besides the reserved token");
  for (std::size_t w = 0; w < walks_.size(); ++w) {
    positives_per_epoch_ += count_positives(walks_.walk(w), walks_.length(w), options_.window);
  }
  negatives_ = negative_table(token_counts(walks_, vocabulary_size_), options_.negative_distribution);
}

double StreamExamples::examples_per_walk() const {
  if (walks_.size() == 0) return 0.0;
  return static_cast<double>(positives_per_epoch_) * (1.0 + options_.negative_samples) / static_cast<double>(walks_.size());
}

void StreamExamples::append_walk(std::size_t w, int epoch, StreamBatch& out) const {
  Rng rng = Rng::for_item(options_.seed + static_cast<std::uint64_t>(epoch) * 0x9e3779b97f4a7c15ull,
                          RngStream::Examples, w);
  const NodeId* walk = walks_.walk(w);
  const std::size_t length = walks_.length(w);
  const std::size_t window = static_cast<std::size_t>(options_.window);
  const double whole = std::floor(options_.negative_samples);
  const double fraction = options_.negative_samples - whole;
  for (std::size_t i = 0; i < length; ++i) {
    const std::size_t start = i > window ? i - window : 0;
    const std::size_t end = std::min(length, i + window + 1);
    for (std::size_t j = start; j < end; ++j) {
      if (j == i || walk[j] == walk[i]) continue;
      out.targets.push_back(walk[i]);
      out.contexts.push_back(walk[j]);
      out.labels.push_back(1.0f);
      ++out.positives;
      int negatives = static_cast<int>(whole) + (fraction > 0 && rng.uniform() < fraction ? 1 : 0);
      for (int k = 0; k < negatives; ++k) {
        NodeId context = draw_negative(rng);
        if (context == walk[i]) continue;  // a pair with itself teaches nothing (as word2vec skips it)
        out.targets.push_back(walk[i]);
        out.contexts.push_back(context);
        out.labels.push_back(0.0f);
      }
    }
  }
}

}  // namespace n2v
