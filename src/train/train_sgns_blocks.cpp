// skipgram.model sgns with dist.partition shard: the tables divided between the ranks by token
// block (train/sgns_blocks.h); train.h says what it promises.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <numeric>

#include "core/errors.h"
#include "core/memory.h"
#include "core/progress.h"
#include "core/rng.h"
#include "core/text.h"
#include "models/sgns.h"
#include "pipeline/pipeline.h"
#include "train/distributed.h"
#include "train/rank_checkpoints.h"
#include "train/sgns_blocks.h"
#include "train/sgns_epochs.h"
#include "train/train.h"

namespace n2v {
namespace fs = std::filesystem;

namespace {

// The pairs a rank trains between two ring passes: enough that passing a block costs little beside
// training the pairs (over 1 Gbit/s a row of dimension 128 takes as long to send as about 12 pairs
// take to train; a million pairs a chunk spent 44% of the epoch passing blocks of 16,000 rows),
// at the price of 8 bytes a pair.
double pairs_per_rank_per_chunk(std::size_t vocabulary_size, int world) {
  return std::max(4e6, 64.0 * static_cast<double>(vocabulary_size) / world);
}

// Whether every rank writes its own blocks (dist.tables per_rank) instead of rank 0 gathering the
// whole tables. Rank 0 settles auto for all: on --resume by the checkpoint it finds, otherwise by
// whether it can hold the whole tables beside its share.
bool tables_per_rank(const Config& config, double own_bytes, double whole_bytes, const fs::path& out_dir,
                     bool resume, Communicator& comm) {
  if (config.dist.tables != TablesOutput::Auto) return config.dist.tables == TablesOutput::PerRank;
  std::uint64_t per_rank = 0;
  if (comm.rank() == 0) {
    if (resume && !out_dir.empty() && !fs::exists(out_dir / "checkpoint.pt")) {
      per_rank = fs::exists(out_dir / rank_checkpoint_file(0)) ? 1 : 0;
    } else if (!resume) {
      const double available = static_cast<double>(available_memory_bytes());
      per_rank = available > 0 && own_bytes + whole_bytes > available ? 1 : 0;
    }
  }
  comm.allreduce_sum(&per_rank, 1);
  return per_rank > 0;
}

}  // namespace

TrainResult train_sgns_blocks(const Walks& walks, std::size_t vocabulary_size, const Config& config,
                              const fs::path& out_dir, bool resume, Communicator& comm) {
  const int rank = comm.rank(), world = comm.world_size();
  const TrainConfig& tc = config.train;
  const double dim = static_cast<double>(tc.embedding_dim);
  const double block = std::ceil(static_cast<double>(vocabulary_size) / world);
  // Both blocks, the arriving output block and the round's pairs; then either rank 0 gathers the
  // whole tables for checkpoints and exports, or every rank copies its blocks for its own.
  const double own_bytes = 4 * dim * 3 * block + 8 * pairs_per_rank_per_chunk(vocabulary_size, world);
  const double whole_bytes = 2 * 4 * dim * static_cast<double>(vocabulary_size);
  const bool per_rank = tables_per_rank(config, own_bytes, whole_bytes, out_dir, resume, comm);
  const double bytes = own_bytes + (per_rank ? 2 * 4 * dim * block : rank == 0 ? whole_bytes : 0.0);
  check_fits_in_memory(rank == 0 && !per_rank ? "training (rank 0 gathers the tables: dist.tables)" : "training",
                       bytes,
                       std::to_string(vocabulary_size) + " tokens in " + std::to_string(world) + " blocks x train.embedding_dim " +
                           std::to_string(tc.embedding_dim) + " floats",
                       "train.embedding_dim");
  if (walks.size() == 0) throw UsageError("there are no walks to train on");
  const SgnsCorpus corpus(walks, vocabulary_size, sgns_options_from(config));
  const int threads = config.resolved_threads();
  SgnsBlocks blocks(corpus, tc.embedding_dim, splitmix64(config.seed ^ static_cast<std::uint64_t>(RngStream::Init)),
                    comm, threads);

  const double kept_length = static_cast<double>(walks.nodes.size()) / static_cast<double>(walks.size()) *
                             corpus.expected_kept_fraction();
  const double pairs_per_walk = std::max(1.0, kept_length * (config.skipgram.window + 1));
  const auto walks_per_chunk = static_cast<std::size_t>(
      std::ceil(pairs_per_rank_per_chunk(vocabulary_size, world) * world / pairs_per_walk));
  const std::size_t chunks = (walks.size() + walks_per_chunk - 1) / walks_per_chunk;
  if (rank == 0) {
    char line[256];
    std::snprintf(line, sizeof line,
                  "sgns: tables in %d blocks (%.1f MB a rank with the arriving block), %zu walks per chunk, "
                  "%d rounds a chunk, %d threads per rank; %s",
                  world, 4 * dim * 3 * block / 1e6, walks_per_chunk, world, threads,
                  per_rank ? "each rank saves its own blocks (dist.tables per_rank)"
                           : "rank 0 gathers the tables after every epoch (dist.tables gather)");
    log_line(line);
  }

  // The model that checkpoints and exports see: the whole tables on rank 0 (the others an empty
  // one), or each rank's own blocks.
  const std::int64_t model_rows = per_rank ? blocks.own_rows() : rank == 0 ? static_cast<std::int64_t>(vocabulary_size) : 0;
  Sgns model(model_rows, tc.embedding_dim, config.seed);
  SgnsEpochs epochs(walks, config, out_dir, rank == 0);
  if (per_rank)
    epochs.save_per_rank(out_dir / rank_checkpoint_file(rank), out_dir / previous_rank_checkpoint_file(rank),
                         rank_checkpoint_extra(world, rank));
  if (resume && per_rank) {
    const RankCheckpoint checkpoint = rank_checkpoint_to_resume(out_dir, comm);
    epochs.load_rank_checkpoint(checkpoint.path, checkpoint.bytes, *model);
    blocks.assign_own_rows(model->input.detach().data_ptr<float>(), model->output.detach().data_ptr<float>());
  } else if (resume) {
    // Whole tables on every rank for a moment: each takes its blocks from rank 0's checkpoint.
    Sgns whole(static_cast<std::int64_t>(vocabulary_size), tc.embedding_dim, config.seed);
    epochs.resume(*whole, &comm);
    blocks.assign(whole->input.detach().contiguous().data_ptr<float>(),
                  whole->output.detach().contiguous().data_ptr<float>());
  }
  // The model a checkpoint saves: rank 0 gathers the tables into it, or each rank copies its blocks.
  auto prepare_checkpoint = [&] {
    float* input = model->input.detach().data_ptr<float>();
    float* output = model->output.detach().data_ptr<float>();
    if (!per_rank) return blocks.gather(rank == 0 ? input : nullptr, rank == 0 ? output : nullptr);
    blocks.copy_own_rows(input, output);
  };

  TrainResult result;
  result.first_epoch = epochs.epochs_done() + 1;
  for (int epoch = result.first_epoch; epoch <= tc.epochs; ++epoch) {
    // The walks' order depends on (seed, epoch) only, so a resumed run replays it.
    std::vector<std::size_t> order(walks.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    Rng shuffle = Rng::for_item(config.seed, RngStream::Shuffle, static_cast<std::uint64_t>(epoch));
    shuffle_in_place(order.begin(), order.end(), shuffle);
    Progress progress("epoch " + std::to_string(epoch) + "/" + std::to_string(tc.epochs), chunks, "chunks");
    const auto start = std::chrono::steady_clock::now();
    const double exchange_before = blocks.exchange_seconds(), bytes_before = blocks.bytes_sent();
    const std::int64_t passes_before = blocks.passes();
    const double collect_before = blocks.collect_seconds(), train_before = blocks.train_seconds();
    SgnsLoss loss;
    for (std::size_t c = 0; c < chunks; ++c) {
      const std::size_t first = c * walks_per_chunk, last = std::min(walks.size(), first + walks_per_chunk);
      blocks.collect(std::vector<std::size_t>(order.begin() + static_cast<std::ptrdiff_t>(first),
                                              order.begin() + static_cast<std::ptrdiff_t>(last)),
                     epoch);
      // word2vec's linear decay over the whole run (all ranks' walks), to a floor.
      auto rate = [&](std::size_t chunk_end) {
        const double done = (static_cast<double>(epoch - 1) + static_cast<double>(chunk_end) / chunks) / tc.epochs;
        return static_cast<float>(tc.stream_learning_rate * std::max(1e-4, 1.0 - done));
      };
      blocks.train_rounds(rate(c), rate(c + 1),
                          Rng::for_item(config.seed, RngStream::Examples, (static_cast<std::uint64_t>(epoch) << 32) + c)(),
                          loss);
      progress.advance();
    }
    blocks.release_round_buffers();
    double sums[3] = {loss.sum(), static_cast<double>(loss.positives), static_cast<double>(blocks.non_finite_rows())};
    comm.allreduce_sum(sums, 3);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    progress.end();
    prepare_checkpoint();
    // A row that is not finite on any rank makes the epoch diverged on every rank alike.
    epochs.end_epoch(*model, epoch, sums[2] > 0 ? std::nan("") : sums[0], sums[1], seconds, chunks, "chunks", 0,
                     result);
    // Every rank's share of the epoch, so that a slow rank (the others' wait in passing blocks) shows.
    std::vector<double> times(static_cast<std::size_t>(3 * world), 0.0);
    times[3 * rank] = blocks.collect_seconds() - collect_before;
    times[3 * rank + 1] = blocks.train_seconds() - train_before;
    times[3 * rank + 2] = blocks.exchange_seconds() - exchange_before;
    comm.allreduce_sum(times.data(), times.size());
    if (rank == 0) {
      std::string per_rank;
      for (int part = 0; part < 3; ++part) {
        per_rank += part == 0 ? "; making pairs " : part == 1 ? ", training " : ", passing blocks ";
        for (int r = 0; r < world; ++r) {
          char seconds_text[32];
          std::snprintf(seconds_text, sizeof seconds_text, "%s%.1f", r ? " / " : "", times[3 * r + part]);
          per_rank += seconds_text;
        }
        per_rank += " s";
      }
      char line[256];
      std::snprintf(line, sizeof line,
                    "epoch %d: sgns block exchange %.3f s (%.0f%% of the epoch) in %lld passes, %.1f MB sent by "
                    "rank 0, round buffers %.1f MB",
                    epoch, blocks.exchange_seconds() - exchange_before,
                    100 * (blocks.exchange_seconds() - exchange_before) / seconds,
                    static_cast<long long>(blocks.passes() - passes_before), (blocks.bytes_sent() - bytes_before) / 1e6,
                    blocks.round_buffer_bytes() / 1e6);
      log_line(line + per_rank + " (rank 0 / 1 / ...)");
    }
  }
  // Nothing left to train after --resume: the export is the checkpoint's.
  if (result.first_epoch > tc.epochs && !per_rank) prepare_checkpoint();
  epochs.finish(result);
  result.dim = tc.embedding_dim;
  const float* input = model->input.detach().data_ptr<float>();
  if (per_rank) {
    result.per_rank_tables = true;
    for (std::int64_t r = 0; r < blocks.own_rows(); ++r) {
      const std::size_t token = static_cast<std::size_t>(r * world + rank);
      if (token == 0) continue;  // reserved, in no export
      result.shard_tokens.push_back(token);
      result.embeddings.insert(result.embeddings.end(), input + r * tc.embedding_dim, input + (r + 1) * tc.embedding_dim);
    }
  } else if (rank == 0) {
    result.embeddings.assign(input, input + model->input.numel());  // the others' stays empty
  }
  return result;
}

}  // namespace n2v
