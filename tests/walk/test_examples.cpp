#include "walk/examples.h"

#include <gtest/gtest.h>

#include "pipeline/pipeline.h"
#include "test_util.h"

#include <map>

namespace n2v {
namespace {

using testing::walks_of;

TEST(Examples, PositivePairsOfAHandWrittenWalk) {
  const std::vector<NodeId> walk{1, 2, 3, 2};
  ExampleOptions options = example_options_from(Config{});
  options.window = 1;
  options.negative_samples = 0;
  Rng rng(1);
  std::vector<SkipGramPair> pairs;
  walk_skipgrams(walk.data(), walk.size(), 10, options, rng, pairs);
  std::vector<std::pair<NodeId, NodeId>> got;
  for (const auto& p : pairs) {
    EXPECT_TRUE(p.positive);
    got.emplace_back(p.target, p.context);
  }
  EXPECT_EQ(got, (std::vector<std::pair<NodeId, NodeId>>{{1, 2}, {2, 1}, {2, 3}, {3, 2}, {3, 2}, {2, 3}}));

  options.window = 10;  // a window wider than the walk pairs every position with every other
  pairs.clear();
  walk_skipgrams(walk.data(), walk.size(), 10, options, rng, pairs);
  EXPECT_EQ(pairs.size(), 12u);
}

TEST(Examples, ReservedTokenIsSkipped) {
  const std::vector<NodeId> walk{1, 0, 2};
  ExampleOptions options = example_options_from(Config{});
  options.window = 2;
  options.negative_samples = 0;
  Rng rng(1);
  std::vector<SkipGramPair> pairs;
  walk_skipgrams(walk.data(), walk.size(), 10, options, rng, pairs);
  ASSERT_EQ(pairs.size(), 2u);  // (1,2) and (2,1) only
  EXPECT_EQ(pairs[0].target, 1u);
  EXPECT_EQ(pairs[0].context, 2u);
}

TEST(Examples, NegativeCountRangeAndTargets) {
  const std::vector<NodeId> walk{1, 2, 3, 2};
  ExampleOptions options = example_options_from(Config{});
  options.window = 1;
  options.negative_samples = 4;
  const std::size_t vocabulary = 7;
  std::map<NodeId, int> negatives_per_target;
  std::map<NodeId, int> contexts;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    Rng rng(seed);
    std::vector<SkipGramPair> pairs;
    walk_skipgrams(walk.data(), walk.size(), vocabulary, options, rng, pairs);
    ASSERT_EQ(pairs.size(), 6u + 24u);  // int(6 * 4) negatives after the 6 positives
    for (std::size_t i = 6; i < pairs.size(); ++i) {
      EXPECT_FALSE(pairs[i].positive);
      EXPECT_GE(pairs[i].context, 1u);
      EXPECT_LE(pairs[i].context, vocabulary - 1);
      if (seed == 0) ++negatives_per_target[pairs[i].target];
      ++contexts[pairs[i].context];
    }
  }
  // Each positive's target is used 4 times: targets {1, 2, 2, 3, 3, 2}.
  EXPECT_EQ(negatives_per_target, (std::map<NodeId, int>{{1, 4}, {2, 12}, {3, 8}}));
  // Every context 1..6 is drawn, none more than twice as often as another (uniform).
  ASSERT_EQ(contexts.size(), vocabulary - 1);
  int lo = 1 << 30, hi = 0;
  for (auto [token, count] : contexts) lo = std::min(lo, count), hi = std::max(hi, count);
  EXPECT_LT(hi, 2 * lo);

  options.negative_samples = 1.5;  // int(6 * 1.5) = 9: targets reused cyclically from the shuffle
  Rng rng(3);
  std::vector<SkipGramPair> pairs;
  walk_skipgrams(walk.data(), walk.size(), vocabulary, options, rng, pairs);
  EXPECT_EQ(pairs.size(), 6u + 9u);
}

TEST(Examples, AggregationCountsUnorderedPairsAndDropsSelfPairs) {
  ExampleOptions options = example_options_from(Config{});
  options.window = 1;
  options.negative_samples = 0;
  Examples ex = generate_examples(walks_of({{1, 2, 3, 2}, {1, 1, 2}}), 10, options);
  // Walk 1: (1,2) x2, (2,3) x4. Walk 2: (1,1) x2 dropped, (1,2) x2.
  ASSERT_EQ(ex.size(), 2u);
  EXPECT_EQ(ex.targets[0], 1);
  EXPECT_EQ(ex.contexts[0], 2);
  EXPECT_EQ(ex.labels[0], 1.0f);
  EXPECT_EQ(ex.weights[0], 4.0f);
  EXPECT_EQ(ex.targets[1], 2);
  EXPECT_EQ(ex.contexts[1], 3);
  EXPECT_EQ(ex.weights[1], 4.0f);
}

TEST(Examples, PositivesAndNegativesOfTheSamePairStaySeparate) {
  ExampleOptions options = example_options_from(Config{});
  options.window = 1;
  options.negative_samples = 20;
  Examples ex = generate_examples(walks_of({{1, 2}}), 3, options);  // contexts drawn from {1, 2}
  double positive_weight = 0, negative_weight = 0;
  for (std::size_t i = 0; i < ex.size(); ++i) {
    EXPECT_LT(ex.targets[i], ex.contexts[i]);
    (ex.labels[i] == 1.0f ? positive_weight : negative_weight) += ex.weights[i];
  }
  EXPECT_EQ(positive_weight, 2.0);
  EXPECT_GT(negative_weight, 0.0);
  EXPECT_LT(negative_weight, 40.0);  // negatives with context == target were dropped
  EXPECT_EQ(ex.size(), 2u);  // (1,2,label 1) and (1,2,label 0)
}

TEST(Examples, SameExamplesWithAnyThreadCountDifferentWithAnotherSeed) {
  std::vector<std::vector<NodeId>> list;
  Rng rng(5);
  for (int w = 0; w < 3000; ++w) {
    std::vector<NodeId> walk;
    for (int s = 0; s < 10; ++s) walk.push_back(static_cast<NodeId>(1 + rng.below(50)));
    list.push_back(walk);
  }
  Walks walks = walks_of(list);
  ExampleOptions options = example_options_from(Config{});
  options.threads = 1;
  Examples one = generate_examples(walks, 51, options);
  options.threads = 3;
  Examples three = generate_examples(walks, 51, options);
  EXPECT_EQ(one.targets, three.targets);
  EXPECT_EQ(one.contexts, three.contexts);
  EXPECT_EQ(one.labels, three.labels);
  EXPECT_EQ(one.weights, three.weights);
  options.seed = 43;
  Examples other = generate_examples(walks, 51, options);
  EXPECT_NE(one.weights, other.weights);
}

}  // namespace
}  // namespace n2v
