#include "train/keras_adam.h"

#include <cstdint>
#include <memory>

#include "core/parallel.h"
#include "models/sparse_optimizers.h"
#include "train/torch_version.h"

namespace n2v {

namespace {

bool fused_path(const torch::Tensor& p, const torch::Tensor& grad) {
  return p.is_cpu() && p.scalar_type() == torch::kFloat && p.is_contiguous() && grad.is_cpu() &&
         grad.scalar_type() == torch::kFloat && grad.is_contiguous() && !grad.is_sparse();
}

// Weights a chunk of the fused pass: each weight's update reads only its own state, so any split
// gives the same bits.
constexpr std::uint64_t kWeightsPerChunk = 16384;

}  // namespace

void keras_adam_step(torch::optim::Adam& optimizer, int threads, bool tensor_ops) {
  torch::NoGradGuard no_grad;
  for (auto& group : optimizer.param_groups()) {
    const auto& options = static_cast<const torch::optim::AdamOptions&>(group.options());
    TORCH_CHECK(!options.amsgrad() && options.weight_decay() == 0, "keras_adam_step: Keras' Adam has no amsgrad or decay");
    for (torch::Tensor& p : group.params()) {
      const torch::Tensor& grad = p.grad();
      if (!grad.defined()) continue;
      auto& slot = optimizer.state()[optimizer_state_key(optimizer, p)];
      if (!slot) {
        auto fresh = std::make_unique<torch::optim::AdamParamState>();
        fresh->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Contiguous));
        fresh->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Contiguous));
        slot = std::move(fresh);
      }
      auto& state = static_cast<torch::optim::AdamParamState&>(*slot);
      state.step(state.step() + 1);
      const AdamConstants adam = keras_adam_constants(options.lr(), state.step(), std::get<0>(options.betas()),
                                                      std::get<1>(options.betas()), options.eps());
      torch::Tensor& m = state.exp_avg();
      torch::Tensor& v = state.exp_avg_sq();
      if (!tensor_ops && fused_path(p, grad) && m.is_contiguous() && v.is_contiguous()) {
        float* w = p.data_ptr<float>();
        float* m1 = m.data_ptr<float>();
        float* v1 = v.data_ptr<float>();
        const float* g = grad.data_ptr<float>();
        const auto count = static_cast<std::uint64_t>(p.numel());
        parallel_chunks(count, kWeightsPerChunk, threads, [&](std::uint64_t first, std::uint64_t last, int) {
          adam_update(w + first, m1 + first, v1 + first, g + first, static_cast<std::int64_t>(last - first), 1.0f, 0.0f,
                      adam);
        });
      } else {
        m.mul_(adam.beta1).add_(grad, 1.0 - adam.beta1);
        v.mul_(adam.beta2).addcmul_(grad, grad, 1.0 - adam.beta2);
        p.addcdiv_(m, v.sqrt().add_(adam.epsilon), -adam.step_size);
      }
    }
  }
}

void clear_gradients(torch::optim::Optimizer& optimizer) {
  for (auto& group : optimizer.param_groups()) {
    for (torch::Tensor& p : group.params()) p.mutable_grad().reset();
  }
}

}  // namespace n2v
