#include "models/sgns.h"

#include <ATen/CPUGeneratorImpl.h>

namespace n2v {

SgnsImpl::SgnsImpl(std::int64_t vocabulary_size, std::int64_t embedding_dim, std::uint64_t seed) {
  auto generator = at::detail::createCPUGenerator(seed);
  const double half = 0.5 / static_cast<double>(embedding_dim);
  input = register_parameter("input", torch::empty({vocabulary_size, embedding_dim}, torch::kFloat32)
                                          .uniform_(-half, half, generator));
  output = register_parameter("output", torch::zeros({vocabulary_size, embedding_dim}, torch::kFloat32));
}

torch::Tensor SgnsImpl::forward(const torch::Tensor& input_rows, const torch::Tensor& output_rows) {
  return (input.index_select(0, input_rows) * output.index_select(0, output_rows)).sum(-1);
}

}  // namespace n2v
