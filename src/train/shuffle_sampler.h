#pragma once
// The DataLoader's sampler: a random order of [0, size) each epoch, like
// torch::data::samplers::RandomSampler, without its fresh randperm tensor and per-batch tensor
// slices. The permutation lives in one 32-bit array, reshuffled in place (Fisher-Yates) at every
// reset from one draw of torch's default generator, which train_loop seeds from (seed, epoch): an
// epoch's order depends on (seed, epoch) only, so a resumed run replays it.
#include <torch/data/samplers/base.h>

#include <cstdint>
#include <vector>

namespace n2v {

class ShuffleSampler : public torch::data::samplers::Sampler<> {
 public:
  explicit ShuffleSampler(std::size_t size);
  void reset(c10::optional<std::size_t> new_size = c10::nullopt) override;
  c10::optional<std::vector<std::size_t>> next(std::size_t batch_size) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

 private:
  void reset_size(std::size_t size);
  std::vector<std::uint32_t> order_;
  std::size_t next_ = 0;
};

}  // namespace n2v
