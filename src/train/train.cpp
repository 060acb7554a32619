#include "train/train.h"

#include <torch/cuda.h>
#include <torch/data.h>
#include <torch/optim/adam.h>
#include <torch/utils.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <functional>
#include <memory>
#include <cstdio>

#include "core/errors.h"
#include "core/memory.h"
#include "core/progress.h"
#include "core/rng.h"
#include "core/text.h"
#include "models/skipgram.h"
#include "models/skipgram_loss.h"
#include "models/sparse_optimizers.h"
#include "pipeline/pipeline.h"
#include "train/checkpoint.h"
#include "train/divergence.h"
#include "train/datasets.h"
#include "train/distributed.h"
#include "train/keras_adam.h"
#include "train/shuffle_sampler.h"

namespace n2v {
namespace fs = std::filesystem;

ComputeDevice resolve_device(TrainDevice requested) {
  if (requested == TrainDevice::Cpu) return ComputeDevice::Cpu;
  const bool available = torch::cuda::is_available();
  if (requested == TrainDevice::Auto) return available ? ComputeDevice::Cuda : ComputeDevice::Cpu;
  if (!available) {
    throw UsageError("--device cuda: no CUDA device is usable (this LibTorch was built without CUDA, or no GPU is "
                     "visible); use --device cpu or --device auto");
  }
  return ComputeDevice::Cuda;
}

bool uses_tensor_kernel(TrainKernel kernel, ComputeDevice device) {
  if (device == ComputeDevice::Cpu) return kernel == TrainKernel::Tensor;
  if (kernel == TrainKernel::Fused) {
    throw UsageError("train.kernel fused runs on the CPU only (its loops read host memory); with --device cuda use "
                     "train.kernel tensor or auto");
  }
  return true;
}

namespace {

torch::Device torch_device(ComputeDevice device) {
  return device == ComputeDevice::Cuda ? torch::kCUDA : torch::kCPU;
}

// Aggregate mode's row-sparse exchange. The data gradient of a rank's slice lives on the rows the
// slice touches; those rows are summed across ranks (Communicator::sum_rows) and scattered back,
// and the L2 term, the same on every rank, is added after the sum. `slot_of_row`: V entries of -1.
void sum_gradient_rows(torch::Tensor& grad, const torch::Tensor& weight, const ExampleBatch& slice, double l2,
                       Communicator& comm, RowExchange how, std::vector<std::int32_t>& slot_of_row,
                       RowSparse& mine, RowSparse& merged) {
  const std::int64_t dim = grad.size(1), n = slice.target.size(0);
  mine.clear();
  mine.dim = dim;
  std::vector<std::int32_t> target_slot, context_slot;
  assign_slots(slice.target.data_ptr<std::int64_t>(), slice.context.data_ptr<std::int64_t>(), n, slot_of_row,
               mine.rows, target_slot, context_slot);
  const float* g = grad.data_ptr<float>();
  mine.values.reserve(mine.rows.size() * static_cast<std::size_t>(dim));
  for (std::int64_t row : mine.rows) mine.values.insert(mine.values.end(), g + row * dim, g + (row + 1) * dim);
  comm.sum_rows(mine, n, grad.size(0), how, merged);
  grad.zero_();
  float* out = grad.data_ptr<float>();
  for (std::size_t i = 0; i < merged.size(); ++i) {
    std::copy_n(merged.values.data() + i * static_cast<std::size_t>(dim), dim, out + merged.rows[i] * dim);
  }
  if (l2 != 0) grad.add_(weight.detach(), 2 * l2);
}

struct EpochOutcome {
  double loss;  // the mean batch loss
  std::size_t first_non_finite_step;  // 1-based; 0 = none seen
};

// What both modes share: the model, Adam, checkpoints, resume and the per-epoch report.
// `run_epoch(epoch, progress)` trains one epoch and returns its mean batch loss and the first step
// whose loss was not finite (0: none seen; the tensor kernel sums on its device and does not look).
TrainResult train_loop(std::size_t vocabulary_size, const std::string& data_digest, const Config& config,
                       const fs::path& out_dir, bool resume, std::size_t steps, Communicator* comm,
                       const std::function<EpochOutcome(SkipGram&, torch::optim::Adam&, int, Progress&)>& run_epoch,
                       ExtraState extra = {}) {
  const TrainConfig& tc = config.train;
  TrainResult result;
  result.device = resolve_device(tc.device);
  const torch::Device device = torch_device(result.device);
  // Torch's intra-op threads: 1. The steps' loops run on n2v's own pool (core/parallel.h, `threads`);
  // torch's OpenMP and pthreadpool workers, woken by a small op, spin on after it and took the second
  // core from the pool's worker (a 2-thread Keras epoch ran slower than a 1-thread one).
  torch::set_num_threads(1);

  // The weights, their gradient, Adam's two moments and a checkpoint's copy of each.
  check_fits_in_memory("training", 8.0 * 4 * static_cast<double>(vocabulary_size) * tc.embedding_dim,
                       std::to_string(vocabulary_size) + " tokens x train.embedding_dim " +
                           std::to_string(tc.embedding_dim) + " floats, 8 copies",
                       "train.embedding_dim");
  SkipGram model(static_cast<std::int64_t>(vocabulary_size), tc.embedding_dim,
                 splitmix64(config.seed ^ static_cast<std::uint64_t>(RngStream::Init)));
  model->to(device);
  // Keras' Adam: epsilon 1e-7 (PyTorch's default is 1e-8).
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(tc.learning_rate).eps(1e-7));

  const std::string fingerprint = run_fingerprint(config);
  const fs::path checkpoint_path = out_dir / "checkpoint.pt";
  Checkpoint state;
  if (resume) {
    state = load_checkpoint(checkpoint_path, read_checkpoint_bytes(checkpoint_path, comm), model, optimizer, fingerprint,
                            data_digest, extra);
    check_epochs_left(checkpoint_path, state.epoch, tc.epochs);
    log_line("resuming after epoch " + std::to_string(state.epoch) + " from " + checkpoint_path.string());
  }
  result.first_epoch = state.epoch + 1;
  // Every rank trains the same model; only rank 0 writes.
  const bool writer = !comm || comm->rank() == 0;

  for (int epoch = state.epoch + 1; epoch <= tc.epochs; ++epoch) {
    // The shuffle of each epoch depends on (seed, epoch) only, so a resumed run replays it exactly.
    torch::manual_seed(splitmix64(config.seed ^ (static_cast<std::uint64_t>(RngStream::Shuffle) << 56)) + epoch);
    Progress progress("epoch " + std::to_string(epoch) + "/" + std::to_string(tc.epochs), steps, "steps");
    auto start = std::chrono::steady_clock::now();
    const EpochOutcome outcome = run_epoch(model, optimizer, epoch, progress);
    const double epoch_loss = outcome.loss;
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    progress.end();  // the epoch line below says it
    // Every rank holds the same loss (the global mean): rank 0 prints it.
    if (writer) {
      std::printf("Epoch %d/%d - %zu steps - loss: %.4f - %.2f s\n", epoch, tc.epochs, steps, epoch_loss, seconds);
      std::fflush(stdout);
    }
    stop_if_diverged(*model, epoch_loss, epoch, steps, config,
                     writer && !out_dir.empty() ? checkpoint_path : fs::path(), state.epoch,
                     outcome.first_non_finite_step);
    state.epoch = epoch;
    state.loss.push_back(epoch_loss);
    state.seconds.push_back(seconds);
    if (writer && !out_dir.empty()) {
      save_checkpoint(checkpoint_path, model, optimizer, state, fingerprint, data_digest, extra);
      write_loss_csv(out_dir / "loss.csv", state);
    }
  }
  result.epoch_loss = state.loss;
  result.epoch_seconds = state.seconds;
  torch::Tensor weight = model->weight().detach().to(torch::kCPU).contiguous();
  result.dim = weight.size(1);
  result.embeddings.assign(weight.data_ptr<float>(), weight.data_ptr<float>() + weight.numel());
  return result;
}

}  // namespace

TrainResult train_skipgram(const Examples& examples, std::size_t vocabulary_size, const Config& config,
                           const fs::path& out_dir, bool resume, Communicator* comm) {
  const TrainConfig& tc = config.train;
  if (examples.size() < static_cast<std::size_t>(tc.batch_size)) {
    throw UsageError("only " + std::to_string(examples.size()) + " examples, fewer than one batch of train.batch_size = " +
                     std::to_string(tc.batch_size) + "; lower train.batch_size or generate more walks");
  }
  const ComputeDevice compute_device = resolve_device(tc.device);
  const torch::Device device = torch_device(compute_device);
  const bool tensor_kernel = uses_tensor_kernel(tc.kernel, compute_device);
  const std::size_t steps = examples.size() / tc.batch_size;  // the last partial batch is dropped
  auto loader = torch::data::make_data_loader(
      ExampleDataset(examples, device, comm ? comm->rank() : 0, comm ? comm->world_size() : 1),
      ShuffleSampler(examples.size()), torch::data::DataLoaderOptions(tc.batch_size).drop_last(true).workers(0));
  // Data parallel: every rank draws the same global batch (the shuffle depends on (seed, epoch)
  // only) and trains on its slice. The loss divides by the slice, so scaling it by slice / batch
  // makes the summed gradient the single process's gradient; Adam then steps identically everywhere.
  if (comm && device.is_cuda()) {
    throw UsageError("distributed training runs on the CPU (Gloo); use --device cpu");
  }
  // dist.exchange dense: one allreduce of the whole gradient (L2 term included); sparse: the rows
  // the ranks' slices touch, summed. auto takes sparse when a step cannot touch every row (2 x batch
  // < vocabulary): on ml-latest-small (1,406 rows) the dense allreduce was faster (1.2 against 1.65
  // ms a step), on a 38,833-row vocabulary sparse was (4.5 against 8.4 ms); docs/distributed.md has the figures.
  const RowExchange exchange = config.dist.exchange;
  const bool sparse = comm && (exchange == RowExchange::Sparse ||
                               (exchange == RowExchange::Auto &&
                                2 * static_cast<std::size_t>(tc.batch_size) < vocabulary_size));
  std::vector<std::int32_t> slot_of_row(sparse ? vocabulary_size : 0, -1);
  RowSparse mine, merged;
  // The fused loss and Adam's pass split over threads with the same bits for any count.
  const int threads = config.resolved_threads();
  auto run_epoch = [&](SkipGram& model, torch::optim::Adam& optimizer, int epoch, Progress& progress) {
    // The fused loops' batch losses add up in a double; the tensor kernel's in a tensor on its
    // device (on CUDA, no sync a step).
    torch::Tensor loss_sum = torch::zeros({}, torch::TensorOptions().dtype(torch::kDouble).device(device));
    double cpu_loss_sum = 0;
    std::size_t step = 0, first_non_finite_step = 0;
    const auto epoch_start = std::chrono::steady_clock::now();
    double allreduce_seconds = 0;
    for (ExampleBatch& batch : *loader) {
      clear_gradients(optimizer);
      // The batch is this rank's slice (ExampleDataset splits it).
      const double l2 = sparse ? 0.0 : tc.l2;
      torch::Tensor loss =
          tensor_kernel
              ? tensor_op_skipgram_loss(model->weight(), batch.target, batch.context, batch.label, batch.weight, l2)
              : fused_skipgram_loss(model->weight(), batch.target, batch.context, batch.label, batch.weight, l2, threads);
      const double slice_scale = static_cast<double>(batch.target.size(0)) / static_cast<double>(tc.batch_size);
      if (comm) loss = loss * slice_scale;
      loss.backward();
      if (sparse) {
        // The L2 penalty, left out of the sparse gradient, still counts in the loss (a slice's share).
        loss = loss + model->weight().detach().square().sum() * (tc.l2 * slice_scale);
      }
      if (comm) {
        torch::Tensor grad = model->weight().grad();
        const auto start = std::chrono::steady_clock::now();
        if (sparse) {
          sum_gradient_rows(grad, model->weight(), batch, tc.l2, *comm, RowExchange::Sparse, slot_of_row,
                            mine, merged);
        } else {
          comm->allreduce_sum(grad.data_ptr<float>(), static_cast<std::size_t>(grad.numel()));
        }
        allreduce_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      }
      keras_adam_step(optimizer, threads, tensor_kernel);
      if (!tensor_kernel) {
        cpu_loss_sum += loss.item<double>();
        // A sum that turns non-finite stays so: its first such step is the first bad loss.
        if (first_non_finite_step == 0 && !std::isfinite(cpu_loss_sum)) first_non_finite_step = step + 1;
      } else {
        loss_sum += loss.detach();
      }
      ++step;
      progress.advance();
    }
    double total = tensor_kernel ? loss_sum.item<double>() : cpu_loss_sum;
    if (comm) {
      comm->allreduce_sum(&total, 1);
      // What distributing costs: the share of the epoch spent in the gradient allreduce.
      const double epoch_seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start).count();
      const double megabytes = static_cast<double>(model->weight().numel() * 4) / 1e6;
      char what[96], line[192];
      if (sparse) {
        std::snprintf(what, sizeof what, "touched gradient rows summed (dist.exchange %s: sparse)",
                      choice_name(config.dist.exchange).c_str());
      } else {
        std::snprintf(what, sizeof what, "allreduce of the %.2f MB gradient", megabytes);
      }
      std::snprintf(line, sizeof line, "epoch %d: %s %.3f ms/step, %.0f%% of the epoch", epoch, what,
                    allreduce_seconds * 1000 / static_cast<double>(steps), 100 * allreduce_seconds / epoch_seconds);
      if (comm->rank() == 0) log_line(line);  // the ranks wait on one another: rank 0's share stands for all
    }
    return EpochOutcome{total / static_cast<double>(steps), first_non_finite_step};
  };
  // The digest only matters to checkpoints (bench and tests train without one).
  const std::string digest = out_dir.empty() && !resume ? std::string() : training_data_digest(examples);
  return train_loop(vocabulary_size, digest, config, out_dir, resume, steps, comm, run_epoch);
}

TrainResult train_skipgram_stream(const Walks& walks, std::size_t vocabulary_size, const Config& config,
                                  const fs::path& out_dir, bool resume, Communicator* comm) {
  const TrainConfig& tc = config.train;
  if (resolve_device(tc.device) != ComputeDevice::Cpu) {
    throw UsageError("skipgram.mode stream trains on the CPU (sparse SGD); use --device cpu or skipgram.mode aggregate");
  }
  auto source = std::make_shared<const StreamExamples>(walks, vocabulary_size, stream_options_from(config));
  if (source->positives_per_epoch() == 0) throw UsageError("the walks hold no positive pairs to train on");
  // Batches are whole walks: as many as make about train.batch_size examples.
  const auto walks_per_batch = static_cast<std::size_t>(
      std::max(1.0, std::round(static_cast<double>(tc.batch_size) / source->examples_per_walk())));
  const std::size_t steps = (walks.size() + walks_per_batch - 1) / walks_per_batch;
  auto epoch_counter = std::make_shared<std::atomic<int>>(0);
  // One worker generates the next batch while the main thread trains on this one. Every rank draws
  // the same batches of walks (the shuffle depends on (seed, epoch) only) and makes its share's
  // examples, so the ranks' examples together are the single process's batch.
  const int rank = comm ? comm->rank() : 0, world = comm ? comm->world_size() : 1;
  auto loader = torch::data::make_data_loader(
      StreamDataset(source, epoch_counter, rank, world), ShuffleSampler(walks.size()),
      torch::data::DataLoaderOptions(walks_per_batch).workers(1));
  const double total_steps = static_cast<double>(steps) * tc.epochs;
  log_line("stream: " + std::to_string(source->positives_per_epoch()) + " positive pairs per epoch, " +
           std::to_string(walks_per_batch) + " walks per batch");
  const RowExchange exchange = config.dist.exchange;
  const auto rows = static_cast<std::int64_t>(vocabulary_size);
  std::vector<std::uint64_t> positives_per_epoch;
  LazyAdamState adam;
  adam.reset(rows, tc.embedding_dim);
  torch::Tensor adam_step = torch::zeros({}, torch::kLong);
  RowSparse mine, merged;  // a distributed step's own and summed rows
  // Lazy Adam's gradient and row update split over threads with the same bits for any count
  // (models/sparse_optimizers.h). They were pinned to one thread while parallel_chunks started threads
  // for each phase of each step (1M synth epoch: 8.7 s on one, 19.7 s on two); on its pool, two
  // threads are faster when the second core is free (docs/scaling.md#stream-optimizer).
  const int threads = config.resolved_threads();
  auto run_epoch = [&](SkipGram& model, torch::optim::Adam&, int epoch, Progress& progress) {
    epoch_counter->store(epoch);
    adam.step = adam_step.item<std::int64_t>();  // restored by --resume
    torch::Tensor weight = model->weight().detach();
    double loss_sum = 0;
    std::size_t step = 0, first_non_finite_step = 0;
    double positives = 0;
    for (ExampleBatch& batch : *loader) {
      positives += batch.label.sum().item<double>();
      const std::int64_t n = batch.target.size(0);
      if (tc.stream_optimizer == StreamOptimizer::Sgd) {
        // word2vec's schedule: linear decay to 0 over all epochs.
        double done = ((epoch - 1) * static_cast<double>(steps) + step) / total_steps;
        double lr = tc.stream_learning_rate * std::max(1e-4, 1.0 - done);
        if (!comm) {
          loss_sum += sparse_sgd_step(weight, batch.target, batch.context, batch.label, lr, tc.l2);
        } else {
          // Each rank runs word2vec's sequential pass over its share; the row changes are summed.
          const double mine_loss =
              sparse_sgd_delta(weight, batch.target, batch.context, batch.label, lr, tc.l2, adam.slot_of_row, mine);
          const std::int64_t total = comm->sum_rows(mine, n, rows, exchange, merged);
          add_rows(weight, merged);
          loss_sum += total > 0 ? mine_loss / static_cast<double>(total) : 0.0;
        }
      } else if (!comm) {
        loss_sum += lazy_adam_step(weight, adam, batch.target, batch.context, batch.label, tc.stream_learning_rate, tc.l2,
                                   threads);
      } else {
        // The gradient of the summed loss, divided by the global example count after the sum.
        const double mine_loss =
            skipgram_row_gradient(weight, batch.target, batch.context, batch.label, 1.0, adam.slot_of_row, mine, threads);
        const std::int64_t total = comm->sum_rows(mine, n, rows, exchange, merged);
        const double inv_total = total > 0 ? 1.0 / static_cast<double>(total) : 0.0;
        lazy_adam_apply(weight, adam, merged, static_cast<float>(inv_total), tc.stream_learning_rate, tc.l2, threads);
        loss_sum += mine_loss * inv_total;
      }
      ++step;
      if (first_non_finite_step == 0 && !std::isfinite(loss_sum)) first_non_finite_step = step;
      progress.advance();
    }
    if (comm) {
      // Each rank summed its share of every batch's mean; together they are the global means.
      double sums[2] = {loss_sum, positives};
      comm->allreduce_sum(sums, 2);
      loss_sum = sums[0];
      positives = sums[1];
    }
    positives_per_epoch.push_back(static_cast<std::uint64_t>(positives));
    adam_step.fill_(adam.step);
    return EpochOutcome{step ? loss_sum / static_cast<double>(step) : 0.0, first_non_finite_step};
  };
  const std::string digest = out_dir.empty() && !resume ? std::string() : training_data_digest(walks);
  TrainResult result = train_loop(vocabulary_size, digest, config, out_dir, resume, steps, comm, run_epoch,
                                  {{"lazy_adam_m", {adam.m}},
                                   {"lazy_adam_v", {adam.v, /*non_negative=*/true}},
                                   {"lazy_adam_step", {adam_step, /*non_negative=*/true}}});
  if (comm) {
    const auto& stats = comm->row_sum_stats();
    const std::int64_t calls = stats.sparse_calls + stats.dense_calls;
    char line[256];
    const double per_call = calls ? 1.0 / static_cast<double>(calls) : 0.0;
    std::snprintf(line, sizeof line,
                  "stream exchange: %lld row sums (%lld sparse, %lld dense) in %.2f s, %.3f ms each; "
                  "world x largest rank's rows = %.3f of the vocabulary on average",
                  static_cast<long long>(calls), static_cast<long long>(stats.sparse_calls),
                  static_cast<long long>(stats.dense_calls), stats.seconds, 1000.0 * stats.seconds * per_call,
                  stats.row_fraction * per_call);
    log_line(line);
  }
  result.positives_per_epoch = std::move(positives_per_epoch);
  return result;
}

}  // namespace n2v
