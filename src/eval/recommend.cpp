#include "eval/recommend.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "eval/profile.h"

namespace n2v {
namespace {

struct UserData {
  std::vector<std::int64_t> seen;  // graph tokens rated in training
  std::vector<std::int64_t> profile;  // graph tokens liked in training
  std::vector<std::int64_t> targets;  // graph tokens liked in the held-out ratings
};

void sort_unique(std::vector<std::int64_t>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

void add_scores(RankingScores& sum, const RankingScores& s) {
  sum.hit_rate += s.hit_rate;
  sum.recall += s.recall;
  sum.ndcg += s.ndcg;
}

RankingScores divided(RankingScores s, std::size_t n) {
  if (n == 0) return s;
  s.hit_rate /= static_cast<double>(n);
  s.recall /= static_cast<double>(n);
  s.ndcg /= static_cast<double>(n);
  return s;
}

}  // namespace

RecommendResult evaluate_recommendations(const std::vector<float>& embeddings, std::int64_t dim,
                                         const Vocabulary& vocabulary, const Ratings& train, const Ratings& held_out,
                                         double min_rating, std::size_t k) {
  const std::size_t V = vocabulary.size();
  std::unordered_map<std::int64_t, std::int64_t> token_of;
  for (std::size_t t = 1; t < V; ++t) token_of.emplace(vocabulary.movie_ids[t], static_cast<std::int64_t>(t));
  auto token = [&](std::int32_t movie) {
    auto it = token_of.find(movie);
    return it == token_of.end() ? std::int64_t{-1} : it->second;
  };

  RecommendResult result;
  result.k = k;
  std::unordered_map<std::int32_t, UserData> users;
  for (std::size_t i = 0; i < train.size(); ++i) {
    std::int64_t t = token(train.movie[i]);
    if (t < 0) continue;
    UserData& u = users[train.user[i]];
    u.seen.push_back(t);
    if (train.rating[i] >= min_rating) u.profile.push_back(t);
  }
  for (std::size_t i = 0; i < held_out.size(); ++i) {
    if (held_out.rating[i] < min_rating) continue;
    std::int64_t t = token(held_out.movie[i]);
    if (t < 0) {
      ++result.targets_outside_graph;
      continue;
    }
    users[held_out.user[i]].targets.push_back(t);
  }

  // Training likes as token -> users, for popularity and co-rating counts.
  std::vector<std::int32_t> user_ids;
  for (auto& [id, u] : users) {
    sort_unique(u.seen);
    sort_unique(u.profile);
    sort_unique(u.targets);
    // A movie rated again later is no next item.
    u.targets.erase(std::remove_if(u.targets.begin(), u.targets.end(),
                                   // (C++17 lambdas cannot capture a structured binding: clang refuses it.)
                                   [&seen = u.seen](std::int64_t t) {
                                     return std::binary_search(seen.begin(), seen.end(), t);
                                   }),
                    u.targets.end());
    user_ids.push_back(id);
  }
  std::sort(user_ids.begin(), user_ids.end());
  std::unordered_map<std::int32_t, std::size_t> dense;
  for (std::size_t i = 0; i < user_ids.size(); ++i) dense[user_ids[i]] = i;
  std::vector<std::vector<std::size_t>> likers(V);
  for (std::int32_t id : user_ids)
    for (std::int64_t t : users[id].profile) likers[t].push_back(dense[id]);
  std::vector<double> popularity(V, 0.0);
  for (std::size_t t = 1; t < V; ++t) popularity[t] = static_cast<double>(likers[t].size());

  // Unit rows, so that a profile's mean direction weighs its movies equally.
  const std::vector<double> unit = unit_rows<double>(embeddings, V, dim);

  RankingScores sum_n2v, sum_popularity, sum_co;
  std::vector<char> skip(V, 0);
  std::vector<double> scores(V), co(V), mean(dim);
  std::vector<double> overlap(user_ids.size(), 0.0);
  for (std::int32_t id : user_ids) {
    const UserData& u = users[id];
    if (u.targets.empty()) continue;
    if (u.profile.empty()) {
      ++result.users_without_profile;
      continue;
    }
    ++result.users;
    result.targets += u.targets.size();
    std::fill(skip.begin(), skip.end(), 0);
    skip[0] = 1;
    for (std::int64_t t : u.seen) skip[t] = 1;

    sum_rows(unit, dim, u.profile, mean);
    double mean_norm = 0;
    for (double m : mean) mean_norm += m * m;
    mean_norm = std::max(std::sqrt(mean_norm), 1e-12);
    for (std::size_t t = 1; t < V; ++t) {
      double dot = 0;
      for (std::int64_t j = 0; j < dim; ++j) dot += mean[j] * unit[t * dim + j];
      scores[t] = dot / mean_norm;
    }
    add_scores(sum_n2v, ranking_scores(top_k(scores, k, skip), u.targets, k));
    add_scores(sum_popularity, ranking_scores(top_k(popularity, k, skip), u.targets, k));

    // sum over profile movies l of co(l, t) = sum over users v of |profile & likes(v)| * [v likes t].
    std::vector<std::size_t> touched;
    for (std::int64_t l : u.profile)
      for (std::size_t v : likers[l])
        if (overlap[v]++ == 0) touched.push_back(v);
    std::fill(co.begin(), co.end(), 0.0);
    for (std::size_t v : touched) {
      for (std::int64_t t : users[user_ids[v]].profile) co[t] += overlap[v];
      overlap[v] = 0;
    }
    add_scores(sum_co, ranking_scores(top_k(co, k, skip), u.targets, k));
  }
  result.n2v = divided(sum_n2v, result.users);
  result.popularity = divided(sum_popularity, result.users);
  result.co_rating = divided(sum_co, result.users);
  return result;
}

}  // namespace n2v
