#include "models/sparse_optimizers.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/parallel.h"
#include "models/skipgram_loss.h"
#include "models/skipgram_math.h"

namespace n2v {

using namespace skipgram_math;

double sparse_sgd_step(torch::Tensor& embedding_weight, const torch::Tensor& target, const torch::Tensor& context,
                       const torch::Tensor& labels, double learning_rate, double l2) {
  const StreamBatchView batch(embedding_weight, target, context, labels);
  torch::NoGradGuard no_grad;
  const std::int64_t n = batch.n, dim = batch.dim;
  float* W = embedding_weight.data_ptr<float>();
  const float lr = static_cast<float>(learning_rate);
  const float keep = static_cast<float>(1.0 - 2.0 * l2 * learning_rate);
  std::vector<float> target_grad(dim);
  double loss = 0.0;
  for (std::int64_t i = 0; i < n; ++i) {
    float* a = W + batch.target[i] * dim;
    float* b = W + batch.context[i] * dim;
    const LogitLoss l = bce_with_logits(dot(a, b, dim), batch.label[i]);
    loss += l.loss;
    sgd_pair_update(a, b, dim, static_cast<float>(l.dlogit) * lr, keep, target_grad.data());
  }
  return n > 0 ? loss / static_cast<double>(n) : 0.0;
}

}  // namespace n2v

namespace n2v {

void LazyAdamState::reset(std::int64_t rows, std::int64_t dim) {
  m = torch::zeros({rows, dim}, torch::kFloat);
  v = torch::zeros({rows, dim}, torch::kFloat);
  step = 0;
  slot_of_row.assign(static_cast<std::size_t>(rows), -1);
}

AdamConstants keras_adam_constants(double learning_rate, std::int64_t step, double beta1, double beta2,
                                   double epsilon) {
  const double t = static_cast<double>(step);
  const double lr_t = learning_rate * std::sqrt(1.0 - std::pow(beta2, t)) / (1.0 - std::pow(beta1, t));
  return {static_cast<float>(beta1), static_cast<float>(beta2), static_cast<float>(lr_t), static_cast<float>(epsilon)};
}

N2V_CPU_CLONES
void adam_update(float* w, float* m, float* v, const float* g, std::int64_t count, float grad_scale, float decay,
                 const AdamConstants& adam) {
  const float b1 = adam.beta1, b2 = adam.beta2, step_size = adam.step_size, eps = adam.epsilon;
  // Float math without errno (see CMakeLists.txt), so the loop vectorises. grad_scale 1 is exact.
  for (std::int64_t k = 0; k < count; ++k) {
    const float gk = grad_scale * g[k] + decay * w[k];
    m[k] = b1 * m[k] + (1.0f - b1) * gk;
    v[k] = b2 * v[k] + (1.0f - b2) * gk * gk;
    w[k] -= step_size * m[k] / (std::sqrt(v[k]) + eps);
  }
}

void lazy_adam_apply(torch::Tensor& embedding_weight, LazyAdamState& state, const RowSparse& gradient,
                     float grad_scale, double learning_rate, double l2, int threads) {
  check_stream_weight(embedding_weight);
  torch::NoGradGuard no_grad;
  const std::int64_t dim = embedding_weight.size(1);
  if (state.slot_of_row.size() != static_cast<std::size_t>(embedding_weight.size(0))) {
    state.reset(embedding_weight.size(0), dim);
  }
  float* W = embedding_weight.data_ptr<float>();
  float* M = state.m.data_ptr<float>();
  float* V = state.v.data_ptr<float>();
  ++state.step;
  const AdamConstants adam = keras_adam_constants(learning_rate, state.step);
  const float decay = static_cast<float>(2.0 * l2);
  const std::size_t rows = gradient.rows.size();
  threads = useful_threads(static_cast<std::int64_t>(rows), 512, threads);
  // Chunks of a few microseconds' work: a thread that comes free takes the next.
  constexpr std::uint64_t kRowsPerChunk = 128;
  parallel_chunks(rows, kRowsPerChunk, threads, [&](std::uint64_t first, std::uint64_t last, int) {
    for (std::size_t s = first; s < last; ++s) {
      const std::int64_t offset = gradient.rows[s] * dim;
      adam_update(W + offset, M + offset, V + offset, gradient.values.data() + s * static_cast<std::size_t>(dim), dim,
                  grad_scale, decay, adam);
    }
  });
}

double lazy_adam_step(torch::Tensor& embedding_weight, LazyAdamState& state, const torch::Tensor& target,
                      const torch::Tensor& context, const torch::Tensor& labels, double learning_rate, double l2,
                      int threads) {
  check_stream_weight(embedding_weight);
  torch::NoGradGuard no_grad;
  const std::int64_t n = target.size(0);
  if (state.slot_of_row.size() != static_cast<std::size_t>(embedding_weight.size(0))) {
    state.reset(embedding_weight.size(0), embedding_weight.size(1));
  }
  const double inv_n = n > 0 ? 1.0 / static_cast<double>(n) : 0.0;
  const double loss = skipgram_row_gradient(embedding_weight, target, context, labels, inv_n, state.slot_of_row,
                                            state.gradient, threads);
  lazy_adam_apply(embedding_weight, state, state.gradient, 1.0f, learning_rate, l2, threads);
  return loss * inv_n;
}

double sparse_sgd_delta(const torch::Tensor& embedding_weight, const torch::Tensor& target,
                        const torch::Tensor& context, const torch::Tensor& labels, double learning_rate, double l2,
                        std::vector<std::int32_t>& slot_of_row, RowSparse& delta) {
  const StreamBatchView batch(embedding_weight, target, context, labels);
  const std::int64_t n = batch.n, dim = batch.dim;
  const float* W = embedding_weight.data_ptr<float>();
  const BatchSlots slots = touched_rows(batch, slot_of_row, delta);
  // The touched rows, updated in place as sparse_sgd_step updates the matrix.
  std::vector<float> rows(delta.rows.size() * static_cast<std::size_t>(dim));
  for (std::size_t s = 0; s < delta.rows.size(); ++s) {
    std::copy_n(W + delta.rows[s] * dim, dim, rows.data() + s * static_cast<std::size_t>(dim));
  }
  const float lr = static_cast<float>(learning_rate);
  const float keep = static_cast<float>(1.0 - 2.0 * l2 * learning_rate);
  std::vector<float> target_grad(static_cast<std::size_t>(dim));
  double loss = 0.0;
  for (std::int64_t i = 0; i < n; ++i) {
    float* a = rows.data() + static_cast<std::size_t>(slots.target[i]) * dim;
    float* b = rows.data() + static_cast<std::size_t>(slots.context[i]) * dim;
    const LogitLoss l = bce_with_logits(dot(a, b, dim), batch.label[i]);
    loss += l.loss;
    sgd_pair_update(a, b, dim, static_cast<float>(l.dlogit) * lr, keep, target_grad.data());
  }
  delta.values.resize(rows.size());
  for (std::size_t s = 0; s < delta.rows.size(); ++s) {
    const float* before = W + delta.rows[s] * dim;
    const float* after = rows.data() + s * static_cast<std::size_t>(dim);
    float* d = delta.values.data() + s * static_cast<std::size_t>(dim);
    for (std::int64_t k = 0; k < dim; ++k) d[k] = after[k] - before[k];
  }
  return loss;
}

void add_rows(torch::Tensor& embedding_weight, const RowSparse& delta) {
  check_stream_weight(embedding_weight);
  const std::int64_t dim = embedding_weight.size(1);
  float* W = embedding_weight.data_ptr<float>();
  for (std::size_t s = 0; s < delta.rows.size(); ++s) {
    float* w = W + delta.rows[s] * dim;
    const float* d = delta.values.data() + s * static_cast<std::size_t>(dim);
    for (std::int64_t k = 0; k < dim; ++k) w[k] += d[k];
  }
}

}  // namespace n2v
