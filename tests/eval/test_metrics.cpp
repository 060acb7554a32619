// The evaluation scores against hand-computed cases, and the recommendation task on a tiny input.
#include "eval/metrics.h"

#include <gtest/gtest.h>

#include <cmath>

#include "eval/recommend.h"

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

// Movies 10, 20, 30, 40 are tokens 1..4. User 1 liked 10 and rated 20 low in training, and liked 30
// later (the target). 30 points the way of 10; 40 is popular (users 2 and 3) and co-liked with 10
// (user 3). So n2v ranks 30 first, popularity and co-rating rank 40 first.
TEST(Recommend, EachScorerRanksOnTheSameCandidatesAsWorkedOut) {
  Vocabulary v;
  v.names = {"NA", "10", "20", "30", "40"};
  v.movie_ids = {-1, 10, 20, 30, 40};
  v.titles = v.names;
  v.genres = std::vector<std::string>(5);
  std::vector<float> e{0, 0, 1, 0, 0, 1, 0.9f, 0.1f, -1, 0};
  Ratings train, held;
  train.push_back(1, 10, 5, 1);
  train.push_back(1, 20, 2, 2);
  train.push_back(2, 40, 5, 1);
  train.push_back(3, 40, 5, 1);
  train.push_back(3, 10, 5, 2);
  train.push_back(4, 20, 3, 1);  // user 4: no liked training movie
  held.push_back(1, 30, 5, 3);
  held.push_back(1, 99, 5, 4);  // not in the graph
  held.push_back(4, 30, 5, 2);
  held.push_back(2, 10, 3, 2);  // not liked: no target

  RecommendResult at1 = evaluate_recommendations(e, 2, v, train, held, 4.0, 1);
  EXPECT_EQ(at1.users, 1u);
  EXPECT_EQ(at1.users_without_profile, 1u);
  EXPECT_EQ(at1.targets, 1u);
  EXPECT_EQ(at1.targets_outside_graph, 1u);
  EXPECT_DOUBLE_EQ(at1.n2v.hit_rate, 1.0);
  EXPECT_DOUBLE_EQ(at1.n2v.ndcg, 1.0);
  EXPECT_DOUBLE_EQ(at1.popularity.hit_rate, 0.0);
  EXPECT_DOUBLE_EQ(at1.co_rating.hit_rate, 0.0);

  // With k = 2 the two unseen movies are both listed; 30 comes second for the baselines.
  RecommendResult at2 = evaluate_recommendations(e, 2, v, train, held, 4.0, 2);
  EXPECT_DOUBLE_EQ(at2.popularity.hit_rate, 1.0);
  EXPECT_DOUBLE_EQ(at2.popularity.recall, 1.0);
  EXPECT_NEAR(at2.popularity.ndcg, 1 / std::log2(3.0), 1e-12);
  EXPECT_NEAR(at2.co_rating.ndcg, 1 / std::log2(3.0), 1e-12);
  EXPECT_DOUBLE_EQ(at2.n2v.ndcg, 1.0);
}

// Co-rating scores are sums of pair counts: movie 30 (co-liked with the profile by 2 users) beats
// movie 40 (by 1), although 40 is more popular.
TEST(Recommend, CoRatingSumsPairCountsOverTheProfile) {
  Vocabulary v;
  v.names = {"NA", "1", "2", "3", "4"};
  v.movie_ids = {-1, 1, 2, 3, 4};
  v.titles = v.names;
  v.genres = std::vector<std::string>(5);
  std::vector<float> e(10, 1.0f);  // all alike: n2v ties, broken by the smaller token
  Ratings train, held;
  train.push_back(1, 1, 5, 1);
  train.push_back(1, 2, 5, 1);
  train.push_back(2, 1, 5, 1);
  train.push_back(2, 3, 5, 1);
  train.push_back(3, 2, 5, 1);
  train.push_back(3, 3, 5, 1);
  for (int u = 4; u <= 7; ++u) train.push_back(u, 4, 5, 1);
  train.push_back(4, 1, 5, 1);
  held.push_back(1, 3, 5, 2);
  RecommendResult r = evaluate_recommendations(e, 2, v, train, held, 4.0, 1);
  ASSERT_EQ(r.users, 1u);
  EXPECT_DOUBLE_EQ(r.co_rating.hit_rate, 1.0);  // 3: co(1,3) + co(2,3) = 1 + 1 = 2 > co(1,4) = 1
  EXPECT_DOUBLE_EQ(r.popularity.hit_rate, 0.0);  // 4 has 4 likes
  EXPECT_DOUBLE_EQ(r.n2v.hit_rate, 1.0);  // 3 < 4 by token
}

}  // namespace
}  // namespace n2v
