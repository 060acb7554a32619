#include "models/sgns_step.h"

#include <algorithm>
#include <cmath>

#include "core/cpu_clones.h"

namespace n2v {

namespace {

// Built with -fopenmp-simd (CMakeLists.txt): the reductions vectorise in a fixed lane order, so a
// run is still bit-for-bit repeatable.
template <std::int64_t Dim>
[[gnu::always_inline]] inline float dot(const float* __restrict a, const float* __restrict b, std::int64_t n) {
  if constexpr (Dim > 0) n = Dim;
  float sum = 0;
#pragma omp simd reduction(+ : sum)
  for (std::int64_t i = 0; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

// A product of (1 + e) factors, each in (1, 2], stays finite while it is below 2^900 and a pair
// adds at most 2^t: past that (or for pairs of more than 100 targets) it is folded into log_sum.
[[gnu::always_inline]] inline void fold_if_large(SgnsLoss& loss, int t) {
  if (t > 100 || loss.product > 0x1p+900) {
    loss.log_sum += std::log(loss.product);
    loss.product = 1;
  }
}

// The pair step, with the row length known at compile time (Dim > 0: fully unrolled rows, no loop
// remainder) or not (Dim == 0). Inlined into each of the step's CPU clones below.
// Positives (0 or 1) is a template argument: as a run-time one it made the step 2.5x slower.
template <std::int64_t Dim, int Positives = 1>
[[gnu::always_inline]] inline void pair_step(const SgnsTables& tables, NodeId context, const NodeId* targets, int t,
                                             float learning_rate, SgnsScratch& scratch, SgnsLoss& loss) {
  constexpr int positives = Positives;
  const std::int64_t dim = Dim > 0 ? Dim : tables.dim;
  float* __restrict in = tables.input + static_cast<std::int64_t>(context) * tables.stride;
  if (scratch.logits.size() < static_cast<std::size_t>(t)) scratch.logits.resize(static_cast<std::size_t>(t));
  if (scratch.input_delta.size() < static_cast<std::size_t>(dim)) scratch.input_delta.resize(static_cast<std::size_t>(dim));
  float* __restrict g = scratch.logits.data();
  float* __restrict delta = scratch.input_delta.data();
  // The loss of a logit x: softplus(z) = max(z, 0) + log(1 + e), z = -x for the positive and x for
  // a negative, e = exp(-|x|); the exact sigmoid comes from the same e, finite for any x.
  double product = 1;
  for (int k = 0; k < t; ++k) {
    const float x = dot<Dim>(in, tables.output + static_cast<std::int64_t>(targets[k]) * tables.stride, dim);
    const float e = std::exp(-std::fabs(x));
    const float sigmoid = x >= 0 ? 1.0f / (1.0f + e) : e / (1.0f + e);
    loss.linear += std::max(k < positives ? -x : x, 0.0f);
    product *= 1.0 + static_cast<double>(e);
    g[k] = learning_rate * ((k < positives ? 1.0f : 0.0f) - sigmoid);
  }
  loss.product *= product;
  fold_if_large(loss, t);
  // The input row's delta from the output rows before the step, then the output rows (from the
  // input row before the step), then the input row.
  {
    const float* __restrict out = tables.output + static_cast<std::int64_t>(targets[0]) * tables.stride;
    const float g0 = g[0];
#pragma omp simd
    for (std::int64_t i = 0; i < dim; ++i) delta[i] = g0 * out[i];
  }
  for (int k = 1; k < t; ++k) {
    const float* __restrict out = tables.output + static_cast<std::int64_t>(targets[k]) * tables.stride;
    const float gk = g[k];
#pragma omp simd
    for (std::int64_t i = 0; i < dim; ++i) delta[i] += gk * out[i];
  }
  for (int k = 0; k < t; ++k) {
    float* __restrict out = tables.output + static_cast<std::int64_t>(targets[k]) * tables.stride;
    const float gk = g[k];
#pragma omp simd
    for (std::int64_t i = 0; i < dim; ++i) out[i] += gk * in[i];
  }
#pragma omp simd
  for (std::int64_t i = 0; i < dim; ++i) in[i] += delta[i];
  loss.positives += static_cast<std::uint64_t>(positives);
}

[[gnu::always_inline]] inline void prefetch_row(const float* row, std::int64_t dim) {
  for (std::int64_t i = 0; i < dim; i += 16) __builtin_prefetch(row + i, 1);
}

// One centre's pairs: its window [first, last) and every pair's targets, the centre then its negatives.
struct CentrePairs {
  std::size_t first = 0, last = 0;
  std::vector<NodeId>* targets;
  std::vector<std::uint32_t>* pair_end;
};

// Draws centre i's window and its pairs' negatives (the generator's order is the same as drawing
// them pair by pair) and starts loading their rows and its contexts'.
[[gnu::always_inline]] inline void draw_centre(const SgnsTables& tables, const NodeId* walk, std::size_t length,
                                               std::size_t i, const SgnsCorpus& corpus, Rng& rng, CentrePairs& out) {
  const std::size_t b = 1 + rng.below(static_cast<std::uint64_t>(corpus.options().window));
  out.first = i > b ? i - b : 0;
  out.last = std::min(length, i + b + 1);
  out.targets->clear();
  out.pair_end->clear();
  for (std::size_t j = out.first; j < out.last; ++j) {
    if (j == i) continue;
    out.targets->push_back(walk[i]);
    const int negatives = corpus.draw_negative_count(rng);
    for (int k = 0; k < negatives; ++k) {
      const NodeId negative = corpus.draw_negative(rng);
      if (negative != walk[i]) {  // word2vec skips the centre itself
        out.targets->push_back(negative);
        if (tables.touched_output) tables.touched_output[negative] = 1;
        prefetch_row(tables.output + static_cast<std::int64_t>(negative) * tables.stride, tables.dim);
      }
    }
    out.pair_end->push_back(static_cast<std::uint32_t>(out.targets->size()));
    prefetch_row(tables.input + static_cast<std::int64_t>(walk[j]) * tables.stride, tables.dim);
  }
  prefetch_row(tables.output + static_cast<std::int64_t>(walk[i]) * tables.stride, tables.dim);
}

template <std::int64_t Dim>
[[gnu::always_inline]] inline void train_walk(const SgnsTables& tables, const NodeId* walk, std::size_t length,
                                              const SgnsCorpus& corpus, Rng& rng, float learning_rate,
                                              SgnsScratch& scratch, SgnsLoss& loss) {
  // Centre i + 1's pairs are drawn, and their rows start loading, before centre i's train: the rows
  // are random rows of tables that may be far larger than the cache, and a centre's pairs take long
  // enough to cover their fetch.
  CentrePairs now{0, 0, &scratch.targets, &scratch.pair_end};
  CentrePairs next{0, 0, &scratch.next_targets, &scratch.next_pair_end};
  if (length > 0) draw_centre(tables, walk, length, 0, corpus, rng, next);
  for (std::size_t i = 0; i < length; ++i) {
    std::swap(now, next);
    if (i + 1 < length) draw_centre(tables, walk, length, i + 1, corpus, rng, next);
    std::size_t pair = 0, begin = 0;
    for (std::size_t j = now.first; j < now.last; ++j) {
      if (j == i) continue;
      const std::size_t end = (*now.pair_end)[pair++];
      pair_step<Dim>(tables, walk[j], now.targets->data() + begin, static_cast<int>(end - begin), learning_rate,
                     scratch, loss);
      begin = end;
    }
  }
}

}  // namespace

double SgnsLoss::sum() const { return linear + std::log(product) + log_sum; }

void SgnsLoss::add(const SgnsLoss& other) {
  positives += other.positives;
  linear += other.linear;
  log_sum += other.log_sum + std::log(other.product);
}

// The step runs about 1.5x as fast in the AVX2 + FMA clone (core/cpu_clones.h) as in the SSE2 baseline.

template <int Positives>
[[gnu::always_inline]] inline void pair_step_any_width(const SgnsTables& tables, NodeId context, const NodeId* targets,
                                                       int t, float learning_rate, SgnsScratch& scratch,
                                                       SgnsLoss& loss) {
  switch (tables.dim) {  // as sgns_train_walk below
    case 32: return pair_step<32, Positives>(tables, context, targets, t, learning_rate, scratch, loss);
    case 50: return pair_step<50, Positives>(tables, context, targets, t, learning_rate, scratch, loss);
    case 64: return pair_step<64, Positives>(tables, context, targets, t, learning_rate, scratch, loss);
    case 100: return pair_step<100, Positives>(tables, context, targets, t, learning_rate, scratch, loss);
    case 128: return pair_step<128, Positives>(tables, context, targets, t, learning_rate, scratch, loss);
    default: return pair_step<0, Positives>(tables, context, targets, t, learning_rate, scratch, loss);
  }
}

N2V_CPU_CLONES
void sgns_pair_step(const SgnsTables& tables, NodeId context, const NodeId* targets, int t, float learning_rate,
                    SgnsScratch& scratch, SgnsLoss& loss, bool positive) {
  if (positive) return pair_step_any_width<1>(tables, context, targets, t, learning_rate, scratch, loss);
  pair_step_any_width<0>(tables, context, targets, t, learning_rate, scratch, loss);
}

N2V_CPU_CLONES
void sgns_train_walk(const SgnsTables& tables, const NodeId* walk, std::size_t length, const SgnsCorpus& corpus,
                     Rng& rng, float learning_rate, SgnsScratch& scratch, SgnsLoss& loss) {
  // The common widths get rows unrolled at compile time (50: the Keras example's).
  switch (tables.dim) {
    case 32: return train_walk<32>(tables, walk, length, corpus, rng, learning_rate, scratch, loss);
    case 50: return train_walk<50>(tables, walk, length, corpus, rng, learning_rate, scratch, loss);
    case 64: return train_walk<64>(tables, walk, length, corpus, rng, learning_rate, scratch, loss);
    case 100: return train_walk<100>(tables, walk, length, corpus, rng, learning_rate, scratch, loss);
    case 128: return train_walk<128>(tables, walk, length, corpus, rng, learning_rate, scratch, loss);
    default: return train_walk<0>(tables, walk, length, corpus, rng, learning_rate, scratch, loss);
  }
}

}  // namespace n2v
