#include "train/sgns_epochs.h"

#include <cstdio>

#include "core/errors.h"
#include "core/progress.h"
#include "core/text.h"
#include "train/divergence.h"

namespace n2v {
namespace fs = std::filesystem;

SgnsEpochs::SgnsEpochs(const Walks& walks, const Config& config, fs::path out_dir, bool writer)
    : config_(config),
      out_dir_(std::move(out_dir)),
      checkpoint_path_(out_dir_ / "checkpoint.pt"),
      writer_(writer),
      fingerprint_(run_fingerprint(config)),
      data_digest_(training_data_digest(walks)) {}

void SgnsEpochs::resume(torch::nn::Module& model, Communicator* comm) {
  ExtraState no_extra;
  state_ = load_checkpoint(checkpoint_path_, read_checkpoint_bytes(checkpoint_path_, comm), model, nullptr,
                           fingerprint_, data_digest_, no_extra);
  check_epochs_left(checkpoint_path_, state_.epoch, config_.train.epochs);
  if (writer_) log_line("resuming after epoch " + std::to_string(state_.epoch) + " from " + checkpoint_path_.string());
}

void SgnsEpochs::save_per_rank(fs::path path, fs::path previous, ExtraState extra) {
  per_rank_ = true;
  checkpoint_path_ = std::move(path);
  previous_path_ = std::move(previous);
  extra_ = std::move(extra);
}

void SgnsEpochs::load_rank_checkpoint(const fs::path& path, const std::string& bytes, torch::nn::Module& model) {
  state_ = load_checkpoint(path, bytes, model, nullptr, fingerprint_, data_digest_, extra_);
  check_epochs_left(path, state_.epoch, config_.train.epochs);
  if (writer_) log_line("resuming after epoch " + std::to_string(state_.epoch) + " from the ranks' " + path.filename().string());
}

double SgnsEpochs::end_epoch(torch::nn::Module& model, int epoch, double loss_sum, double positives, double seconds,
                             std::size_t steps, const char* unit, std::size_t first_bad_step, TrainResult& result) {
  if (positives == 0) {
    // Training on nothing would export the initial vectors as if they were learnt.
    const std::string why =
        config_.skipgram.subsample > 0
            ? "skipgram.subsample " + format_double(config_.skipgram.subsample) +
                  " kept no two nodes of a walk; raise it (word2vec's 0.001) or set it to 0"
            : "the walks hold no two nodes (walk.num_steps " + std::to_string(config_.walk.num_steps) + ")";
    throw DataError("sgns trained on no pair in epoch " + std::to_string(epoch) + ": " + why);
  }
  const double epoch_loss = loss_sum / positives;
  if (writer_) {
    std::printf("Epoch %d/%d - %zu %s - loss: %.4f - %.2f s - %.2f M pairs/s\n", epoch, config_.train.epochs, steps,
                unit, epoch_loss, seconds, positives / seconds / 1e6);
    std::fflush(stdout);
  }
  const bool writes = writer_ && !out_dir_.empty();
  stop_if_diverged(model, epoch_loss, epoch, steps, config_, writes ? checkpoint_path_ : fs::path(), state_.epoch,
                   first_bad_step);
  result.positives_per_epoch.push_back(static_cast<std::uint64_t>(positives));
  state_.epoch = epoch;
  state_.loss.push_back(epoch_loss);
  state_.seconds.push_back(seconds);
  if (per_rank_ && !out_dir_.empty()) {
    // The ranks save one after another: until every rank has saved this epoch, the last one must stay.
    std::error_code error;
    if (fs::exists(checkpoint_path_, error)) fs::rename(checkpoint_path_, previous_path_, error);
    if (error) throw OutputError("cannot keep " + checkpoint_path_.string() + " as " + previous_path_.string() + ": " + error.message());
  }
  if (per_rank_ ? !out_dir_.empty() : writes)
    save_checkpoint(checkpoint_path_, model, nullptr, state_, fingerprint_, data_digest_, extra_);
  if (writes) write_loss_csv(out_dir_ / "loss.csv", state_);
  return epoch_loss;
}

void SgnsEpochs::finish(TrainResult& result) const {
  result.epoch_loss = state_.loss;
  result.epoch_seconds = state_.seconds;
}

}  // namespace n2v
