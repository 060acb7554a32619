// One training step of the skip-gram model, the three ways n2v has had one (Google Benchmark):
//   AdamStepAutograd  SkipGram::forward + keras_skipgram_loss through autograd + Adam (the first port)
//   AdamStepFused     fused_skipgram_loss + Keras' Adam (skipgram.mode aggregate), on 1 and 2 threads
//   SparseSgdStep     sparse_sgd_step on the rows the batch touches (skipgram.mode stream)
//   LazyAdamStep      lazy_adam_step (stream mode's default), on 1 and 2 threads
// Arguments: vocabulary size (1,406 = ml-latest-small's graph; 2,360 = the 1M synth's movies;
// 60,000 ~ MovieLens 25M's movies)
// and batch size. torch's intra-op threads: its default unless N2V_THREADS is set.
//
// And one Keras epoch, two ways, on ml-latest-small's examples (../shared/data, or N2V_ML_SMALL; a
// synthetic set of the same shape, 880,000 examples over 1,406 tokens, without them):
//   KerasEpochPlainLoop  the Keras math in a plain single-thread loop over arrays: gather, dot, weighted
//                        BCE with logits summed over the batch / batch size, L2 over the whole matrix,
//                        dense Adam (epsilon 1e-7), batches of 1024, a shuffle per epoch
//   KerasEpochN2v        train_skipgram's epoch: the SkipGram module through the DataLoader, on one
//                        thread and on two
// and prints n2v's one-thread epoch over the plain loop's (the goal: at most 1.5), and what two gain.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <numeric>

#include "core/rng.h"
#include "models/skipgram.h"
#include "models/skipgram_loss.h"
#include "models/skipgram_math.h"
#include "models/sparse_optimizers.h"
#include "pipeline/pipeline.h"
#include "train/keras_adam.h"
#include "train/train.h"

namespace n2v {
namespace {

struct Batch {
  torch::Tensor target, context, label, weight;
};

Batch random_batch(std::int64_t vocabulary, std::int64_t size) {
  torch::manual_seed(7);
  Batch b;
  b.target = torch::randint(1, vocabulary, {size}, torch::kLong);
  b.context = torch::randint(1, vocabulary, {size}, torch::kLong);
  b.label = torch::randint(0, 2, {size}, torch::kFloat);  // about one positive in two
  b.weight = torch::randint(1, 4, {size}, torch::kFloat);  // aggregated examples carry counts
  return b;
}

void set_threads() {
  if (const char* threads = std::getenv("N2V_THREADS")) torch::set_num_threads(std::atoi(threads));
}

void report(benchmark::State& state) {
  state.counters["examples/s"] =
      benchmark::Counter(static_cast<double>(state.range(1) * state.iterations()), benchmark::Counter::kIsRate);
}

// One training step (zero_grad, loss, backward, Adam) with the loss that `loss_of` builds.
template <typename LossOf>
void adam_steps(benchmark::State& state, LossOf loss_of) {
  set_threads();
  SkipGram model(state.range(0), 50, 42);
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(0.001).eps(1e-7));
  const Batch b = random_batch(state.range(0), state.range(1));
  for (auto _ : state) {
    clear_gradients(optimizer);
    torch::Tensor loss = loss_of(model, b);
    loss.backward();
    keras_adam_step(optimizer, static_cast<int>(state.range(2)));
    benchmark::DoNotOptimize(loss.data_ptr<float>());
  }
  report(state);
}

void BM_AdamStepAutograd(benchmark::State& state) {
  adam_steps(state, [](SkipGram& model, const Batch& b) {
    return keras_skipgram_loss(model->forward(b.target, b.context), b.label, b.weight, model->weight(), 1e-6);
  });
}

void BM_AdamStepFused(benchmark::State& state) {
  adam_steps(state, [&state](SkipGram& model, const Batch& b) {
    return fused_skipgram_loss(model->weight(), b.target, b.context, b.label, b.weight, 1e-6,
                               static_cast<int>(state.range(2)));
  });
}

void BM_SparseSgdStep(benchmark::State& state) {
  set_threads();
  SkipGram model(state.range(0), 50, 42);
  torch::Tensor weight = model->weight().detach();
  const Batch b = random_batch(state.range(0), state.range(1));
  for (auto _ : state) {
    double loss = sparse_sgd_step(weight, b.target, b.context, b.label, 0.025, 1e-6);
    benchmark::DoNotOptimize(loss);
  }
  report(state);
}

void BM_LazyAdamStep(benchmark::State& state) {
  set_threads();
  SkipGram model(state.range(0), 50, 42);
  torch::Tensor weight = model->weight().detach();
  LazyAdamState adam;
  const Batch b = random_batch(state.range(0), state.range(1));
  const int threads = static_cast<int>(state.range(2));
  for (auto _ : state) {
    double loss = lazy_adam_step(weight, adam, b.target, b.context, b.label, 0.01, 1e-6, threads);
    benchmark::DoNotOptimize(loss);
  }
  report(state);
}

// The step shapes, each on 1 thread and (the fused step: its loops and Adam's pass) on 2.
void shapes(benchmark::internal::Benchmark* b, std::initializer_list<std::int64_t> threads) {
  for (std::int64_t vocabulary : {1406, 60000}) {
    for (std::int64_t batch : {1024, 8192}) {
      for (std::int64_t t : threads) b->Args({vocabulary, batch, t});
    }
  }
  b->ArgNames({"vocab", "batch", "threads"})->Unit(benchmark::kMicrosecond)->UseRealTime();
}
void one_thread(benchmark::internal::Benchmark* b) { shapes(b, {1}); }
void one_and_two_threads(benchmark::internal::Benchmark* b) { shapes(b, {1, 2}); }

BENCHMARK(BM_AdamStepAutograd)->Apply(one_thread);
BENCHMARK(BM_AdamStepFused)->Apply(one_and_two_threads);
BENCHMARK(BM_SparseSgdStep)->Apply(one_thread);
BENCHMARK(BM_LazyAdamStep)
    ->ArgsProduct({{2360, 60000}, {8192}, {1, 2}})
    ->ArgNames({"vocab", "batch", "threads"})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

// ---- One Keras epoch: the plain loop beside n2v's ----

namespace fs = std::filesystem;

// ml-latest-small's examples with configs/ml_small.yaml's settings, or a synthetic set of their shape.
struct EpochData {
  Examples examples;
  std::size_t vocabulary = 0;
  std::string source;
};

const EpochData& epoch_data() {
  static const EpochData data = [] {
    EpochData d;
    const char* env = std::getenv("N2V_ML_SMALL");
    const fs::path dir = env ? fs::path(env) : fs::path(N2V_SHARED_DATA) / "ml-latest-small";
    if (fs::exists(dir / "ratings.csv")) {
      Config config;
      config.data.dir = dir.string();
      PrepareOptions quiet;
      quiet.progress = false;
      TrainingData prepared = prepare_training_data(config, quiet);
      d.examples = std::move(prepared.examples);
      d.vocabulary = prepared.graph.vocabulary.size();
      d.source = "ml-latest-small, " + dir.string();
      return d;
    }
    d.vocabulary = 1406;
    Rng rng(7);
    for (std::size_t i = 0; i < 880000; ++i) {
      d.examples.targets.push_back(1 + static_cast<std::int64_t>(rng.below(d.vocabulary - 1)));
      d.examples.contexts.push_back(1 + static_cast<std::int64_t>(rng.below(d.vocabulary - 1)));
      const bool positive = rng.below(5) == 0;  // 4 negatives a positive
      d.examples.labels.push_back(positive ? 1.0f : 0.0f);
      d.examples.weights.push_back(positive ? static_cast<float>(1 + rng.below(4)) : 1.0f);
    }
    d.source = "synthetic, 880,000 examples, V = 1406";
    return d;
  }();
  return data;
}

double plain_epoch_seconds = 0, n2v_epoch_seconds = 0;

// The Keras math with nothing around it: the reference n2v's epoch is held to.
struct PlainSkipGram {
  std::int64_t rows, dim;
  std::vector<float> w, m, v, grad, dlogit;
  std::vector<std::uint32_t> order;
  std::int64_t step = 0;

  PlainSkipGram(std::size_t vocabulary, std::int64_t embedding_dim, std::size_t examples)
      : rows(static_cast<std::int64_t>(vocabulary)), dim(embedding_dim) {
    const auto size = static_cast<std::size_t>(rows * dim);
    torch::Tensor init = SkipGram(rows, dim, 42)->weight().detach().contiguous();
    w.assign(init.data_ptr<float>(), init.data_ptr<float>() + size);
    m.assign(size, 0.0f);
    v.assign(size, 0.0f);
    grad.resize(size);
    order.resize(examples);
  }

  double epoch(const Examples& ex, std::int64_t batch, double learning_rate, double l2, std::uint64_t seed) {
    using namespace skipgram_math;
    std::iota(order.begin(), order.end(), 0u);
    Rng rng(seed);
    for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
    dlogit.resize(static_cast<std::size_t>(batch));
    std::vector<std::int64_t> t(static_cast<std::size_t>(batch)), c(t.size());
    std::vector<float> y(t.size()), weight(t.size());
    const std::size_t steps = order.size() / static_cast<std::size_t>(batch);
    const float decay = static_cast<float>(2 * l2);
    double loss_sum = 0;
    for (std::size_t s = 0; s < steps; ++s) {
      const std::uint32_t* index = order.data() + s * static_cast<std::size_t>(batch);
      for (std::int64_t i = 0; i < batch; ++i) {  // the batch's examples, gathered once
        t[i] = ex.targets[index[i]];
        c[i] = ex.contexts[index[i]];
        y[i] = ex.labels[index[i]];
        weight[i] = ex.weights[index[i]];
      }
      double loss = 0;
      for (std::int64_t i = 0; i < batch; ++i) {
        const LogitLoss l = bce_with_logits(dot(w.data() + t[i] * dim, w.data() + c[i] * dim, dim), y[i]);
        loss += weight[i] * l.loss;
        dlogit[i] = static_cast<float>(weight[i] * l.dlogit / static_cast<double>(batch));
      }
      loss_sum += loss / static_cast<double>(batch) + l2 * sum_of_squares(w.data(), rows * dim);
      for (std::size_t k = 0; k < grad.size(); ++k) grad[k] = decay * w[k];
      for (std::int64_t i = 0; i < batch; ++i) {
        const float* a = w.data() + t[i] * dim;
        const float* b = w.data() + c[i] * dim;
        float* ga = grad.data() + t[i] * dim;
        float* gb = grad.data() + c[i] * dim;
        for (std::int64_t k = 0; k < dim; ++k) {
          ga[k] += dlogit[i] * b[k];
          gb[k] += dlogit[i] * a[k];
        }
      }
      adam_update(w.data(), m.data(), v.data(), grad.data(), rows * dim, 1.0f, 0.0f,
                  keras_adam_constants(learning_rate, ++step));
    }
    return loss_sum / static_cast<double>(steps);
  }
};

void BM_KerasEpochPlainLoop(benchmark::State& state) {
  const EpochData& data = epoch_data();
  const Config config;
  PlainSkipGram plain(data.vocabulary, config.train.embedding_dim, data.examples.size());
  std::uint64_t seed = 1;
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        plain.epoch(data.examples, config.train.batch_size, config.train.learning_rate, config.train.l2, seed++));
  }
  state.SetLabel(data.source);
}

// train_skipgram prints a line an epoch; the benchmark's table is on stdout too.
struct QuietStdout {
  int saved;
  QuietStdout() {
    std::fflush(stdout);
    saved = ::dup(1);
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::close(null);
  }
  ~QuietStdout() {
    std::fflush(stdout);
    ::dup2(saved, 1);
    ::close(saved);
  }
};

void BM_KerasEpochN2v(benchmark::State& state) {
  const EpochData& data = epoch_data();
  Config config;
  config.threads = static_cast<int>(state.range(0));
  config.train.epochs = 1;
  for (auto _ : state) {
    TrainResult result;
    {
      QuietStdout quiet;
      result = train_skipgram(data.examples, data.vocabulary, config, fs::path(), false);
    }
    state.SetIterationTime(result.epoch_seconds.at(0));
    ++config.seed;
  }
  state.SetLabel(data.source);
}

BENCHMARK(BM_KerasEpochPlainLoop)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_KerasEpochN2v)
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime()
    ->MinTime(2.0);

// Keeps the epochs' times (the median over --benchmark_repetitions when given), to print their ratio
// after the table: wall time, and CPU time (the process's, a fairer figure on a busy machine; n2v's
// includes train_skipgram's set-up, a few ms an epoch).
double plain_epoch_cpu = 0, n2v_epoch_cpu = 0, n2v_two_thread_seconds = 0;
class EpochRatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      const bool median = run.run_type == Run::RT_Aggregate && run.aggregate_name == "median";
      if (!median && (run.run_type != Run::RT_Iteration || run.repetitions > 1)) continue;
      const double unit = benchmark::GetTimeUnitMultiplier(run.time_unit);
      const double wall = run.GetAdjustedRealTime() / unit, cpu = run.GetAdjustedCPUTime() / unit;
      if (run.benchmark_name().rfind("BM_KerasEpochPlainLoop", 0) == 0) {
        plain_epoch_seconds = wall;
        plain_epoch_cpu = cpu;
      }
      if (run.benchmark_name().rfind("BM_KerasEpochN2v/threads:1", 0) == 0) {
        n2v_epoch_seconds = wall;
        n2v_epoch_cpu = cpu;
      }
      if (run.benchmark_name().rfind("BM_KerasEpochN2v/threads:2", 0) == 0) n2v_two_thread_seconds = wall;
    }
    ConsoleReporter::ReportRuns(runs);
  }
};

}  // namespace
}  // namespace n2v

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  n2v::EpochRatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  if (n2v::plain_epoch_seconds > 0 && n2v::n2v_epoch_seconds > 0) {
    std::printf("Keras epoch: n2v %.1f ms, plain loop %.1f ms: n2v / plain = %.2f (goal <= 1.5); CPU time %.1f / %.1f ms "
                "= %.2f\n",
                1000 * n2v::n2v_epoch_seconds, 1000 * n2v::plain_epoch_seconds,
                n2v::n2v_epoch_seconds / n2v::plain_epoch_seconds, 1000 * n2v::n2v_epoch_cpu,
                1000 * n2v::plain_epoch_cpu, n2v::n2v_epoch_cpu / n2v::plain_epoch_cpu);
    if (n2v::n2v_two_thread_seconds > 0) {
      std::printf("Keras epoch on 2 threads: n2v %.1f ms, %.2fx its 1-thread epoch\n",
                  1000 * n2v::n2v_two_thread_seconds, n2v::n2v_epoch_seconds / n2v::n2v_two_thread_seconds);
    }
  }
  return 0;
}
