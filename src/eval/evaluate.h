#pragma once
// `n2v evaluate`: how good a run's vectors are, on three tasks. Torch-free: the genre task's
// classifier is passed in (serve/evaluate_model.h gives it LibTorch's L-BFGS, train/logistic.h).
//   genres     multi-label prediction of each movie's genres (or any node labels), the node2vec
//              paper's protocol: one-vs-rest logistic regression on half the nodes, the other half
//              predicted with as many labels as each has, micro/macro-F1 over random splits;
//              random vectors of the same size are the floor
//   links      ROC-AUC of cosine similarity on holdout_edges.tsv (held-out edges vs non-edges);
//              Adamic-Adar on the training graph is the baseline
//   recommend  HitRate/Recall/NDCG@10 on holdout_ratings.csv (recommend.h), beside popularity and
//              co-rating counts
// The run's folder (the model's, or --run) holds config.yaml and the held-out files `n2v train`
// wrote. `--vectors FILE` scores a word2vec text file (eval/word2vec_text.h) on the same tasks:
// the run's config.yaml rebuilds its graph, whose nodes the file's keys are matched to.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "core/choice.h"
#include "eval/recommend.h"
#include "graph/graph.h"
#include "graph/holdout.h"

namespace n2v {

struct MeanStd {
  double mean = 0.0;
  double stddev = 0.0;
};

struct LabelScores {
  MeanStd micro_f1, macro_f1;
};

struct LabelEvaluation {
  LabelScores n2v, random;
  std::size_t nodes = 0;  // nodes with at least one label
  std::size_t labels = 0;
  int splits = 0;
  std::string source;  // "genres" or the labels file
};

struct LinkEvaluation {
  double n2v_auc = std::numeric_limits<double>::quiet_NaN();
  double adamic_adar_auc = std::numeric_limits<double>::quiet_NaN();  // NaN without the training graph
  std::size_t positives = 0, negatives = 0;
};

// How a --vectors file covered the graph's nodes (eval/word2vec_text.h's MatchedVectors).
struct VectorsCoverage {
  std::string file;
  std::size_t nodes = 0;  // the graph's nodes, token 0 left out
  std::size_t matched = 0, missing = 0, unknown = 0;
  std::vector<std::string> unknown_examples;
};

struct Evaluation {
  std::optional<VectorsCoverage> vectors;  // --vectors only
  std::optional<LabelEvaluation> genres;
  std::optional<LinkEvaluation> links;
  std::optional<RecommendResult> recommend;
  std::vector<std::string> notes;  // tasks or baselines left out, and why
  std::uint64_t seed = 0;
};

// Label ids per token (token 0 has none) and their names, ascending.
struct NodeLabels {
  std::vector<std::vector<int>> of_token;
  std::vector<std::string> names;
};

// From the vocabulary's genre strings ("Action|Sci-Fi"); "(no genres listed)" is no label.
NodeLabels labels_from_genres(const Vocabulary& vocabulary);
// "node<TAB>label|label" lines ("#" comments); a node may repeat. Nodes outside the vocabulary are
// counted in *unknown. Throws DataError naming the file and line for a line without a tab.
NodeLabels read_labels_file(const std::filesystem::path& path, const Vocabulary& vocabulary,
                            std::size_t* unknown = nullptr);

// Fits one binary classifier per label on train_x [rows x dim] with train_y [rows x labels] of 0/1
// and returns test_x's logits, row-major [test rows x labels] (train/logistic.h's one_vs_rest_logits).
using LabelClassifier = std::function<std::vector<float>(const std::vector<float>& train_x,
                                                         const std::vector<float>& train_y, std::size_t dim,
                                                         std::size_t labels, const std::vector<float>& test_x)>;

// The genre protocol on the given vectors (row-major [vocabulary x dim]) and on random ones. Split s
// shuffles with Rng::for_item(seed, RngStream::Eval, s).
LabelEvaluation evaluate_labels(const std::vector<float>& embeddings, std::int64_t dim, const NodeLabels& labels,
                                std::uint64_t seed, const LabelClassifier& classifier, int splits = 10);

// Adamic-Adar: the sum over common neighbours w of 1 / log(degree(w)).
double adamic_adar(const CsrGraph& graph, NodeId u, NodeId v);
LinkEvaluation evaluate_links(const std::vector<float>& embeddings, std::int64_t dim,
                              const std::vector<LabeledPair>& pairs, const CsrGraph* training_graph);

// evaluate --task: one task, or all those the run has data for.
enum class EvaluateTask { Genres, Links, Recommend, All };
template <>
struct Choices<EvaluateTask> {
  static constexpr std::pair<EvaluateTask, const char*> names[]{{EvaluateTask::Genres, "genres"},
                                                                {EvaluateTask::Links, "links"},
                                                                {EvaluateTask::Recommend, "recommend"},
                                                                {EvaluateTask::All, "all"}};
};
// Whether asking for `asked` runs `task`.
inline bool runs_task(EvaluateTask asked, EvaluateTask task) { return asked == EvaluateTask::All || asked == task; }

struct EvaluateOptions {
  std::filesystem::path model;  // model.pt, or
  std::filesystem::path vectors;  // a word2vec text file
  std::filesystem::path run;  // config.yaml and the held-out files; empty: the folder of model / vectors
  std::string data_dir;  // empty: the folder recorded in model.pt, else config.yaml's data.dir
  EvaluateTask task = EvaluateTask::All;
  std::optional<std::uint64_t> seed;  // default: config.yaml's seed
  std::string labels_file;  // node labels for the genres task instead of the movie genres
};

// The vectors under evaluation: row t of `embeddings` ([vocabulary size x dim]) is token t.
struct EvaluatedVectors {
  const Vocabulary& vocabulary;
  const std::vector<float>& embeddings;
  std::int64_t dim = 0;
  std::string data_dir;  // the MovieLens folder they were trained on, empty when unknown
};

// Runs the requested tasks on `vectors`, a model in options.model's run folder. `all` runs those the
// run has data for and notes the others; a task asked for by name without its data is a UsageError
// saying how to train for it.
Evaluation evaluate_run(const EvaluateOptions& options, const EvaluatedVectors& vectors,
                        const LabelClassifier& classifier);

// --vectors: reads options.vectors, rebuilds the run's graph from its config.yaml (its data folder:
// --data-dir, else config.yaml's), puts the vectors on its nodes and runs evaluate_run. Throws
// DataError for a malformed file (file:line), a file that names no node, or missing data.
Evaluation evaluate_vectors_file(const EvaluateOptions& options, const LabelClassifier& classifier);

// The run folder: options.run, else the folder of options.vectors or options.model.
std::filesystem::path run_folder(const EvaluateOptions& options);
// Where evaluate writes its scores: evaluation.json beside the model; FILE.evaluation.json beside a
// vectors file (so that scoring embeddings.w2v.txt does not replace the model's evaluation.json).
std::filesystem::path evaluation_json_path(const EvaluateOptions& options);

std::string evaluation_table(const Evaluation& evaluation);
// `evaluated`: the model or vectors file, recorded as "model".
std::string evaluation_json(const Evaluation& evaluation, const std::filesystem::path& evaluated);

}  // namespace n2v
