#include "train/shuffle_sampler.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/serialize/archive.h>

#include <limits>
#include <mutex>
#include <numeric>

#include "core/errors.h"
#include "core/rng.h"

namespace n2v {

ShuffleSampler::ShuffleSampler(std::size_t size) { reset_size(size); }

void ShuffleSampler::reset_size(std::size_t size) {
  if (size > std::numeric_limits<std::uint32_t>::max()) {
    throw UsageError("more than 2^32 items to shuffle in one epoch: use skipgram.mode stream");
  }
  order_.resize(size);
}

void ShuffleSampler::reset(c10::optional<std::size_t> new_size) {
  if (new_size) reset_size(*new_size);
  std::uint64_t seed;
  {
    at::Generator generator = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(generator.mutex());
    seed = generator.get<at::CPUGeneratorImpl>()->random64();
  }
  // From the identity every epoch, so that the order does not depend on the epochs before.
  std::iota(order_.begin(), order_.end(), 0u);
  Rng rng(seed);
  shuffle_in_place(order_.begin(), order_.end(), rng);
  next_ = 0;
}

c10::optional<std::vector<std::size_t>> ShuffleSampler::next(std::size_t batch_size) {
  const std::size_t count = std::min(batch_size, order_.size() - next_);
  if (count == 0) return c10::nullopt;
  std::vector<std::size_t> batch(order_.begin() + next_, order_.begin() + next_ + count);
  next_ += count;
  return batch;
}

void ShuffleSampler::save(torch::serialize::OutputArchive&) const {}
void ShuffleSampler::load(torch::serialize::InputArchive&) {}

}  // namespace n2v
