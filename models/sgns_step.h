#pragma once
// The inner loop of skipgram.model sgns, on raw rows (no torch, no autograd): word2vec's
// skip-gram with negative sampling, one (context, centre) pair at a time with fresh negatives,
// word2vec's scheme (pWord2Vec's shared negatives per window were faster but learnt worse vectors
// on the movie graph: docs/training.md). Several threads may run it on the same tables at once,
// without locks (Hogwild, as word2vec, gensim and fastText do): a row read while another thread
// writes it gives a slightly stale gradient, nothing worse.
#include <cstdint>
#include <vector>

#include "core/rng.h"
#include "walk/sgns_corpus.h"

namespace n2v {

struct SgnsTables {
  float* input;   // [rows x stride]: the context rows of every pair, the exported vectors
  float* output;  // [rows x stride]: the centre and negative rows
  std::int64_t dim;
  std::int64_t stride;  // floats from one row to the next, >= dim
  // When set, sgns_train_walk sets touched_output[row] = 1 for every negative's output row: a
  // data-parallel rank sends the changes of the rows it touched (train/sgns_replicas.h), and the
  // negatives are the only rows a walk's nodes do not name.
  std::uint8_t* touched_output = nullptr;
};

// One thread's work space: a centre's targets, a pair's logits and input-row delta.
struct SgnsScratch {
  std::vector<float> logits, input_delta;
  std::vector<NodeId> targets;  // a centre's pairs' targets, one pair after another
  std::vector<std::uint32_t> pair_end;  // where each pair's targets end
  std::vector<NodeId> next_targets;  // the same for the next centre, drawn while this one trains
  std::vector<std::uint32_t> next_pair_end;
};

// The loss as a sum of max(z, 0) terms plus the log of a running product of (1 + e^-|x|)
// factors: one log per few thousand pairs instead of one per pair (log was a fifth of the time).
struct SgnsLoss {
  std::uint64_t positives = 0;  // (context, centre) pairs trained
  // -log sigmoid(positive) - sum log sigmoid(-negative), over the pairs.
  double sum() const;
  void add(const SgnsLoss& other);
  // Internal: sum() = linear + log(product) + log_sum.
  double linear = 0, log_sum = 0, product = 1;
};

// One pair: the context (a row of the input table) against targets[0..t) (rows of the output
// table), targets[0] the centre (label 1), the others negatives (label 0); t <= 1001. Every logit
// uses the rows as they were before this call (a target listed twice gets both updates); then
// input[context] += lr * sum_k g_k output[k] and output[k] += lr * g_k input[context], with
// g_k = label - sigmoid(logit): one SGD step on the pair's loss. Adds the loss (before the step).
// With `positive` false every target is a negative (label 0, t >= 1) and no positive pair is
// counted: a pair whose negatives come from another output block than its centre's
// (train/sgns_blocks.h) takes such a step in that block's round besides its positive's.
void sgns_pair_step(const SgnsTables& tables, NodeId context, const NodeId* targets, int t, float learning_rate,
                    SgnsScratch& scratch, SgnsLoss& loss, bool positive = true);

// A whole walk (its nodes after subsampling): each centre draws its window b in 1..window from
// `rng`; each node within b of it (at another position; the same node at another position counts,
// as in word2vec) is one sgns_pair_step against the centre and its own negatives
// (negative_samples of them from the corpus' unigram^0.75, the centre itself skipped).
void sgns_train_walk(const SgnsTables& tables, const NodeId* walk, std::size_t length, const SgnsCorpus& corpus,
                     Rng& rng, float learning_rate, SgnsScratch& scratch, SgnsLoss& loss);

}  // namespace n2v
