#include "walk/stream.h"

#include <gtest/gtest.h>

#include "pipeline/pipeline.h"
#include "test_util.h"

#include <cmath>
#include <map>
#include <string>

namespace n2v {
namespace {

using testing::walks_of;

TEST(Stream, PositivesAreTheWindowPairsOfTheWalks) {
  Walks walks = walks_of({{1, 2, 3, 2}, {4, 4, 5}});
  StreamOptions options = stream_options_from(Config{});
  options.window = 1;
  options.negative_samples = 0;
  StreamExamples source(walks, 6, options);
  // Walk 1: (1,2) (2,1) (2,3) (3,2) (3,2) (2,3); walk 2: (4,4) x2 dropped, (4,5) (5,4).
  EXPECT_EQ(source.positives_per_epoch(), 8u);
  StreamBatch batch;
  source.append_walk(0, 1, batch);
  source.append_walk(1, 1, batch);
  EXPECT_EQ(batch.positives, 8u);
  ASSERT_EQ(batch.targets.size(), 8u);
  EXPECT_EQ(batch.targets[0], 1);
  EXPECT_EQ(batch.contexts[0], 2);
  EXPECT_EQ(batch.targets[7], 5);
  EXPECT_EQ(batch.contexts[7], 4);
}

TEST(Stream, NegativesFollowTheConfiguredDistribution) {
  // Token 1 appears 9 times as often as tokens 2 and 3; token 4 never appears in a walk.
  std::vector<std::vector<NodeId>> list;
  for (int i = 0; i < 1000; ++i) list.push_back({1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 3});
  Walks walks = walks_of(list);
  for (const NegativeDistribution distribution : {NegativeDistribution::Uniform, NegativeDistribution::Unigram}) {
    StreamOptions options = stream_options_from(Config{});
    options.window = 2;
    options.negative_samples = 2;
    options.negative_distribution = distribution;
    StreamExamples source(walks, 5, options);
    StreamBatch batch;
    for (std::size_t w = 0; w < walks.size(); ++w) source.append_walk(w, 1, batch);
    // negatives[target][context]; a negative equal to its target is skipped.
    std::map<std::int64_t, std::map<std::int64_t, double>> negatives;
    for (std::size_t i = 0; i < batch.labels.size(); ++i) {
      if (batch.labels[i] != 0.0f) continue;
      ASSERT_GE(batch.contexts[i], 1);
      ASSERT_LE(batch.contexts[i], 4);
      ASSERT_NE(batch.contexts[i], batch.targets[i]);
      negatives[batch.targets[i]][batch.contexts[i]] += 1;
    }
    if (distribution == NegativeDistribution::Uniform) {
      EXPECT_NEAR(negatives[1][2] / negatives[1][4], 1.0, 0.15);
      EXPECT_NEAR(negatives[1][3] / negatives[1][4], 1.0, 0.15);
    } else {
      EXPECT_EQ(negatives[1].count(4), 0u) << "a token absent from the walks has unigram weight 0";
      EXPECT_NEAR(negatives[1][2] / negatives[1][3], 1.0, 0.15);
      EXPECT_NEAR(negatives[2][1] / negatives[2][3], std::pow(9.0, 0.75), 0.15 * std::pow(9.0, 0.75));
    }
  }
}

TEST(Stream, DrawsDependOnSeedEpochAndWalkOnly) {
  Walks walks = walks_of({{1, 2, 3, 4, 5}, {5, 4, 3, 2, 1}});
  StreamOptions options = stream_options_from(Config{});
  options.window = 2;
  options.negative_samples = 3;
  StreamExamples source(walks, 8, options);
  StreamBatch a, b, c;
  source.append_walk(1, 2, a);
  source.append_walk(0, 2, b);  // another walk first must not change walk 1's draws
  source.append_walk(1, 2, b);
  source.append_walk(1, 3, c);
  std::vector<std::int64_t> tail(b.contexts.end() - static_cast<std::ptrdiff_t>(a.contexts.size()), b.contexts.end());
  EXPECT_EQ(tail, a.contexts);
  EXPECT_NE(c.contexts, a.contexts) << "a new epoch draws new negatives";
}

}  // namespace
}  // namespace n2v
