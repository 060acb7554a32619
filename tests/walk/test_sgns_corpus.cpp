#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "pipeline/pipeline.h"
#include "test_util.h"
#include "walk/sgns_corpus.h"

namespace n2v {
namespace {

using testing::walks_of;

SgnsOptions options_with(double subsample) {
  SgnsOptions options = sgns_options_from(Config{});
  options.subsample = subsample;
  return options;
}

// Pearson's chi-square of observed counts against expected probabilities.
double chi_square(const std::vector<double>& observed, const std::vector<double>& probability, double n) {
  double chi = 0;
  for (std::size_t k = 0; k < observed.size(); ++k) {
    const double expected = n * probability[k];
    chi += (observed[k] - expected) * (observed[k] - expected) / expected;
  }
  return chi;
}

TEST(SgnsCorpus, NegativesFollowTheUnigramToTheThreeQuarters) {
  // Tokens 1..5 seen 1, 3, 9, 27, 81 times; token 6 never (weight 0); 0 is reserved.
  std::vector<NodeId> walk;
  for (NodeId t = 1; t <= 5; ++t)
    for (int i = 0; i < static_cast<int>(std::pow(3, t - 1)); ++i) walk.push_back(t);
  const Walks walks = walks_of({walk});
  SgnsCorpus corpus(walks, 7, options_with(0));
  std::vector<double> unigram(5), uniform(5, 0.2);
  double total = 0;
  for (int k = 0; k < 5; ++k) total += unigram[k] = std::pow(std::pow(3.0, k), 0.75);
  for (double& p : unigram) p /= total;
  const int n = 200000;
  std::vector<double> observed(5, 0);
  Rng rng(11);
  for (int i = 0; i < n; ++i) {
    const NodeId token = corpus.draw_negative(rng);
    ASSERT_GE(token, 1u);
    ASSERT_LE(token, 5u) << "a token absent from the walks is never a negative";
    observed[token - 1] += 1;
  }
  // 4 degrees of freedom: 18.47 is the 0.999 quantile. The plain unigram or uniform would be far off.
  EXPECT_LT(chi_square(observed, unigram, n), 18.47);
  EXPECT_GT(chi_square(observed, uniform, n), 1000);
}

TEST(SgnsCorpus, SubsamplingKeepsWord2vecsExpectedFraction) {
  // Token 1 is 90% of the nodes; 2..11 share the rest.
  std::vector<std::vector<NodeId>> list;
  for (int w = 0; w < 200; ++w) {
    std::vector<NodeId> walk(90, 1);
    for (NodeId t = 2; t <= 11; ++t) walk.push_back(t);
    list.push_back(walk);
  }
  const Walks walks = walks_of(list);
  const double sample = 1e-2;
  SgnsCorpus corpus(walks, 12, options_with(sample));
  // word2vec.c's rule by hand: threshold = sample * N; keep = (sqrt(c / threshold) + 1) threshold / c.
  const double threshold = sample * static_cast<double>(walks.nodes.size());
  const double frequent = (std::sqrt(18000 / threshold) + 1) * threshold / 18000;
  EXPECT_NEAR(corpus.keep_probability(1), frequent, 1e-12);
  EXPECT_EQ(corpus.keep_probability(5), 1.0) << "rare nodes are always kept";
  EXPECT_NEAR(corpus.expected_kept_fraction(), 0.9 * frequent + 0.1, 1e-12);

  std::vector<double> kept(12, 0);
  std::vector<NodeId> out;
  const int epochs = 20;
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    for (std::size_t w = 0; w < walks.size(); ++w) {
      out.clear();
      corpus.append_kept(w, epoch, out);
      for (NodeId t : out) kept[t] += 1;
    }
  }
  const double seen = 18000.0 * epochs;
  // 360,000 draws: the standard error of the kept fraction is below 0.001.
  EXPECT_NEAR(kept[1] / seen, frequent, 0.005);
  for (NodeId t = 2; t <= 11; ++t) EXPECT_EQ(kept[t], 200.0 * epochs);

  // The same (seed, epoch, walk) keeps the same nodes; another epoch others.
  std::vector<NodeId> a, b, c;
  corpus.append_kept(3, 1, a);
  corpus.append_kept(3, 1, b);
  corpus.append_kept(3, 2, c);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(SgnsCorpus, NoSubsamplingKeepsEveryNode) {
  const Walks walks = walks_of({{1, 1, 1, 2}, {2, 3}});
  SgnsCorpus corpus(walks, 4, options_with(0));
  std::vector<NodeId> out;
  corpus.append_kept(0, 1, out);
  corpus.append_kept(1, 1, out);
  EXPECT_EQ(out, walks.nodes);
  EXPECT_EQ(corpus.expected_kept_fraction(), 1.0);
}

TEST(SgnsCorpus, FractionalNegativesAreDrawnWithTheirProbability) {
  const Walks walks = walks_of({{1, 2}});
  SgnsOptions options = options_with(0);
  options.negative_samples = 2.25;
  SgnsCorpus corpus(walks, 3, options);
  Rng rng(5);
  double sum = 0;
  for (int i = 0; i < 100000; ++i) {
    const int k = corpus.draw_negative_count(rng);
    ASSERT_TRUE(k == 2 || k == 3);
    sum += k;
  }
  EXPECT_NEAR(sum / 100000, 2.25, 0.01);
}

}  // namespace
}  // namespace n2v
