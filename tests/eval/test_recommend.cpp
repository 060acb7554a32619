// The recommendation task on a tiny input: each scorer's ranking worked out by hand.
#include "eval/recommend.h"

#include <gtest/gtest.h>

#include <cmath>

namespace n2v {
namespace {

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
