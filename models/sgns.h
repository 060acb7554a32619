#pragma once
// word2vec's skip-gram with negative sampling (skipgram.model sgns): two tables, the input vectors
// (what n2v exports) and the output (context) vectors; the logit of a
// pair is input[context] . output[centre]. Trained outside autograd by models/sgns_step.h.
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <cstdint>

namespace n2v {

class SgnsImpl : public torch::nn::Module {
 public:
  // word2vec's start: input uniform in +-0.5 / dim (from `seed`), output zero.
  SgnsImpl(std::int64_t vocabulary_size, std::int64_t embedding_dim, std::uint64_t seed);
  // Logits input[input_rows] . output[output_rows], shape [N].
  torch::Tensor forward(const torch::Tensor& input_rows, const torch::Tensor& output_rows);

  torch::Tensor input, output;  // [V x dim] each, parameters "input" and "output"
};
TORCH_MODULE(Sgns);

}  // namespace n2v
