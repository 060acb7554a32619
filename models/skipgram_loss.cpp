#include "models/skipgram_loss.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/errors.h"
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

namespace {

// Examples a chunk of the first pass: small enough that a thread that comes free (or a worker that
// got no core for a while) leaves little for the others to wait on.
constexpr std::uint64_t kExamplesPerChunk = 256;

// The gradient's rows are split between owners: slot s belongs to owner s & (owners - 1). Each owner's
// terms are added by one thread in example order, so the split does not change the bits; a few owners
// a thread let the threads even out their shares.
std::uint32_t owner_count(int threads) {
  std::uint32_t owners = 1;
  while (threads > 1 && owners < 4u * static_cast<std::uint32_t>(threads)) owners *= 2;
  return owners;
}

}  // namespace

double skipgram_row_gradient(const torch::Tensor& embedding_weight, const torch::Tensor& target,
                             const torch::Tensor& context, const torch::Tensor& labels, double scale,
                             std::vector<std::int32_t>& slot_of_row, RowSparse& gradient, int threads) {
  const StreamBatchView batch(embedding_weight, target, context, labels);
  const std::int64_t n = batch.n, dim = batch.dim;
  if (n >= (std::int64_t{1} << 31)) {  // the terms below are numbered in 32 bits
    throw UsageError("a stream batch of " + std::to_string(n) + " examples: at most 2^31 - 1, lower train.batch_size");
  }
  const float* W = embedding_weight.data_ptr<float>();
  const std::int64_t* t = batch.target;
  const std::int64_t* c = batch.context;
  threads = useful_threads(n, 2048, threads);

  // Gradients of the touched rows, in a compact buffer indexed by slot.
  const BatchSlots slots = touched_rows(batch, slot_of_row, gradient);
  gradient.values.assign(gradient.rows.size() * static_cast<std::size_t>(dim), 0.0f);
  const std::uint32_t owners = owner_count(threads), owner_mask = owners - 1;
  const std::uint64_t chunks = (static_cast<std::uint64_t>(n) + kExamplesPerChunk - 1) / kExamplesPerChunk;
  // Example i's two terms, 2i (into its target's row) and 2i + 1 (into its context's), each chunk's
  // grouped by the owner of that row, in example order within a group: chunk k's group o is
  // terms[group_start[k * owners + o], group_start[k * owners + o + 1]).
  std::vector<std::uint32_t> terms(2 * static_cast<std::size_t>(n));
  std::vector<std::uint32_t> group_start(chunks * owners + 1, 2 * static_cast<std::uint32_t>(n));
  std::vector<std::uint32_t> cursors(static_cast<std::size_t>(threads) * owners);
  // Each example's loss and scaled dloss/dlogit: the matrix is only read, so examples split freely.
  std::vector<double> losses(static_cast<std::size_t>(n));
  std::vector<float> dlogit(static_cast<std::size_t>(n));
  parallel_chunks(static_cast<std::uint64_t>(n), kExamplesPerChunk, threads,
                  [&](std::uint64_t first, std::uint64_t last, int thread) {
                    std::uint32_t* count = cursors.data() + static_cast<std::size_t>(thread) * owners;
                    std::fill_n(count, owners, 0u);
                    for (std::uint64_t i = first; i < last; ++i) {
                      const LogitLoss l = bce_with_logits(dot(W + t[i] * dim, W + c[i] * dim, dim), batch.label[i]);
                      losses[i] = l.loss;
                      dlogit[i] = static_cast<float>(l.dlogit * scale);
                      ++count[slots.target[i] & owner_mask];
                      ++count[slots.context[i] & owner_mask];
                    }
                    std::uint32_t* start = group_start.data() + first / kExamplesPerChunk * owners;
                    auto next = static_cast<std::uint32_t>(2 * first);
                    for (std::uint32_t o = 0; o < owners; ++o) {
                      start[o] = next;
                      next += count[o];
                      count[o] = start[o];  // from here on, where the group's next term goes
                    }
                    for (std::uint64_t i = first; i < last; ++i) {
                      terms[count[slots.target[i] & owner_mask]++] = static_cast<std::uint32_t>(2 * i);
                      terms[count[slots.context[i] & owner_mask]++] = static_cast<std::uint32_t>(2 * i + 1);
                    }
                  });
  // Owner o adds its terms chunk by chunk, so in example order (a self-pair's target term before its
  // context term, as on one thread). Term 2i adds dlogit_i * W[context] to the target's row, 2i + 1
  // dlogit_i * W[target] to the context's.
  const std::int32_t* slot_of_term[2] = {slots.target.data(), slots.context.data()};
  const std::int64_t* other_row_of_term[2] = {c, t};
  parallel_chunks(owners, 1, threads, [&](std::uint64_t owner, std::uint64_t, int) {
    for (std::uint64_t k = 0; k < chunks; ++k) {
      const std::uint32_t* group = group_start.data() + k * owners + owner;
      for (std::uint32_t j = group[0]; j < group[1]; ++j) {
        const std::uint32_t i = terms[j] >> 1, side = terms[j] & 1;
        const float g = dlogit[i];
        const float* other = W + other_row_of_term[side][i] * dim;
        float* sum = gradient.values.data() + static_cast<std::size_t>(slot_of_term[side][i]) * dim;
        for (std::int64_t d = 0; d < dim; ++d) sum[d] += g * other[d];
      }
    }
  });
  double loss = 0.0;
  for (double l : losses) loss += l;
  return loss;
}

}  // namespace n2v
