#include "models/sgns_step.h"

#include <algorithm>
#include <cmath>

namespace n2v {

namespace {

// Built with -fopenmp-simd (CMakeLists.txt): the reductions vectorise in a fixed lane order, so a
// run is still bit-for-bit repeatable.
inline float dot(const float* a, const float* b, std::int64_t n) {
  float sum = 0;
#pragma omp simd reduction(+ : sum)
  for (std::int64_t i = 0; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

inline void axpy(float alpha, const float* x, float* y, std::int64_t n) {
#pragma omp simd
  for (std::int64_t i = 0; i < n; ++i) y[i] += alpha * x[i];
}

}  // namespace

// The step's arithmetic is all dot products and axpys over rows: on x86-64, a clone for AVX2 + FMA
// (picked once per process by the loader) runs it about twice as fast as the SSE2 baseline. The
// choice depends on the machine only, so one machine still repeats a run bit for bit.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("arch=haswell", "default")))
#endif
void sgns_window_step(const SgnsTables& tables, const NodeId* contexts, int m, const NodeId* targets, int t,
                      float learning_rate, SgnsScratch& scratch, SgnsLoss& loss) {
  const std::int64_t dim = tables.dim;
  scratch.logits.resize(static_cast<std::size_t>(m) * t);
  scratch.input_delta.assign(static_cast<std::size_t>(m) * dim, 0.0f);
  scratch.output_delta.assign(static_cast<std::size_t>(t) * dim, 0.0f);
  float* g = scratch.logits.data();
  double loss_sum = 0;
  for (int c = 0; c < m; ++c) {
    const float* in = tables.input + static_cast<std::int64_t>(contexts[c]) * dim;
    // The row's loss: sum of softplus(z) = max(z, 0) + log(1 + e), z = -x for the positive and x
    // for a negative, e = exp(-|x|); the logs as one log of the product (each factor in (1, 2],
    // t <= 1001 of them: no overflow in double). log1p per pair was a fifth of the training time.
    double product = 1;
    for (int k = 0; k < t; ++k) {
      const float x = dot(in, tables.output + static_cast<std::int64_t>(targets[k]) * dim, dim);
      // The exact sigmoid from one exp of -|x|, finite for any x.
      const float e = std::exp(-std::fabs(x));
      const float sigmoid = x >= 0 ? 1.0f / (1.0f + e) : e / (1.0f + e);
      const float label = k == 0 ? 1.0f : 0.0f;
      loss_sum += std::max(k == 0 ? -x : x, 0.0f);
      product *= 1.0 + static_cast<double>(e);
      g[c * t + k] = learning_rate * (label - sigmoid);
    }
    loss_sum += std::log(product);
  }
  // Both deltas from the rows before the step, then added (a row twice in the window gets both).
  for (int c = 0; c < m; ++c) {
    const float* in = tables.input + static_cast<std::int64_t>(contexts[c]) * dim;
    float* in_delta = scratch.input_delta.data() + c * dim;
    for (int k = 0; k < t; ++k) {
      const float gk = g[c * t + k];
      axpy(gk, tables.output + static_cast<std::int64_t>(targets[k]) * dim, in_delta, dim);
      axpy(gk, in, scratch.output_delta.data() + k * dim, dim);
    }
  }
  for (int c = 0; c < m; ++c) {
    axpy(1.0f, scratch.input_delta.data() + c * dim, tables.input + static_cast<std::int64_t>(contexts[c]) * dim, dim);
  }
  for (int k = 0; k < t; ++k) {
    axpy(1.0f, scratch.output_delta.data() + k * dim, tables.output + static_cast<std::int64_t>(targets[k]) * dim, dim);
  }
  loss.sum += loss_sum;
  loss.positives += static_cast<std::uint64_t>(m);
}

void sgns_train_walk(const SgnsTables& tables, const NodeId* walk, std::size_t length, const SgnsCorpus& corpus,
                     Rng& rng, float learning_rate, SgnsScratch& scratch, SgnsLoss& loss) {
  const auto window = static_cast<std::uint64_t>(corpus.options().window);
  for (std::size_t i = 0; i < length; ++i) {
    const std::size_t b = 1 + rng.below(window);
    for (std::size_t j = i > b ? i - b : 0; j < std::min(length, i + b + 1); ++j) {
      if (j == i) continue;
      // Fresh negatives for every pair, as word2vec draws them: negatives shared by a centre's
      // window (pWord2Vec) were faster but learnt worse vectors here (docs/training.md).
      scratch.targets.assign(1, walk[i]);
      const int negatives = corpus.draw_negative_count(rng);
      for (int k = 0; k < negatives; ++k) {
        const NodeId negative = corpus.draw_negative(rng);
        if (negative != walk[i]) scratch.targets.push_back(negative);  // word2vec skips the centre itself
      }
      sgns_window_step(tables, walk + j, 1, scratch.targets.data(), static_cast<int>(scratch.targets.size()),
                       learning_rate, scratch, loss);
    }
  }
}

}  // namespace n2v
