// One training step of the skip-gram model, the three ways n2v has had one (Google Benchmark):
//   AdamStepAutograd  SkipGram::forward + keras_skipgram_loss through autograd + Adam (the first port)
//   AdamStepFused     fused_skipgram_loss + Adam (skipgram.mode aggregate)
//   SparseSgdStep     sparse_sgd_step on the rows the batch touches (skipgram.mode stream)
// Arguments: vocabulary size (1,406 = ml-latest-small's graph; 60,000 ~ MovieLens 25M's movies)
// and batch size. torch's intra-op threads: its default unless N2V_THREADS is set.
#include <benchmark/benchmark.h>

#include <cstdlib>

#include "models/skipgram.h"
#include "models/skipgram_loss.h"
#include "models/sparse_optimizers.h"

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
    optimizer.zero_grad();
    torch::Tensor loss = loss_of(model, b);
    loss.backward();
    optimizer.step();
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
  adam_steps(state, [](SkipGram& model, const Batch& b) {
    return fused_skipgram_loss(model->weight(), b.target, b.context, b.label, b.weight, 1e-6);
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

void shapes(benchmark::internal::Benchmark* b) {
  for (std::int64_t vocabulary : {1406, 60000}) {
    for (std::int64_t batch : {1024, 8192}) b->Args({vocabulary, batch});
  }
  b->ArgNames({"vocab", "batch"})->Unit(benchmark::kMicrosecond)->UseRealTime();
}

BENCHMARK(BM_AdamStepAutograd)->Apply(shapes);
BENCHMARK(BM_AdamStepFused)->Apply(shapes);
BENCHMARK(BM_SparseSgdStep)->Apply(shapes);

}  // namespace
}  // namespace n2v

BENCHMARK_MAIN();
