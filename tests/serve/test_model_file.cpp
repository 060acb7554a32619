// model.pt is code: ModelFile checks what its attributes hold and what its methods return, and
// model.pt / checkpoint.pt mix-ups are named as such. Hostile models are scripted here in C++.
#include "serve/model_file.h"

#include <torch/script.h>

#include <limits>

#include "core/errors.h"
#include "serve/export.h"
#include "test_util.h"
#include "train/checkpoint.h"

namespace n2v {
namespace {

using testing::TempDir;
using testing::write_text;
namespace fs = std::filesystem;

constexpr const char* kGoodEmbeddings = "def embeddings(self) -> Tensor:\n    return self.weight\n";
constexpr const char* kGoodTokenOf = "def token_of(self, movie_id: int) -> int:\n    return movie_id - 10\n";
constexpr const char* kGoodSimilar = R"JIT(
def similar(self, tokens: Tensor, k: int) -> Tuple[Tensor, Tensor]:
    return (torch.ones([tokens.size(0), k]), torch.ones([tokens.size(0), k]).long())
)JIT";

// Three movies 11, 12, 13 as tokens 1, 2, 3 (token_of: movie_id - 10), dim 2.
Vocabulary vocabulary() {
  Vocabulary v;
  v.names = {"NA", "11", "12", "13"};
  v.movie_ids = {-1, 11, 12, 13};
  v.titles = {"NA", "Eleven", "Twelve", "Thirteen"};
  v.genres = {"", "Drama", "Drama", "Comedy"};
  return v;
}

c10::List<std::string> strings(const std::vector<std::string>& values) {
  c10::List<std::string> list;
  for (const auto& v : values) list.push_back(v);
  return list;
}

class ModelFileTest : public ::testing::Test {
 protected:
  // A module with model.pt's attributes whose methods are `methods` (the good ones where not given).
  fs::path hostile(const std::string& name, const std::string& embeddings, const std::string& similar = kGoodSimilar,
                   const std::string& token_of = kGoodTokenOf, bool integer_titles = false) {
    const Vocabulary v = vocabulary();
    torch::jit::Module m("__torch__.Hostile");
    m.register_attribute("n2v_format_version", c10::IntType::get(), std::int64_t{1});
    m.register_attribute("names", c10::ListType::ofStrings(), strings(v.names));
    if (integer_titles) {
      m.register_attribute("titles", c10::ListType::ofInts(), c10::List<std::int64_t>({1, 2, 3, 4}));
    } else {
      m.register_attribute("titles", c10::ListType::ofStrings(), strings(v.titles));
    }
    m.register_attribute("genres", c10::ListType::ofStrings(), strings(v.genres));
    m.register_attribute("movie_ids", c10::ListType::ofInts(), c10::List<std::int64_t>(v.movie_ids));
    m.register_attribute("data_dir", c10::StringType::get(), std::string());
    m.register_buffer("weight", torch::ones({4, 2}));
    m.define(embeddings + similar + token_of);
    const fs::path path = dir_ / name;
    m.save(path.string());
    return path;
  }
  static std::string load_error(const fs::path& path) {
    return testing::error_message<DataError>([&] { ModelFile::load(path); });
  }
  // The DataError of a query through the model's own methods.
  template <typename Query>
  static std::string query_error(const fs::path& path, Query query) {
    const ModelFile model = ModelFile::load(path);
    try {
      query(model);
    } catch (const DataError& e) {
      const std::string message = e.what();
      EXPECT_EQ(message.find('\n'), std::string::npos) << "one line: " << message;
      return message;
    }
    return "no DataError";
  }
  static std::string similar_error(const fs::path& path) {
    return query_error(path, [](const ModelFile& m) { m.similar({1}, 2); });
  }
  static std::string inconsistent(const fs::path& path, const std::string& what) {
    return path.string() + ": inconsistent model: " + what;
  }

  TempDir dir_;
};

TEST_F(ModelFileTest, TheGoodHostileModelLoadsAndAnswers) {
  const ModelFile model = ModelFile::load(hostile("good.pt", kGoodEmbeddings));
  EXPECT_EQ(model.dim(), 2);
  EXPECT_EQ(model.token_of(12), 2);
  EXPECT_EQ(model.similar({1, 3}, 2).at(1).at(1).token, 1);
}

TEST_F(ModelFileTest, EmbeddingsOfTheWrongShapeDtypeOrValuesAreRefused) {
  const auto e = [](const std::string& body) { return "def embeddings(self) -> Tensor:\n    return " + body + "\n"; };
  EXPECT_EQ(load_error(hostile("flat.pt", e("self.weight.flatten()"))).rfind(
                inconsistent(dir_ / "flat.pt", "embeddings() has shape [8], expected [4, -1]"), 0),
            0u);
  EXPECT_EQ(load_error(hostile("rows.pt", e("self.weight[1:]"))).rfind(
                inconsistent(dir_ / "rows.pt", "embeddings() has shape [3, 2], expected [4, -1]"), 0),
            0u);
  EXPECT_EQ(load_error(hostile("double.pt", e("self.weight.double()"))).rfind(
                inconsistent(dir_ / "double.pt", "embeddings() has dtype Double, expected Float"), 0),
            0u);
  EXPECT_EQ(load_error(hostile("nan.pt", e("self.weight / 0.0 * 0.0"))).rfind(
                inconsistent(dir_ / "nan.pt", "embeddings() holds NaN or infinite values"), 0),
            0u);
  const std::string raised = load_error(hostile(
      "raises.pt", "def embeddings(self) -> Tensor:\n    assert False, 'boom'\n    return self.weight\n"));
  EXPECT_EQ(raised.rfind((dir_ / "raises.pt").string() + ": the model's embeddings() failed: ", 0), 0u) << raised;
  EXPECT_EQ(raised.find('\n'), std::string::npos) << raised;
}

TEST_F(ModelFileTest, SimilarAnswersOutsideTheVocabularyOrOfTheWrongKindAreRefused) {
  const auto s = [](const std::string& scores, const std::string& tokens) {
    return "\ndef similar(self, tokens: Tensor, k: int) -> Tuple[Tensor, Tensor]:\n    n = tokens.size(0)\n"
           "    return (" + scores + ", " + tokens + ")\n";
  };
  const std::string ones = "torch.ones([n, k])", ids = "torch.ones([n, k]).long()";
  const std::vector<std::pair<std::string, std::string>> cases{
      {s(ones, "torch.ones([n, k], ).long() * 123456789"),
       "similar() returned token 123456789, not a movie (1..3)"},
      {s(ones, "torch.zeros([n, k]).long()"), "similar() returned token 0, not a movie (1..3)"},
      {s(ones, "-torch.ones([n, k]).long()"), "similar() returned token -1, not a movie (1..3)"},
      {s("torch.ones([k])", ids), "similar()'s scores has shape [2], expected [1, 2]"},
      {s(ones, "torch.ones([k]).long()"), "similar()'s tokens has shape [2], expected [1, 2]"},
      {s(ones, "torch.ones([n, k + 1]).long()"), "similar()'s tokens has shape [1, 3], expected [1, 2]"},
      {s("torch.ones([n, k]).double()", ids), "similar()'s scores has dtype Double, expected Float"},
      {s(ones, "torch.ones([n, k]).int()"), "similar()'s tokens has dtype Int, expected Long"},
      {s("torch.ones([n, k]) / 0.0 * 0.0", ids), "similar()'s scores holds NaN or infinite values"},
      {s("torch.ones([n, k]) * 7.0", ids), "similar() returned score 7.000000, not a cosine in [-1, 1]"}};
  int i = 0;
  for (const auto& [method, what] : cases) {
    const fs::path path = hostile("similar" + std::to_string(i++) + ".pt", kGoodEmbeddings, method);
    EXPECT_EQ(similar_error(path).rfind(inconsistent(path, what), 0), 0u) << similar_error(path);
  }
  const fs::path raises = hostile("raises.pt", kGoodEmbeddings,
                                  "\ndef similar(self, tokens: Tensor, k: int) -> Tuple[Tensor, Tensor]:\n"
                                  "    assert False, 'no'\n    return (tokens, tokens)\n");
  EXPECT_EQ(similar_error(raises).rfind(raises.string() + ": the model's similar() failed: ", 0), 0u)
      << similar_error(raises);
  const fs::path single = hostile("single.pt", kGoodEmbeddings,
                                  "\ndef similar(self, tokens: Tensor, k: int) -> Tensor:\n    return tokens\n");
  EXPECT_EQ(similar_error(single), inconsistent(single, "similar() did not return a (scores, tokens) pair") +
                                       "; re-create it with `n2v train` or `n2v export`");
}

TEST_F(ModelFileTest, TokenOfMustNameTheMovieAskedFor) {
  const auto t = [](const std::string& body) {
    return "\ndef token_of(self, movie_id: int) -> int:\n    return " + body + "\n";
  };
  const auto token_error = [](const fs::path& path) {
    return query_error(path, [](const ModelFile& m) { m.token_of(11); });
  };
  const fs::path huge = hostile("huge.pt", kGoodEmbeddings, kGoodSimilar, t("123456789"));
  EXPECT_EQ(token_error(huge).rfind(inconsistent(huge, "token_of(11) returned 123456789, not the token of movieId 11 "
                                                       "(nor -1)"), 0),
            0u)
      << token_error(huge);
  const fs::path other = hostile("other.pt", kGoodEmbeddings, kGoodSimilar, t("2"));
  EXPECT_EQ(token_error(other).rfind(inconsistent(other, "token_of(11) returned 2"), 0), 0u) << token_error(other);
  const fs::path zero = hostile("zero.pt", kGoodEmbeddings, kGoodSimilar, t("0"));
  EXPECT_EQ(token_error(zero).rfind(inconsistent(zero, "token_of(11) returned 0"), 0), 0u) << token_error(zero);
  EXPECT_EQ(ModelFile::load(hostile("unknown.pt", kGoodEmbeddings, kGoodSimilar, t("-1"))).token_of(11), -1);
}

TEST_F(ModelFileTest, AttributesOfTheWrongTypeAreRefused) {
  const fs::path path = hostile("titles.pt", kGoodEmbeddings, kGoodSimilar, kGoodTokenOf, /*integer_titles=*/true);
  EXPECT_EQ(load_error(path).rfind(inconsistent(path, "titles holds a value that is not a string"), 0), 0u)
      << load_error(path);
}

// The CLI on hostile models: one line and exit 1, never a crash or a c10 backtrace.
TEST_F(ModelFileTest, TheCommandsReportAHostileModelInOneLine) {
  const fs::path huge_token = hostile(
      "huge.pt", kGoodEmbeddings, kGoodSimilar, "\ndef token_of(self, movie_id: int) -> int:\n    return 123456789\n");
  auto result = testing::run_n2v("similar --model '" + huge_token.string() + "' --movie-id 11 -k 2");
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_EQ(result.output, "n2v: error: " + inconsistent(huge_token, "token_of(11) returned 123456789, not the token "
                                                                   "of movieId 11 (nor -1); re-create it with `n2v "
                                                                   "train` or `n2v export`\n"));
  const fs::path far_tokens = hostile(
      "far.pt", kGoodEmbeddings,
      "\ndef similar(self, tokens: Tensor, k: int) -> Tuple[Tensor, Tensor]:\n"
      "    return (torch.ones([tokens.size(0), k]), torch.ones([tokens.size(0), k]).long() * 99999999)\n");
  result = testing::run_n2v("similar --model '" + far_tokens.string() + "' --title Eleven -k 2");
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("returned token 99999999, not a movie"), std::string::npos) << result.output;
  const fs::path flat = hostile("flat.pt", "def embeddings(self) -> Tensor:\n    return self.weight.flatten()\n");
  for (const std::string& command : {"export --model '" + flat.string() + "' --out '" + (dir_ / "out").string() + "'",
                                     "similar --model '" + flat.string() + "' --title Eleven"}) {
    result = testing::run_n2v(command);
    EXPECT_EQ(result.exit_code, 1) << command << "\n" << result.output;
    EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1) << result.output;
    EXPECT_NE(result.output.find("embeddings() has shape [8]"), std::string::npos) << result.output;
  }
  EXPECT_FALSE(fs::exists(dir_ / "out"));
}

TEST_F(ModelFileTest, FilesThatAreNoModelAreNamed) {
  const std::string suffix = "; `n2v train` writes model.pt into its output folder";
  write_text(dir_ / "empty.pt", "");
  EXPECT_EQ(load_error(dir_ / "empty.pt"), (dir_ / "empty.pt").string() + " is not an n2v model (the file is empty)" +
                                               suffix);
  fs::create_directory(dir_ / "folder.pt");
  EXPECT_EQ(load_error(dir_ / "folder.pt"), (dir_ / "folder.pt").string() + " is not an n2v model (it is a folder)" +
                                                suffix);
  write_text(dir_ / "random.pt", std::string("PK\x03\x04", 4) + std::string(3000, '\x5a'));
  const std::string random = load_error(dir_ / "random.pt");
  EXPECT_EQ(random.rfind((dir_ / "random.pt").string() + " is not an n2v model (not a readable TorchScript file: ",
                         0),
            0u)
      << random;
  EXPECT_EQ(random.find('\n'), std::string::npos) << random;
}

// checkpoint.pt and model.pt are both torch archives; each reader names the other.
TEST_F(ModelFileTest, ACheckpointAndAModelAreToldApart) {
  SkipGram model(4, 2, 1);
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(0.001));
  const fs::path checkpoint = dir_ / "run" / "checkpoint.pt";
  fs::create_directories(checkpoint.parent_path());
  save_checkpoint(checkpoint, model, optimizer, Checkpoint{1, {2.0}, {0.5}}, run_fingerprint(Config{}), "walks 0", {});
  EXPECT_EQ(load_error(checkpoint), checkpoint.string() + " is not an n2v model (it is an n2v checkpoint.pt; use the "
                                                          "model.pt beside it); `n2v train` writes model.pt into its "
                                                          "output folder");

  const Vocabulary v = vocabulary();
  write_torchscript_model(std::vector<float>(8, 1.0f), 2, v, checkpoint);  // model.pt copied over checkpoint.pt
  try {
    check_resumable(Config{}, checkpoint.parent_path());
    ADD_FAILURE() << "no DataError";
  } catch (const DataError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(checkpoint.string() + " is not an n2v checkpoint (it is an n2v model.pt, not "
                                                                "a checkpoint.pt)", 0),
              0u)
        << e.what();
  }
  auto result = testing::run_n2v("train --resume --out '" + checkpoint.parent_path().string() + "' --data-dir '" +
                                 testing::shared_data("ml-latest-small").string() + "'");
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("is not an n2v checkpoint (it is an n2v model.pt"), std::string::npos) << result.output;
  EXPECT_EQ(result.output.find("unexpected"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace n2v
