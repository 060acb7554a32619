// The evaluation scores against hand-computed cases.
#include "eval/metrics.h"

#include <gtest/gtest.h>

#include <cmath>

namespace n2v {
namespace {

TEST(Metrics, F1OfAHandComputedCase) {
  // Label 0: tp 1 (item 0), fp 1 (item 2)        -> F1 2/3
  // Label 1: tp 1 (item 1), fn 1 (item 0)        -> F1 2/3
  // Label 2: fp 1 (item 0), fn 1 (item 2), tp 0  -> F1 0
  // Label 3 occurs nowhere: left out of the macro mean.
  std::vector<std::vector<int>> truth{{0, 1}, {1}, {2}}, predicted{{0, 2}, {1}, {0}};
  F1Scores f = f1_scores(truth, predicted, 4);
  EXPECT_NEAR(f.macro, 4.0 / 9.0, 1e-12);
  EXPECT_NEAR(f.micro, 0.5, 1e-12);  // tp 2, fp 2, fn 2
  F1Scores perfect = f1_scores(truth, truth, 4);
  EXPECT_DOUBLE_EQ(perfect.macro, 1.0);
  EXPECT_DOUBLE_EQ(perfect.micro, 1.0);
}

TEST(Metrics, AucCountsTiesAsHalf) {
  // Positive 0.9 beats 3 negatives; positive 0.7 beats 0.1, ties 0.7, loses to 0.8: (3 + 1.5) / 6.
  EXPECT_DOUBLE_EQ(roc_auc({0.9, 0.8, 0.7, 0.7, 0.1}, {1, 0, 1, 0, 0}), 0.75);
  EXPECT_DOUBLE_EQ(roc_auc({3, 2, 1}, {1, 1, 0}), 1.0);
  EXPECT_DOUBLE_EQ(roc_auc({1, 2, 3}, {1, 1, 0}), 0.0);
  EXPECT_DOUBLE_EQ(roc_auc({5, 5, 5, 5}, {1, 0, 1, 0}), 0.5);
  EXPECT_TRUE(std::isnan(roc_auc({1, 2}, {1, 1})));
}

TEST(Metrics, RankingScoresOfAHandComputedCase) {
  // Relevant {3, 1, 7}; ranking 5, 3, 9, 1.
  const double ideal = 1 + 1 / std::log2(3.0) + 1 / std::log2(4.0);  // three relevant items
  RankingScores at3 = ranking_scores({5, 3, 9, 1}, {3, 1, 7}, 3);  // one hit, at rank 2
  EXPECT_DOUBLE_EQ(at3.hit_rate, 1.0);
  EXPECT_DOUBLE_EQ(at3.recall, 1.0 / 3.0);
  EXPECT_NEAR(at3.ndcg, (1 / std::log2(3.0)) / ideal, 1e-12);
  EXPECT_NEAR(at3.ndcg, 0.296082, 1e-6);
  RankingScores at4 = ranking_scores({5, 3, 9, 1}, {3, 1, 7}, 4);  // hits at ranks 2 and 4
  EXPECT_DOUBLE_EQ(at4.recall, 2.0 / 3.0);
  EXPECT_NEAR(at4.ndcg, (1 / std::log2(3.0) + 1 / std::log2(5.0)) / ideal, 1e-12);
  RankingScores one = ranking_scores({4, 2}, {2}, 2);  // one relevant item, at rank 2
  EXPECT_NEAR(one.ndcg, 1 / std::log2(3.0), 1e-12);
  RankingScores miss = ranking_scores({5, 9}, {3}, 2);
  EXPECT_EQ(miss.hit_rate, 0.0);
  EXPECT_EQ(miss.ndcg, 0.0);
}

TEST(Metrics, TopKSkipsAndBreaksTiesBySmallerIndex) {
  std::vector<double> scores{0.5, 0.9, 0.9, 0.1, 0.7};
  EXPECT_EQ(top_k(scores, 3, {}), (std::vector<std::int64_t>{1, 2, 4}));
  EXPECT_EQ(top_k(scores, 3, {0, 1, 0, 0, 0}), (std::vector<std::int64_t>{2, 4, 0}));
  EXPECT_EQ(top_k(scores, 10, {1, 1, 1, 0, 1}), (std::vector<std::int64_t>{3}));
  EXPECT_DOUBLE_EQ(mean_of({1, 2, 3}), 2.0);
  EXPECT_DOUBLE_EQ(stddev_of({1, 2, 3}), 1.0);
}

}  // namespace
}  // namespace n2v
