#include "eval/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace n2v {

namespace {

double f1(double tp, double fp, double fn) { return tp == 0 ? 0.0 : 2 * tp / (2 * tp + fp + fn); }

}  // namespace

F1Scores f1_scores(const std::vector<std::vector<int>>& truth, const std::vector<std::vector<int>>& predicted,
                   int num_labels) {
  std::vector<double> tp(num_labels, 0), fp(num_labels, 0), fn(num_labels, 0);
  for (std::size_t i = 0; i < truth.size(); ++i) {
    const auto& t = truth[i];
    const auto& p = predicted[i];
    for (int label : p) (std::find(t.begin(), t.end(), label) != t.end() ? tp : fp)[label] += 1;
    for (int label : t)
      if (std::find(p.begin(), p.end(), label) == p.end()) fn[label] += 1;
  }
  F1Scores scores;
  double macro_sum = 0;
  int counted = 0;
  for (int l = 0; l < num_labels; ++l) {
    if (tp[l] + fp[l] + fn[l] == 0) continue;
    macro_sum += f1(tp[l], fp[l], fn[l]);
    ++counted;
  }
  scores.macro = counted == 0 ? 0.0 : macro_sum / counted;
  scores.micro = f1(std::accumulate(tp.begin(), tp.end(), 0.0), std::accumulate(fp.begin(), fp.end(), 0.0),
                    std::accumulate(fn.begin(), fn.end(), 0.0));
  return scores;
}

double roc_auc(const std::vector<double>& scores, const std::vector<char>& positive) {
  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] < scores[b]; });
  // Sum of the positives' ranks (1-based, tied scores sharing their mean rank).
  double rank_sum = 0;
  std::size_t positives = 0;
  for (std::size_t begin = 0; begin < order.size();) {
    std::size_t end = begin;
    while (end < order.size() && scores[order[end]] == scores[order[begin]]) ++end;
    const double mean_rank = (begin + 1 + end) / 2.0;
    for (std::size_t i = begin; i < end; ++i)
      if (positive[order[i]]) rank_sum += mean_rank, ++positives;
    begin = end;
  }
  const std::size_t negatives = scores.size() - positives;
  if (positives == 0 || negatives == 0) return std::numeric_limits<double>::quiet_NaN();
  const double p = static_cast<double>(positives), n = static_cast<double>(negatives);
  return (rank_sum - p * (p + 1) / 2) / (p * n);
}

RankingScores ranking_scores(const std::vector<std::int64_t>& ranked, const std::vector<std::int64_t>& relevant,
                             std::size_t k) {
  RankingScores s;
  if (relevant.empty()) return s;
  double dcg = 0, ideal = 0;
  std::size_t hits = 0;
  for (std::size_t i = 0; i < std::min(k, ranked.size()); ++i) {
    if (std::find(relevant.begin(), relevant.end(), ranked[i]) == relevant.end()) continue;
    ++hits;
    dcg += 1.0 / std::log2(static_cast<double>(i) + 2.0);
  }
  for (std::size_t i = 0; i < std::min(k, relevant.size()); ++i) ideal += 1.0 / std::log2(static_cast<double>(i) + 2.0);
  s.hit_rate = hits > 0 ? 1.0 : 0.0;
  s.recall = static_cast<double>(hits) / static_cast<double>(relevant.size());
  s.ndcg = dcg / ideal;
  return s;
}

std::vector<std::int64_t> top_k(const std::vector<double>& scores, std::size_t k, const std::vector<char>& skip) {
  std::vector<std::int64_t> candidates;
  candidates.reserve(scores.size());
  for (std::size_t i = 0; i < scores.size(); ++i)
    if (skip.empty() || !skip[i]) candidates.push_back(static_cast<std::int64_t>(i));
  k = std::min(k, candidates.size());
  auto better = [&](std::int64_t a, std::int64_t b) { return scores[a] != scores[b] ? scores[a] > scores[b] : a < b; };
  std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(k), candidates.end(), better);
  candidates.resize(k);
  return candidates;
}

double mean_of(const std::vector<double>& values) {
  return values.empty() ? 0.0 : std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

double stddev_of(const std::vector<double>& values) {
  if (values.size() < 2) return 0.0;
  const double m = mean_of(values);
  double sum = 0;
  for (double v : values) sum += (v - m) * (v - m);
  return std::sqrt(sum / static_cast<double>(values.size() - 1));
}

}  // namespace n2v
