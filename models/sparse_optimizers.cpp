#include "models/sparse_optimizers.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "models/skipgram_loss.h"
#include "models/skipgram_math.h"

namespace n2v {

using namespace skipgram_math;

double sparse_sgd_step(torch::Tensor& embedding_weight, const torch::Tensor& target, const torch::Tensor& context,
                       const torch::Tensor& labels, double learning_rate, double l2) {
  check_stream_weight(embedding_weight);
  torch::NoGradGuard no_grad;
  const std::int64_t n = target.size(0), dim = embedding_weight.size(1);
  float* W = embedding_weight.data_ptr<float>();
  const std::int64_t* t = target.data_ptr<std::int64_t>();
  const std::int64_t* c = context.data_ptr<std::int64_t>();
  const float* y = labels.data_ptr<float>();
  const float lr = static_cast<float>(learning_rate);
  const float keep = static_cast<float>(1.0 - 2.0 * l2 * learning_rate);
  std::vector<float> target_grad(dim);
  double loss = 0.0;
  for (std::int64_t i = 0; i < n; ++i) {
    float* a = W + t[i] * dim;
    float* b = W + c[i] * dim;
    const LogitLoss l = bce_with_logits(dot(a, b, dim), y[i]);
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

void lazy_adam_apply(torch::Tensor& embedding_weight, LazyAdamState& state, const RowSparse& gradient,
                     float grad_scale, double learning_rate, double l2) {
  check_stream_weight(embedding_weight);
  torch::NoGradGuard no_grad;
  const std::int64_t dim = embedding_weight.size(1);
  if (state.slot_of_row.size() != static_cast<std::size_t>(embedding_weight.size(0))) {
    state.reset(embedding_weight.size(0), dim);
  }
  float* W = embedding_weight.data_ptr<float>();
  float* M = state.m.data_ptr<float>();
  float* V = state.v.data_ptr<float>();
  // Keras' Adam constants; the update form lr_t * m / (sqrt(v) + eps) as Keras writes it.
  constexpr double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7;
  ++state.step;
  const double lr_t = learning_rate * std::sqrt(1.0 - std::pow(beta2, static_cast<double>(state.step))) /
                      (1.0 - std::pow(beta1, static_cast<double>(state.step)));
  const float decay = static_cast<float>(2.0 * l2), b1 = static_cast<float>(beta1), b2 = static_cast<float>(beta2);
  const float step_size = static_cast<float>(lr_t), eps = static_cast<float>(epsilon);
  for (std::size_t s = 0; s < gradient.rows.size(); ++s) {
    float* w = W + gradient.rows[s] * dim;
    float* m = M + gradient.rows[s] * dim;
    float* v = V + gradient.rows[s] * dim;
    const float* g = gradient.values.data() + s * static_cast<std::size_t>(dim);
    // Float math without errno (see CMakeLists.txt), so the row vectorises. grad_scale 1 is exact.
    for (std::int64_t k = 0; k < dim; ++k) {
      const float gk = grad_scale * g[k] + decay * w[k];
      m[k] = b1 * m[k] + (1.0f - b1) * gk;
      v[k] = b2 * v[k] + (1.0f - b2) * gk * gk;
      w[k] -= step_size * m[k] / (std::sqrt(v[k]) + eps);
    }
  }
}

double lazy_adam_step(torch::Tensor& embedding_weight, LazyAdamState& state, const torch::Tensor& target,
                      const torch::Tensor& context, const torch::Tensor& labels, double learning_rate, double l2) {
  check_stream_weight(embedding_weight);
  torch::NoGradGuard no_grad;
  const std::int64_t n = target.size(0);
  if (state.slot_of_row.size() != static_cast<std::size_t>(embedding_weight.size(0))) {
    state.reset(embedding_weight.size(0), embedding_weight.size(1));
  }
  const double inv_n = n > 0 ? 1.0 / static_cast<double>(n) : 0.0;
  const double loss =
      skipgram_row_gradient(embedding_weight, target, context, labels, inv_n, state.slot_of_row, state.gradient);
  lazy_adam_apply(embedding_weight, state, state.gradient, 1.0f, learning_rate, l2);
  return loss * inv_n;
}

double sparse_sgd_delta(const torch::Tensor& embedding_weight, const torch::Tensor& target,
                        const torch::Tensor& context, const torch::Tensor& labels, double learning_rate, double l2,
                        std::vector<std::int32_t>& slot_of_row, RowSparse& delta) {
  check_stream_weight(embedding_weight);
  const std::int64_t n = target.size(0), dim = embedding_weight.size(1);
  const float* W = embedding_weight.data_ptr<float>();
  const std::int64_t* t = target.data_ptr<std::int64_t>();
  const std::int64_t* c = context.data_ptr<std::int64_t>();
  const float* y = labels.data_ptr<float>();
  delta.clear();
  delta.dim = dim;
  std::vector<std::int32_t> target_slot, context_slot;
  assign_slots(t, c, n, slot_of_row, delta.rows, target_slot, context_slot);
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
    float* a = rows.data() + static_cast<std::size_t>(target_slot[i]) * dim;
    float* b = rows.data() + static_cast<std::size_t>(context_slot[i]) * dim;
    const LogitLoss l = bce_with_logits(dot(a, b, dim), y[i]);
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
