// Walk throughput on one thread: steps (transitions) per second, the figure PecanPy and
// fastnode2vec report. Graphs: ml-latest-small's movie graph (the Keras example's, 1405 nodes,
// 40043 edges; set N2V_ML_SMALL to its folder, default ../shared/data/ml-latest-small) and a
// generated graph of 100,000 nodes and 5,000,000 edges with skewed degrees (deterministic).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "core/progress.h"
#include "data/movielens.h"
#include "graph/cooccurrence.h"
#include "pipeline/pipeline.h"
#include "walk/walks.h"

namespace n2v {
namespace {

constexpr std::size_t kWalkLength = 80;  // node2vec's default; long walks measure the step, not the setup

const CsrGraph& ml_small() {
  static const std::unique_ptr<Graph> graph = [] {
    set_quiet(true);
    const char* dir = std::getenv("N2V_ML_SMALL");
    MovieLensData data = load_movielens(dir ? dir : N2V_SHARED_DATA "/ml-latest-small");
    return std::make_unique<Graph>(build_movie_graph(data, cooccurrence_options_from(Config{})));
  }();
  return graph->graph;
}

// Endpoints drawn as n * u^1.5 (a power-law-like degree sequence: the largest hub has a few
// thousand neighbours), self-loops and duplicates removed, weights uniform in [0.5, 2).
const CsrGraph& generated() {
  static const std::unique_ptr<CsrGraph> graph = [] {
    constexpr std::uint64_t kNodes = 100'000, kEdges = 5'000'000;
    Rng rng(20240601);
    auto endpoint = [&] { return 1 + static_cast<std::uint64_t>(kNodes * std::pow(rng.uniform(), 1.5)); };
    std::vector<std::uint64_t> keys;
    while (keys.size() < kEdges) {
      for (std::uint64_t i = keys.size(); i < kEdges + kEdges / 8; ++i) {
        std::uint64_t a = endpoint(), b = endpoint();
        if (a == b) continue;
        keys.push_back(std::min(a, b) << 32 | std::max(a, b));
      }
      std::sort(keys.begin(), keys.end());
      keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    }
    for (std::size_t i = keys.size(); i > 1; --i) std::swap(keys[i - 1], keys[rng.below(i)]);
    keys.resize(kEdges);
    std::vector<Edge> edges;
    edges.reserve(kEdges);
    for (std::uint64_t key : keys) {
      edges.push_back({static_cast<NodeId>(key >> 32), static_cast<NodeId>(key & 0xffffffffu),
                       static_cast<float>(0.5 + 1.5 * rng.uniform())});
    }
    return std::make_unique<CsrGraph>(CsrGraph::from_edges(kNodes + 1, edges, false));
  }();
  return *graph;
}

// Walks of kWalkLength from every node in a shuffled order, as generate_walks does per round
// (one thread, the same interleaved walk_many).
void run_walks(benchmark::State& state, const CsrGraph& graph, double p, double q) {
  const WalkSampler sampler(graph, p, q);
  const std::vector<NodeId> starts = start_order(walk_start_nodes(graph), 42, 0);
  std::vector<NodeId> buffer(starts.size() * kWalkLength);
  std::vector<std::uint64_t> lengths(starts.size());
  std::vector<Rng> rngs;
  std::uint64_t steps = 0, walk_index = 0;
  for (auto _ : state) {
    rngs.clear();
    for (std::size_t k = 0; k < starts.size(); ++k) rngs.push_back(Rng::for_item(42, RngStream::Walk, walk_index++));
    sampler.walk_many(starts.data(), rngs.data(), starts.size(), kWalkLength, buffer.data(), lengths.data());
    for (std::uint64_t length : lengths) steps += length - 1;
    benchmark::DoNotOptimize(buffer.data());
  }
  state.counters["steps/s"] = benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsRate);
  state.counters["nodes"] = static_cast<double>(graph.num_nodes() - 1);
  state.counters["edges"] = static_cast<double>(graph.num_edges());
}

void BM_MlSmall(benchmark::State& state, double p, double q) { run_walks(state, ml_small(), p, q); }
void BM_Generated(benchmark::State& state, double p, double q) { run_walks(state, generated(), p, q); }

// End to end on one thread with the Keras example's settings x 10 rounds: start orders, alias
// tables, walks, compaction.
void BM_GenerateWalksMlSmall(benchmark::State& state) {
  const CsrGraph& graph = ml_small();
  WalkOptions options = walk_options_from(Config{});
  options.threads = 1;
  options.num_walks = 50;
  options.p = state.range(0) / 100.0;
  options.q = state.range(1) / 100.0;
  std::uint64_t steps = 0;
  for (auto _ : state) {
    Walks walks = generate_walks(graph, options);
    steps += walks.nodes.size() - walks.size();
    benchmark::DoNotOptimize(walks.nodes.data());
  }
  state.counters["steps/s"] = benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsRate);
}

BENCHMARK_CAPTURE(BM_MlSmall, p1_q1, 1.0, 1.0)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_MlSmall, p0.25_q4, 0.25, 4.0)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_MlSmall, p4_q0.25, 4.0, 0.25)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_MlSmall, p2_q0.5, 2.0, 0.5)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Generated, p1_q1, 1.0, 1.0)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Generated, p0.25_q4, 0.25, 4.0)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_GenerateWalksMlSmall)->Args({100, 100})->Args({25, 400})->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace n2v

BENCHMARK_MAIN();
