#pragma once
// Training checkpoints: the model, Adam's state and the loss history after every epoch, tied to the
// settings that made them, so that --resume refuses a run with other settings.
#include <torch/optim/adam.h>
#include <torch/serialize.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/config.h"
#include "models/skipgram.h"

namespace n2v {

class Communicator;

struct Checkpoint {
  int epoch = 0;
  std::vector<double> loss, seconds;
};

// Optimizer state that lives outside torch::optim (stream mode's lazy Adam), saved by name.
using ExtraState = std::map<std::string, torch::Tensor>;

// Everything that changes the examples or the model; a checkpoint only resumes a run that matches.
std::string run_fingerprint(const Config& config);

// Atomically: a crash while saving leaves the previous checkpoint. Any model (its parameters by
// name); `optimizer` may be null (sgns' plain SGD has no state).
void save_checkpoint(const std::filesystem::path& path, torch::nn::Module& model, torch::optim::Optimizer* optimizer,
                     const Checkpoint& state, const std::string& fingerprint, const ExtraState& extra);
inline void save_checkpoint(const std::filesystem::path& path, SkipGram& model, torch::optim::Adam& optimizer,
                            const Checkpoint& state, const std::string& fingerprint, const ExtraState& extra) {
  save_checkpoint(path, *model, &optimizer, state, fingerprint, extra);
}

// The checkpoint's bytes. With comm, rank 0 reads the file and sends it to every rank, so ranks on
// hosts without a shared disk resume too; a missing file is the same UsageError on every rank.
std::string read_checkpoint_bytes(const std::filesystem::path& path, Communicator* comm);

// Restores model, optimizer and the tensors of `extra` (by name) from `bytes`; UsageError when the
// fingerprint differs, DataError when the bytes are not a checkpoint. `path` names it in errors.
Checkpoint load_checkpoint(const std::filesystem::path& path, const std::string& bytes, torch::nn::Module& model,
                           torch::optim::Optimizer* optimizer, const std::string& fingerprint, ExtraState& extra);
inline Checkpoint load_checkpoint(const std::filesystem::path& path, const std::string& bytes, SkipGram& model,
                                  torch::optim::Adam& optimizer, const std::string& fingerprint, ExtraState& extra) {
  return load_checkpoint(path, bytes, *model, &optimizer, fingerprint, extra);
}

// Throws unless out_dir/checkpoint.pt exists and was made with the settings of `config` (before
// the slow stages, and before a resumed run rewrites config.yaml).
void check_resumable(const Config& config, const std::filesystem::path& out_dir);

// loss.csv: epoch, loss, seconds.
void write_loss_csv(const std::filesystem::path& path, const Checkpoint& state);

}  // namespace n2v
