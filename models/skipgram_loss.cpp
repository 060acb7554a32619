#include "models/skipgram_loss.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/parallel.h"
#include "models/skipgram_math.h"

namespace n2v {

using namespace skipgram_math;

namespace {
using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

bool fused_path(const torch::Tensor& w, const torch::Tensor& target, const torch::Tensor& context,
                const torch::Tensor& labels, const torch::Tensor& weights) {
  return w.is_cpu() && w.scalar_type() == torch::kFloat && w.is_contiguous() && target.scalar_type() == torch::kLong &&
         context.scalar_type() == torch::kLong && labels.scalar_type() == torch::kFloat &&
         weights.scalar_type() == torch::kFloat;
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
      if (l2 > 0) squares = sum_of_squares(W, w.numel());  // no BLAS call: the same bits with any threads
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

double skipgram_row_gradient(const torch::Tensor& embedding_weight, const torch::Tensor& target,
                             const torch::Tensor& context, const torch::Tensor& labels, double scale,
                             std::vector<std::int32_t>& slot_of_row, RowSparse& gradient, int threads) {
  const StreamBatchView batch(embedding_weight, target, context, labels);
  const std::int64_t n = batch.n, dim = batch.dim;
  const float* W = embedding_weight.data_ptr<float>();
  const std::int64_t* t = batch.target;
  const std::int64_t* c = batch.context;
  threads = useful_threads(n, 2048, threads);

  // Gradients of the touched rows, in a compact buffer indexed by slot.
  const BatchSlots slots = touched_rows(batch, slot_of_row, gradient);
  gradient.values.assign(gradient.rows.size() * static_cast<std::size_t>(dim), 0.0f);
  // Each example's loss and scaled dloss/dlogit: the matrix is only read, so examples split freely.
  std::vector<double> losses(static_cast<std::size_t>(n));
  std::vector<float> dlogit(static_cast<std::size_t>(n));
  const auto examples_per_thread = static_cast<std::uint64_t>((n + threads - 1) / threads);
  parallel_chunks(static_cast<std::uint64_t>(n), examples_per_thread, threads,
                  [&](std::uint64_t first, std::uint64_t last, int) {
                    for (std::uint64_t i = first; i < last; ++i) {
                      const LogitLoss l = bce_with_logits(dot(W + t[i] * dim, W + c[i] * dim, dim), batch.label[i]);
                      losses[i] = l.loss;
                      dlogit[i] = static_cast<float>(l.dlogit * scale);
                    }
                  });
  // Thread `owner` adds into the rows whose slot % threads == owner, in example order (a self-pair's
  // target term before its context term, as on one thread).
  parallel_chunks(static_cast<std::uint64_t>(threads), 1, threads, [&](std::uint64_t owner, std::uint64_t, int) {
    const auto mine = [&](std::int32_t slot) { return static_cast<std::uint64_t>(slot) % threads == owner; };
    for (std::int64_t i = 0; i < n; ++i) {
      const float g = dlogit[i];
      const float* a = W + t[i] * dim;
      const float* b = W + c[i] * dim;
      if (mine(slots.target[i])) {
        float* ga = gradient.values.data() + static_cast<std::size_t>(slots.target[i]) * dim;
        for (std::int64_t k = 0; k < dim; ++k) ga[k] += g * b[k];
      }
      if (mine(slots.context[i])) {
        float* gb = gradient.values.data() + static_cast<std::size_t>(slots.context[i]) * dim;
        for (std::int64_t k = 0; k < dim; ++k) gb[k] += g * a[k];
      }
    }
  });
  double loss = 0.0;
  for (double l : losses) loss += l;
  return loss;
}

}  // namespace n2v
