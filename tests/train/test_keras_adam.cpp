// Aggregate mode's Adam step: Keras' update on the state torch::optim::Adam keeps.
#include "train/keras_adam.h"

#include <gtest/gtest.h>

#include <cstring>

#include "models/sparse_optimizers.h"
#include "train/torch_version.h"

namespace n2v {
namespace {

TEST(KerasAdamStep, UpdatesTheWeightsAndTheOptimizersOwnState) {
  torch::Tensor p = torch::randn({4, 3}).requires_grad_(true);
  torch::optim::Adam optimizer({p}, torch::optim::AdamOptions(0.01).eps(1e-7));
  std::vector<float> w(p.data_ptr<float>(), p.data_ptr<float>() + 12), m(12, 0.0f), v(12, 0.0f);
  for (int step = 1; step <= 3; ++step) {
    clear_gradients(optimizer);
    EXPECT_FALSE(p.grad().defined());
    (p * p).sum().backward();  // gradient 2 p
    std::vector<float> g(12);
    for (int k = 0; k < 12; ++k) g[k] = 2 * w[k];
    keras_adam_step(optimizer);
    adam_update(w.data(), m.data(), v.data(), g.data(), 12, 1.0f, 0.0f, keras_adam_constants(0.01, step));
  }
  EXPECT_EQ(std::memcmp(p.data_ptr<float>(), w.data(), 12 * 4), 0);
  const auto& state = static_cast<const torch::optim::AdamParamState&>(
      *optimizer.state().at(optimizer_state_key(optimizer, p)));
  EXPECT_EQ(state.step(), 3);
  EXPECT_EQ(std::memcmp(state.exp_avg().data_ptr<float>(), m.data(), 12 * 4), 0);
  EXPECT_EQ(std::memcmp(state.exp_avg_sq().data_ptr<float>(), v.data(), 12 * 4), 0);
}

}  // namespace
}  // namespace n2v
