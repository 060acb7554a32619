#pragma once
// The skip-gram training loss fused into one autograd Function: gather, dot, weighted BCE with
// logits, the sum-over-batch-size reduction and the L2 term in one pass forward and one pass
// backward. The autograd graph of the same computation (keras_skipgram_loss) costs ~10 small
// ops and a dense embedding backward per step; this is the same math in two loops.
#include <torch/autograd.h>
#include <torch/types.h>

#include <cstdint>
#include <vector>

#include "models/row_sparse.h"

namespace n2v {

// Equals keras_skipgram_loss(model->forward(target, context), labels, weights, W, l2) and its
// gradient with respect to W. CPU float32 tensors take the fused loops; anything else (CUDA)
// takes tensor_op_skipgram_loss. The loops run on `threads` threads with the same bits for any
// count (the loss's partial sums over fixed chunks, the gradient's rows split between owners).
torch::Tensor fused_skipgram_loss(const torch::Tensor& embedding_weight, const torch::Tensor& target,
                                  const torch::Tensor& context, const torch::Tensor& labels,
                                  const torch::Tensor& weights, double l2, int threads = 1);

// The same loss in torch tensor ops, differentiated by autograd, on any device: what CUDA runs
// (train.kernel tensor), and what the CPU runs when asked to, so that CUDA's path is tested without a GPU.
torch::Tensor tensor_op_skipgram_loss(const torch::Tensor& embedding_weight, const torch::Tensor& target,
                                      const torch::Tensor& context, const torch::Tensor& labels,
                                      const torch::Tensor& weights, double l2);

// The gradient half of stream mode's lazy Adam step: the batch's summed BCE-with-logits loss
// (returned) and the row-sparse gradient of the data loss, each example's dloss/dlogit multiplied by
// `scale` (1 / n gives the mean loss's gradient exactly as lazy_adam_step computes it; a rank passes
// 1 and scales after the merge). `embedding_weight` is only read; `slot_of_row` is V entries of -1
// scratch, left so. On `threads` threads: the examples' dloss/dlogit are computed in parallel, then
// the rows are split between owners (a few per thread) and each owner's terms are added by one
// thread, in example order, so every row gets the same additions in the same order as on one
// thread: the same bits for any thread count.
double skipgram_row_gradient(const torch::Tensor& embedding_weight, const torch::Tensor& target,
                             const torch::Tensor& context, const torch::Tensor& labels, double scale,
                             std::vector<std::int32_t>& slot_of_row, RowSparse& gradient, int threads = 1);

}  // namespace n2v
