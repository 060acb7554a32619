// ONNX export: the files pass onnx.checker, and ONNX Runtime (onnxruntime-node, from the npm
// registry) answers the same logits and top-k as LibTorch on the same inputs.
#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>
#include <sys/file.h>
#include <torch/script.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "core/errors.h"
#include "models/skipgram.h"
#include "serve/export.h"
#include "serve/onnx_export.h"
#include "test_util.h"

namespace n2v {
namespace {

using testing::CommandResult;
using testing::read_text;
using testing::TempDir;
using testing::write_text;
using testing::run_shell;
namespace fs = std::filesystem;

const fs::path kCheckDir = fs::path(N2V_SOURCE_DIR) / "tools" / "onnx-check";

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

// onnxruntime-node ships its native runtime inside the npm package. `npm ci` installs it into
// tools/onnx-check/node_modules the first time (under a lock, as ctest may run tests in parallel);
// later runs need no network. Returns why ONNX Runtime cannot be used, empty when it can.
std::string prepare_onnxruntime() {
  static const std::string problem = [] {
    if (run_shell("node --version").exit_code != 0) return std::string("node is not installed (apt-get install nodejs npm)");
    int lock = ::open((fs::temp_directory_path() / "n2v-onnx-check.lock").c_str(), O_CREAT | O_RDWR, 0666);
    if (lock >= 0) ::flock(lock, LOCK_EX);
    std::string why;
    if (!fs::exists(kCheckDir / "node_modules" / "onnxruntime-node" / "package.json")) {
      auto npm = run_shell("cd " + quoted(kCheckDir) + " && npm ci --ignore-scripts --no-audit --no-fund");
      if (npm.exit_code != 0) why = "npm ci in tools/onnx-check failed (no access to the npm registry?):\n" + npm.output;
    }
    if (lock >= 0) ::close(lock);
    if (!why.empty()) return why;
    auto probe = run_shell("cd " + quoted(kCheckDir) + " && node -e \"require('onnxruntime-node')\"");
    if (probe.exit_code != 0) return "onnxruntime-node does not load:\n" + probe.output;
    return std::string();
  }();
  return problem;
}

// CI installs everything, so a missing piece fails there; elsewhere it is a clear skip.
#define N2V_REQUIRE(problem)                         \
  do {                                               \
    const std::string why_ = (problem);              \
    if (!why_.empty()) {                             \
      if (std::getenv("CI")) FAIL() << why_;         \
      GTEST_SKIP() << why_;                          \
    }                                                \
  } while (0)

std::string python_onnx_problem() {
  if (run_shell("/usr/bin/python3 -c 'import onnx'").exit_code == 0) return "";
  return "/usr/bin/python3 has no onnx module (apt-get install python3-onnx)";
}

Vocabulary numbered_vocabulary(std::int64_t size) {
  Vocabulary v;
  v.names = {"NA"};
  v.movie_ids = {-1};
  v.titles = {"NA"};
  v.genres = {""};
  for (std::int64_t t = 1; t < size; ++t) {
    v.names.push_back(std::to_string(t * 10));
    v.movie_ids.push_back(t * 10);
    v.titles.push_back("Movie \"" + std::to_string(t) + "\" (Amélie " + std::to_string(t % 7) + ")");
    v.genres.push_back(t % 2 ? "Drama" : "Comedy|Romance");
  }
  return v;
}

std::vector<float> to_vector(const torch::Tensor& t) {
  torch::Tensor c = t.detach().to(torch::kFloat32).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

// A skip-gram model with weights of trained magnitude (logits of a few units, where 1e-5 is a
// real test), two identical rows (exact ties in every ranking) and a zero row (the norm's clamp).
class OnnxExportTest : public ::testing::Test {
 protected:
  static constexpr std::int64_t kVocabulary = 200;
  static constexpr std::int64_t kDim = 16;
  static constexpr std::int64_t kTwinA = 3, kTwinB = 7, kZero = 11;

  void SetUp() override {
    torch::NoGradGuard no_grad;
    auto generator = at::detail::createCPUGenerator(7);
    model->weight().normal_(0.0, 1.0, generator);
    model->weight()[kTwinB].copy_(model->weight()[kTwinA]);
    model->weight()[kZero].zero_();
    embeddings = to_vector(model->weight());
    export_model(embeddings, kDim, vocabulary, ExportConfig{}, dir.path());
  }

  // Runs tools/onnx-check/check.js on `folder` and parses its JSON answer.
  nlohmann::json run_onnxruntime(const fs::path& folder, const nlohmann::json& request) {
    write_text(dir / "request.json", request.dump());
    auto result = run_shell("node " + quoted(kCheckDir / "check.js") + " " + quoted(folder) + " " + quoted(dir / "request.json"));
    EXPECT_EQ(result.exit_code, 0) << result.output;
    nlohmann::json answer = nlohmann::json::parse(result.output, nullptr, false);
    EXPECT_FALSE(answer.is_discarded()) << "not JSON: " << result.output;
    return answer;
  }

  TempDir dir;
  SkipGram model{kVocabulary, kDim, 1};
  Vocabulary vocabulary = numbered_vocabulary(kVocabulary);
  std::vector<float> embeddings;
};

TEST_F(OnnxExportTest, TrainingExportWritesBothModelsAtomically) {
  for (const char* name : {kOnnxLogitsFile, kOnnxSimilarFile, "model.pt", "vocabulary.tsv"})
    EXPECT_TRUE(fs::exists(dir / name)) << name;
  for (const auto& entry : fs::directory_iterator(dir.path()))
    EXPECT_EQ(entry.path().filename().string().find(".tmp."), std::string::npos) << entry.path();

  TempDir other;
  ExportConfig options;
  options.onnx = false;
  export_model(embeddings, kDim, vocabulary, options, other.path());
  EXPECT_FALSE(fs::exists(other / kOnnxLogitsFile));
  EXPECT_FALSE(fs::exists(other / kOnnxSimilarFile));
  EXPECT_TRUE(fs::exists(other / "model.pt"));
}

TEST_F(OnnxExportTest, OnnxCheckerAcceptsBothModelsAndReadsTheVocabulary) {
  N2V_REQUIRE(python_onnx_problem());
  // Expected values from the C++ side: the matrix with round-trip precision, the vocabulary as JSON.
  std::string matrix;
  char buffer[32];
  for (float x : embeddings) {
    std::snprintf(buffer, sizeof buffer, "%.9g\n", static_cast<double>(x));
    matrix += buffer;
  }
  write_text(dir / "matrix.txt", matrix);
  write_text(dir / "check_onnx.py", R"PY(
import json, sys
import numpy as np
import onnx
from onnx import numpy_helper
folder, vocabulary_size, dim = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
expected = np.loadtxt(folder + "/matrix.txt", dtype=np.float32).reshape(vocabulary_size, dim)
for name, function in (("model.logits.onnx", "logits"), ("model.similar.onnx", "similar")):
    model = onnx.load(folder + "/" + name)
    onnx.checker.check_model(model, full_check=True)  # full_check: strict shape inference too
    assert [(o.domain, o.version) for o in model.opset_import] == [("", 13)], model.opset_import
    meta = {p.key: p.value for p in model.metadata_props}
    assert meta["n2v_function"] == function and meta["n2v_format_version"] == "1", meta
    assert int(meta["vocabulary_size"]) == vocabulary_size and int(meta["embedding_dim"]) == dim
    assert meta["vocabulary_file"] == "vocabulary.tsv"
    titles, movie_ids = json.loads(meta["titles"]), json.loads(meta["movie_ids"])
    assert titles[5] == 'Movie "5" (Amélie 5)' and movie_ids[5] == 50 and movie_ids[0] == -1, (titles[5], movie_ids[5])
    assert len(titles) == len(movie_ids) == len(json.loads(meta["names"])) == len(json.loads(meta["genres"])) == vocabulary_size
    weights = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    assert np.array_equal(weights["embedding"], expected), "the initializer is not the embedding matrix"
    print(name, [i.name for i in model.graph.input], [o.name for o in model.graph.output])
print("onnx ok")
)PY");
  auto result = run_shell("/usr/bin/python3 " + quoted(dir / "check_onnx.py") + " " + quoted(dir.path()) + " " +
                          std::to_string(kVocabulary) + " " + std::to_string(kDim));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("model.logits.onnx ['target', 'context'] ['logits']"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("model.similar.onnx ['tokens', 'k'] ['scores', 'neighbors']"), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("onnx ok"), std::string::npos) << result.output;
}

TEST_F(OnnxExportTest, OnnxRuntimeLogitsMatchLibTorch) {
  N2V_REQUIRE(prepare_onnxruntime());
  // Every token appears, the reserved one and the twins included, plus random pairs.
  std::vector<std::int64_t> target, context;
  for (std::int64_t t = 0; t < kVocabulary; ++t) {
    target.push_back(t);
    context.push_back(kVocabulary - 1 - t);
  }
  auto random_tokens = torch::randint(0, kVocabulary, {2, 2000}, at::detail::createCPUGenerator(3), torch::kInt64);
  for (std::int64_t i = 0; i < 2000; ++i) {
    target.push_back(random_tokens[0][i].item<std::int64_t>());
    context.push_back(random_tokens[1][i].item<std::int64_t>());
  }
  nlohmann::json answer = run_onnxruntime(dir.path(), {{"logits", {{"target", target}, {"context", context}}}});
  auto got = answer["logits"].get<std::vector<float>>();
  EXPECT_EQ(answer["inputs"]["model.logits.onnx"].get<std::vector<std::string>>(),
            (std::vector<std::string>{"target", "context"}));

  torch::NoGradGuard no_grad;
  auto t = torch::tensor(target, torch::kInt64), c = torch::tensor(context, torch::kInt64);
  torch::Tensor trained = model->forward(t, c);
  torch::Tensor served = torch::jit::load((dir / "model.pt").string()).forward({t, c}).toTensor();
  ASSERT_EQ(got.size(), target.size());
  float largest = 0, worst = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got[i], trained[i].item<float>(), 1e-5) << "pair " << i << ": " << target[i] << ", " << context[i];
    EXPECT_NEAR(got[i], served[i].item<float>(), 1e-5) << "pair " << i;
    largest = std::max(largest, std::abs(got[i]));
    worst = std::max(worst, std::abs(got[i] - trained[i].item<float>()));
  }
  EXPECT_GT(largest, 5.0f) << "logits of a few units, or 1e-5 would test little";
  std::printf("onnxruntime %s: %zu logits, largest |logit| %.3f, largest difference from LibTorch %.3g\n",
              answer["onnxruntime"].get<std::string>().c_str(), got.size(), largest, worst);
}

TEST_F(OnnxExportTest, OnnxRuntimeTopKMatchesLibTorchExceptExactTies) {
  N2V_REQUIRE(prepare_onnxruntime());
  torch::jit::Module served = torch::jit::load((dir / "model.pt").string());
  std::vector<std::int64_t> queries;
  for (std::int64_t t = 1; t < kVocabulary; ++t) queries.push_back(t);
  torch::NoGradGuard no_grad;
  // Every query's whole ranking from LibTorch, to look up the score of any token ONNX Runtime returns.
  auto all = served.run_method("similar", torch::tensor(queries, torch::kInt64), kVocabulary - 1).toTuple();
  torch::Tensor all_scores = all->elements()[0].toTensor(), all_tokens = all->elements()[1].toTensor();
  std::vector<std::vector<float>> libtorch_score(queries.size(), std::vector<float>(kVocabulary, NAN));
  for (std::size_t q = 0; q < queries.size(); ++q)
    for (std::int64_t j = 0; j < kVocabulary - 1; ++j)
      libtorch_score[q][all_tokens[q][j].item<std::int64_t>()] = all_scores[q][j].item<float>();

  int ties = 0;
  for (int k : {1, 10, static_cast<int>(kVocabulary - 1)}) {
    nlohmann::json answer = run_onnxruntime(dir.path(), {{"similar", {{"tokens", queries}, {"k", k}}}});
    auto scores = answer["similar"]["scores"].get<std::vector<std::vector<float>>>();
    auto tokens = answer["similar"]["neighbors"].get<std::vector<std::vector<std::int64_t>>>();
    auto expected = served.run_method("similar", torch::tensor(queries, torch::kInt64), k).toTuple();
    torch::Tensor expected_scores = expected->elements()[0].toTensor();
    torch::Tensor expected_tokens = expected->elements()[1].toTensor();
    ASSERT_EQ(tokens.size(), queries.size());
    for (std::size_t q = 0; q < queries.size(); ++q) {
      ASSERT_EQ(tokens[q].size(), static_cast<std::size_t>(k));
      EXPECT_EQ(std::set<std::int64_t>(tokens[q].begin(), tokens[q].end()).size(), tokens[q].size()) << "duplicates";
      for (int j = 0; j < k; ++j) {
        const std::int64_t token = tokens[q][j];
        const std::int64_t want = expected_tokens[q][j].item<std::int64_t>();
        ASSERT_GE(token, 1) << "token 0 is never returned";
        ASSERT_LT(token, kVocabulary);
        EXPECT_NEAR(scores[q][j], expected_scores[q][j].item<float>(), 1e-5) << "query " << queries[q] << " rank " << j;
        if (token != want) {
          // Only where LibTorch's own scores for the two tokens are the same.
          ++ties;
          EXPECT_NEAR(libtorch_score[q][token], libtorch_score[q][want], 1e-6)
              << "query " << queries[q] << " rank " << j << ": onnxruntime " << token << ", LibTorch " << want;
        }
      }
    }
    if (k > 1) {
      auto& twin_row = tokens[kTwinA - 1];
      EXPECT_TRUE(twin_row[0] == kTwinA || twin_row[0] == kTwinB) << "a twin is its twin's nearest neighbour";
    }
    EXPECT_EQ(tokens[kTwinA + 1][0], kTwinA + 2) << "an ordinary query comes first in its own list";
    EXPECT_FLOAT_EQ(scores[kTwinA + 1][0], 1.0f);
  }
  std::printf("top-k: %d ranks differ from LibTorch, all between exactly tied tokens\n", ties);
}

TEST_F(OnnxExportTest, DocumentedNodeExampleRunsAndPrintsTheNeighbours) {
  N2V_REQUIRE(prepare_onnxruntime());
  std::string readme = read_text(fs::path(N2V_SOURCE_DIR) / "docs" / "serving.md");
  std::size_t section = readme.find("## Serving with ONNX Runtime");
  ASSERT_NE(section, std::string::npos);
  std::size_t start = readme.find("```js\n", section);
  ASSERT_NE(start, std::string::npos);
  start += 6;
  std::string example = readme.substr(start, readme.find("```", start) - start);
  EXPECT_LE(std::count(example.begin(), example.end(), '\n'), 5) << "a five-line example";

  // The example reads runs/ml_small/; give it this test's model there, titled as the example's query.
  TempDir cwd;
  fs::create_directories(cwd / "runs" / "ml_small");
  Vocabulary v = vocabulary;
  v.titles[42] = "Matrix, The (1999)";
  export_model(embeddings, kDim, v, ExportConfig{}, cwd / "runs" / "ml_small");
  write_text(cwd / "example.js", example);
  auto result = run_shell("cd " + quoted(cwd.path()) + " && NODE_PATH=" + quoted(kCheckDir / "node_modules") +
                          " node example.js");
  ASSERT_EQ(result.exit_code, 0) << result.output;

  torch::NoGradGuard no_grad;
  auto answer = torch::jit::load((cwd / "runs" / "ml_small" / "model.pt").string())
                    .run_method("similar", torch::tensor({std::int64_t{42}}), std::int64_t{5})
                    .toTuple();
  std::string expected;
  char score[32];
  for (int j = 0; j < 5; ++j) {
    std::snprintf(score, sizeof score, "%.4f", answer->elements()[0].toTensor()[0][j].item<float>());
    expected += v.titles[answer->elements()[1].toTensor()[0][j].item<std::int64_t>()] + " " + score + "\n";
  }
  EXPECT_EQ(result.output, expected);
}

TEST_F(OnnxExportTest, CliExportFormatOnnxWritesTheSameModels) {
  TempDir out;
  auto result = testing::run_n2v("export --model " + quoted(dir / "model.pt") + " --out " + quoted(out.path()) +
                                 " --format onnx");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(read_text(out / kOnnxLogitsFile), read_text(dir / kOnnxLogitsFile));
  EXPECT_EQ(read_text(out / kOnnxSimilarFile), read_text(dir / kOnnxSimilarFile));
  EXPECT_TRUE(fs::exists(out / "vocabulary.tsv")) << "the ONNX metadata names it";
  EXPECT_FALSE(fs::exists(out / "embeddings.tsv"));
  EXPECT_FALSE(fs::exists(out / "embeddings.w2v.txt"));

  TempDir text_only;
  auto no_onnx = testing::run_n2v("export --model " + quoted(dir / "model.pt") + " --out " + quoted(text_only.path()) +
                                  " --format projector,word2vec");
  EXPECT_EQ(no_onnx.exit_code, 0) << no_onnx.output;
  EXPECT_FALSE(fs::exists(text_only / kOnnxLogitsFile));
  EXPECT_TRUE(fs::exists(text_only / "embeddings.w2v.txt"));

  auto bogus = testing::run_n2v("export --model " + quoted(dir / "model.pt") + " --format tflite");
  EXPECT_EQ(bogus.exit_code, 2) << bogus.output;
  EXPECT_NE(bogus.output.find("tflite"), std::string::npos) << bogus.output;
}

TEST_F(OnnxExportTest, CliExportRefusesAModelWhoseVocabularyDoesNotMatch) {
  // model.pt's titles one short of the embedding rows.
  torch::jit::Module broken = torch::jit::load((dir / "model.pt").string());
  c10::List<std::string> titles;
  for (std::size_t t = 0; t + 1 < vocabulary.size(); ++t) titles.push_back(vocabulary.titles[t]);
  broken.setattr("titles", titles);
  broken.save((dir / "broken.pt").string());
  auto result = testing::run_n2v("export --model " + quoted(dir / "broken.pt") + " --out " + quoted(dir / "out") +
                                 " --format onnx");
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("broken.pt: inconsistent model"), std::string::npos) << result.output;
  EXPECT_FALSE(fs::exists(dir / "out")) << "no folder and no partial file";
}

TEST_F(OnnxExportTest, RejectsAMatrixThatDoesNotMatchTheVocabulary) {
  TempDir out;
  auto message_of = [&](const std::vector<float>& e, std::int64_t dim, const Vocabulary& v) {
    try {
      write_onnx_models(e, dim, v, out.path());
    } catch (const Error& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  // The right number of values, read with the wrong dimension.
  EXPECT_NE(message_of(embeddings, kDim * 2, vocabulary).find("cannot export"), std::string::npos);
  EXPECT_NE(message_of(embeddings, kDim, numbered_vocabulary(kVocabulary - 1)).find("tokens of dimension"),
            std::string::npos);
  Vocabulary short_titles = vocabulary;
  short_titles.titles.pop_back();
  EXPECT_NE(message_of(embeddings, kDim, short_titles).find("titles"), std::string::npos);
  Vocabulary only_reserved = numbered_vocabulary(1);
  EXPECT_NE(message_of({0, 0}, 2, only_reserved).find("no token besides the reserved token 0"), std::string::npos);
  EXPECT_TRUE(fs::is_empty(out.path())) << "no partial file";
}

TEST_F(OnnxExportTest, UnwritableOutputIsAClearErrorWithoutPartialFiles) {
  // A folder under a regular file cannot exist, not even for root.
  write_text(dir / "plain-file", "x");
  try {
    ExportConfig options;
    export_model(embeddings, kDim, vocabulary, options, dir / "plain-file" / "out");
    FAIL() << "no OutputError";
  } catch (const OutputError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot create output folder"), std::string::npos) << e.what();
  }
  try {
    write_onnx_models(embeddings, kDim, vocabulary, dir / "plain-file");
    FAIL() << "no OutputError";
  } catch (const OutputError& e) {
    EXPECT_NE(std::string(e.what()).find("model.logits.onnx"), std::string::npos) << e.what();
  }

  // A folder where the second file should go: neither file is replaced.
  TempDir out;
  fs::create_directories(out / kOnnxSimilarFile);
  write_text(out / kOnnxLogitsFile, "earlier result");
  try {
    write_onnx_models(embeddings, kDim, vocabulary, out.path());
    FAIL() << "no OutputError";
  } catch (const OutputError& e) {
    EXPECT_NE(std::string(e.what()).find("a folder of that name exists"), std::string::npos) << e.what();
  }
  EXPECT_EQ(read_text(out / kOnnxLogitsFile), "earlier result");
  for (const auto& entry : fs::directory_iterator(out.path()))
    EXPECT_EQ(entry.path().filename().string().find(".tmp."), std::string::npos) << entry.path();

  auto cli = testing::run_n2v("export --model " + quoted(dir / "model.pt") + " --out " +
                              quoted(dir / "plain-file" / "out") + " --format onnx");
  EXPECT_EQ(cli.exit_code, 1) << cli.output;
  EXPECT_NE(cli.output.find("cannot create output folder"), std::string::npos) << cli.output;
}

}  // namespace
}  // namespace n2v
