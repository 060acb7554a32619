#pragma once
// The Keras example's skip-gram model: one embedding table shared by target and context, the
// dot product of the two rows as the logit.
#include <torch/nn/module.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/pimpl.h>

#include <cstdint>

namespace n2v {

class SkipGramImpl : public torch::nn::Module {
 public:
  SkipGramImpl(std::int64_t vocabulary_size, std::int64_t embedding_dim, std::uint64_t seed);
  // Logits: the dot products of the target and context rows, shape [N].
  torch::Tensor forward(const torch::Tensor& target, const torch::Tensor& context);
  torch::Tensor weight() const { return embedding->weight; }

  torch::nn::Embedding embedding{nullptr};
};
TORCH_MODULE(SkipGram);

// The Keras example's training loss for one batch: BCE-with-logits weighted by the example
// weights, reduced as sum(weight * bce) / batch_size (Keras' sum-over-batch-size), plus the
// embedding regulariser l2 * sum(W^2) over the whole matrix.
torch::Tensor keras_skipgram_loss(const torch::Tensor& logits, const torch::Tensor& labels, const torch::Tensor& weights,
                                  const torch::Tensor& embedding_weight, double l2);

// Keras' he_normal on a (V, dim) matrix: a normal truncated at 2 sd, realised sd sqrt(2 / V).
// (torch::nn::init::kaiming_normal_ would take fan_in = dim: about 5 times too wide here.)
void keras_he_normal_(torch::Tensor weight, std::uint64_t seed);

}  // namespace n2v
