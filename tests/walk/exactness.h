#pragma once
// Small graphs, the node2vec rule written out independently of the sampler, and a chi-square test:
// the exactness checks of the walks in one process (test_walks.cpp) and across ranks
// (tests/dist/).
#include <cmath>
#include <limits>
#include <set>
#include <vector>

#include "core/rng.h"
#include "graph/graph.h"
#include "walk/walks.h"

namespace n2v::walk_testing {

// ---- The chi-square critical value, from the regularized incomplete gamma function. ----

inline double lower_gamma_regularized(double a, double x) {
  if (x <= 0) return 0.0;
  const double log_prefix = a * std::log(x) - x - std::lgamma(a);
  if (x < a + 1) {  // series
    double term = 1.0 / a, sum = term;
    for (int n = 1; n < 1000 && std::fabs(term) > 1e-16 * std::fabs(sum); ++n) {
      term *= x / (a + n);
      sum += term;
    }
    return sum * std::exp(log_prefix);
  }
  // Continued fraction for the upper tail (modified Lentz).
  double b = x + 1 - a, c = 1e300, d = 1 / b, h = d;
  for (int i = 1; i < 1000; ++i) {
    double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::fabs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (std::fabs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1) < 1e-16) break;
  }
  return 1.0 - std::exp(log_prefix) * h;
}

// x with P(chi2_df > x) = alpha, by bisection on the upper tail.
inline double chi_square_critical(int df, double alpha) {
  double lo = 0, hi = 1000 + 100.0 * df;
  for (int i = 0; i < 200; ++i) {
    double mid = (lo + hi) / 2;
    double tail = 1.0 - lower_gamma_regularized(df / 2.0, mid / 2.0);
    (tail > alpha ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

// ---- Small graphs and the rule, written out independently of the sampler. ----

struct Arc {
  NodeId src, dst;
  float weight;
};

inline CsrGraph make_graph(std::size_t num_nodes, const std::vector<Arc>& arcs, bool directed, bool weighted) {
  std::vector<Edge> edges;
  for (const Arc& a : arcs) edges.push_back({a.src, a.dst, weighted ? a.weight : 1.0f});
  return CsrGraph::from_edges(num_nodes, edges, directed);
}

// A triangle 1-2-3 with a pendant 4 on 3.
inline const std::vector<Arc> kTriangleUndirected{{1, 2, 1.0f}, {2, 3, 2.0f}, {1, 3, 3.0f}, {3, 4, 0.5f}};
inline const std::vector<Arc> kTriangleDirected{{1, 2, 1.0f}, {2, 3, 2.0f}, {3, 1, 3.0f}, {1, 3, 1.5f}, {3, 4, 0.5f}, {2, 1, 1.0f}};
// Six nodes, mixed weights.
inline const std::vector<Arc> kSixUndirected{{1, 2, 1.0f}, {1, 3, 2.5f}, {1, 4, 0.5f}, {2, 3, 1.5f}, {2, 5, 3.0f},
                                      {3, 4, 1.0f}, {3, 5, 0.25f}, {3, 6, 4.0f}, {4, 6, 2.0f}, {5, 6, 1.2f}};
inline const std::vector<Arc> kSixDirected{{1, 2, 1.0f}, {1, 3, 2.5f}, {1, 4, 0.5f}, {2, 3, 1.5f}, {3, 1, 0.7f},
                                    {3, 2, 1.0f}, {3, 4, 1.0f}, {3, 5, 0.25f}, {3, 6, 4.0f}, {4, 6, 2.0f},
                                    {4, 1, 1.0f}, {5, 3, 1.0f}, {6, 5, 1.2f}, {6, 1, 0.9f}};

enum class Rule { Correct, PreviousIsTarget };

// P(next = x | previous, current) for every node x (0 for non-neighbours). previous = kNoNode
// is the first step. Rule::PreviousIsTarget tests "x -> previous" instead of "previous -> x"
// (only different on directed graphs), to check that the test can tell.
inline std::vector<double> exact_probabilities(const CsrGraph& g, NodeId previous, NodeId current, double p, double q,
                                        Rule rule = Rule::Correct) {
  std::vector<double> mass(g.num_nodes(), 0.0);
  double total = 0;
  for (std::size_t i = 0; i < g.degree(current); ++i) {
    NodeId x = g.neighbors(current)[i];
    double factor;
    if (previous == kNoNode) factor = 1.0;
    else if (x == previous) factor = 1.0 / p;
    else if (rule == Rule::Correct ? g.has_edge(previous, x) : g.has_edge(x, previous)) factor = 1.0;
    else factor = 1.0 / q;
    mass[x] += g.weights(current)[i] * factor;
    total += g.weights(current)[i] * factor;
  }
  for (double& m : mass) m /= total;
  return mass;
}

inline double chi_square(const std::vector<std::uint64_t>& counts, const std::vector<double>& probabilities, std::uint64_t n,
                  int& df) {
  double statistic = 0;
  df = -1;
  for (std::size_t x = 0; x < counts.size(); ++x) {
    if (probabilities[x] <= 0) {
      if (counts[x] > 0) return std::numeric_limits<double>::infinity();
      continue;
    }
    double expected = probabilities[x] * n;
    statistic += (counts[x] - expected) * (counts[x] - expected) / expected;
    ++df;
  }
  return statistic;
}

// A random graph whose node degrees are skewed; the last five nodes stay isolated.
inline CsrGraph random_graph(std::size_t nodes, std::size_t edges, bool directed, std::uint64_t seed) {
  Rng rng(seed);
  std::set<std::pair<NodeId, NodeId>> seen;
  std::vector<Edge> list;
  while (list.size() < edges) {
    auto a = static_cast<NodeId>(1 + (nodes - 1) * std::pow(rng.uniform(), 2.0));
    auto b = static_cast<NodeId>(1 + rng.below(nodes - 1));
    if (a == b || a >= nodes - 5 || b >= nodes - 5) continue;  // the last five nodes stay isolated
    auto key = directed ? std::make_pair(a, b) : std::make_pair(std::min(a, b), std::max(a, b));
    if (!seen.insert(key).second) continue;
    list.push_back({a, b, static_cast<float>(0.1 + 3 * rng.uniform())});
  }
  return CsrGraph::from_edges(nodes, list, directed);
}

}  // namespace n2v::walk_testing
