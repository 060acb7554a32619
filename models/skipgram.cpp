#include "models/skipgram.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/nn/functional/loss.h>

#include <cmath>

namespace n2v {

SkipGramImpl::SkipGramImpl(std::int64_t vocabulary_size, std::int64_t embedding_dim, std::uint64_t seed) {
  embedding = register_module("embedding", torch::nn::Embedding(vocabulary_size, embedding_dim));
  keras_he_normal_(embedding->weight, seed);
}

torch::Tensor SkipGramImpl::forward(const torch::Tensor& target, const torch::Tensor& context) {
  return (embedding(target) * embedding(context)).sum(-1);
}

torch::Tensor keras_skipgram_loss(const torch::Tensor& logits, const torch::Tensor& labels, const torch::Tensor& weights,
                                  const torch::Tensor& embedding_weight, double l2) {
  namespace F = torch::nn::functional;
  auto loss = F::binary_cross_entropy_with_logits(
                  logits, labels, F::BinaryCrossEntropyWithLogitsFuncOptions().weight(weights).reduction(torch::kSum)) /
              static_cast<double>(logits.size(0));
  if (l2 > 0) loss = loss + l2 * embedding_weight.pow(2).sum();
  return loss;
}

void keras_he_normal_(torch::Tensor weight, std::uint64_t seed) {
  torch::NoGradGuard no_grad;
  // Keras' VarianceScaling(2.0, fan_in, truncated_normal): fan_in of a (V, dim) matrix is V;
  // the truncated normal's stddev is divided by 0.87962566 so that the realised sd is sqrt(2/V).
  const double fan_in = static_cast<double>(weight.size(0));
  const double stddev = std::sqrt(2.0 / fan_in) / 0.87962566103423978;
  auto generator = at::detail::createCPUGenerator(seed);
  auto sample = torch::empty(weight.sizes(), torch::kFloat32);
  // Rejection: redraw values outside 2 sd until none are left.
  sample.normal_(0.0, 1.0, generator);
  while (true) {
    auto outside = sample.abs() > 2.0;
    auto count = outside.sum().item<std::int64_t>();
    if (count == 0) break;
    auto fresh = torch::empty({count}, torch::kFloat32).normal_(0.0, 1.0, generator);
    sample.masked_scatter_(outside, fresh);
  }
  weight.copy_(sample * stddev);
}

}  // namespace n2v
