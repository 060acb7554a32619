#pragma once
// What word2vec's skip-gram (skipgram.model sgns) draws from the walks, torch-free: the negatives
// (unigram^0.75 of the walks' node counts, from an alias table), the subsampling of frequent
// nodes (word2vec's `sample`) and the per-walk generators. The training loop is train/train_sgns.cpp.
#include <cstdint>
#include <vector>

#include "core/alias_table.h"
#include "core/rng.h"
#include "walk/walks.h"

namespace n2v {

// No defaults: pipeline/pipeline.h maps the Config (the one place for defaults) to these fields.
struct SgnsOptions {
  int window;  // the largest window; each centre draws its own in 1..window (word2vec's reduced window)
  double negative_samples;  // per (context, centre) pair; a fraction is drawn with that probability
  double subsample;  // word2vec's `sample`; 0 = keep every node
  std::uint64_t seed;
};

class SgnsCorpus {
 public:
  // Throws UsageError when the vocabulary holds no token besides the reserved 0.
  SgnsCorpus(const Walks& walks, std::size_t vocabulary_size, SgnsOptions options);

  const Walks& walks() const { return walks_; }
  const SgnsOptions& options() const { return options_; }
  std::size_t vocabulary_size() const { return counts_.size(); }
  const std::vector<double>& counts() const { return counts_; }

  // Appends walk w's nodes that subsampling keeps in `epoch` (all of them with subsample 0); the
  // draws depend only on (seed, epoch, w).
  void append_kept(std::size_t w, int epoch, std::vector<NodeId>& out) const;
  // word2vec's keep probability of a node seen `count` times (1 with subsample 0).
  double keep_probability(NodeId token) const { return keep_[token]; }
  // The expected fraction of the walks' nodes that subsampling keeps.
  double expected_kept_fraction() const;

  // The generator of walk w's training draws in `epoch` (windows, negatives).
  Rng training_rng(std::size_t w, int epoch) const;
  // A token in 1..V-1 with probability count^0.75 / sum.
  NodeId draw_negative(Rng& rng) const { return 1 + negatives_.draw(rng); }
  // How many negatives a centre gets: negative_samples, its fraction drawn.
  int draw_negative_count(Rng& rng) const;

 private:
  const Walks& walks_;
  SgnsOptions options_;
  std::vector<double> counts_;
  std::vector<double> keep_;  // per token
  AliasTable negatives_;
};

}  // namespace n2v
