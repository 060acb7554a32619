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


// Work units of the fused loop, fixed so that the sums below do not depend on the thread count:
// examples a chunk of the forward pass, and weights a chunk of the L2 sum of squares.
constexpr std::int64_t kLossExamplesPerChunk = 256;
constexpr std::int64_t kSquaresPerChunk = 16384;
constexpr int kRowBlockBits = 4;
constexpr std::int64_t kRowsPerBlock = std::int64_t{1} << kRowBlockBits;

// Examples [first, last) of a batch: their weighted losses' sum (returned) and dloss/dlogit / n in g.
N2V_CPU_CLONES
double keras_loss_chunk(const float* W, std::int64_t dim, const std::int64_t* t, const std::int64_t* c, const float* y,
                        const float* s, double inv_n, std::int64_t first, std::int64_t last, float* g) {
  double sum = 0.0;
  for (std::int64_t i = first; i < last; ++i) {
    const LogitLoss l = bce_with_logits(dot(W + t[i] * dim, W + c[i] * dim, dim), y[i]);
    sum += static_cast<double>(s[i]) * l.loss;
    g[i] = static_cast<float>(static_cast<double>(s[i]) * l.dlogit * inv_n);
  }
  return sum;
}

N2V_CPU_CLONES
double squares_chunk(const float* x, std::int64_t count) { return sum_of_squares(x, count); }

// One owner's share of the gradient G (see backward): the L2 term of its rows, then their example
// terms (dloss/dlogit g x the other row) in example order.
struct GradientShare {
  const float* W;
  float* G;
  std::int64_t rows, dim, n;
  const std::int64_t* t;
  const std::int64_t* c;
  const float* g;
  float scale, decay;
};
N2V_CPU_CLONES
void keras_gradient_share(const GradientShare& a, std::int64_t owner, std::int64_t owners) {
  const std::int64_t dim = a.dim, owner_mask = owners - 1;
  for (std::int64_t block = owner; block * kRowsPerBlock < a.rows; block += owners) {
    const std::int64_t first = block * kRowsPerBlock * dim, last = std::min(a.rows, (block + 1) * kRowsPerBlock) * dim;
    for (std::int64_t k = first; k < last; ++k) a.G[k] = a.decay * a.W[k];
  }
  for (std::int64_t i = 0; i < a.n; ++i) {
    const float gi = a.g[i] * a.scale;
    const std::int64_t t = a.t[i], c = a.c[i];
    if (((t >> kRowBlockBits) & owner_mask) == owner) {
      const float* b = a.W + c * dim;
      float* ga = a.G + t * dim;
      for (std::int64_t k = 0; k < dim; ++k) ga[k] += gi * b[k];
    }
    if (((c >> kRowBlockBits) & owner_mask) == owner) {
      const float* w = a.W + t * dim;
      float* gb = a.G + c * dim;
      for (std::int64_t k = 0; k < dim; ++k) gb[k] += gi * w[k];
    }
  }
}


class SkipGramLoss : public torch::autograd::Function<SkipGramLoss> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor w, torch::Tensor target, torch::Tensor context,
                               torch::Tensor labels, torch::Tensor weights, double l2, std::int64_t threads) {
    target = target.contiguous();
    context = context.contiguous();
    labels = labels.contiguous();
    weights = weights.contiguous();
    const std::int64_t n = target.size(0), dim = w.size(1), size = w.numel();
    // dloss/dlogit per example, kept for backward.
    torch::Tensor dlogit = torch::empty({n}, w.options());
    const float* W = w.data_ptr<float>();
    const std::int64_t* t = target.data_ptr<std::int64_t>();
    const std::int64_t* c = context.data_ptr<std::int64_t>();
    const float* y = labels.data_ptr<float>();
    const float* s = weights.data_ptr<float>();
    float* g = dlogit.data_ptr<float>();
    const double inv_n = 1.0 / static_cast<double>(n);
    // Tasks: the example chunks, then (with L2) the chunks of the matrix; each writes one partial sum,
    // and the partials add up in task order.
    const std::int64_t example_tasks = (n + kLossExamplesPerChunk - 1) / kLossExamplesPerChunk;
    const std::int64_t square_tasks = l2 > 0 ? (size + kSquaresPerChunk - 1) / kSquaresPerChunk : 0;
    std::vector<double> partial(static_cast<std::size_t>(example_tasks + square_tasks));
    const int used = useful_threads(n, 512, static_cast<int>(threads));
    parallel_chunks(partial.size(), 1, used, [&](std::uint64_t task, std::uint64_t, int) {
      const auto k = static_cast<std::int64_t>(task);
      if (k >= example_tasks) {
        const std::int64_t first = (k - example_tasks) * kSquaresPerChunk;
        partial[task] = squares_chunk(W + first, std::min(kSquaresPerChunk, size - first));
      } else {
        const std::int64_t first = k * kLossExamplesPerChunk;
        const std::int64_t last = std::min(n, first + kLossExamplesPerChunk);
        partial[task] = keras_loss_chunk(W, dim, t, c, y, s, inv_n, first, last, g);
      }
    });
    double data_loss = 0.0, squares = 0.0;
    for (std::int64_t k = 0; k < example_tasks; ++k) data_loss += partial[static_cast<std::size_t>(k)];
    for (std::size_t k = static_cast<std::size_t>(example_tasks); k < partial.size(); ++k) squares += partial[k];
    ctx->save_for_backward({w, target, context, dlogit});
    ctx->saved_data["l2"] = l2;
    ctx->saved_data["threads"] = threads;
    return torch::tensor(static_cast<float>(data_loss * inv_n + l2 * squares), w.options());
  }

  // The gradient's rows are split between owners in blocks of kRowsPerBlock (so that two owners
  // share a cache line only where their blocks meet), and each owner writes its rows' L2 term, then
  // adds their example terms in example order: every row gets the same additions in the same order
  // as on one thread, so the bits do not depend on the thread count.
  static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
    auto saved = ctx->get_saved_variables();
    const torch::Tensor& w = saved[0];
    const torch::Tensor& target = saved[1];
    const torch::Tensor& context = saved[2];
    const torch::Tensor& dlogit = saved[3];
    const double l2 = ctx->saved_data["l2"].toDouble();
    const float scale = grad_outputs[0].item<float>();
    const std::int64_t n = target.size(0), rows = w.size(0), dim = w.size(1);
    torch::Tensor grad = torch::empty_like(w);
    const float* W = w.data_ptr<float>();
    float* G = grad.data_ptr<float>();
    const float decay = static_cast<float>(2.0 * l2) * scale;
    const std::int64_t* t = target.data_ptr<std::int64_t>();
    const std::int64_t* c = context.data_ptr<std::int64_t>();
    const float* g = dlogit.data_ptr<float>();
    // A power of two, so that a row's owner is a mask away (a division per term cost a tenth of the step).
    int owners = 1;
    while (2 * owners <= useful_threads(n, 512, static_cast<int>(ctx->saved_data["threads"].toInt()))) owners *= 2;
    const GradientShare share{W, G, rows, dim, n, t, c, g, scale, decay};
    parallel_chunks(static_cast<std::uint64_t>(owners), 1, owners, [&](std::uint64_t owner, std::uint64_t, int) {
      keras_gradient_share(share, static_cast<std::int64_t>(owner), owners);
    });
    return {grad, torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor tensor_op_skipgram_loss(const torch::Tensor& w, const torch::Tensor& target, const torch::Tensor& context,
                                      const torch::Tensor& labels, const torch::Tensor& weights, double l2) {
  torch::Tensor x = (w.index_select(0, target) * w.index_select(0, context)).sum(-1);
  torch::Tensor bce = torch::clamp_min(x, 0) - x * labels + torch::log1p(torch::exp(-x.abs()));
  torch::Tensor loss = (bce * weights).sum() / static_cast<double>(x.size(0));
  return l2 > 0 ? loss + l2 * w.pow(2).sum() : loss;
}

torch::Tensor fused_skipgram_loss(const torch::Tensor& embedding_weight, const torch::Tensor& target,
                                  const torch::Tensor& context, const torch::Tensor& labels,
                                  const torch::Tensor& weights, double l2, int threads) {
  if (!fused_path(embedding_weight, target, context, labels, weights)) {
    return tensor_op_skipgram_loss(embedding_weight, target, context, labels, weights, l2);
  }
  return SkipGramLoss::apply(embedding_weight, target, context, labels, weights, l2,
                             static_cast<std::int64_t>(std::max(threads, 1)));
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
  if (threads == 1) {
    // The order the owners below keep, without sorting the terms for them (the sort cost one thread
    // a sixth of its epoch).
    double loss = 0.0;
    for (std::int64_t i = 0; i < n; ++i) {
      const float* a = W + t[i] * dim;
      const float* b = W + c[i] * dim;
      const LogitLoss l = bce_with_logits(dot(a, b, dim), batch.label[i]);
      loss += l.loss;
      const auto g = static_cast<float>(l.dlogit * scale);
      float* target_sum = gradient.values.data() + static_cast<std::size_t>(slots.target[i]) * dim;
      for (std::int64_t d = 0; d < dim; ++d) target_sum[d] += g * b[d];
      float* context_sum = gradient.values.data() + static_cast<std::size_t>(slots.context[i]) * dim;
      for (std::int64_t d = 0; d < dim; ++d) context_sum[d] += g * a[d];
    }
    return loss;
  }
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
