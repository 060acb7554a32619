#pragma once
// Skip-gram examples from walks with the semantics of keras.preprocessing.sequence.skipgrams as
// the Keras example uses it, aggregated into weighted (target, context, label) examples.
#include <cstdint>
#include <vector>

#include "core/rng.h"
#include "walk/walks.h"

namespace n2v {

class Progress;

// No defaults: pipeline/pipeline.h maps the Config (the one place for defaults) to these fields.
struct ExampleOptions {
  int window;
  double negative_samples;
  std::uint64_t seed;
  int threads;
};

// Column arrays; example i is (targets[i], contexts[i], labels[i]) seen weights[i] times.
struct Examples {
  std::vector<std::int64_t> targets;
  std::vector<std::int64_t> contexts;
  std::vector<float> labels;
  std::vector<float> weights;
  std::size_t size() const { return targets.size(); }
};

struct SkipGramPair {
  NodeId target = 0;
  NodeId context = 0;
  bool positive = true;
};

// Keras' skipgrams() for one walk: every (w_i, w_j) with 0 < |i - j| <= window is a positive (tokens
// 0 skipped); then int(positives * negative_samples) negatives, pairing the positives' targets
// (shuffled, reused cyclically) with contexts uniform in 1..vocabulary_size-1. Appends to `out`.
void walk_skipgrams(const NodeId* walk, std::size_t length, std::size_t vocabulary_size, const ExampleOptions& options,
                    Rng& rng, std::vector<SkipGramPair>& out);

// All walks: pairs keyed by (min(target, context), max(target, context), label), target == context
// dropped, the count becoming the weight. Walk i draws from Rng::for_item(seed, Examples, i), so
// the result does not depend on the thread count. Sorted by key.
Examples generate_examples(const Walks& walks, std::size_t vocabulary_size, const ExampleOptions& options,
                           Progress* progress = nullptr);

}  // namespace n2v
