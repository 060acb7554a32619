#include "train/divergence.h"

#include <cmath>
#include <string>

#include "core/errors.h"
#include "core/text.h"

namespace n2v {
namespace fs = std::filesystem;

void stop_if_diverged(const torch::nn::Module& model, double epoch_loss, int epoch, std::size_t steps,
                      const Config& config, const fs::path& checkpoint, int last_good_epoch,
                      std::size_t first_bad_step) {
  bool finite_weights = true;
  for (const torch::Tensor& parameter : model.parameters())
    finite_weights = finite_weights && torch::isfinite(parameter.detach()).all().item<bool>();
  if (std::isfinite(epoch_loss) && finite_weights) return;
  const TrainConfig& tc = config.train;
  const std::string kept = last_good_epoch > 0 && !checkpoint.empty()
                               ? "; " + checkpoint.string() + " keeps epoch " + std::to_string(last_good_epoch)
                               : "";
  const bool keras_adam = config.skipgram.mode == SkipGramMode::Aggregate && config.skipgram.model == SkipGramModel::Keras;
  const bool has_l2 = config.skipgram.model == SkipGramModel::Keras;
  throw TrainingError("training diverged: the loss of epoch " + std::to_string(epoch) + "/" + std::to_string(tc.epochs) +
                      " (the mean of its " + std::to_string(steps) + " steps) is " + format_double(epoch_loss) +
                      (first_bad_step ? ", first at step " + std::to_string(first_bad_step) + "/" + std::to_string(steps)
                                      : std::string()) +
                      (finite_weights ? "" : " and the weights are not all finite") + kept + "; lower " +
                      (keras_adam ? "train.learning_rate = " + format_double(tc.learning_rate)
                                  : "train.stream_learning_rate = " + format_double(tc.stream_learning_rate)) +
                      (has_l2 ? " or train.l2 = " + format_double(tc.l2) : std::string()));
}

}  // namespace n2v
