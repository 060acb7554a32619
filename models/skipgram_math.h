#pragma once
// The per-example math every skip-gram loop shares (the fused loss, the sparse optimizers): a dot
// product, BCE with logits and its derivative, word2vec's pair update. Inline, so each loop
// compiles it with its own flags (-fno-math-errno, see CMakeLists.txt).
#include <torch/types.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/cpu_clones.h"
#include "models/row_sparse.h"

namespace n2v::skipgram_math {

// Eight partial sums, added in a fixed order: the loop vectorises without -ffast-math (one AVX or
// two SSE registers of partial sums), and the result does not depend on which.
inline float dot(const float* a, const float* b, std::int64_t dim) {
  float partial[8] = {};
  std::int64_t k = 0;
  for (; k + 8 <= dim; k += 8) {
    for (int j = 0; j < 8; ++j) partial[j] += a[k + j] * b[k + j];
  }
  float tail = 0;
  for (; k < dim; ++k) tail += a[k] * b[k];
  const float low = (partial[0] + partial[1]) + (partial[2] + partial[3]);
  const float high = (partial[4] + partial[5]) + (partial[6] + partial[7]);
  return (low + high) + tail;
}

// Stream mode's steps read and write the matrix through raw pointers.
inline void check_stream_weight(const torch::Tensor& w) {
  TORCH_CHECK(w.is_cpu() && w.scalar_type() == torch::kFloat && w.is_contiguous(), "stream mode trains on CPU float32");
}

// A stream batch as the loops read it: the matrix (checked: CPU float32, contiguous) and the
// example columns, through raw pointers.
struct StreamBatchView {
  std::int64_t n, dim;
  const std::int64_t* target;
  const std::int64_t* context;
  const float* label;
  StreamBatchView(const torch::Tensor& w, const torch::Tensor& t, const torch::Tensor& c, const torch::Tensor& y)
      : n(t.size(0)), dim(w.size(1)), target(t.data_ptr<std::int64_t>()), context(c.data_ptr<std::int64_t>()),
        label(y.data_ptr<float>()) {
    check_stream_weight(w);
  }
};

// Threads worth using for `items` of work, at most `threads`: each must get at least
// `min_per_thread` items, enough to outweigh waking it and waiting for it (the result does not
// depend on it).
inline int useful_threads(std::int64_t items, std::int64_t min_per_thread, int threads) {
  return static_cast<int>(std::max<std::int64_t>(1, std::min<std::int64_t>(threads, items / min_per_thread)));
}

// The rows a stream batch touches, each given a slot in example order: `rows` is cleared (dim
// columns, no values yet) and lists them; target[i] / context[i] are example i's slots.
struct BatchSlots {
  std::vector<std::int32_t> target, context;
};
inline BatchSlots touched_rows(const StreamBatchView& batch, std::vector<std::int32_t>& slot_of_row, RowSparse& rows) {
  rows.clear();
  rows.dim = batch.dim;
  BatchSlots slots;
  assign_slots(batch.target, batch.context, batch.n, slot_of_row, rows.rows, slots.target, slots.context);
  return slots;
}

// Sum of squares with sixteen partial sums, so that the loop vectorises without -ffast-math; the
// result depends on `count` only, not on threads.
inline double sum_of_squares(const float* x, std::int64_t count) {
  float partial[16] = {};
  std::int64_t k = 0;
  for (; k + 16 <= count; k += 16) {
    for (int j = 0; j < 16; ++j) partial[j] += x[k + j] * x[k + j];
  }
  double sum = 0;
  for (; k < count; ++k) sum += static_cast<double>(x[k]) * x[k];
  for (float p : partial) sum += p;
  return sum;
}

// Stable BCE with logits, max(x, 0) - x y + log(1 + e^-|x|), and its derivative sigmoid(x) - y
// from the same exp, in float as Keras computes it (the double exp and log1p were a sixth of a Keras
// epoch). log(1 + e) in place of log1p(e): e <= 1, so its absolute error stays below 1e-7, and glibc's
// logf is twice as fast as its log1pf. Callers add the losses up in double.
struct LogitLoss {
  float loss, dlogit;
};
inline LogitLoss bce_with_logits(float x, float y) {
  const float e = std::exp(-std::fabs(x));
  return {std::max(x, 0.0f) - x * y + std::log(1.0f + e), (x >= 0 ? 1.0f / (1.0f + e) : e / (1.0f + e)) - y};
}

// word2vec's update of one (target a, context b) pair with dloss/dlogit x learning rate `g`: both
// rows move by the gradient at their old values, after L2 decay (`keep`). `scratch`: dim floats.
inline void sgd_pair_update(float* a, float* b, std::int64_t dim, float g, float keep, float* scratch) {
  for (std::int64_t k = 0; k < dim; ++k) {
    scratch[k] = g * b[k];
    b[k] = keep * b[k] - g * a[k];
  }
  for (std::int64_t k = 0; k < dim; ++k) a[k] = keep * a[k] - scratch[k];
}

}  // namespace n2v::skipgram_math
