#pragma once
// The scores `n2v evaluate` reports (no torch): multi-label F1, ROC-AUC and top-k ranking metrics.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace n2v {

struct F1Scores {
  double micro = 0.0;  // F1 of the true/false positives pooled over all labels
  double macro = 0.0;  // mean of the per-label F1
};

// truth[i] and predicted[i] are the label ids (0 .. num_labels-1, no repeats) of item i. Macro-F1
// averages the labels that occur in truth or in the predictions: a label absent from both has no
// defined F1 (scikit-learn would count it as 0).
F1Scores f1_scores(const std::vector<std::vector<int>>& truth, const std::vector<std::vector<int>>& predicted,
                   int num_labels);

// The probability that a random positive scores above a random negative, a tie counting one half
// (the Mann-Whitney U statistic over positives x negatives). Needs both classes: NaN otherwise.
double roc_auc(const std::vector<double>& scores, const std::vector<char>& positive);

struct RankingScores {
  double hit_rate = 0.0;  // 1 when any relevant item is in the top k
  double recall = 0.0;  // relevant items in the top k / relevant items
  double ndcg = 0.0;  // DCG of the top k (gain 1 / log2(rank + 1)) over the best possible DCG
};

// `ranked` is the top of a ranking (best first; only its first k count), `relevant` the items that
// should be there. Zeros when nothing is relevant.
RankingScores ranking_scores(const std::vector<std::int64_t>& ranked, const std::vector<std::int64_t>& relevant,
                             std::size_t k);

// Indices of the k largest scores, best first (ties: the smaller index first), skipping indices
// where skip[i] is set (skip may be empty).
std::vector<std::int64_t> top_k(const std::vector<double>& scores, std::size_t k, const std::vector<char>& skip);

// Mean and sample standard deviation (0 for fewer than two values).
double mean_of(const std::vector<double>& values);
double stddev_of(const std::vector<double>& values);

}  // namespace n2v
