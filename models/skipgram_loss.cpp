#include "skipgram_loss.h"

#include <cmath>
#include <algorithm>
#include <cstdint>
#include <vector>

namespace n2v {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

bool fused_path(const torch::Tensor& w, const torch::Tensor& target, const torch::Tensor& context,
                const torch::Tensor& labels, const torch::Tensor& weights) {
  return w.is_cpu() && w.scalar_type() == torch::kFloat && w.is_contiguous() && target.scalar_type() == torch::kLong &&
         context.scalar_type() == torch::kLong && labels.scalar_type() == torch::kFloat &&
         weights.scalar_type() == torch::kFloat;
}

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
void check_stream_weight(const torch::Tensor& w) {
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

class SkipGramLoss : public torch::autograd::Function<SkipGramLoss> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor w, torch::Tensor target, torch::Tensor context,
                               torch::Tensor labels, torch::Tensor weights, double l2) {
    target = target.contiguous();
    context = context.contiguous();
    labels = labels.contiguous();
    weights = weights.contiguous();
    const std::int64_t n = target.size(0), dim = w.size(1);
    // dloss/dlogit per example, kept for backward.
    torch::Tensor dlogit = torch::empty({n}, w.options());
    double data_loss = 0.0, squares = 0.0;
    {
      const float* W = w.data_ptr<float>();
      const std::int64_t* t = target.data_ptr<std::int64_t>();
      const std::int64_t* c = context.data_ptr<std::int64_t>();
      const float* y = labels.data_ptr<float>();
      const float* s = weights.data_ptr<float>();
      float* g = dlogit.data_ptr<float>();
      const double inv_n = 1.0 / static_cast<double>(n);
      for (std::int64_t i = 0; i < n; ++i) {
        const LogitLoss l = bce_with_logits(dot(W + t[i] * dim, W + c[i] * dim, dim), y[i]);
        data_loss += s[i] * l.loss;
        g[i] = static_cast<float>(s[i] * l.dlogit * inv_n);
      }
      if (l2 > 0) {
        auto flat = w.view({-1});
        squares = flat.dot(flat).item<float>();  // BLAS: vectorised, no temporary
      }
      data_loss *= inv_n;
    }
    ctx->save_for_backward({w, target, context, dlogit});
    ctx->saved_data["l2"] = l2;
    return torch::tensor(static_cast<float>(data_loss + l2 * squares), w.options());
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
    auto saved = ctx->get_saved_variables();
    const torch::Tensor& w = saved[0];
    const torch::Tensor& target = saved[1];
    const torch::Tensor& context = saved[2];
    const torch::Tensor& dlogit = saved[3];
    const double l2 = ctx->saved_data["l2"].toDouble();
    const float scale = grad_outputs[0].item<float>();
    const std::int64_t n = target.size(0), dim = w.size(1), size = w.numel();
    torch::Tensor grad = torch::empty_like(w);
    const float* W = w.data_ptr<float>();
    float* G = grad.data_ptr<float>();
    const float decay = static_cast<float>(2.0 * l2) * scale;
    for (std::int64_t k = 0; k < size; ++k) G[k] = decay * W[k];
    const std::int64_t* t = target.data_ptr<std::int64_t>();
    const std::int64_t* c = context.data_ptr<std::int64_t>();
    const float* g = dlogit.data_ptr<float>();
    for (std::int64_t i = 0; i < n; ++i) {
      const float gi = g[i] * scale;
      const float* a = W + t[i] * dim;
      const float* b = W + c[i] * dim;
      float* ga = G + t[i] * dim;
      float* gb = G + c[i] * dim;
      for (std::int64_t k = 0; k < dim; ++k) {
        ga[k] += gi * b[k];
        gb[k] += gi * a[k];
      }
    }
    return {grad, torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

// The same computation in tensor ops, for devices the loops cannot read (CUDA).
torch::Tensor tensor_op_loss(const torch::Tensor& w, const torch::Tensor& target, const torch::Tensor& context,
                             const torch::Tensor& labels, const torch::Tensor& weights, double l2) {
  torch::Tensor x = (w.index_select(0, target) * w.index_select(0, context)).sum(-1);
  torch::Tensor bce = torch::clamp_min(x, 0) - x * labels + torch::log1p(torch::exp(-x.abs()));
  torch::Tensor loss = (bce * weights).sum() / static_cast<double>(x.size(0));
  return l2 > 0 ? loss + l2 * w.pow(2).sum() : loss;
}

}  // namespace

torch::Tensor fused_skipgram_loss(const torch::Tensor& embedding_weight, const torch::Tensor& target,
                                  const torch::Tensor& context, const torch::Tensor& labels,
                                  const torch::Tensor& weights, double l2) {
  if (!fused_path(embedding_weight, target, context, labels, weights)) {
    return tensor_op_loss(embedding_weight, target, context, labels, weights, l2);
  }
  return SkipGramLoss::apply(embedding_weight, target, context, labels, weights, l2);
}

}  // namespace n2v

namespace n2v {

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

double skipgram_row_gradient(const torch::Tensor& embedding_weight, const torch::Tensor& target,
                             const torch::Tensor& context, const torch::Tensor& labels, double scale,
                             std::vector<std::int32_t>& slot_of_row, RowSparse& gradient) {
  check_stream_weight(embedding_weight);
  const std::int64_t n = target.size(0), dim = embedding_weight.size(1);
  const float* W = embedding_weight.data_ptr<float>();
  const std::int64_t* t = target.data_ptr<std::int64_t>();
  const std::int64_t* c = context.data_ptr<std::int64_t>();
  const float* y = labels.data_ptr<float>();

  // Gradients of the touched rows, in a compact buffer indexed by slot.
  gradient.clear();
  gradient.dim = dim;
  std::vector<std::int32_t> target_slot, context_slot;
  assign_slots(t, c, n, slot_of_row, gradient.rows, target_slot, context_slot);
  gradient.values.assign(gradient.rows.size() * static_cast<std::size_t>(dim), 0.0f);
  double loss = 0.0;
  for (std::int64_t i = 0; i < n; ++i) {
    const float* a = W + t[i] * dim;
    const float* b = W + c[i] * dim;
    const LogitLoss l = bce_with_logits(dot(a, b, dim), y[i]);
    loss += l.loss;
    const float g = static_cast<float>(l.dlogit * scale);
    float* ga = gradient.values.data() + static_cast<std::size_t>(target_slot[i]) * dim;
    float* gb = gradient.values.data() + static_cast<std::size_t>(context_slot[i]) * dim;
    for (std::int64_t k = 0; k < dim; ++k) {
      ga[k] += g * b[k];
      gb[k] += g * a[k];
    }
  }
  return loss;
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
