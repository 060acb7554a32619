#include "eval/evaluate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <unordered_map>

#include "core/paths.h"
#include "core/csv.h"
#include "core/errors.h"
#include "core/json.h"
#include "core/progress.h"
#include "core/rng.h"
#include "core/text.h"
#include "eval/metrics.h"
#include "eval/profile.h"
#include "eval/embedding_shards.h"
#include "eval/word2vec_text.h"
#include "graph/edgelist.h"
#include "pipeline/pipeline.h"

namespace n2v {
namespace fs = std::filesystem;

namespace {

NodeLabels index_labels(const std::vector<std::vector<std::string>>& names_of_token) {
  std::map<std::string, int> ids;
  for (const auto& names : names_of_token)
    for (const auto& name : names) ids.emplace(name, 0);
  NodeLabels labels;
  for (auto& [name, id] : ids) {
    id = static_cast<int>(labels.names.size());
    labels.names.push_back(name);
  }
  for (const auto& names : names_of_token) {
    std::vector<int> of;
    for (const auto& name : names) of.push_back(ids[name]);
    std::sort(of.begin(), of.end());
    of.erase(std::unique(of.begin(), of.end()), of.end());
    labels.of_token.push_back(of);
  }
  return labels;
}

void split_labels(std::string_view text, std::vector<std::string>& out) {
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = std::min(text.find('|', start), text.size());
    std::string label = trim(text.substr(start, end - start));
    if (!label.empty() && label != "(no genres listed)") out.push_back(label);
    start = end + 1;
  }
}

// Normal deviates by Box-Muller from our own generator, so the floor is the same on every platform.
std::vector<float> random_vectors(std::size_t rows, std::int64_t dim, std::uint64_t seed) {
  Rng rng = Rng::for_item(seed, RngStream::Eval, std::uint64_t{1} << 32);
  std::vector<float> out(rows * dim);
  for (float& v : out) {
    double u1 = 1.0 - rng.uniform(), u2 = rng.uniform();
    v = static_cast<float>(std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
  }
  return out;
}

LabelScores label_scores(const std::vector<float>& embeddings, std::int64_t dim, const NodeLabels& labels,
                         const std::vector<std::int64_t>& nodes, std::uint64_t seed, const LabelClassifier& classifier,
                         int splits) {
  const std::size_t L = labels.names.size();
  std::vector<double> micro, macro;
  for (int s = 0; s < splits; ++s) {
    std::vector<std::int64_t> order = nodes;
    Rng rng = Rng::for_item(seed, RngStream::Eval, static_cast<std::uint64_t>(s));
    shuffle_in_place(order.begin(), order.end(), rng);
    const std::size_t train = order.size() / 2;
    std::vector<float> train_x, train_y(train * L, 0.0f), test_x;
    for (std::size_t i = 0; i < order.size(); ++i) {
      std::vector<float>& x = i < train ? train_x : test_x;
      x.insert(x.end(), embeddings.begin() + order[i] * dim, embeddings.begin() + (order[i] + 1) * dim);
      if (i < train)
        for (int l : labels.of_token[order[i]]) train_y[i * L + l] = 1.0f;
    }
    std::vector<float> logits = classifier(train_x, train_y, static_cast<std::size_t>(dim), L, test_x);
    std::vector<std::vector<int>> truth, predicted;
    std::vector<double> row_scores(L);
    for (std::size_t i = train; i < order.size(); ++i) {
      const auto& t = labels.of_token[order[i]];
      for (std::size_t l = 0; l < L; ++l) row_scores[l] = logits[(i - train) * L + l];
      std::vector<int> top;
      for (std::int64_t l : top_k(row_scores, t.size(), {})) top.push_back(static_cast<int>(l));
      truth.push_back(t);
      predicted.push_back(top);
    }
    F1Scores f1 = f1_scores(truth, predicted, static_cast<int>(L));
    micro.push_back(f1.micro);
    macro.push_back(f1.macro);
  }
  return {{mean_of(micro), stddev_of(micro)}, {mean_of(macro), stddev_of(macro)}};
}

std::string fixed(double v, int digits = 4) {
  if (std::isnan(v)) return "-";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, v);
  return buffer;
}

// Scores to 6 decimals: readable, and finer than the spread of any of them between splits or seeds.
Json ranking_json(const RankingScores& s, std::size_t k) {
  const std::string n = std::to_string(k);
  Json j;
  j["hit_rate@" + n] = json_rounded(s.hit_rate, 6);
  j["recall@" + n] = json_rounded(s.recall, 6);
  j["ndcg@" + n] = json_rounded(s.ndcg, 6);
  return j;
}

Json label_json(const LabelScores& s) {
  Json j;
  j["micro_f1"] = json_rounded(s.micro_f1.mean, 6);
  j["micro_f1_std"] = json_rounded(s.micro_f1.stddev, 6);
  j["macro_f1"] = json_rounded(s.macro_f1.mean, 6);
  j["macro_f1_std"] = json_rounded(s.macro_f1.stddev, 6);
  return j;
}

// config.yaml of the run folder (defaults, noted, when there is none) with the data folder resolved.
Config run_config(const EvaluateOptions& options, const EvaluatedVectors* vectors, std::vector<std::string>& notes) {
  const fs::path config_file = run_folder(options) / "config.yaml";
  Config config;
  if (path_exists(config_file)) {
    config = Config::load(config_file);
  } else {
    notes.push_back("no config.yaml in " + run_folder(options).string() + ": defaults assumed (no held-out data)");
  }
  if (!options.data_dir.empty()) config.set("data.dir", options.data_dir, "--data-dir");
  else if (vectors && !vectors->data_dir.empty() && path_exists(vectors->data_dir))
    config.set("data.dir", vectors->data_dir, "model.pt");
  return config;
}

bool data_present(const Config& config) {
  if (config.data.format == DataFormat::EdgeList) return path_exists(edge_list_path(config.data));
  return has_movielens_files(config.data.dir);
}

// The requested task cannot run: an error when asked for by name, a note under `all`.
void unavailable(Evaluation& evaluation, const EvaluateOptions& options, EvaluateTask task, const std::string& why) {
  if (options.task == task) throw UsageError("evaluate --task " + choice_name(task) + ": " + why);
  evaluation.notes.push_back(choice_name(task) + ": skipped, " + why);
}

}  // namespace

NodeLabels labels_from_genres(const Vocabulary& vocabulary) {
  std::vector<std::vector<std::string>> names(vocabulary.size());
  for (std::size_t t = 1; t < vocabulary.size(); ++t) split_labels(vocabulary.genres[t], names[t]);
  return index_labels(names);
}

NodeLabels read_labels_file(const fs::path& path, const Vocabulary& vocabulary, std::size_t* unknown) {
  std::unordered_map<std::string, std::size_t> token_of;
  for (std::size_t t = 1; t < vocabulary.size(); ++t) token_of.emplace(vocabulary.names[t], t);
  std::vector<std::vector<std::string>> names(vocabulary.size());
  std::size_t outside = 0;
  const std::string text = read_file(path);
  for_each_line(text, path.string(), [&](std::size_t line, std::string_view row) {
    if (trim(row).empty() || trim(row)[0] == '#') return;
    std::size_t tab = row.find('\t');
    if (tab == std::string_view::npos)
      throw DataError(path.string() + ":" + std::to_string(line) + ": expected node<TAB>label|label, found no tab");
    auto it = token_of.find(std::string(row.substr(0, tab)));
    if (it == token_of.end()) {
      ++outside;
      return;
    }
    split_labels(row.substr(tab + 1), names[it->second]);
  });
  if (unknown) *unknown = outside;
  return index_labels(names);
}

LabelEvaluation evaluate_labels(const std::vector<float>& embeddings, std::int64_t dim, const NodeLabels& labels,
                                std::uint64_t seed, const LabelClassifier& classifier, int splits) {
  LabelEvaluation result;
  std::vector<std::int64_t> nodes;
  for (std::size_t t = 1; t < labels.of_token.size(); ++t)
    if (!labels.of_token[t].empty()) nodes.push_back(static_cast<std::int64_t>(t));
  result.nodes = nodes.size();
  result.labels = labels.names.size();
  result.splits = splits;
  if (nodes.size() < 4) throw DataError("evaluate: only " + std::to_string(nodes.size()) + " nodes have labels; the genre task needs at least 4");
  result.n2v = label_scores(embeddings, dim, labels, nodes, seed, classifier, splits);
  result.random =
      label_scores(random_vectors(labels.of_token.size(), dim, seed), dim, labels, nodes, seed, classifier, splits);
  return result;
}

double adamic_adar(const CsrGraph& graph, NodeId u, NodeId v) {
  const NodeId *a = graph.neighbors(u), *a_end = a + graph.degree(u);
  const NodeId *b = graph.neighbors(v), *b_end = b + graph.degree(v);
  double score = 0;
  while (a != a_end && b != b_end) {
    if (*a < *b) ++a;
    else if (*b < *a) ++b;
    else {
      // A directed graph's common out-neighbour may have out-degree 0 or 1: log(2) keeps it finite.
      score += 1.0 / std::log(std::max<double>(2.0, static_cast<double>(graph.degree(*a))));
      ++a, ++b;
    }
  }
  return score;
}

LinkEvaluation evaluate_links(const std::vector<float>& embeddings, std::int64_t dim,
                              const std::vector<LabeledPair>& pairs, const CsrGraph* training_graph) {
  LinkEvaluation result;
  const std::vector<double> unit = unit_rows<double>(embeddings, embeddings.size() / static_cast<std::size_t>(dim), dim);
  std::vector<double> cosine, adamic;
  std::vector<char> positive;
  for (const LabeledPair& p : pairs) {
    double dot = 0;
    for (std::int64_t j = 0; j < dim; ++j) dot += unit[p.src * dim + j] * unit[p.dst * dim + j];
    cosine.push_back(dot);
    if (training_graph) adamic.push_back(adamic_adar(*training_graph, p.src, p.dst));
    positive.push_back(p.edge);
    (p.edge ? result.positives : result.negatives) += 1;
  }
  result.n2v_auc = roc_auc(cosine, positive);
  if (training_graph) result.adamic_adar_auc = roc_auc(adamic, positive);
  return result;
}

fs::path run_folder(const EvaluateOptions& options) {
  if (!options.run.empty()) return fs::absolute(options.run);
  return fs::absolute(options.vectors.empty() ? options.model : options.vectors).parent_path();
}

fs::path evaluation_json_path(const EvaluateOptions& options) {
  if (options.vectors.empty()) return fs::absolute(options.model).parent_path() / "evaluation.json";
  const fs::path file = fs::absolute(options.vectors);
  return file.parent_path() / (file.filename().string() + ".evaluation.json");
}

Evaluation evaluate_vectors_file(const EvaluateOptions& options, const LabelClassifier& classifier) {
  std::vector<std::string> notes;
  const Config config = run_config(options, nullptr, notes);
  // The file first: a malformed one fails before the graph is built.
  const Word2VecText text = read_vectors_file(options.vectors);
  if (!data_present(config))
    throw DataError("evaluate --vectors: no data in " + config.data.dir + " to rebuild the graph from; pass --run " +
                    "with the n2v run the vectors belong to (its config.yaml), or --data-dir with its data");
  const Graph graph = load_graph(config);
  const MatchedVectors matched = match_vocabulary(text, graph.vocabulary, options.vectors);
  const EvaluatedVectors vectors{graph.vocabulary, matched.embeddings, matched.dim, config.data.dir};
  Evaluation evaluation = evaluate_run(options, vectors, classifier);
  evaluation.vectors = VectorsCoverage{options.vectors.string(), graph.vocabulary.size() - 1, matched.matched,
                                       matched.missing, matched.unknown, matched.unknown_examples};
  return evaluation;
}

Evaluation evaluate_run(const EvaluateOptions& options, const EvaluatedVectors& model,
                        const LabelClassifier& classifier) {
  const fs::path run_dir = run_folder(options);
  Evaluation evaluation;
  const Config config = run_config(options, &model, evaluation.notes);
  evaluation.seed = options.seed.value_or(config.seed);

  if (runs_task(options.task, EvaluateTask::Genres)) {
    std::size_t unknown = 0;
    NodeLabels labels = options.labels_file.empty() ? labels_from_genres(model.vocabulary)
                                                    : read_labels_file(options.labels_file, model.vocabulary, &unknown);
    if (unknown > 0) log_line("evaluate: " + std::to_string(unknown) + " label lines name nodes outside the model");
    std::size_t labelled = std::count_if(labels.of_token.begin(), labels.of_token.end(), [](const auto& l) { return !l.empty(); });
    if (labelled < 4) {
      const std::string why =
          options.labels_file.empty()
              ? "the model's nodes have no genres (an edge-list graph?); pass --labels FILE with node<TAB>label|label lines"
              : options.labels_file + " labels " + std::to_string(labelled) + " of the model's " +
                    std::to_string(model.vocabulary.size() - 1) + " nodes (" + std::to_string(unknown) +
                    " of its lines name nodes outside the model); the genre task needs at least 4, named as in the "
                    "model (e.g. " + quote_excerpt(model.vocabulary.size() > 1 ? model.vocabulary.names[1] : "") + ")";
      unavailable(evaluation, options, EvaluateTask::Genres, why);
    } else {
      Progress progress("evaluate: genres", 0, "splits");
      evaluation.genres = evaluate_labels(model.embeddings, model.dim, labels, evaluation.seed, classifier);
      evaluation.genres->source = options.labels_file.empty() ? "genres" : options.labels_file;
      progress.advance(static_cast<std::uint64_t>(evaluation.genres->splits));
      progress.finish("n2v and random vectors");
    }
  }

  if (runs_task(options.task, EvaluateTask::Links)) {
    const fs::path file = run_dir / kHoldoutEdgesFile;
    if (config.eval.holdout_edges <= 0 || !path_exists(file)) {
      unavailable(evaluation, options, EvaluateTask::Links,
                  "the run was trained without held-out edges; train with --holdout-edges 0.1 (eval.holdout_edges)");
    } else {
      std::vector<LabeledPair> pairs = read_holdout_edges(file, model.vocabulary);
      std::optional<Graph> graph;
      if (data_present(config)) {
        graph = load_graph(config);
        if (graph->vocabulary.names != model.vocabulary.names) {
          evaluation.notes.push_back("links: Adamic-Adar left out, the data in " + config.data.dir +
                                     " gives another graph than the model's");
          graph.reset();
        }
      } else {
        evaluation.notes.push_back("links: Adamic-Adar left out, no data in " + config.data.dir + " (pass --data-dir)");
      }
      evaluation.links = evaluate_links(model.embeddings, model.dim, pairs, graph ? &graph->graph : nullptr);
    }
  }

  if (runs_task(options.task, EvaluateTask::Recommend)) {
    const fs::path file = run_dir / kHoldoutRatingsFile;
    if (config.data.format != DataFormat::MovieLens) {
      unavailable(evaluation, options, EvaluateTask::Recommend,
                  "it needs rated data (data.format movielens), not an edge list");
    } else if (config.eval.holdout_latest <= 0 || !path_exists(file)) {
      unavailable(evaluation, options, EvaluateTask::Recommend,
                  "the run was trained without held-out ratings; train with --holdout-latest 0.2 (eval.holdout_latest)");
    } else if (!has_movielens_files(config.data.dir)) {
      throw DataError("evaluate recommend: no MovieLens ratings in " + config.data.dir +
                      "; pass --data-dir with the folder the run was trained on");
    } else {
      MovieLensData data = load_movielens(config.data.dir);
      Ratings held = hold_out_latest(data.ratings, config.eval.holdout_latest);
      Ratings saved = parse_ratings_csv(read_file(file), file.string());
      if (saved.size() != held.size() || saved.user != held.user || saved.movie != held.movie)
        throw DataError(file.string() + ": does not match the ratings in " + config.data.dir + " (" +
                        std::to_string(saved.size()) + " rows saved, " + std::to_string(held.size()) +
                        " held out now); pass --data-dir with the folder the run was trained on");
      evaluation.recommend = evaluate_recommendations(model.embeddings, model.dim, model.vocabulary, data.ratings,
                                                      saved, config.graph.min_rating);
    }
  }
  return evaluation;
}

std::string evaluation_table(const Evaluation& e) {
  std::string out;
  char line[256];
  // Padded by code points: "±" is two bytes.
  auto pad = [](const std::string& s, std::size_t width) {
    std::size_t shown = std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; });
    return s + std::string(width > shown ? width - shown : 0, ' ');
  };
  auto row = [&](const char* task, const std::string& metric, const std::string& n2v, const std::string& baselines) {
    out += pad(task, 11) + pad(metric, 13) + pad(n2v, 18) + baselines + "\n";
  };
  row("task", "metric", "n2v", "baselines");
  if (e.genres) {
    const auto& g = *e.genres;
    auto pm = [](const MeanStd& s) { return fixed(s.mean) + " ± " + fixed(s.stddev); };
    row("genres", "macro-F1", pm(g.n2v.macro_f1), "random " + pm(g.random.macro_f1));
    row("genres", "micro-F1", pm(g.n2v.micro_f1), "random " + pm(g.random.micro_f1));
  }
  if (e.links) row("links", "ROC-AUC", fixed(e.links->n2v_auc), "Adamic-Adar " + fixed(e.links->adamic_adar_auc));
  if (e.recommend) {
    const auto& r = *e.recommend;
    const std::string k = std::to_string(r.k);
    auto three = [&](const char* metric, double RankingScores::*field) {
      row("recommend", metric + k, fixed(r.n2v.*field),
          "popularity " + fixed(r.popularity.*field) + "   co-rating " + fixed(r.co_rating.*field));
    };
    three("HitRate@", &RankingScores::hit_rate);
    three("Recall@", &RankingScores::recall);
    three("NDCG@", &RankingScores::ndcg);
  }
  out += "\n";
  if (e.vectors) {
    const auto& v = *e.vectors;
    out += "vectors: " + printable_line(v.file, 300) + ": " + std::to_string(v.matched) + " of the graph's " + std::to_string(v.nodes) +
           " nodes (" + std::to_string(v.missing) + " without a vector, scored as zero vectors), " +
           std::to_string(v.unknown) + " rows naming no node left out";
    for (std::size_t i = 0; i < v.unknown_examples.size(); ++i)
      out += (i == 0 ? " (" : ", ") + quote_excerpt(v.unknown_examples[i]) + (i + 1 == v.unknown_examples.size() ? ")" : "");
    out += "\n";
  }
  if (e.genres) {
    std::snprintf(line, sizeof line, "genres: %zu nodes with %zu labels (%s), %d splits of half for training\n",
                  e.genres->nodes, e.genres->labels, e.genres->source.c_str(), e.genres->splits);
    out += line;
  }
  if (e.links) {
    std::snprintf(line, sizeof line, "links: %zu held-out edges, %zu non-edges\n", e.links->positives, e.links->negatives);
    out += line;
  }
  if (e.recommend) {
    const auto& r = *e.recommend;
    std::snprintf(line, sizeof line,
                  "recommend: %zu users, %zu held-out liked movies in the graph (%zu outside it), %zu users without a "
                  "liked training movie in the graph\n",
                  r.users, r.targets, r.targets_outside_graph, r.users_without_profile);
    out += line;
  }
  for (const auto& note : e.notes) out += note + "\n";
  return out;
}

std::string evaluation_json(const Evaluation& e, const fs::path& evaluated) {
  Json j;
  j["model"] = fs::absolute(evaluated).string();
  j["seed"] = e.seed;
  if (e.vectors) {
    Json& vectors = j["vectors"];
    vectors["nodes"] = e.vectors->nodes;
    vectors["matched"] = e.vectors->matched;
    vectors["missing"] = e.vectors->missing;
    vectors["unknown"] = e.vectors->unknown;
  }
  if (e.genres) {
    const auto& g = *e.genres;
    Json& genres = j["genres"];
    genres["nodes"] = g.nodes;
    genres["labels"] = g.labels;
    genres["splits"] = g.splits;
    genres["source"] = g.source;
    genres["n2v"] = label_json(g.n2v);
    genres["random"] = label_json(g.random);
  }
  if (e.links) {
    Json& links = j["links"];
    links["positives"] = e.links->positives;
    links["negatives"] = e.links->negatives;
    links["n2v_auc"] = json_rounded(e.links->n2v_auc, 6);
    links["adamic_adar_auc"] = json_rounded(e.links->adamic_adar_auc, 6);
  }
  if (e.recommend) {
    const auto& r = *e.recommend;
    Json& recommend = j["recommend"];
    recommend["k"] = r.k;
    recommend["users"] = r.users;
    recommend["targets"] = r.targets;
    recommend["targets_outside_graph"] = r.targets_outside_graph;
    recommend["users_without_profile"] = r.users_without_profile;
    recommend["n2v"] = ranking_json(r.n2v, r.k);
    recommend["popularity"] = ranking_json(r.popularity, r.k);
    recommend["co_rating"] = ranking_json(r.co_rating, r.k);
  }
  j["notes"] = e.notes;
  return json_text(j);
}

}  // namespace n2v
