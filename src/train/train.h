#pragma once
// Skip-gram training (torch-free interface; the implementation lives in the n2v_torch library).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/config.h"
#include "walk/examples.h"

namespace n2v {

class Communicator;

// Where training runs: train.device resolved.
enum class ComputeDevice { Cpu, Cuda };
template <>
struct Choices<ComputeDevice> {
  static constexpr std::pair<ComputeDevice, const char*> names[]{{ComputeDevice::Cpu, "cpu"},
                                                                 {ComputeDevice::Cuda, "cuda"}};
};

struct TrainResult {
  std::vector<double> epoch_loss;  // running mean of the batch losses, as Keras prints it
  std::vector<double> epoch_seconds;
  std::vector<float> embeddings;  // row-major [vocabulary_size x dim], row i = token i
  // dist.tables per_rank: embeddings holds this rank's rows alone, row i = token shard_tokens[i].
  bool per_rank_tables = false;
  std::vector<std::size_t> shard_tokens;
  std::int64_t dim = 0;
  ComputeDevice device = ComputeDevice::Cpu;
  int first_epoch = 1;  // > 1 after --resume
  std::vector<std::uint64_t> positives_per_epoch;  // stream mode: positive examples trained on, per epoch run
};

// train.device's device (auto: CUDA when usable). Throws UsageError for cuda without CUDA.
ComputeDevice resolve_device(TrainDevice requested);
// Whether the Keras model trains with tensor ops on `device` (train.kernel; auto: on CUDA only).
// Throws UsageError for train.kernel fused on CUDA.
bool uses_tensor_kernel(TrainKernel kernel, ComputeDevice device);

// Trains on `examples` for config.train.epochs epochs. With out_dir set, writes after every epoch
// checkpoint.pt and loss.csv (atomically); with resume, continues from out_dir/checkpoint.pt.
// With comm (a distributed run), every rank trains on its slice of each global batch of
// train.batch_size, the gradients are summed across ranks every step (so every rank holds the
// single-process weights) and only rank 0 writes; the loss is the global mean. CPU only.
TrainResult train_skipgram(const Examples& examples, std::size_t vocabulary_size, const Config& config,
                           const std::filesystem::path& out_dir, bool resume, Communicator* comm = nullptr);

// skipgram.mode stream: examples generated from the walks batch by batch (never all at once),
// trained on the rows each batch touches by lazy Adam (train.stream_optimizer adam) or word2vec's
// SGD with train.stream_learning_rate decayed linearly to 0 (sgd). The same checkpoints (the lazy
// Adam moments included), loss.csv and --resume as above; CPU only. With comm, every rank draws the
// same batch of walks and makes the examples of its share; the ranks' row-sparse gradients (adam)
// or row updates (sgd) are summed every step (dist.exchange), so every rank takes the same
// step and holds the same weights and Adam state. The loss is the global mean.
TrainResult train_skipgram_stream(const Walks& walks, std::size_t vocabulary_size, const Config& config,
                                  const std::filesystem::path& out_dir, bool resume, Communicator* comm = nullptr);

// skipgram.model sgns (train/train_sgns.cpp): word2vec's skip-gram with negative sampling on two
// tables, trained from the walks batch by batch (a DataLoader worker subsamples the next batch)
// by `threads` Hogwild workers, with plain SGD from train.stream_learning_rate decayed linearly
// (per walk) to 1e-4 of it. With threads 1 a seed gives the same model bit for bit. The result's
// embeddings are the input table. The same checkpoints, loss.csv and --resume as above (the epoch
// loss is the mean over the positive pairs of their loss and their negatives'). CPU. With comm,
// data-parallel: every rank draws the same batches of walks, trains its share of each on its own
// copy of the tables, and the ranks sum the changes of the rows they touched after every batch
// (train/sgns_replicas.h), so all ranks hold the same tables; the rate decays over the global
// progress, only rank 0 writes, and --resume takes rank 0's checkpoint with any world size. With
// dist.partition shard the tables are divided in blocks instead (train/sgns_blocks.h); rank 0
// gathers them after every epoch, and only its result holds the embeddings.
TrainResult train_sgns(const Walks& walks, std::size_t vocabulary_size, const Config& config,
                       const std::filesystem::path& out_dir, bool resume, Communicator* comm = nullptr);

// Throws UsageError for settings that cannot train in a world of `world_size` processes (sgns off
// the CPU, dist.tables per_rank without sgns in blocks), so that commands can refuse them before
// the slow stages.
void check_trainable(const Config& config, int world_size);

}  // namespace n2v
