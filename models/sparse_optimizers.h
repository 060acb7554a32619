#pragma once
// Stream mode's optimizers, outside autograd, on the rows a batch touches: word2vec's plain SGD
// (sparse_sgd_step) and TensorFlow's LazyAdam (lazy_adam_step), each also in halves for
// data-parallel ranks, which sum their parts in between (train/distributed.h); and the Adam update
// itself (adam_update), which lazy Adam runs per touched row and aggregate mode over the whole matrix.
#include <torch/types.h>

#include <cstdint>
#include <vector>

#include "models/row_sparse.h"

namespace n2v {

// Stream mode's update: one plain SGD step (word2vec's) on the rows the batch touches, with the
// mean BCE-with-logits over the batch and L2 decay of the touched rows. Updates `embedding_weight`
// (CPU float32) in place, outside autograd; returns the batch loss. Rows are read and written in
// example order, so the result is deterministic.
double sparse_sgd_step(torch::Tensor& embedding_weight, const torch::Tensor& target, const torch::Tensor& context,
                       const torch::Tensor& labels, double learning_rate, double l2);

// Keras' Adam constants for step t (from 1): lr_t = lr sqrt(1 - beta2^t) / (1 - beta1^t), and the
// update w -= lr_t m / (sqrt(v) + epsilon), as Keras writes it (epsilon 1e-7).
struct AdamConstants {
  float beta1, beta2, step_size, epsilon;
};
AdamConstants keras_adam_constants(double learning_rate, std::int64_t step, double beta1 = 0.9, double beta2 = 0.999,
                                   double epsilon = 1e-7);

// One Adam step of `count` consecutive weights w (moments m, v) with the gradient
// grad_scale * g + decay * w: a single pass, built without errno math so that it vectorises.
void adam_update(float* w, float* m, float* v, const float* g, std::int64_t count, float grad_scale, float decay,
                 const AdamConstants& adam);

// Lazy Adam for stream mode (TensorFlow's LazyAdam): the moments and the weights of only the rows a
// batch touches are updated; the bias correction uses the global step. Adam's per-row step sizes
// learn far better than plain SGD from the tiny he_normal start, at a cost that grows with the
// batch, not with the vocabulary.
struct LazyAdamState {
  torch::Tensor m, v;  // [V x dim], zero at the start
  std::int64_t step = 0;
  std::vector<std::int32_t> slot_of_row;  // scratch: -1, or the row's slot in this batch
  RowSparse gradient;  // scratch: this batch's gradient
  void reset(std::int64_t rows, std::int64_t dim);
};

// Mean BCE-with-logits over the batch (+ L2 of the touched rows); updates `embedding_weight` and
// `state` in place. Returns the batch loss. On `threads` threads (skipgram_row_gradient and
// lazy_adam_apply below), with the same bits for any thread count.
double lazy_adam_step(torch::Tensor& embedding_weight, LazyAdamState& state, const torch::Tensor& target,
                      const torch::Tensor& context, const torch::Tensor& labels, double learning_rate, double l2,
                      int threads = 1);

// lazy_adam_step in two halves (the first is skipgram_row_gradient, models/skipgram_loss.h), so that
// data-parallel ranks can sum their gradients in between.
// The second half: one lazy Adam step (state.step + 1) on gradient.rows, with the gradient
// grad_scale * gradient + 2 l2 w. Rows are independent, so `threads` threads split them and the
// result does not depend on the thread count.
void lazy_adam_apply(torch::Tensor& embedding_weight, LazyAdamState& state, const RowSparse& gradient,
                     float grad_scale, double learning_rate, double l2, int threads = 1);

// sparse_sgd_step's contribution without applying it: the same sequential pass on a copy of the
// touched rows; returns the summed loss and sets `delta` to the rows after the pass minus before.
// Data-parallel ranks sum their deltas and add them (add_rows), as Hogwild threads would.
double sparse_sgd_delta(const torch::Tensor& embedding_weight, const torch::Tensor& target,
                        const torch::Tensor& context, const torch::Tensor& labels, double learning_rate, double l2,
                        std::vector<std::int32_t>& slot_of_row, RowSparse& delta);
// embedding_weight[row] += values, for every row of `delta`.
void add_rows(torch::Tensor& embedding_weight, const RowSparse& delta);

}  // namespace n2v
