// The torch-free parts of `n2v evaluate`: node labels, the genre protocol with a classifier passed
// in, Adamic-Adar and link AUC, the printed table and evaluation.json. The trained-model runs are in
// tests/serve/test_evaluate_model.cpp.
#include "eval/evaluate.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

#include "core/errors.h"
#include "test_util.h"

namespace n2v {
namespace {

using testing::TempDir;
using testing::write_text;

Vocabulary vocabulary_of(const std::vector<std::string>& names, const std::vector<std::string>& genres = {}) {
  Vocabulary v;
  v.names = names;
  v.movie_ids.assign(names.size(), -1);
  v.titles = names;
  v.genres = genres.empty() ? std::vector<std::string>(names.size()) : genres;
  return v;
}

TEST(EvaluateLabels, FromGenresSplitOnBarsWithoutTheNoGenresMarker) {
  Vocabulary v = vocabulary_of({"NA", "1", "2", "3", "4"},
                               {"", "Action|Sci-Fi", "Drama", "(no genres listed)", "Sci-Fi|Action| Drama |"});
  NodeLabels labels = labels_from_genres(v);
  EXPECT_EQ(labels.names, (std::vector<std::string>{"Action", "Drama", "Sci-Fi"}));
  ASSERT_EQ(labels.of_token.size(), 5u);
  EXPECT_TRUE(labels.of_token[0].empty()) << "the reserved token has no labels";
  EXPECT_EQ(labels.of_token[1], (std::vector<int>{0, 2}));
  EXPECT_EQ(labels.of_token[2], (std::vector<int>{1}));
  EXPECT_TRUE(labels.of_token[3].empty());
  EXPECT_EQ(labels.of_token[4], (std::vector<int>{0, 1, 2})) << "trimmed, sorted, the empty label dropped";
}

TEST(EvaluateLabels, FileLinesAddUpAndOutsideNodesAreCounted) {
  TempDir dir;
  write_text(dir / "labels.tsv", "# node\tlabels\na\tx|y\nb\ty\n\nzz\tx\na\tz|x\nc\t\n");
  Vocabulary v = vocabulary_of({"NA", "a", "b", "c"});
  std::size_t unknown = 0;
  NodeLabels labels = read_labels_file(dir / "labels.tsv", v, &unknown);
  EXPECT_EQ(unknown, 1u);
  EXPECT_EQ(labels.names, (std::vector<std::string>{"x", "y", "z"}));
  ASSERT_EQ(labels.of_token.size(), 4u);
  EXPECT_EQ(labels.of_token[1], (std::vector<int>{0, 1, 2})) << "a node may repeat; its labels add up";
  EXPECT_EQ(labels.of_token[2], (std::vector<int>{1}));
  EXPECT_TRUE(labels.of_token[3].empty());

  write_text(dir / "bad.tsv", "a\tx\n# fine\nb y\n");
  try {
    read_labels_file(dir / "bad.tsv", v);
    ADD_FAILURE() << "no error for a line without a tab";
  } catch (const DataError& e) {
    EXPECT_EQ(std::string(e.what()), (dir / "bad.tsv").string() + ":3: expected node<TAB>label|label, found no tab");
  }
}

// A classifier that needs no training: the vectors are the label indicators, so the logits are the
// test rows themselves. It checks what the protocol hands it: half the labelled nodes to train on,
// each train row's labels beside its vector.
struct IndicatorClassifier {
  std::size_t dim = 0, labels = 0, nodes = 0;
  const std::vector<float>* indicators = nullptr;  // the n2v vectors: a train row found there must carry its labels
  int* calls = nullptr;
  std::vector<float> operator()(const std::vector<float>& train_x, const std::vector<float>& train_y,
                                std::size_t d, std::size_t l, const std::vector<float>& test_x) const {
    ++*calls;
    EXPECT_EQ(d, dim);
    EXPECT_EQ(l, labels);
    EXPECT_EQ(train_x.size(), nodes / 2 * dim);
    EXPECT_EQ(train_y.size(), nodes / 2 * labels);
    EXPECT_EQ(test_x.size(), (nodes - nodes / 2) * dim);
    for (std::size_t i = 0; i < nodes / 2; ++i) {
      const std::vector<float> x(train_x.begin() + i * dim, train_x.begin() + (i + 1) * dim);
      for (std::size_t row = 0; row * dim < indicators->size(); ++row)
        if (std::equal(x.begin(), x.end(), indicators->begin() + row * dim)) {
          EXPECT_EQ(std::vector<float>(train_y.begin() + i * labels, train_y.begin() + (i + 1) * labels), x)
              << "train row " << i << " (token " << row << ") has another node's labels";
          break;
        }
    }
    return test_x;
  }
};

TEST(EvaluateLabels, ProtocolScoresTheGivenClassifierOnEverySplit) {
  // 40 tokens: token 0 and every fifth one unlabelled; the others one or two of three labels.
  const std::size_t tokens = 40, L = 3;
  NodeLabels labels;
  labels.names = {"a", "b", "c"};
  labels.of_token.resize(tokens);
  std::vector<float> indicators(tokens * L, 0.0f);
  std::size_t labelled = 0;
  for (std::size_t t = 1; t < tokens; ++t) {
    if (t % 5 == 0) continue;
    ++labelled;
    labels.of_token[t] = t % 4 == 0 ? std::vector<int>{static_cast<int>(t % 3), static_cast<int>((t + 1) % 3)}
                                    : std::vector<int>{static_cast<int>(t % 3)};
    std::sort(labels.of_token[t].begin(), labels.of_token[t].end());
    for (int l : labels.of_token[t]) indicators[t * L + l] = 1.0f;
  }
  int calls = 0;
  IndicatorClassifier classifier{L, L, labelled, &indicators, &calls};
  LabelEvaluation e = evaluate_labels(indicators, L, labels, 7, classifier, 6);
  EXPECT_EQ(calls, 12) << "one fit per split, for the vectors and for the random floor";
  EXPECT_EQ(e.nodes, labelled);
  EXPECT_EQ(e.labels, 3u);
  EXPECT_EQ(e.splits, 6);
  // The indicator logits rank exactly each node's labels first: perfect scores on every split.
  EXPECT_DOUBLE_EQ(e.n2v.micro_f1.mean, 1.0);
  EXPECT_DOUBLE_EQ(e.n2v.macro_f1.mean, 1.0);
  EXPECT_DOUBLE_EQ(e.n2v.micro_f1.stddev, 0.0);
  // Random vectors as logits: a guess among three labels.
  EXPECT_LT(e.random.micro_f1.mean, 0.7);
  EXPECT_GT(e.random.micro_f1.stddev, 0.0) << "the splits differ";

  // The same seed, the same splits and floor; another seed, another floor.
  LabelEvaluation same = evaluate_labels(indicators, L, labels, 7, classifier, 6);
  EXPECT_EQ(same.random.micro_f1.mean, e.random.micro_f1.mean);
  LabelEvaluation other = evaluate_labels(indicators, L, labels, 8, classifier, 6);
  EXPECT_NE(other.random.micro_f1.mean, e.random.micro_f1.mean);

  NodeLabels few;
  few.names = {"a"};
  few.of_token = {{}, {0}, {0}, {0}, {}};
  try {
    evaluate_labels(std::vector<float>(5 * L), L, few, 7, classifier, 6);
    ADD_FAILURE() << "no error for three labelled nodes";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("only 3 nodes have labels"), std::string::npos) << e.what();
  }
}

TEST(EvaluateLinks, AdamicAdarSumsOverCommonNeighbours) {
  // 1 and 2 share 3 (degree 2) and 4 (degree 3); 1 and 5 share 4 only; 3 and 5 share nothing.
  CsrGraph g = CsrGraph::from_edges(6, {{1, 3}, {2, 3}, {1, 4}, {2, 4}, {4, 5}}, false);
  EXPECT_DOUBLE_EQ(adamic_adar(g, 1, 2), 1 / std::log(2.0) + 1 / std::log(3.0));
  EXPECT_DOUBLE_EQ(adamic_adar(g, 2, 1), adamic_adar(g, 1, 2));
  EXPECT_DOUBLE_EQ(adamic_adar(g, 1, 5), 1 / std::log(3.0));
  EXPECT_DOUBLE_EQ(adamic_adar(g, 3, 5), 0.0);
  // Directed: the common out-neighbour 3 has out-degree 0; log 2 keeps the score finite.
  CsrGraph d = CsrGraph::from_edges(4, {{1, 3}, {2, 3}}, true);
  EXPECT_DOUBLE_EQ(adamic_adar(d, 1, 2), 1 / std::log(2.0));
}

TEST(EvaluateLinks, AucOfCosineAndOfAdamicAdar) {
  // Tokens 1..5 in 2-d, tokens 6 and 7 only as common neighbours. Cosine with token 1: 2 -> 0.93,
  // 3 -> 0.71, 4 -> 0, 5 -> -1; raw dot products (3 -> 3 is the largest) would rank otherwise.
  const std::vector<float> e{0, 0, 1, 0, 0.5f, 0.2f, 3, 3, 0, 2, -1, 0, 1, 1, 1, 1};
  const std::vector<LabeledPair> pairs{{1, 2, true}, {1, 4, true}, {1, 3, false}, {1, 5, false}};
  LinkEvaluation no_graph = evaluate_links(e, 2, pairs, nullptr);
  EXPECT_EQ(no_graph.positives, 2u);
  EXPECT_EQ(no_graph.negatives, 2u);
  // Edge 0.93 beats both non-edges, edge 0 beats -1 only: 3 of 4.
  EXPECT_DOUBLE_EQ(no_graph.n2v_auc, 0.75);
  EXPECT_TRUE(std::isnan(no_graph.adamic_adar_auc)) << "no training graph, no baseline";

  // Adamic-Adar: (1,2) share 6 and 7, (1,3) share 7, the others nothing (a tie at 0 counts half).
  CsrGraph g = CsrGraph::from_edges(8, {{1, 6}, {2, 6}, {1, 7}, {2, 7}, {3, 7}}, false);
  LinkEvaluation with_graph = evaluate_links(e, 2, pairs, &g);
  EXPECT_DOUBLE_EQ(with_graph.n2v_auc, 0.75);
  EXPECT_DOUBLE_EQ(with_graph.adamic_adar_auc, 2.5 / 4);
}

TEST(EvaluationTable, OneRowPerScoreThenCountsAndNotes) {
  Evaluation e;
  LabelEvaluation genres;
  genres.n2v = {{0.9, 0.01}, {0.85, 0.02}};
  genres.random = {{0.25, 0.03}, {0.2, 0.04}};
  genres.nodes = 100;
  genres.labels = 4;
  genres.splits = 10;
  genres.source = "labels.tsv";
  e.genres = genres;
  LinkEvaluation links;
  links.n2v_auc = 0.8125;
  links.positives = 50;
  links.negatives = 50;
  e.links = links;  // Adamic-Adar NaN: left out
  RecommendResult r;
  r.n2v = {0.5, 0.25, 0.125};
  r.popularity = {0.4, 0.2, 0.1};
  r.co_rating = {0.3, 0.15, 0.075};
  r.users = 60;
  r.targets = 120;
  r.targets_outside_graph = 3;
  r.users_without_profile = 2;
  e.recommend = r;
  e.notes = {"links: Adamic-Adar left out, no data in x (pass --data-dir)"};
  EXPECT_EQ(evaluation_table(e),
            "task       metric       n2v               baselines\n"
            "genres     macro-F1     0.8500 ± 0.0200   random 0.2000 ± 0.0400\n"
            "genres     micro-F1     0.9000 ± 0.0100   random 0.2500 ± 0.0300\n"
            "links      ROC-AUC      0.8125            Adamic-Adar -\n"
            "recommend  HitRate@10   0.5000            popularity 0.4000   co-rating 0.3000\n"
            "recommend  Recall@10    0.2500            popularity 0.2000   co-rating 0.1500\n"
            "recommend  NDCG@10      0.1250            popularity 0.1000   co-rating 0.0750\n"
            "\n"
            "genres: 100 nodes with 4 labels (labels.tsv), 10 splits of half for training\n"
            "links: 50 held-out edges, 50 non-edges\n"
            "recommend: 60 users, 120 held-out liked movies in the graph (3 outside it), 2 users without a liked "
            "training movie in the graph\n"
            "links: Adamic-Adar left out, no data in x (pass --data-dir)\n");

  Evaluation nothing;
  nothing.notes = {"genres: skipped, why"};
  EXPECT_EQ(evaluation_table(nothing), "task       metric       n2v               baselines\n\ngenres: skipped, why\n");
}


TEST(EvaluationJson, KeepsTheKeysRoundsScoresAndWritesNaNAsNull) {
  Evaluation e;
  e.seed = 42;
  e.genres = LabelEvaluation{};
  e.genres->n2v = {{0.4291234567, 0.0071}, {0.2641, 0.0104}};
  e.genres->nodes = 1173;
  e.genres->labels = 19;
  e.genres->splits = 10;
  e.genres->source = "genres";
  e.links = LinkEvaluation{};
  e.links->n2v_auc = 0.70621438512;
  e.links->positives = e.links->negatives = 2618;  // adamic_adar_auc stays NaN: no training graph
  e.recommend = RecommendResult{};
  e.recommend->users = 388;
  e.recommend->n2v = {0.232, 0.09, 0.065};
  e.notes = {"links: no \"graph\""};

  const std::string text = evaluation_json(e, "run/model.pt");
  const nlohmann::json j = nlohmann::json::parse(text);
  EXPECT_EQ(j["model"].get<std::string>(), std::filesystem::absolute("run/model.pt").string());
  EXPECT_EQ(j["seed"], 42);
  EXPECT_EQ(j["genres"]["nodes"], 1173);
  EXPECT_EQ(j["genres"]["source"], "genres");
  EXPECT_DOUBLE_EQ(j["genres"]["n2v"]["micro_f1"].get<double>(), 0.429123);
  EXPECT_DOUBLE_EQ(j["genres"]["random"]["macro_f1_std"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(j["links"]["n2v_auc"].get<double>(), 0.706214);
  EXPECT_TRUE(j["links"]["adamic_adar_auc"].is_null());
  EXPECT_EQ(j["links"]["positives"], 2618);
  EXPECT_EQ(j["recommend"]["k"], 10);
  EXPECT_DOUBLE_EQ(j["recommend"]["n2v"]["hit_rate@10"].get<double>(), 0.232);
  EXPECT_DOUBLE_EQ(j["recommend"]["popularity"]["ndcg@10"].get<double>(), 0.0);
  EXPECT_EQ(j["notes"], nlohmann::json::array({"links: no \"graph\""}));
  // Sections in the order they are set (nlohmann::json would sort them).
  EXPECT_LT(text.find("\"seed\""), text.find("\"genres\""));
  EXPECT_LT(text.find("\"recommend\""), text.find("\"notes\""));

  Evaluation none;
  const nlohmann::json empty = nlohmann::json::parse(evaluation_json(none, "model.pt"));
  EXPECT_FALSE(empty.contains("genres"));
  EXPECT_EQ(empty["notes"], nlohmann::json::array());
}

}  // namespace
}  // namespace n2v
