#pragma once
// `n2v evaluate --model model.pt` / `--vectors FILE`: the tasks of eval/evaluate.h on a model
// file's vectors or a word2vec text file's, with the genre classifiers fitted by LibTorch's L-BFGS
// (train/logistic.h).
#include "eval/evaluate.h"

namespace n2v {

Evaluation evaluate_model(const EvaluateOptions& options);
Evaluation evaluate_vectors(const EvaluateOptions& options);

}  // namespace n2v
