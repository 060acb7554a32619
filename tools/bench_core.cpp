// Hot loops of the torch-free stages, one thread unless an argument says otherwise:
//   ParseRatingsCsv   parse_ratings_csv over ml-latest-small's ratings.csv (2.4 MB) and over a
//                     synthetic 1M-rating file (`n2v synth`'s generator)
//   BuildMovieGraph   build_movie_graph (liked pairs counted movie by movie) with the Keras settings
//                     on ml-latest-small, and with min_rating 4.5 on the synthetic 1M set (threads 1, 2)
//   GenerateExamples  generate_examples (aggregate mode) on ml-latest-small's walks (5 x 10)
//   StreamExamples    stream mode's per-walk generator over the same walks, one epoch
//   Synth             write_synthetic_movielens, 200,000 ratings
//   ParallelDispatch  parallel_chunks with a near-empty body, 2 chunks on 1 and 2 threads: what a
//                     call costs when the caller can do all the work itself (real time per call)
//   ParallelRoundTrip 2 chunks on 2 threads that wait for each other, so the second thread must
//                     run one: handing work to a thread and waiting for it, per call (stream mode's
//                     lazy Adam pays it three times a step)
// ml-latest-small: set N2V_ML_SMALL to its folder (default ../shared/data/ml-latest-small).
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "core/csv.h"
#include "core/parallel.h"
#include "core/progress.h"
#include "data/movielens.h"
#include "data/synth.h"
#include "graph/cooccurrence.h"
#include "pipeline/pipeline.h"
#include "walk/examples.h"
#include "walk/stream.h"
#include "walk/walks.h"

namespace n2v {
namespace {

namespace fs = std::filesystem;

fs::path ml_small_dir() {
  const char* dir = std::getenv("N2V_ML_SMALL");
  return dir ? fs::path(dir) : fs::path(N2V_SHARED_DATA) / "ml-latest-small";
}

// A scratch folder for generated data, removed at exit.
struct Scratch {
  fs::path dir = fs::temp_directory_path() / ("n2v-bench-core-" + std::to_string(::getpid()));
  Scratch() { fs::create_directories(dir); }
  ~Scratch() {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
};
const fs::path& scratch_dir() {
  static Scratch scratch;
  return scratch.dir;
}

// 1M ratings in MovieLens 25M's proportions (6,480 users, 2,360 movies), made once.
const fs::path& synth_1m() {
  static const fs::path dir = [] {
    set_quiet(true);
    SynthOptions options;
    options.users = 6480;
    options.movies = 2360;
    options.ratings = 1'000'000;
    options.threads = 2;
    fs::path d = scratch_dir() / "synth-1m";
    write_synthetic_movielens(options, d);
    return d;
  }();
  return dir;
}

const MovieLensData& loaded(const fs::path& dir) {
  static std::map<fs::path, std::unique_ptr<MovieLensData>> cache;
  auto& slot = cache[dir];
  if (!slot) slot = std::make_unique<MovieLensData>(load_movielens(dir));
  return *slot;
}

void parse_ratings(benchmark::State& state, const fs::path& file) {
  const std::string text = read_file(file);
  std::size_t rows = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::string copy = text;  // parse_ratings_csv takes its text by value
    state.ResumeTiming();
    Ratings ratings = parse_ratings_csv(std::move(copy), file.string());
    rows += ratings.size();
    benchmark::DoNotOptimize(ratings.user.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(text.size() * state.iterations()));
  state.counters["rows/s"] = benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kIsRate);
}

void BM_ParseRatingsCsvMlSmall(benchmark::State& state) { parse_ratings(state, ml_small_dir() / "ratings.csv"); }
void BM_ParseRatingsCsvSynth1M(benchmark::State& state) { parse_ratings(state, synth_1m() / "ratings.csv"); }

void build_graph(benchmark::State& state, const MovieLensData& data, double min_rating) {
  set_quiet(true);
  CooccurrenceOptions options = cooccurrence_options_from(Config{});
  options.min_rating = min_rating;
  options.min_weight = 10.0;
  options.threads = static_cast<int>(state.range(0));
  std::size_t liked = 0, edges = 0;
  for (auto _ : state) {
    Graph g = build_movie_graph(data, options);
    liked += g.stats.liked_ratings;
    edges = g.stats.edges;
    benchmark::DoNotOptimize(g.edges.data());
  }
  state.counters["liked/s"] = benchmark::Counter(static_cast<double>(liked), benchmark::Counter::kIsRate);
  state.counters["edges"] = static_cast<double>(edges);
}

void BM_BuildMovieGraphMlSmall(benchmark::State& state) { build_graph(state, loaded(ml_small_dir()), 5.0); }
void BM_BuildMovieGraphSynth1M(benchmark::State& state) { build_graph(state, loaded(synth_1m()), 4.5); }

// The Keras example's graph and walks (5 rounds of 10 nodes), made once.
struct SmallWalks {
  Graph graph;
  Walks walks;
};
const SmallWalks& ml_small_walks() {
  static const std::unique_ptr<SmallWalks> w = [] {
    set_quiet(true);
    auto result = std::make_unique<SmallWalks>();
    result->graph = build_movie_graph(loaded(ml_small_dir()), cooccurrence_options_from(Config{}));
    result->walks = generate_walks(result->graph.graph, walk_options_from(Config{}));
    return result;
  }();
  return *w;
}

void BM_GenerateExamples(benchmark::State& state) {
  const SmallWalks& w = ml_small_walks();
  ExampleOptions options = example_options_from(Config{});  // the Keras example's: window 10, 4 negatives a positive
  options.threads = static_cast<int>(state.range(0));
  std::size_t examples = 0;
  for (auto _ : state) {
    Examples e = generate_examples(w.walks, w.graph.vocabulary.size(), options);
    examples += e.size();
    benchmark::DoNotOptimize(e.targets.data());
  }
  state.counters["walks/s"] =
      benchmark::Counter(static_cast<double>(w.walks.size() * state.iterations()), benchmark::Counter::kIsRate);
  state.counters["examples/s"] = benchmark::Counter(static_cast<double>(examples), benchmark::Counter::kIsRate);
}

void BM_StreamExamples(benchmark::State& state) {
  const SmallWalks& w = ml_small_walks();
  StreamOptions options = stream_options_from(Config{});
  options.window = 10;
  const StreamExamples source(w.walks, w.graph.vocabulary.size(), options);
  StreamBatch batch;
  std::size_t examples = 0;
  int epoch = 0;
  for (auto _ : state) {
    ++epoch;
    for (std::size_t i = 0; i < source.num_walks(); ++i) {
      source.append_walk(i, epoch, batch);
      if (batch.targets.size() >= 8192) {
        examples += batch.targets.size();
        batch.clear();
      }
    }
    benchmark::DoNotOptimize(batch.targets.data());
  }
  state.counters["examples/s"] = benchmark::Counter(static_cast<double>(examples), benchmark::Counter::kIsRate);
}

void BM_Synth(benchmark::State& state) {
  set_quiet(true);
  SynthOptions options;
  options.users = 1296;  // 25M's proportions at 200,000 ratings
  options.movies = 472;
  options.ratings = 200'000;
  options.threads = static_cast<int>(state.range(0));
  const fs::path dir = scratch_dir() / "synth-bench";
  for (auto _ : state) {
    SynthSummary s = write_synthetic_movielens(options, dir);
    benchmark::DoNotOptimize(s.bytes);
  }
  state.counters["ratings/s"] = benchmark::Counter(static_cast<double>(options.ratings * state.iterations()),
                                                   benchmark::Counter::kIsRate);
}

void BM_ParallelDispatch(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  std::uint64_t sums[2] = {0, 0};
  for (auto _ : state) {
    parallel_chunks(2, 1, threads, [&](std::uint64_t first, std::uint64_t, int) { sums[first] += first + 1; });
    benchmark::DoNotOptimize(sums);
  }
}

void BM_ParallelRoundTrip(benchmark::State& state) {
  for (auto _ : state) {
    std::atomic<int> arrived{0};
    parallel_chunks(2, 1, 2, [&](std::uint64_t, std::uint64_t, int) {
      ++arrived;
      while (arrived.load() < 2) std::this_thread::yield();  // on a busy machine both may share a core
    });
  }
}

BENCHMARK(BM_ParseRatingsCsvMlSmall)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParseRatingsCsvSynth1M)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BuildMovieGraphMlSmall)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BuildMovieGraphSynth1M)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_GenerateExamples)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StreamExamples)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Synth)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ParallelDispatch)->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_ParallelRoundTrip)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace n2v

BENCHMARK_MAIN();
