#include "core/alias_table.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "core/errors.h"

namespace n2v {
namespace {

constexpr double kTwo32 = 4294967296.0;

// The exact distribution the entries encode: bucket b keeps b with probability threshold / 2^32.
std::vector<double> implied_probabilities(const std::vector<AliasEntry>& entries) {
  std::vector<double> p(entries.size(), 0.0);
  const double bucket = 1.0 / static_cast<double>(entries.size());
  for (std::size_t b = 0; b < entries.size(); ++b) {
    const double keep = entries[b].threshold == kAliasFull ? 1.0 : entries[b].threshold / kTwo32;
    p[b] += bucket * keep;
    p[entries[b].alias] += bucket * (1.0 - keep);
  }
  return p;
}

// Pearson's chi-square of `draws` draws against the weights, over the cells with weight > 0.
double chi_square(const AliasTable& table, const std::vector<double>& weights, std::size_t draws, int& cells) {
  std::vector<double> counts(weights.size(), 0.0);
  Rng rng(11);
  for (std::size_t i = 0; i < draws; ++i) counts[table.draw(rng)] += 1;
  double total = 0;
  for (double w : weights) total += w;
  double chi = 0;
  cells = 0;
  for (std::size_t k = 0; k < weights.size(); ++k) {
    if (weights[k] == 0) continue;
    const double expected = static_cast<double>(draws) * weights[k] / total;
    chi += (counts[k] - expected) * (counts[k] - expected) / expected;
    ++cells;
  }
  return chi;
}

TEST(AliasTable, FrequenciesFollowTheWeights) {
  std::vector<double> zipf(1000);
  for (std::size_t k = 0; k < zipf.size(); ++k) zipf[k] = 1.0 / static_cast<double>(k + 1);
  for (const std::vector<double>& weights : {std::vector<double>{1, 2, 3, 4, 10, 0.5}, zipf}) {
    const AliasTable table(weights);
    int cells = 0;
    const double chi = chi_square(table, weights, 2'000'000, cells);
    // Chi-square with cells - 1 degrees of freedom: mean df, sd sqrt(2 df); six sd is far out.
    const double df = cells - 1;
    EXPECT_LT(chi, df + 6 * std::sqrt(2 * df)) << weights.size() << " weights";
  }
}

TEST(AliasTable, EntriesEncodeTheWeightsExactly) {
  Rng rng(3);
  std::vector<double> weights(257);
  for (auto& w : weights) w = rng.uniform() < 0.2 ? 0.0 : std::exp(4 * rng.uniform());
  double total = 0;
  for (double w : weights) total += w;
  const std::vector<double> p = implied_probabilities(AliasTable(weights).entries());
  // Thresholds are 32-bit: each bucket's split is off by at most 2^-32.
  for (std::size_t k = 0; k < weights.size(); ++k) EXPECT_NEAR(p[k], weights[k] / total, 1e-9) << "index " << k;
}

TEST(AliasTable, ZeroWeightsAreNeverDrawn) {
  const std::vector<double> weights{0, 1, 0, 0, 3, 0, 0.25, 0};
  const AliasTable table(weights);
  for (std::size_t k = 0; k < weights.size(); ++k) {
    if (weights[k] == 0) EXPECT_EQ(table.entries()[k].threshold, 0u) << "bucket " << k << " always gives its alias";
  }
  Rng rng(5);
  for (int i = 0; i < 200'000; ++i) {
    const std::uint32_t k = table.draw(rng);
    ASSERT_LT(k, weights.size());
    ASSERT_GT(weights[k], 0) << "drew index " << k;
  }
}

TEST(AliasTable, ASingleEntryIsAlwaysDrawn) {
  const AliasTable table(std::vector<double>{0.3});
  ASSERT_EQ(table.size(), 1u);
  EXPECT_EQ(table.entries()[0].threshold, kAliasFull);
  EXPECT_EQ(table.entries()[0].alias, 0u);
  Rng rng(1);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(table.draw(rng), 0u);
}

TEST(AliasTable, SmallTablesByHand) {
  // {1, 3}: scaled {0.5, 1.5}; bucket 0 keeps 0 half the time, else gives 1; bucket 1 is full.
  auto entries = AliasTable({1, 3}).entries();
  EXPECT_EQ(entries[0].threshold, 2147483648u);
  EXPECT_EQ(entries[0].alias, 1u);
  EXPECT_EQ(entries[1].threshold, kAliasFull);
  EXPECT_EQ(entries[1].alias, 1u);
  // {2, 1, 1}: scaled {1.5, 0.75, 0.75}; buckets 2 then 1 take a quarter each from bucket 0.
  entries = AliasTable({2, 1, 1}).entries();
  EXPECT_EQ(entries[0].threshold, kAliasFull);
  EXPECT_EQ(entries[0].alias, 0u);
  for (int b : {1, 2}) {
    EXPECT_EQ(entries[b].threshold, 3221225472u) << b;
    EXPECT_EQ(entries[b].alias, 0u) << b;
  }
  // Equal weights: every bucket full.
  const AliasTable equal({2, 2, 2, 2});
  for (const AliasEntry& e : equal.entries()) EXPECT_EQ(e.threshold, kAliasFull);
}

TEST(AliasTable, OneDrawSplitsIntoBucketAndCoin) {
  // Bucket: the high half of r * n; coin: bits 32..63 of the low half.
  EXPECT_EQ(alias_draw(0, 5).bucket, 0u);
  EXPECT_EQ(alias_draw(0, 5).coin, 0u);
  const std::uint64_t top = std::numeric_limits<std::uint64_t>::max();
  EXPECT_EQ(alias_draw(top, 2).bucket, 1u);  // 2^65 - 2: high half 1, low half 2^64 - 2
  EXPECT_EQ(alias_draw(top, 2).coin, 0xffffffffu);
  EXPECT_EQ(alias_draw(std::uint64_t{1} << 63, 3).bucket, 1u);  // 1.5
  EXPECT_EQ(alias_draw(std::uint64_t{1} << 63, 3).coin, 0x80000000u);

  const std::vector<AliasEntry> entries = AliasTable({1, 3}).entries();
  EXPECT_EQ(alias_pick(entries.data(), {0, 2147483647u}), 0u) << "coin below the threshold keeps the bucket";
  EXPECT_EQ(alias_pick(entries.data(), {0, 2147483648u}), 1u) << "at the threshold the alias";
  EXPECT_EQ(alias_pick(entries.data(), {1, 0xffffffffu}), 1u);
}

TEST(AliasTable, TheBuilderFillsCallerEntriesAndReturnsTheSum) {
  AliasBuilder builder;
  const float weights[] = {1, 3, 0, 2};
  std::vector<AliasEntry> entries(6, AliasEntry{7, 7});
  EXPECT_EQ(builder.build(weights, 4, entries.data() + 1), 6.0);
  EXPECT_EQ(entries[0].threshold, 7u) << "outside the span untouched";
  EXPECT_EQ(entries[5].threshold, 7u);
  const std::vector<double> as_double{1, 3, 0, 2};
  const std::vector<AliasEntry> expected = AliasTable(as_double).entries();
  for (std::size_t k = 0; k < 4; ++k) {
    EXPECT_EQ(entries[k + 1].threshold, expected[k].threshold) << k;
    EXPECT_EQ(entries[k + 1].alias, expected[k].alias) << k;
  }
  const float zeros[] = {0, 0};
  EXPECT_EQ(builder.build(zeros, 2, entries.data()), 0.0);
  EXPECT_EQ(entries[0].threshold, 7u) << "nothing to draw: the entries stay as they were";
}

TEST(AliasTable, ImpossibleWeightsAreErrors) {
  EXPECT_THROW(AliasTable(std::vector<double>{}), Error);
  EXPECT_THROW(AliasTable({0, 0}), Error);
  EXPECT_THROW(AliasTable({1, -1}), Error);
  EXPECT_THROW(AliasTable({1, std::nan("")}), Error);
  EXPECT_THROW(AliasTable({1, std::numeric_limits<double>::infinity()}), Error);
  EXPECT_THROW(AliasTable({1e308, 1e308}), Error);
  try {
    AliasTable({1, -2});
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("weight 1 is -2"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace n2v
