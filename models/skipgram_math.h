#pragma once
// The per-example math every skip-gram loop shares (the fused loss, the sparse optimizers): a dot
// product, BCE with logits and its derivative, word2vec's pair update. Inline, so each loop
// compiles it with its own flags (-fno-math-errno, see CMakeLists.txt).
#include <torch/types.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

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
