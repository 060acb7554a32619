#pragma once
// Aggregate mode's optimizer step: Keras' Adam (epsilon 1e-7, w -= lr_t m / (sqrt(v) + eps), as
// models/sparse_optimizers.h's adam_update) on the state torch::optim::Adam keeps for each parameter
// (exp_avg, exp_avg_sq, step), so that checkpoints save and restore it as before. On CPU float32 one
// pass over each parameter, split over `threads` threads (the same bits for any count); elsewhere
// (CUDA), or with `tensor_ops` (train.kernel tensor), the same math in tensor ops.
#include <torch/optim/adam.h>

namespace n2v {

void keras_adam_step(torch::optim::Adam& optimizer, int threads = 1, bool tensor_ops = false);

// Drops the parameters' gradients (Optimizer::zero_grad(set_to_none) where LibTorch 1.13 has only the
// zeroing one): backward then hands its gradient over instead of adding it to a zeroed tensor.
void clear_gradients(torch::optim::Optimizer& optimizer);

}  // namespace n2v
