// skipgram.model sgns: word2vec's skip-gram with negative sampling, trained by Hogwild threads
// from batches of walks (train.h says what it promises; models/sgns_step.h is the inner loop), in
// one process or data-parallel across ranks (train/sgns_replicas.h).
#include <torch/data.h>
#include <torch/utils.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>

#include "core/errors.h"
#include "core/memory.h"
#include "core/parallel.h"
#include "core/progress.h"
#include "core/rng.h"
#include "core/text.h"
#include "models/sgns.h"
#include "models/sgns_step.h"
#include "pipeline/pipeline.h"
#include "train/datasets.h"
#include "train/distributed.h"
#include "train/sgns_blocks.h"
#include "train/sgns_epochs.h"
#include "train/sgns_replicas.h"
#include "train/train.h"

namespace n2v {
namespace fs = std::filesystem;

void check_trainable(const Config& config, int world_size) {
  // Asked for by name, tables written per rank must happen, not be ignored.
  if (world_size > 1 && config.dist.tables == TablesOutput::PerRank &&
      (config.skipgram.model != SkipGramModel::Sgns || config.dist.partition != Partition::Shard))
    throw UsageError("dist.tables per_rank writes sgns' tables in blocks: it needs skipgram.model sgns and "
                     "dist.partition shard (the other learners keep their tables whole on every rank)");
  if (config.skipgram.model != SkipGramModel::Sgns) return;
  if (resolve_device(config.train.device) != ComputeDevice::Cpu) {
    throw UsageError("skipgram.model sgns trains on the CPU (Hogwild SGD); use --device cpu");
  }
}

TrainResult train_sgns(const Walks& walks, std::size_t vocabulary_size, const Config& config, const fs::path& out_dir,
                       bool resume, Communicator* comm) {
  const int rank = comm ? comm->rank() : 0, world = comm ? comm->world_size() : 1;
  check_trainable(config, world);
  if (comm && config.dist.partition == Partition::Shard) {
    return train_sgns_blocks(walks, vocabulary_size, config, out_dir, resume, *comm);
  }
  const TrainConfig& tc = config.train;
  // Two tables, their cache-aligned working copies and a checkpoint's copy of both (and across
  // ranks the exchange's reference copy); the corpus' counts, keep probabilities and negatives'
  // alias table.
  const double copies = comm ? 8.0 : 6.0;
  check_fits_in_memory("training",
                       (copies * 4 * static_cast<double>(tc.embedding_dim) + 24) * static_cast<double>(vocabulary_size),
                       std::to_string(vocabulary_size) + " tokens x train.embedding_dim " +
                           std::to_string(tc.embedding_dim) + " floats, " + format_double(copies) + " copies",
                       "train.embedding_dim");
  auto corpus = std::make_shared<const SgnsCorpus>(walks, vocabulary_size, sgns_options_from(config));
  if (walks.size() == 0) throw UsageError("there are no walks to train on");
  const int threads = config.resolved_threads();
  // A batch holds about train.batch_size nodes per thread, and at least 10,000 (gensim's jobs): each
  // batch hands the threads their shares and waits for the slowest, which costs a scheduler slice or
  // more on a busy machine (with 1,024-node batches, 2 threads sat idle most of an epoch on a loaded host).
  // Across ranks a batch is every rank's share together, and the ranks exchange their row changes
  // after each one: a rank's share is what one process would train as a batch.
  const double mean_length = static_cast<double>(walks.nodes.size()) / static_cast<double>(walks.size());
  const double nodes_per_thread = std::max(10000.0, static_cast<double>(tc.batch_size));
  const auto walks_per_batch = static_cast<std::size_t>(
      std::max(1.0, std::round(nodes_per_thread * threads / std::max(1.0, mean_length))) * world);
  const std::size_t steps = (walks.size() + walks_per_batch - 1) / walks_per_batch;
  auto epoch_counter = std::make_shared<std::atomic<int>>(0);
  auto loader = torch::data::make_data_loader(SgnsDataset(corpus, epoch_counter, rank, world),
                                              torch::data::samplers::RandomSampler(walks.size()),
                                              torch::data::DataLoaderOptions(walks_per_batch).workers(1));
  if (rank == 0) {
    // The model's two tables and their aligned working copies (and across ranks the exchange's reference).
    const double table_mb = (comm ? 3.0 : 2.0) * 2 * 4 * static_cast<double>(vocabulary_size) *
                            static_cast<double>((tc.embedding_dim + 15) / 16 * 16) / 1e6;
    char line[256];
    std::snprintf(line, sizeof line,
                  "sgns: %zu walks per batch%s, %d threads%s, subsampling keeps %.1f%% of the nodes, tables %.1f MB%s",
                  walks_per_batch, comm ? " (all ranks)" : "", threads, comm ? " per rank" : "",
                  100 * corpus->expected_kept_fraction(), table_mb, comm ? " a rank" : "");
    log_line(line);
  }

  Sgns model(static_cast<std::int64_t>(vocabulary_size), tc.embedding_dim,
             splitmix64(config.seed ^ static_cast<std::uint64_t>(RngStream::Init)));
  const bool writer = rank == 0;
  SgnsEpochs epochs(walks, config, out_dir, writer);
  if (resume) epochs.resume(*model, comm);
  // The threads train copies of the tables whose rows start on their own cache lines: with rows of
  // 50 floats, two threads updating neighbouring rows fought over the lines they share and two
  // threads ran hardly faster than one. The model's tensors get the rows back after every epoch.
  torch::Tensor input = model->input.detach(), output = model->output.detach();
  // Rows of a multiple of 16 floats in storage that LibTorch's CPU allocator aligns to 64 bytes.
  const std::int64_t stride = (tc.embedding_dim + 15) / 16 * 16;
  // In huge pages: a step reads rows at random from tables that may be far larger than the cache.
  auto working_rows = [&](std::int64_t rows) {
    torch::Tensor t = torch::empty({rows, stride});
    advise_huge_pages(t.data_ptr<float>(), static_cast<std::size_t>(t.numel()) * sizeof(float));
    return t.zero_();
  };
  torch::Tensor input_rows = working_rows(input.size(0)), output_rows = working_rows(output.size(0));
  input_rows.narrow(1, 0, tc.embedding_dim).copy_(input);
  output_rows.narrow(1, 0, tc.embedding_dim).copy_(output);
  SgnsTables tables{input_rows.data_ptr<float>(), output_rows.data_ptr<float>(), tc.embedding_dim, stride};
  std::optional<SgnsReplicas> replicas;
  if (comm) replicas.emplace(tables, input.size(0), *comm, config.dist.exchange);

  TrainResult result;
  result.first_epoch = epochs.epochs_done() + 1;
  std::vector<SgnsScratch> scratch(static_cast<std::size_t>(threads));
  const double total_walks = static_cast<double>(walks.size()) * tc.epochs;
  for (int epoch = result.first_epoch; epoch <= tc.epochs; ++epoch) {
    epoch_counter->store(epoch);
    // The walks' order depends on (seed, epoch) only, so a resumed run replays it.
    torch::manual_seed(splitmix64(config.seed ^ (static_cast<std::uint64_t>(RngStream::Shuffle) << 56)) + epoch);
    Progress progress("epoch " + std::to_string(epoch) + "/" + std::to_string(tc.epochs), steps, "steps");
    const auto start = std::chrono::steady_clock::now();
    std::vector<SgnsLoss> losses(static_cast<std::size_t>(threads));
    const double exchange_seconds_before = replicas ? replicas->seconds() : 0.0;
    const double rows_sent_before = replicas ? replicas->rows_sent() : 0.0;
    double walks_before = static_cast<double>(walks.size()) * (epoch - 1);
    std::size_t step = 0, first_non_finite_step = 0;
    for (SgnsBatch& batch : *loader) {
      const std::size_t n = batch.size();  // this rank's share
      const std::size_t chunk = std::max<std::size_t>(1, (n + threads - 1) / threads);
      parallel_chunks(n, chunk, threads, [&](std::uint64_t first, std::uint64_t last, int thread) {
        // Each thread's loss and work space live on its own stack while it runs: side by side in
        // the vectors, the threads' per-pair writes shared cache lines and two ran as slow as one.
        SgnsScratch own_scratch = std::move(scratch[thread]);
        SgnsLoss own_loss;
        for (std::uint64_t i = first; i < last; ++i) {
          // word2vec's schedule: linear decay over the whole run, here per walk, to a floor.
          // Across ranks over the global progress: the walk's place in the whole batch.
          const double done = (walks_before + static_cast<double>(batch.first + i)) / total_walks;
          const auto lr = static_cast<float>(tc.stream_learning_rate * std::max(1e-4, 1.0 - done));
          Rng rng = corpus->training_rng(batch.walk_ids[i], epoch);
          sgns_train_walk(tables, batch.nodes.data() + batch.offsets[i], batch.offsets[i + 1] - batch.offsets[i],
                          *corpus, rng, lr, own_scratch, own_loss);
        }
        scratch[thread] = std::move(own_scratch);
        losses[thread].add(own_loss);
      });
      walks_before += static_cast<double>(batch.requested);
      if (replicas) {
        replicas->touched(batch.nodes);
        replicas->exchange();
      }
      ++step;
      if (first_non_finite_step == 0) {
        // A sum that turns non-finite stays so: its first such step is the first bad loss.
        SgnsLoss sum;
        for (const SgnsLoss& part : losses) sum.add(part);
        if (!std::isfinite(sum.sum())) first_non_finite_step = step;
      }
      progress.advance();
    }
    SgnsLoss total;
    for (const SgnsLoss& part : losses) total.add(part);
    double loss_sum = total.sum(), positives = static_cast<double>(total.positives);
    if (comm) {
      double sums[2] = {loss_sum, positives};
      comm->allreduce_sum(sums, 2);
      loss_sum = sums[0];
      positives = sums[1];
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    progress.end();  // the epoch line below says it
    input.copy_(input_rows.narrow(1, 0, tc.embedding_dim));
    output.copy_(output_rows.narrow(1, 0, tc.embedding_dim));
    epochs.end_epoch(*model, epoch, loss_sum, positives, seconds, steps, "steps", first_non_finite_step, result);
    if (replicas && writer) {
      // What distributing costs: the exchange's share of the epoch (rank 0's, waiting included).
      char line[192];
      std::snprintf(line, sizeof line,
                    "epoch %d: sgns row exchange %.3f ms/batch, %.0f rows sent/batch, %.0f%% of the epoch", epoch, 1000 * (replicas->seconds() - exchange_seconds_before) / static_cast<double>(step),
                    (replicas->rows_sent() - rows_sent_before) / static_cast<double>(step),
                    100 * (replicas->seconds() - exchange_seconds_before) / seconds);
      log_line(line);
    }
  }
  epochs.finish(result);
  result.dim = tc.embedding_dim;
  result.embeddings.assign(input.data_ptr<float>(), input.data_ptr<float>() + input.numel());
  return result;
}

}  // namespace n2v
