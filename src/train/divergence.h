#pragma once
// The stop of a training run whose loss or weights are no longer finite, shared by every loop
// (the Keras model's, stream mode's and sgns').
#include <torch/nn/module.h>

#include <cstddef>
#include <filesystem>

#include "core/config.h"

namespace n2v {

// A diverged epoch (a loss or a weight that is not finite) throws TrainingError, naming the epoch,
// the checkpoint that keeps the last good one (`checkpoint` empty: none is written) and the keys to
// lower. Called before the epoch reaches a checkpoint, loss.csv or an export. The weights are
// checked too (one pass an epoch): a loss that clamps its logs could stay finite.
// `first_bad_step` (1-based, 0 = unknown) is the first step whose loss was not finite.
void stop_if_diverged(const torch::nn::Module& model, double epoch_loss, int epoch, std::size_t steps,
                      const Config& config, const std::filesystem::path& checkpoint, int last_good_epoch,
                      std::size_t first_bad_step = 0);

}  // namespace n2v
