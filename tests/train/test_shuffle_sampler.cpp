// The DataLoader's sampler: a permutation per epoch that depends on torch's seed only.
#include "train/shuffle_sampler.h"

#include <gtest/gtest.h>
#include <torch/utils.h>

#include <algorithm>
#include <numeric>

namespace n2v {
namespace {

std::vector<std::size_t> epoch_order(ShuffleSampler& sampler, std::uint64_t seed, std::size_t batch) {
  torch::manual_seed(seed);
  sampler.reset();
  std::vector<std::size_t> order;
  while (auto next = sampler.next(batch)) {
    EXPECT_LE(next->size(), batch);
    order.insert(order.end(), next->begin(), next->end());
  }
  return order;
}

TEST(ShuffleSampler, EveryEpochIsAPermutationThatDependsOnTheSeedOnly) {
  ShuffleSampler sampler(1000);
  const std::vector<std::size_t> first = epoch_order(sampler, 7, 64);
  std::vector<std::size_t> sorted = first, identity(1000);
  std::sort(sorted.begin(), sorted.end());
  std::iota(identity.begin(), identity.end(), 0);
  EXPECT_EQ(sorted, identity);
  EXPECT_NE(first, identity);
  EXPECT_NE(epoch_order(sampler, 8, 64), first);
  // The same seed again, after other epochs and in another sampler (a resumed run): the same order.
  EXPECT_EQ(epoch_order(sampler, 7, 64), first);
  ShuffleSampler fresh(1000);
  EXPECT_EQ(epoch_order(fresh, 7, 100), first);
}

TEST(ShuffleSampler, ResetToANewSize) {
  ShuffleSampler sampler(10);
  torch::manual_seed(1);
  sampler.reset(25);
  std::size_t seen = 0;
  while (auto next = sampler.next(10)) seen += next->size();
  EXPECT_EQ(seen, 25u);
}

}  // namespace
}  // namespace n2v
