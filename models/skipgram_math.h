#pragma once
// The per-example math every skip-gram loop shares (the fused loss, the sparse optimizers): a dot
// product, BCE with logits and its derivative, word2vec's pair update. Inline, so each loop
// compiles it with its own flags (-fno-math-errno, see CMakeLists.txt).
#include <torch/types.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "models/row_sparse.h"

namespace n2v::skipgram_math {

// Four partial sums so the compiler can keep several multiply-adds in flight.
inline float dot(const float* a, const float* b, std::int64_t dim) {
  float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  std::int64_t k = 0;
  for (; k + 4 <= dim; k += 4) {
    s0 += a[k] * b[k];
    s1 += a[k + 1] * b[k + 1];
    s2 += a[k + 2] * b[k + 2];
    s3 += a[k + 3] * b[k + 3];
  }
  for (; k < dim; ++k) s0 += a[k] * b[k];
  return (s0 + s1) + (s2 + s3);
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
// from the same exp.
struct LogitLoss {
  double loss, dlogit;
};
inline LogitLoss bce_with_logits(double x, double y) {
  const double e = std::exp(-std::fabs(x));
  return {std::max(x, 0.0) - x * y + std::log1p(e), (x >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e)) - y};
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
