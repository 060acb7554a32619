#include "serve/evaluate_model.h"

#include "serve/model_file.h"
#include "train/logistic.h"

namespace n2v {

Evaluation evaluate_model(const EvaluateOptions& options) {
  const ModelFile model = ModelFile::load(options.model);
  const EvaluatedVectors vectors{model.vocabulary(), model.embeddings(), model.dim(), model.data_dir()};
  return evaluate_run(options, vectors, [](const auto& train_x, const auto& train_y, std::size_t dim,
                                           std::size_t labels, const auto& test_x) {
    return one_vs_rest_logits(train_x, train_y, dim, labels, test_x);
  });
}

}  // namespace n2v
