// `n2v evaluate` and `n2v sweep` end to end: embeddings trained by n2v on a graph with planted
// communities separate them (labels far above the random floor, link AUC well above 0.5); the
// held-out data stays out of training; recommendations on a tiny MovieLens; the sweep's outputs;
// `--vectors` on word2vec text files scores as `--model` on the same vectors.
#include "serve/evaluate_model.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <random>
#include <set>
#include <sstream>

#include "core/errors.h"
#include "core/progress.h"
#include "serve/embedding_files.h"
#include "serve/model_file.h"
#include "test_util.h"

namespace n2v {
namespace {

using testing::read_text;
using testing::run_n2v;
using testing::TempDir;
using testing::write_text;
namespace fs = std::filesystem;

constexpr int kCommunities = 4;
constexpr int kPerCommunity = 25;

const std::string kSmallTraining =
    " --set walk.num_walks=10 --set walk.num_steps=20 --set skipgram.window=5 --set train.epochs=4"
    " --set train.embedding_dim=16 --set train.batch_size=256 --set train.learning_rate=0.01 --threads 2"
    " --set export.projector=false --set export.word2vec=false";

// One planted graph and one run on it (20% of the edges held out), shared by the tests below.
class PlantedRun : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    testing::write_planted_graph(dir_->path(), kCommunities, kPerCommunity);
    result_ = new testing::CommandResult(run_n2v("train --set data.format=edgelist --data-dir " + dir_->path().string() +
                                                 " --out " + run().string() + " --holdout-edges 0.2 --seed 3" +
                                                 kSmallTraining));
  }
  static void TearDownTestSuite() {
    delete result_;
    delete dir_;
  }
  void SetUp() override { ASSERT_EQ(result_->exit_code, 0) << result_->output; }
  static fs::path run() { return dir_->path() / "run"; }
  static fs::path labels() { return dir_->path() / "labels.tsv"; }
  static TempDir* dir_;
  static testing::CommandResult* result_;
};
TempDir* PlantedRun::dir_ = nullptr;
testing::CommandResult* PlantedRun::result_ = nullptr;

TEST_F(PlantedRun, EmbeddingsSeparateThePlantedCommunities) {
  set_quiet(true);
  EvaluateOptions options;
  options.model = run() / "model.pt";
  options.labels_file = labels().string();
  Evaluation e = evaluate_model(options);
  ASSERT_TRUE(e.genres);
  EXPECT_EQ(e.genres->nodes, 100u);
  EXPECT_EQ(e.genres->labels, 4u);
  EXPECT_EQ(e.genres->splits, 10);
  // Four balanced classes: random vectors score about 0.25.
  EXPECT_LT(e.genres->random.macro_f1.mean, 0.45);
  EXPECT_GT(e.genres->n2v.macro_f1.mean, 0.85);
  EXPECT_GT(e.genres->n2v.micro_f1.mean, e.genres->random.micro_f1.mean + 0.4);
  ASSERT_TRUE(e.links);
  EXPECT_GT(e.links->positives, 50u);
  EXPECT_EQ(e.links->positives, e.links->negatives);
  EXPECT_GT(e.links->n2v_auc, 0.75);
  EXPECT_GT(e.links->adamic_adar_auc, 0.5);  // the training graph was rebuilt from the data
  EXPECT_FALSE(e.recommend);  // an edge list has no ratings: noted, not an error
  ASSERT_EQ(e.notes.size(), 1u);
  EXPECT_NE(e.notes[0].find("recommend: skipped"), std::string::npos);
}

// configs/graph.yaml, the README's config for edge lists: two sparse communities of 31 nodes come
// apart (the Keras example's defaults, 10 epochs of 3 steps here, score about 0.5, a coin's F1).
TEST(GraphConfig, SeparatesTwoPlantedCommunities) {
  set_quiet(true);
  TempDir dir;
  testing::write_planted_graph(dir.path(), 2, 31, 0.2, 0.02);
  auto trained = run_n2v("train --config " + std::string(N2V_SOURCE_DIR) + "/configs/graph.yaml --data-dir " +
                         dir.path().string() + " --out " + (dir / "run").string());
  ASSERT_EQ(trained.exit_code, 0) << trained.output;
  EXPECT_FALSE(fs::exists(dir / "run" / "holdout_edges.tsv")) << "graph.yaml holds nothing out";
  EvaluateOptions options;
  options.model = dir / "run" / "model.pt";
  options.labels_file = (dir / "labels.tsv").string();
  options.task = EvaluateTask::Genres;
  Evaluation e = evaluate_model(options);
  ASSERT_TRUE(e.genres);
  EXPECT_EQ(e.genres->nodes, 62u);
  EXPECT_GT(e.genres->n2v.macro_f1.mean, 0.9);
}

TEST_F(PlantedRun, EvaluateCommandPrintsATableAndWritesJson) {
  auto result = run_n2v("evaluate --model " + (run() / "model.pt").string() + " --labels " + labels().string());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("macro-F1"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("ROC-AUC"), std::string::npos) << result.output;
  std::string json = read_text(run() / "evaluation.json");
  const nlohmann::json scores = nlohmann::json::parse(json);
  EXPECT_GT(scores["links"]["n2v_auc"].get<double>(), 0.5) << json;
  EXPECT_LT(scores["links"]["n2v_auc"].get<double>(), 1.0) << json;
  EXPECT_TRUE(scores["genres"]["random"]["micro_f1"].is_number()) << json;
  EXPECT_EQ(scores["genres"]["source"], labels().string()) << json;
  EXPECT_FALSE(scores.contains("recommend")) << json;
  EXPECT_EQ(scores["notes"].size(), 1u) << json;

  // The same seed, the same splits: identical scores.
  auto again = run_n2v("evaluate --model " + (run() / "model.pt").string() + " --labels " + labels().string());
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(read_text(run() / "evaluation.json"), json);

  auto no_ratings = run_n2v("evaluate --task recommend --model " + (run() / "model.pt").string());
  EXPECT_EQ(no_ratings.exit_code, 2) << no_ratings.output;
  EXPECT_NE(no_ratings.output.find("movielens"), std::string::npos) << no_ratings.output;
  auto no_labels = run_n2v("evaluate --task genres --model " + (run() / "model.pt").string());
  EXPECT_EQ(no_labels.exit_code, 2) << no_labels.output;
  EXPECT_NE(no_labels.output.find("--labels"), std::string::npos) << no_labels.output;
  // A labels file that names no node of the model: says so, not "pass --labels".
  write_text(dir_->path() / "strangers.tsv", "w1\tc0\nw2\tc1\n");
  auto strangers = run_n2v("evaluate --task genres --model " + (run() / "model.pt").string() + " --labels " +
                           (dir_->path() / "strangers.tsv").string());
  EXPECT_EQ(strangers.exit_code, 2) << strangers.output;
  EXPECT_NE(strangers.output.find("strangers.tsv labels 0 of the model's 100 nodes (2 of its lines name nodes outside"),
            std::string::npos)
      << strangers.output;
  EXPECT_EQ(strangers.output.find("pass --labels"), std::string::npos) << strangers.output;
  auto missing = run_n2v("evaluate --model " + (run() / "nothing.pt").string());
  EXPECT_EQ(missing.exit_code, 1) << missing.output;
}

// The model's vectors as a word2vec text file outside the run folder (so --run is needed).
fs::path write_model_as_word2vec(const fs::path& model_pt, const fs::path& file) {
  ModelFile model = ModelFile::load(model_pt);
  fs::create_directories(file.parent_path());
  write_word2vec_text(model.embeddings(), model.dim(), model.vocabulary(), file);
  return file;
}

TEST_F(PlantedRun, VectorsFileScoresAsTheModel) {
  set_quiet(true);
  const fs::path file = write_model_as_word2vec(run() / "model.pt", dir_->path() / "elsewhere" / "n2v.w2v.txt");
  EvaluateOptions options;
  options.model = run() / "model.pt";
  options.labels_file = labels().string();
  const Evaluation by_model = evaluate_model(options);
  options.model.clear();
  options.vectors = file;
  options.run = run();
  const Evaluation by_vectors = evaluate_vectors(options);
  ASSERT_TRUE(by_model.genres && by_vectors.genres && by_model.links && by_vectors.links);
  EXPECT_EQ(by_vectors.genres->n2v.macro_f1.mean, by_model.genres->n2v.macro_f1.mean);
  EXPECT_EQ(by_vectors.genres->n2v.micro_f1.mean, by_model.genres->n2v.micro_f1.mean);
  EXPECT_EQ(by_vectors.genres->random.macro_f1.mean, by_model.genres->random.macro_f1.mean);
  EXPECT_EQ(by_vectors.links->n2v_auc, by_model.links->n2v_auc);
  EXPECT_EQ(by_vectors.links->adamic_adar_auc, by_model.links->adamic_adar_auc);
  ASSERT_TRUE(by_vectors.vectors);
  EXPECT_FALSE(by_model.vectors);
  EXPECT_EQ(by_vectors.vectors->nodes, 100u);
  EXPECT_EQ(by_vectors.vectors->matched, 100u);
  EXPECT_EQ(by_vectors.vectors->missing, 0u);
  EXPECT_EQ(by_vectors.vectors->unknown, 0u);

  // The command: FILE.evaluation.json beside the file, the same scores as --model's.
  auto model_run = run_n2v("evaluate --model " + (run() / "model.pt").string() + " --labels " + labels().string());
  ASSERT_EQ(model_run.exit_code, 0) << model_run.output;
  const nlohmann::json model_json = nlohmann::json::parse(read_text(run() / "evaluation.json"));
  auto vectors_run = run_n2v("evaluate --vectors " + file.string() + " --run " + run().string() + " --labels " +
                             labels().string());
  ASSERT_EQ(vectors_run.exit_code, 0) << vectors_run.output;
  EXPECT_NE(vectors_run.output.find("vectors: " + file.string() + ": 100 of the graph's 100 nodes (0 without"),
            std::string::npos)
      << vectors_run.output;
  const nlohmann::json vectors_json =
      nlohmann::json::parse(read_text(file.parent_path() / (file.filename().string() + ".evaluation.json")));
  EXPECT_EQ(vectors_json["genres"], model_json["genres"]);
  EXPECT_EQ(vectors_json["links"], model_json["links"]);
  EXPECT_EQ(vectors_json["vectors"]["matched"], 100);
  EXPECT_EQ(vectors_json["model"], fs::absolute(file).string());
}

TEST_F(PlantedRun, VectorsFileCountsUnknownKeysAndNodesWithoutAVector) {
  set_quiet(true);
  ModelFile model = ModelFile::load(run() / "model.pt");
  const auto dim = static_cast<std::size_t>(model.dim());
  // Two of the hundred nodes, in gensim's layout (keys as walks.txt writes them), and a stranger.
  std::string text = "3 " + std::to_string(dim) + "\n";
  for (const std::string& key : {std::string("v0"), std::string("ghost"), std::string("v1")}) {
    text += key;
    for (std::size_t j = 0; j < dim; ++j) text += " " + std::to_string(0.5 + j);
    text += "\n";
  }
  const fs::path file = dir_->path() / "partial" / "vectors.txt";
  write_text(file, text);
  EvaluateOptions options;
  options.vectors = file;
  options.run = run();
  options.task = EvaluateTask::Links;
  Evaluation e = evaluate_vectors(options);
  ASSERT_TRUE(e.vectors && e.links);
  EXPECT_EQ(e.vectors->matched, 2u);
  EXPECT_EQ(e.vectors->missing, 98u);
  EXPECT_EQ(e.vectors->unknown, 1u);
  EXPECT_EQ(e.vectors->unknown_examples, (std::vector<std::string>{"ghost"}));
  EXPECT_NE(evaluation_table(e).find("rows naming no node left out ('ghost')"), std::string::npos) << evaluation_table(e);

  // Malformed: the file and line; nothing written.
  write_text(file, "2 " + std::to_string(dim) + "\nv0 1 2\n");
  auto malformed = run_n2v("evaluate --vectors " + file.string() + " --run " + run().string());
  EXPECT_EQ(malformed.exit_code, 1) << malformed.output;
  EXPECT_NE(malformed.output.find(file.string() + ":2: 'v0' has 2 values"), std::string::npos) << malformed.output;
  EXPECT_FALSE(fs::exists(file.parent_path() / (file.filename().string() + ".evaluation.json")));
  // Keys of another graph.
  write_text(file, "1 2\nuser_7 1 2\n");
  auto other = run_n2v("evaluate --vectors " + file.string() + " --run " + run().string());
  EXPECT_EQ(other.exit_code, 1) << other.output;
  EXPECT_NE(other.output.find("names a node of the run's graph"), std::string::npos) << other.output;
  // A 5,000-byte key with a terminal escape: a short excerpt, printable.
  write_text(file, "1 2\n" + std::string(5000, 'k') + "\x1b[2J 1 2\n");
  auto long_key = run_n2v("evaluate --vectors " + file.string() + " --run " + run().string());
  EXPECT_EQ(long_key.exit_code, 1) << long_key.output.substr(0, 1000);
  EXPECT_NE(long_key.output.find("e.g. 'kkkk"), std::string::npos) << long_key.output.substr(0, 1000);
  EXPECT_NE(long_key.output.find("... (5004 bytes)"), std::string::npos) << long_key.output.substr(0, 1000);
  EXPECT_LT(long_key.output.size(), 600u) << long_key.output.substr(0, 1000);
  EXPECT_EQ(long_key.output.find('\x1b'), std::string::npos) << long_key.output.substr(0, 1000);
  // One of --model and --vectors.
  EXPECT_EQ(run_n2v("evaluate --run " + run().string()).exit_code, 2);
  auto both = run_n2v("evaluate --model " + (run() / "model.pt").string() + " --vectors " + file.string());
  EXPECT_EQ(both.exit_code, 2) << both.output;
  auto not_a_run = run_n2v("evaluate --vectors " + file.string() + " --run " + (run() / "model.pt").string());
  EXPECT_EQ(not_a_run.exit_code, 2) << not_a_run.output;
}

std::set<std::pair<std::string, std::string>> held_out_edges(const fs::path& file) {
  std::set<std::pair<std::string, std::string>> edges;
  std::istringstream in(read_text(file));
  std::string src, dst, label;
  std::getline(in, src);  // header
  while (in >> src >> dst >> label)
    if (label == "1") edges.insert({std::min(src, dst), std::max(src, dst)});
  return edges;
}

// The run's config.yaml rebuilds its training graph: `n2v graph` and `n2v walk` on it never see a
// held-out edge.
TEST_F(PlantedRun, HeldOutEdgesAreAbsentFromTheTrainingGraphAndWalks) {
  const auto held = held_out_edges(run() / "holdout_edges.tsv");
  std::size_t lines = 0;
  std::istringstream all_edges(read_text(dir_->path() / "edges.tsv"));
  for (std::string line; std::getline(all_edges, line);) ++lines;
  ASSERT_EQ(held.size(), static_cast<std::size_t>(std::llround(0.2 * lines)));

  const fs::path graph_dir = dir_->path() / "graph";
  auto graph = run_n2v("graph --config " + (run() / "config.yaml").string() + " --out " + graph_dir.string());
  ASSERT_EQ(graph.exit_code, 0) << graph.output;
  std::istringstream kept(read_text(graph_dir / "edges.tsv"));
  std::string a, b, w;
  std::getline(kept, a);
  std::size_t kept_edges = 0;
  while (kept >> a >> b >> w) {
    ++kept_edges;
    EXPECT_FALSE(held.count({std::min(a, b), std::max(a, b)})) << a << " " << b;
  }
  EXPECT_EQ(kept_edges + held.size(), lines);

  const fs::path walk_dir = dir_->path() / "walks";
  auto walk = run_n2v("walk --config " + (run() / "config.yaml").string() + " --out " + walk_dir.string());
  ASSERT_EQ(walk.exit_code, 0) << walk.output;
  std::istringstream walks(read_text(walk_dir / "walks.txt"));
  std::size_t steps = 0;
  for (std::string line; std::getline(walks, line);) {
    std::istringstream nodes(line);
    std::string previous, node;
    nodes >> previous;
    while (nodes >> node) {
      ++steps;
      ASSERT_FALSE(held.count({std::min(previous, node), std::max(previous, node)})) << previous << " " << node;
      previous = node;
    }
  }
  EXPECT_GT(steps, 10000u);
}

TEST_F(PlantedRun, SweepTrainsEveryPointAndReportsThem) {
  const fs::path out = dir_->path() / "sweep";
  auto result = run_n2v("sweep --set data.format=edgelist --data-dir " + dir_->path().string() + " --out " +
                        out.string() + " --labels " + labels().string() + " --set walk.p=0.5,2 --seed 3" + kSmallTraining);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("walk.p"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("links AUC: best"), std::string::npos) << result.output;
  std::string csv = read_text(out / "sweep.csv");
  std::istringstream lines(csv);
  std::vector<std::string> rows;
  for (std::string line; std::getline(lines, line);) rows.push_back(line);
  ASSERT_EQ(rows.size(), 3u) << csv;
  EXPECT_EQ(rows[0].rfind("point,folder,walk.p,genres_macro_f1,genres_macro_f1_random,", 0), 0u) << rows[0];
  EXPECT_EQ(rows[1].rfind("1,01-p=0.5,0.5,0.", 0), 0u) << rows[1];
  EXPECT_EQ(rows[0].find("recommend"), std::string::npos);  // no ratings: no columns
  EXPECT_NE(read_text(out / "sweep.svg").find("</svg>"), std::string::npos);
  EXPECT_TRUE(fs::exists(out / "02-p=2" / "model.pt"));
  EXPECT_TRUE(fs::exists(out / "02-p=2" / "train.log"));
  EXPECT_NE(read_text(out / "02-p=2" / "config.yaml").find("holdout_edges: 0.1"), std::string::npos);
  EXPECT_TRUE(fs::exists(out / "01-p=0.5" / "evaluation.json"));

  auto bad = run_n2v("sweep --out " + out.string() + " --set walk.p=1,-1");
  EXPECT_EQ(bad.exit_code, 2) << bad.output;  // checked before anything trains
  auto no_axis = run_n2v("sweep --out " + out.string() + " --set walk.p=1");
  EXPECT_EQ(no_axis.exit_code, 2) << no_axis.output;
}

TEST_F(PlantedRun, AStoppedOrKilledSweepLeavesNoTrainingBehind) {
  const fs::path out = dir_->path() / "stopped-sweep";
  const std::string d = dir_->path().string();
  std::string endless_training = kSmallTraining;
  endless_training.replace(endless_training.find("train.epochs=4"), 14, "train.epochs=100000");
  const std::string sweep = std::string(N2V_BINARY) + " sweep --set data.format=edgelist --data-dir " + d + " --out " +
                            out.string() + " --set walk.p=0.5,2" + endless_training;
  const std::string trainings = "pgrep -f -- '^[^ ]*n2v train --out " + out.string() + "/' | wc -l";
  // Each signal once its point trains; then how the sweep ended, and how many trainings a second later.
  for (const std::string signal : {"TERM", "KILL"}) {
    const std::string script =
        sweep + " > " + d + "/sweep.log 2>&1 & P=$!; for i in $(seq 1200); do grep -qs 'Epoch 1/' " + out.string() +
        "/01-p=0.5/train.log && break; sleep 0.05; done; kill -" + signal + " $P; wait $P; echo $? > " + d +
        "/rc; sleep 1; " + trainings + " > " + d + "/left";
    ASSERT_EQ(std::system(script.c_str()), 0);
    const std::string log = read_text(dir_->path() / "sweep.log");
    EXPECT_EQ(read_text(dir_->path() / "left"), "0\n") << signal << ": the point's n2v train outlived the sweep";
    if (signal == "TERM") {
      EXPECT_EQ(read_text(dir_->path() / "rc"), "1\n") << log;
      EXPECT_NE(log.find("n2v: error: sweep stopped by signal 15 (Terminated); its n2v train"), std::string::npos) << log;
    } else {
      EXPECT_EQ(read_text(dir_->path() / "rc"), "137\n") << log;
    }
  }
}

// A tiny MovieLens: three taste groups of ten movies; each user likes movies of one group, in time.
void write_tiny_movielens(const fs::path& dir, unsigned seed) {
  std::mt19937 gen(seed);
  const char* genres[] = {"Action|Sci-Fi", "Comedy|Romance", "Drama"};
  std::string movies = "movieId,title,genres\n";
  for (int m = 1; m <= 30; ++m)
    movies += std::to_string(m) + ",Movie " + std::to_string(m) + " (2000)," + genres[(m - 1) / 10] + "\n";
  std::string ratings = "userId,movieId,rating,timestamp\n";
  for (int u = 1; u <= 60; ++u) {
    const int group = u % 3;
    std::vector<int> picks;
    for (int m = 1; m <= 10; ++m) picks.push_back(group * 10 + m);
    std::shuffle(picks.begin(), picks.end(), gen);
    for (int i = 0; i < 8; ++i)
      ratings += std::to_string(u) + "," + std::to_string(picks[i]) + ",5.0," + std::to_string(1000 + 10 * i) + "\n";
    ratings += std::to_string(u) + "," + std::to_string(1 + (group + 1) % 3 * 10 + static_cast<int>(gen() % 10)) + ",2.0,995\n";
  }
  write_text(dir / "movies.csv", movies);
  write_text(dir / "ratings.csv", ratings);
}

TEST(EvaluateRecommend, TinyMovieLensEndToEnd) {
  TempDir dir;
  write_tiny_movielens(dir / "data", 5);
  const fs::path run = dir / "run";
  auto train = run_n2v("train --data-dir " + (dir / "data").string() + " --out " + run.string() +
                       " --holdout-latest 0.25 --holdout-edges 0.1 --set graph.min_weight=0" + kSmallTraining);
  ASSERT_EQ(train.exit_code, 0) << train.output;
  // Nine ratings per user: floor(0.25 * 9) = 2 held out each, the two latest (liked) ones.
  Ratings held = parse_ratings_csv(read_text(run / "holdout_ratings.csv"), "holdout_ratings.csv");
  EXPECT_EQ(held.size(), 120u);
  for (std::size_t i = 0; i < held.size(); ++i) EXPECT_GE(held.timestamp[i], 1060);

  auto result = run_n2v("evaluate --model " + (run / "model.pt").string());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  for (const char* row : {"macro-F1", "ROC-AUC", "HitRate@10", "Recall@10", "NDCG@10", "co-rating"})
    EXPECT_NE(result.output.find(row), std::string::npos) << row << "\n" << result.output;
  std::string json = read_text(run / "evaluation.json");
  const nlohmann::json scores = nlohmann::json::parse(json);
  EXPECT_EQ(scores["recommend"]["users"], 60) << json;
  EXPECT_EQ(scores["recommend"]["targets"], 120) << json;
  EXPECT_TRUE(scores["recommend"]["co_rating"]["ndcg@10"].is_number()) << json;

  set_quiet(true);
  EvaluateOptions options;
  options.model = run / "model.pt";
  options.task = EvaluateTask::Recommend;
  Evaluation e = evaluate_model(options);
  ASSERT_TRUE(e.recommend);
  // Each user's targets are the unseen movies of their group: the co-rating counts find them.
  EXPECT_GT(e.recommend->co_rating.hit_rate, 0.9);
  EXPECT_GT(e.recommend->n2v.recall, e.recommend->popularity.recall);

  // Other ratings than the run's: refused, not scored.
  write_tiny_movielens(dir / "other", 6);
  auto other = run_n2v("evaluate --task recommend --model " + (run / "model.pt").string() + " --data-dir " +
                       (dir / "other").string());
  EXPECT_EQ(other.exit_code, 1) << other.output;
  EXPECT_NE(other.output.find("does not match"), std::string::npos) << other.output;
}

// n2v's own embeddings.w2v.txt of an ml-latest-small run with both holdouts: --vectors scores every
// task as --model does.
TEST(EvaluateVectors, MlSmallEmbeddingsW2vTextScoresAsTheModel) {
  N2V_REQUIRE_ML_SMALL();
  TempDir dir;
  const fs::path run = dir / "run";
  auto train = run_n2v("train --data-dir " + testing::shared_data("ml-latest-small").string() + " --out " +
                       run.string() + " --holdout-edges 0.1 --holdout-latest 0.2 --epochs 1 --threads 2" +
                       " --set export.onnx=false --set export.torchscript=true");
  ASSERT_EQ(train.exit_code, 0) << train.output;
  auto by_model = run_n2v("evaluate --model " + (run / "model.pt").string());
  ASSERT_EQ(by_model.exit_code, 0) << by_model.output;
  const nlohmann::json model_json = nlohmann::json::parse(read_text(run / "evaluation.json"));
  auto by_vectors = run_n2v("evaluate --vectors " + (run / "embeddings.w2v.txt").string());
  ASSERT_EQ(by_vectors.exit_code, 0) << by_vectors.output;
  const nlohmann::json vectors_json = nlohmann::json::parse(read_text(run / "embeddings.w2v.txt.evaluation.json"));
  EXPECT_EQ(nlohmann::json::parse(read_text(run / "evaluation.json")), model_json) << "the model's scores stay";
  for (const char* task : {"genres", "links", "recommend"}) {
    ASSERT_TRUE(model_json.contains(task)) << task;
    EXPECT_EQ(vectors_json[task], model_json[task]) << task;
  }
  EXPECT_EQ(vectors_json["vectors"]["missing"], 0);
  EXPECT_EQ(vectors_json["vectors"]["unknown"], 0);
  EXPECT_EQ(vectors_json["vectors"]["matched"], vectors_json["vectors"]["nodes"]);
}

}  // namespace
}  // namespace n2v
