#include "graph/holdout.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

#include "core/atomic_file.h"
#include "core/csv.h"
#include "core/errors.h"
#include "core/rng.h"
#include "core/text.h"

namespace n2v {
namespace {

// Union-find with path halving, for the spanning forest.
class Components {
 public:
  explicit Components(std::size_t n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), 0); }
  std::size_t find(std::size_t x) {
    while (parent_[x] != x) x = parent_[x] = parent_[parent_[x]];
    return x;
  }
  bool join(std::size_t a, std::size_t b) {
    a = find(a), b = find(b);
    if (a == b) return false;
    parent_[a] = b;
    return true;
  }

 private:
  std::vector<std::size_t> parent_;
};

std::uint64_t pair_key(NodeId a, NodeId b) {
  if (a > b) std::swap(a, b);
  return (static_cast<std::uint64_t>(a) << 32) | b;
}

template <typename T>
void shuffle(std::vector<T>& items, Rng& rng) {
  shuffle_in_place(items.begin(), items.end(), rng);
}

// Distinct unordered pairs of nodes 1..n-1 joined in neither direction.
std::vector<LabeledPair> sample_non_edges(const CsrGraph& graph, std::size_t wanted, Rng& rng) {
  const std::uint64_t nodes = graph.num_nodes() - 1;
  const std::uint64_t pairs = nodes * (nodes - 1) / 2;
  std::unordered_set<std::uint64_t> joined;
  for (NodeId u = 1; u <= nodes; ++u)
    for (const NodeId* v = graph.neighbors(u); v != graph.neighbors(u) + graph.degree(u); ++v) joined.insert(pair_key(u, *v));
  const std::uint64_t available = pairs - std::min<std::uint64_t>(pairs, joined.size());
  std::vector<LabeledPair> out;
  if (wanted * 2 > available) {
    // A dense graph: rejection would stall, so list every non-edge and take a random subset.
    for (NodeId u = 1; u <= nodes; ++u)
      for (NodeId v = u + 1; v <= nodes; ++v)
        if (!joined.count(pair_key(u, v))) out.push_back({u, v, false});
    shuffle(out, rng);
    out.resize(std::min<std::size_t>(out.size(), wanted));
    return out;
  }
  std::unordered_set<std::uint64_t> taken;
  while (out.size() < wanted) {
    auto u = static_cast<NodeId>(1 + rng.below(nodes)), v = static_cast<NodeId>(1 + rng.below(nodes));
    if (u == v || joined.count(pair_key(u, v)) || !taken.insert(pair_key(u, v)).second) continue;
    out.push_back({u, v, false});
  }
  return out;
}

}  // namespace

std::vector<LabeledPair> hold_out_edges(Graph& g, double fraction, std::uint64_t seed) {
  const bool directed = g.graph.directed();
  const std::size_t total = g.edges.size();
  const auto requested = static_cast<std::size_t>(std::llround(fraction * static_cast<double>(total)));

  std::vector<std::size_t> order(total);
  std::iota(order.begin(), order.end(), 0);
  Rng rng = Rng::for_item(seed, RngStream::Holdout, 0);
  shuffle(order, rng);
  // Kruskal over a random order: the forest's edges stay, the others are candidates.
  Components components(g.vocabulary.size());
  std::vector<std::size_t> candidates;
  for (std::size_t i : order) {
    const Edge& e = g.edges[i];
    if (components.join(e.src, e.dst)) continue;
    if (directed && g.graph.has_edge(e.dst, e.src)) continue;
    candidates.push_back(i);
  }
  candidates.resize(std::min(candidates.size(), requested));

  std::vector<char> removed(total, 0);
  std::vector<LabeledPair> pairs;
  for (std::size_t i : candidates) {
    removed[i] = 1;
    pairs.push_back({g.edges[i].src, g.edges[i].dst, true});
  }
  Rng non_edge_rng = Rng::for_item(seed, RngStream::Holdout, 1);
  std::vector<LabeledPair> non_edges = sample_non_edges(g.graph, pairs.size(), non_edge_rng);
  pairs.insert(pairs.end(), non_edges.begin(), non_edges.end());

  std::vector<Edge> kept;
  kept.reserve(total - candidates.size());
  for (std::size_t i = 0; i < total; ++i)
    if (!removed[i]) kept.push_back(g.edges[i]);
  g.edges = std::move(kept);
  g.graph = CsrGraph::from_edges(g.vocabulary.size(), g.edges, directed);
  g.stats.edges = g.edges.size();
  g.stats.average_degree = g.stats.nodes == 0 ? 0.0
                                              : (directed ? 1.0 : 2.0) * static_cast<double>(g.stats.edges) /
                                                    static_cast<double>(g.stats.nodes);
  return pairs;
}

Ratings hold_out_latest(Ratings& ratings, double fraction) {
  std::vector<std::size_t> order(ratings.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (ratings.user[a] != ratings.user[b]) return ratings.user[a] < ratings.user[b];
    if (ratings.timestamp[a] != ratings.timestamp[b]) return ratings.timestamp[a] < ratings.timestamp[b];
    return a < b;
  });
  std::vector<char> held(ratings.size(), 0);
  for (std::size_t begin = 0; begin < order.size();) {
    std::size_t end = begin;
    while (end < order.size() && ratings.user[order[end]] == ratings.user[order[begin]]) ++end;
    const auto count = static_cast<std::size_t>(std::floor(fraction * static_cast<double>(end - begin)));
    for (std::size_t i = end - count; i < end; ++i) held[order[i]] = 1;
    begin = end;
  }
  Ratings kept, out;
  for (std::size_t i = 0; i < ratings.size(); ++i) {
    (held[i] ? out : kept).push_back(ratings.user[i], ratings.movie[i], ratings.rating[i], ratings.timestamp[i]);
  }
  ratings = std::move(kept);
  return out;
}

void write_holdout_edges(const std::vector<LabeledPair>& pairs, const Vocabulary& vocabulary,
                         const std::filesystem::path& path) {
  AtomicFile file(path);
  auto& out = file.stream();
  out << "src\tdst\tlabel\n";
  for (const LabeledPair& p : pairs) {
    out << quote_field(vocabulary.names[p.src], '\t') << '\t' << quote_field(vocabulary.names[p.dst], '\t') << '\t'
        << (p.edge ? 1 : 0) << '\n';
  }
  file.commit();
}

std::vector<LabeledPair> read_holdout_edges(const std::filesystem::path& path, const Vocabulary& vocabulary) {
  std::unordered_map<std::string, NodeId> token_of;
  for (std::size_t t = 1; t < vocabulary.size(); ++t) token_of.emplace(vocabulary.names[t], static_cast<NodeId>(t));
  CsvReader reader(read_file(path), path.string(), '\t');
  std::vector<std::string_view> f;
  if (!reader.next(f) || f.size() != 3 || f[2] != "label")
    throw DataError(path.string() + ":1: expected the header src<TAB>dst<TAB>label, as `n2v train` writes it");
  std::vector<LabeledPair> pairs;
  while (reader.next(f)) {
    if (f.size() != 3 || (f[2] != "0" && f[2] != "1")) reader.fail("expected src<TAB>dst<TAB>0|1");
    LabeledPair p;
    for (int side = 0; side < 2; ++side) {
      auto it = token_of.find(std::string(f[side]));
      if (it == token_of.end())
        reader.fail("node " + quote_excerpt(f[side]) + " is not in the model's vocabulary: this file belongs to another run");
      (side == 0 ? p.src : p.dst) = it->second;
    }
    p.edge = f[2] == "1";
    pairs.push_back(p);
  }
  return pairs;
}

void write_ratings_csv(const Ratings& ratings, const std::filesystem::path& path) {
  AtomicFile file(path);
  auto& out = file.stream();
  out << "userId,movieId,rating,timestamp\n";
  for (std::size_t i = 0; i < ratings.size(); ++i) {
    out << ratings.user[i] << ',' << ratings.movie[i] << ',' << format_double(ratings.rating[i]) << ','
        << ratings.timestamp[i] << '\n';
  }
  file.commit();
}

void write_held_out(const HeldOut& held, const Vocabulary& vocabulary, const std::filesystem::path& out_dir) {
  if (held.has_edges) write_holdout_edges(held.pairs, vocabulary, out_dir / kHoldoutEdgesFile);
  if (held.has_ratings) write_ratings_csv(held.ratings, out_dir / kHoldoutRatingsFile);
}

}  // namespace n2v
