#pragma once
// What both sgns loops (train_sgns.cpp: one process or replicas; train_sgns_blocks.cpp: tables in
// blocks) do around their epochs: resuming from checkpoint.pt, and after each epoch the checks, the
// epoch line, the checkpoint and loss.csv.
#include <torch/nn/module.h>

#include <cstddef>
#include <filesystem>
#include <string>

#include "core/config.h"
#include "train/checkpoint.h"
#include "train/train.h"
#include "walk/walks.h"

namespace n2v {

class Communicator;

class SgnsEpochs {
 public:
  // `writer`: the rank that prints the epochs and writes checkpoint.pt and loss.csv in `out_dir`
  // (nothing is written when it is empty).
  SgnsEpochs(const Walks& walks, const Config& config, std::filesystem::path out_dir, bool writer);

  // Loads out_dir/checkpoint.pt into `model` (with comm, rank 0 reads it and sends it to the
  // others: any world size resumes any run's checkpoint) and says so.
  void resume(torch::nn::Module& model, Communicator* comm);
  int epochs_done() const { return state_.epoch; }

  // dist.tables per_rank: from now on every rank saves its own blocks in `path`, with `extra`
  // (which block of how many), where otherwise the writer saves the whole model in checkpoint.pt;
  // the file it replaces becomes `previous`.
  void save_per_rank(std::filesystem::path path, std::filesystem::path previous, ExtraState extra);
  // Loads `bytes`, read from `path`, this rank's own file (save_per_rank's), into `model` and the
  // extra tensors.
  void load_rank_checkpoint(const std::filesystem::path& path, const std::string& bytes, torch::nn::Module& model);
  const ExtraState& extra() const { return extra_; }

  // After `epoch`, with the sums over all ranks: throws DataError when no pair was trained and
  // TrainingError when the loss or `model` is not finite; prints the epoch line (`steps` of
  // `unit`); records the epoch in `result` and, on the writer, in checkpoint.pt and loss.csv.
  // `first_bad_step`: the first step whose loss was not finite (0 = unknown). Returns the loss.
  double end_epoch(torch::nn::Module& model, int epoch, double loss_sum, double positives, double seconds,
                   std::size_t steps, const char* unit, std::size_t first_bad_step, TrainResult& result);

  // The loss and seconds of every epoch, resumed ones included.
  void finish(TrainResult& result) const;

 private:
  const Config& config_;
  std::filesystem::path out_dir_, checkpoint_path_, previous_path_;
  bool writer_, per_rank_ = false;
  ExtraState extra_;
  std::string fingerprint_, data_digest_;
  Checkpoint state_;
};

}  // namespace n2v
