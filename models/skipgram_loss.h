#pragma once
// The skip-gram training loss fused into one autograd Function: gather, dot, weighted BCE with
// logits, the sum-over-batch-size reduction and the L2 term in one pass forward and one pass
// backward. The autograd graph of the same computation (keras_skipgram_loss) costs ~10 small
// ops and a dense embedding backward per step; this is the same math in two loops.
#include <torch/autograd.h>

namespace n2v {

// Equals keras_skipgram_loss(model->forward(target, context), labels, weights, W, l2) and its
// gradient with respect to W. CPU float32 tensors take the fused loops; anything else (CUDA)
// takes an equivalent tensor-op path.
torch::Tensor fused_skipgram_loss(const torch::Tensor& embedding_weight, const torch::Tensor& target,
                                  const torch::Tensor& context, const torch::Tensor& labels,
                                  const torch::Tensor& weights, double l2);

}  // namespace n2v

namespace n2v {

// Stream mode's update: one plain SGD step (word2vec's) on the rows the batch touches, with the
// mean BCE-with-logits over the batch and L2 decay of the touched rows. Updates `embedding_weight`
// (CPU float32) in place, outside autograd; returns the batch loss. Rows are read and written in
// example order, so the result is deterministic.
double sparse_sgd_step(torch::Tensor& embedding_weight, const torch::Tensor& target, const torch::Tensor& context,
                       const torch::Tensor& labels, double learning_rate, double l2);

}  // namespace n2v
