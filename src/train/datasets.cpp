#include "train/datasets.h"

#include <algorithm>

namespace n2v {

namespace {
torch::Tensor column(const void* data, std::size_t n, torch::Dtype dtype, torch::Device device) {
  auto cpu = torch::from_blob(const_cast<void*>(data), {static_cast<std::int64_t>(n)}, dtype).clone();
  return cpu.to(device);
}
}  // namespace

ExampleDataset::ExampleDataset(const Examples& examples, torch::Device device, int rank, int world)
    : device_(device), size_(examples.size()), rank_(rank), world_(world) {
  if (device.is_cpu()) {
    packed_.resize(size_);
    for (std::size_t i = 0; i < size_; ++i) {
      packed_[i] = {static_cast<std::uint32_t>(examples.targets[i]), static_cast<std::uint32_t>(examples.contexts[i]),
                    examples.labels[i], examples.weights[i]};
    }
    return;
  }
  targets_ = column(examples.targets.data(), size_, torch::kLong, device);
  contexts_ = column(examples.contexts.data(), size_, torch::kLong, device);
  labels_ = column(examples.labels.data(), size_, torch::kFloat, device);
  weights_ = column(examples.weights.data(), size_, torch::kFloat, device);
}

ExampleBatch ExampleDataset::get_batch(c10::ArrayRef<std::size_t> indices) {
  static_assert(sizeof(std::size_t) == sizeof(std::int64_t), "indices are reinterpreted as int64");
  const std::size_t n = indices.size(), begin = n * rank_ / world_, end = n * (rank_ + 1) / world_;
  const auto n_slice = static_cast<std::int64_t>(end - begin);
  if (device_.is_cpu()) {
    // One gather loop for the four columns: four index_selects cost more than the copy (kernel launches
    // with bounds checks, and four cache misses an example) at a batch of 1024.
    ExampleBatch batch{torch::empty({n_slice}, torch::kLong), torch::empty({n_slice}, torch::kLong),
                       torch::empty({n_slice}, torch::kFloat), torch::empty({n_slice}, torch::kFloat)};
    std::int64_t* bt = batch.target.data_ptr<std::int64_t>();
    std::int64_t* bc = batch.context.data_ptr<std::int64_t>();
    float* by = batch.label.data_ptr<float>();
    float* bw = batch.weight.data_ptr<float>();
    const std::size_t* index = indices.data() + begin;
    // The shuffled examples are cache misses: ask for each a few dozen examples ahead.
    constexpr std::int64_t kPrefetchAhead = 32;
    for (std::int64_t i = 0; i < std::min(kPrefetchAhead, n_slice); ++i) prefetch(index[i]);
    for (std::int64_t i = 0; i < n_slice; ++i) {
      if (i + kPrefetchAhead < n_slice) prefetch(index[i + kPrefetchAhead]);
      const std::size_t e = index[i];
      TORCH_CHECK(e < size_, "example index ", e, " out of range (", size_, " examples)");
      const Packed& example = packed_[e];
      bt[i] = example.target;
      bc[i] = example.context;
      by[i] = example.label;
      bw[i] = example.weight;
    }
    return batch;
  }
  auto index = torch::from_blob(const_cast<std::size_t*>(indices.data() + begin), {n_slice}, torch::kLong).to(device_);
  return {targets_.index_select(0, index), contexts_.index_select(0, index), labels_.index_select(0, index),
          weights_.index_select(0, index)};
}

}  // namespace n2v

namespace n2v {

StreamDataset::StreamDataset(std::shared_ptr<const StreamExamples> source, std::shared_ptr<std::atomic<int>> epoch,
                             int rank, int world_size)
    : source_(std::move(source)), epoch_(std::move(epoch)), rank_(rank), world_size_(world_size) {}

ExampleBatch StreamDataset::get_batch(c10::ArrayRef<std::size_t> walk_indices) {
  StreamBatch batch;
  const int epoch = epoch_->load();
  const std::size_t n = walk_indices.size(), rank = static_cast<std::size_t>(rank_),
                    world = static_cast<std::size_t>(world_size_);
  for (std::size_t i = n * rank / world; i < n * (rank + 1) / world; ++i) source_->append_walk(walk_indices[i], epoch, batch);
  const auto examples = static_cast<std::int64_t>(batch.targets.size());
  auto take = [examples](auto& values, torch::Dtype dtype) {
    return torch::from_blob(values.data(), {examples}, dtype).clone();
  };
  return {take(batch.targets, torch::kLong), take(batch.contexts, torch::kLong), take(batch.labels, torch::kFloat),
          torch::ones({examples}, torch::kFloat)};
}

SgnsDataset::SgnsDataset(std::shared_ptr<const SgnsCorpus> corpus, std::shared_ptr<std::atomic<int>> epoch, int rank,
                         int world_size)
    : corpus_(std::move(corpus)), epoch_(std::move(epoch)), rank_(rank), world_size_(world_size) {}

SgnsBatch SgnsDataset::get_batch(c10::ArrayRef<std::size_t> walk_indices) {
  SgnsBatch batch;
  const int epoch = epoch_->load();
  const std::size_t n = walk_indices.size();
  batch.requested = n;
  batch.first = n * static_cast<std::size_t>(rank_) / static_cast<std::size_t>(world_size_);
  const std::size_t last = n * static_cast<std::size_t>(rank_ + 1) / static_cast<std::size_t>(world_size_);
  for (std::size_t w : walk_indices.slice(batch.first, last - batch.first)) {
    corpus_->append_kept(w, epoch, batch.nodes);
    batch.offsets.push_back(batch.nodes.size());
    batch.walk_ids.push_back(w);
  }
  return batch;
}

}  // namespace n2v
