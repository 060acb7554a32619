#pragma once
// The inner loop of skipgram.model sgns, on raw rows (no torch, no autograd): word2vec's
// skip-gram with negative sampling. The step takes m contexts (rows of the input table) against a
// centre and its negatives (rows of the output table) as small matrix products (gather, logits,
// gradient, scatter), which is pWord2Vec's batching with m = a window; the walk loop calls it per
// pair (m = 1, fresh negatives), word2vec's scheme, which learnt better vectors on the movie graph.
// Several threads may run it on the same tables at once, without locks (Hogwild, as word2vec,
// gensim and fastText do): a row read while another thread writes it gives a slightly stale
// gradient, nothing worse.
#include <cstdint>
#include <vector>

#include "core/rng.h"
#include "walk/sgns_corpus.h"

namespace n2v {

struct SgnsTables {
  float* input;   // [rows x dim]: the context rows of every pair, the exported vectors
  float* output;  // [rows x dim]: the centre and negative rows
  std::int64_t dim;
};

// One thread's scratch: the gathered rows, logits and deltas of a window.
struct SgnsScratch {
  std::vector<float> logits, input_delta, output_delta;
  std::vector<NodeId> targets;
};

struct SgnsLoss {
  double sum = 0;  // -log sigmoid(positive) - sum log sigmoid(-negative), over the pairs
  std::uint64_t positives = 0;  // (context, centre) pairs trained
};

// One centre: contexts[0..m) (input rows) against targets[0..t) (output rows), targets[0] the
// positive (label 1), the others negatives (label 0). Every logit uses the rows as they were
// before this call; then input[c] += lr * sum_t g[c,t] output[t] and output[t] += lr * sum_c g[c,t]
// input[c], with g = label - sigmoid(logit): one SGD step on the summed loss of the m x t pairs.
// Adds the loss (before the step) to `loss`.
void sgns_window_step(const SgnsTables& tables, const NodeId* contexts, int m, const NodeId* targets, int t,
                      float learning_rate, SgnsScratch& scratch, SgnsLoss& loss);

// A whole walk (its nodes after subsampling): each centre draws its window b in 1..window from
// `rng`; each node within b of it (at another position; the same node at another position counts,
// as in word2vec) is one sgns_window_step with m = 1 against the centre and its own negatives
// (negative_samples of them from the corpus' unigram^0.75, the centre itself skipped).
void sgns_train_walk(const SgnsTables& tables, const NodeId* walk, std::size_t length, const SgnsCorpus& corpus,
                     Rng& rng, float learning_rate, SgnsScratch& scratch, SgnsLoss& loss);

}  // namespace n2v
