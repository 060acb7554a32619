#pragma once
// Stream mode: skip-gram examples produced walk by walk while training, never all at once.
// The Keras scheme (examples.h) materialises and aggregates every pair, which does not scale to
// millions of walks; here each walk's positives (every pair within the window) and negatives
// (drawn from a uniform or unigram^0.75 distribution) are generated when a batch asks for them.
#include <cstdint>
#include <string>
#include <vector>

#include "core/alias_table.h"
#include "core/config.h"
#include "core/rng.h"
#include "walk/walks.h"

namespace n2v {

// No defaults: pipeline/pipeline.h maps the Config (the one place for defaults) to these fields.
struct StreamOptions {
  int window;
  double negative_samples;  // per positive; a fraction is drawn with that probability
  NegativeDistribution negative_distribution;  // unigram: frequency^0.75 in the walks
  std::uint64_t seed;
};

struct StreamBatch {
  std::vector<std::int64_t> targets, contexts;
  std::vector<float> labels;
  std::size_t positives = 0;
  void clear();
};

// How often each token occurs in the walks, [vocabulary_size] (token 0 normally 0).
std::vector<double> token_counts(const Walks& walks, std::size_t vocabulary_size);
// The negatives' distribution over tokens 1..V-1 (index k is token k + 1): uniform, or
// count^0.75 as word2vec draws them (uniform when no token occurs). `counts` is token_counts'.
AliasTable negative_table(const std::vector<double>& counts, NegativeDistribution distribution);

class StreamExamples {
 public:
  StreamExamples(const Walks& walks, std::size_t vocabulary_size, StreamOptions options);

  // Appends walk w's examples for `epoch`; the draws depend only on (seed, epoch, w).
  void append_walk(std::size_t w, int epoch, StreamBatch& out) const;
  // Positive pairs of one epoch: every (i, j) with 0 < |i - j| <= window and different tokens.
  std::size_t positives_per_epoch() const { return positives_per_epoch_; }
  double examples_per_walk() const;
  std::size_t num_walks() const { return walks_.size(); }

 private:
  NodeId draw_negative(Rng& rng) const { return 1 + negatives_.draw(rng); }

  const Walks& walks_;
  std::size_t vocabulary_size_;
  StreamOptions options_;
  std::size_t positives_per_epoch_ = 0;
  AliasTable negatives_;  // over tokens 1..V-1: index k is token k + 1
};

}  // namespace n2v
