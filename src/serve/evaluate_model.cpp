#include "serve/evaluate_model.h"

#include "serve/model_file.h"
#include "train/logistic.h"

namespace n2v {
namespace {

std::vector<float> torch_classifier(const std::vector<float>& train_x, const std::vector<float>& train_y,
                                    std::size_t dim, std::size_t labels, const std::vector<float>& test_x) {
  return one_vs_rest_logits(train_x, train_y, dim, labels, test_x);
}

}  // namespace

Evaluation evaluate_model(const EvaluateOptions& options) {
  const ModelFile model = ModelFile::load(options.model);
  const EvaluatedVectors vectors{model.vocabulary(), model.embeddings(), model.dim(), model.data_dir()};
  return evaluate_run(options, vectors, torch_classifier);
}

Evaluation evaluate_vectors(const EvaluateOptions& options) { return evaluate_vectors_file(options, torch_classifier); }

}  // namespace n2v
