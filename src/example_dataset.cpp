#include "example_dataset.h"

namespace n2v {

namespace {
torch::Tensor column(const void* data, std::size_t n, torch::Dtype dtype, torch::Device device) {
  auto cpu = torch::from_blob(const_cast<void*>(data), {static_cast<std::int64_t>(n)}, dtype).clone();
  return cpu.to(device);
}
}  // namespace

ExampleDataset::ExampleDataset(const Examples& examples, torch::Device device)
    : targets_(column(examples.targets.data(), examples.size(), torch::kLong, device)),
      contexts_(column(examples.contexts.data(), examples.size(), torch::kLong, device)),
      labels_(column(examples.labels.data(), examples.size(), torch::kFloat, device)),
      weights_(column(examples.weights.data(), examples.size(), torch::kFloat, device)),
      device_(device),
      size_(examples.size()) {}

ExampleBatch ExampleDataset::get_batch(c10::ArrayRef<std::size_t> indices) {
  static_assert(sizeof(std::size_t) == sizeof(std::int64_t), "indices are reinterpreted as int64");
  auto index = torch::from_blob(const_cast<std::size_t*>(indices.data()), {static_cast<std::int64_t>(indices.size())},
                                torch::kLong);
  index = device_.is_cpu() ? index : index.to(device_);
  return {targets_.index_select(0, index), contexts_.index_select(0, index), labels_.index_select(0, index),
          weights_.index_select(0, index)};
}

}  // namespace n2v
