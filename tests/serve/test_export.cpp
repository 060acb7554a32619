// Export for serving: model.pt round trips (C++, Python, the stand-alone consumer), the text
// files for other tools, and the `n2v similar` / `n2v export` commands.
#include <torch/script.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

#include "core/errors.h"
#include "models/skipgram.h"
#include "serve/embedding_files.h"
#include "serve/export.h"
#include "serve/model_file.h"
#include "test_util.h"

namespace n2v {
namespace {

using testing::CommandResult;
using testing::read_text;
using testing::TempDir;
using testing::write_text;
using testing::run_shell;
namespace fs = std::filesystem;

constexpr std::int64_t kDim = 4;

// Six movies; one title with non-ASCII letters (the underline counts code points).
Vocabulary tiny_vocabulary() {
  Vocabulary v;
  v.names = {"NA", "1", "260", "4973", "318", "2571", "858"};
  v.movie_ids = {-1, 1, 260, 4973, 318, 2571, 858};
  v.titles = {"NA",
              "Toy Story (1995)",
              "Star Wars: Episode IV - A New Hope (1977)",
              "Amélie (Fabuleux destin d'Amélie Poulain, Le) (2001)",
              "Shawshank Redemption, The (1994)",
              "Matrix, The (1999)",
              "Godfather, The (1972)"};
  v.genres = {"", "Adventure|Animation|Children|Comedy|Fantasy", "Action|Adventure|Sci-Fi", "Comedy|Romance",
              "Crime|Drama", "Action|Sci-Fi|Thriller", "Crime|Drama"};
  return v;
}

std::vector<float> to_vector(const torch::Tensor& t) {
  torch::Tensor c = t.detach().to(torch::kFloat32).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

// Cosine top-k by brute force in double precision, token 0 left out.
std::vector<Neighbor> brute_force_similar(const std::vector<float>& e, std::int64_t dim, std::int64_t query, int k) {
  auto row = [&](std::int64_t t) { return e.data() + t * dim; };
  auto norm = [&](std::int64_t t) {
    double s = 0;
    for (std::int64_t j = 0; j < dim; ++j) s += double(row(t)[j]) * row(t)[j];
    return std::sqrt(s);
  };
  std::vector<Neighbor> all;
  const auto rows = static_cast<std::int64_t>(e.size()) / dim;
  for (std::int64_t t = 1; t < rows; ++t) {
    double dot = 0;
    for (std::int64_t j = 0; j < dim; ++j) dot += double(row(query)[j]) * row(t)[j];
    all.push_back({t, static_cast<float>(dot / (norm(query) * norm(t)))});
  }
  std::sort(all.begin(), all.end(), [](const Neighbor& a, const Neighbor& b) { return a.score > b.score; });
  all.resize(k);
  return all;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> split(const std::string& line, char separator) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  while (true) {
    std::size_t end = line.find(separator, start);
    fields.push_back(line.substr(start, end - start));
    if (end == std::string::npos) return fields;
    start = end + 1;
  }
}

bool python_has(const std::string& module) {
  return run_shell("/usr/bin/python3 -c 'import " + module + "'").exit_code == 0;
}

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

// A tiny trained-looking model exported into a temporary folder.
class ExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    embeddings = to_vector(model->weight());
    export_model(embeddings, kDim, vocabulary, ExportConfig{}, dir.path(), dir / "data");
  }
  fs::path model_pt() const { return dir / "model.pt"; }

  // The block `n2v similar` prints for a token, from the model's own scores.
  std::string expected_block(std::int64_t token, int k) const {
    ModelFile file = ModelFile::load(model_pt());
    const std::string& title = vocabulary.titles[token];
    std::size_t width = 0;
    for (char c : title) width += (c & 0xC0) != 0x80;
    std::string text = title + "\n" + std::string(width, '-') + "\n";
    char score[32];
    auto neighbours = file.similar({token}, k);
    for (const Neighbor& n : neighbours[0]) {
      std::snprintf(score, sizeof score, "%.4f", n.score);
      text += "- " + vocabulary.titles[n.token] + "  " + score + "\n";
    }
    return text + "\n";
  }

  TempDir dir;
  SkipGram model{7, kDim, 123};
  Vocabulary vocabulary = tiny_vocabulary();
  std::vector<float> embeddings;
};

TEST_F(ExportTest, WritesEveryFileAtomically) {
  for (const char* name :
       {"model.pt", "embeddings.tsv", "metadata.tsv", "embeddings.w2v.txt", "embeddings.npy", "vocabulary.tsv"})
    EXPECT_TRUE(fs::exists(dir / name)) << name;
  for (const auto& entry : fs::directory_iterator(dir.path()))
    EXPECT_EQ(entry.path().filename().string().find(".tmp."), std::string::npos) << entry.path();
}

TEST_F(ExportTest, ExportOptionsChooseTheFiles) {
  TempDir other;
  ExportConfig options;
  options.torchscript = false;
  options.word2vec = false;
  options.numpy = false;
  export_model(embeddings, kDim, vocabulary, options, other.path());
  EXPECT_FALSE(fs::exists(other / "model.pt"));
  EXPECT_FALSE(fs::exists(other / "embeddings.w2v.txt"));
  EXPECT_FALSE(fs::exists(other / "embeddings.npy"));
  EXPECT_TRUE(fs::exists(other / "embeddings.tsv"));
  EXPECT_TRUE(fs::exists(other / "vocabulary.tsv"));
}

TEST_F(ExportTest, RejectsAMatrixOfTheWrongShape) {
  TempDir other;
  std::vector<float> short_matrix(embeddings.begin(), embeddings.end() - 1);
  EXPECT_THROW(export_model(short_matrix, kDim, vocabulary, ExportConfig{}, other.path()), Error);
  EXPECT_FALSE(fs::exists(other / "model.pt"));
}

TEST_F(ExportTest, TorchScriptForwardAndEmbeddingsEqualTheTrainedModuleBitForBit) {
  torch::jit::Module loaded = torch::jit::load(model_pt().string());
  // Every (target, context) pair, the reserved token included.
  auto target = torch::arange(7, torch::kInt64).repeat_interleave(7);
  auto context = torch::arange(7, torch::kInt64).repeat({7});
  torch::Tensor expected = model->forward(target, context);
  torch::Tensor got = loaded.forward({target, context}).toTensor();
  EXPECT_TRUE(torch::equal(got, expected));
  EXPECT_TRUE(torch::equal(loaded.run_method("embeddings").toTensor(), model->weight().detach()));
  // Same parameter name as the trained module, so state dicts line up.
  bool found = false;
  for (const auto& p : loaded.named_parameters()) found |= p.name == "embedding.weight";
  EXPECT_TRUE(found);
}

TEST_F(ExportTest, TorchScriptSimilarMatchesBruteForceCosine) {
  torch::jit::Module loaded = torch::jit::load(model_pt().string());
  for (int k : {1, 3, 6}) {
    auto answer = loaded.run_method("similar", torch::arange(1, 7, torch::kInt64), k).toTuple();
    torch::Tensor scores = answer->elements()[0].toTensor();
    torch::Tensor tokens = answer->elements()[1].toTensor();
    ASSERT_EQ(scores.sizes(), (std::vector<std::int64_t>{6, k}));
    for (std::int64_t q = 1; q <= 6; ++q) {
      auto expected = brute_force_similar(embeddings, kDim, q, k);
      EXPECT_EQ(tokens[q - 1][0].item<std::int64_t>(), q) << "the query comes first";
      for (int j = 0; j < k; ++j) {
        EXPECT_EQ(tokens[q - 1][j].item<std::int64_t>(), expected[j].token) << "query " << q << " rank " << j;
        EXPECT_NEAR(scores[q - 1][j].item<float>(), expected[j].score, 1e-5);
      }
    }
  }
  EXPECT_THROW(loaded.run_method("similar", torch::tensor({1}), 0), std::exception);
  EXPECT_THROW(loaded.run_method("similar", torch::tensor({1}), 7), std::exception);
  EXPECT_THROW(loaded.run_method("similar", torch::tensor({0}), 1), std::exception);
}

TEST_F(ExportTest, TorchScriptCarriesTheVocabulary) {
  torch::jit::Module loaded = torch::jit::load(model_pt().string());
  EXPECT_EQ(loaded.attr("n2v_format_version").toInt(), kModelFormatVersion);
  auto titles = loaded.attr("titles").toList();
  auto genres = loaded.attr("genres").toList();
  ASSERT_EQ(titles.size(), 7u);
  for (std::size_t t = 0; t < 7; ++t) {
    EXPECT_EQ(titles.get(t).toStringRef(), vocabulary.titles[t]);
    EXPECT_EQ(genres.get(t).toStringRef(), vocabulary.genres[t]);
    EXPECT_EQ(loaded.run_method("movie_id_of", static_cast<std::int64_t>(t)).toInt(), vocabulary.movie_ids[t]);
    if (t > 0) {
      EXPECT_EQ(loaded.run_method("token_of", vocabulary.movie_ids[t]).toInt(), static_cast<std::int64_t>(t));
      EXPECT_EQ(loaded.run_method("token_of_title", vocabulary.titles[t]).toInt(), static_cast<std::int64_t>(t));
    }
  }
  EXPECT_EQ(loaded.run_method("token_of", std::int64_t{999999}).toInt(), -1);
  EXPECT_EQ(loaded.run_method("movie_id_of", std::int64_t{7}).toInt(), -1);
  EXPECT_EQ(loaded.run_method("token_of_title", std::string("NA")).toInt(), -1);
  EXPECT_EQ(loaded.attr("data_dir").toStringRef(), fs::absolute(dir / "data").string());
}

TEST_F(ExportTest, ModelFileReadsBackWhatWasExported) {
  ModelFile file = ModelFile::load(model_pt());
  EXPECT_EQ(file.format_version(), kModelFormatVersion);
  EXPECT_EQ(file.dim(), kDim);
  EXPECT_EQ(file.embeddings(), embeddings);
  EXPECT_EQ(file.vocabulary().names, vocabulary.names);
  EXPECT_EQ(file.vocabulary().movie_ids, vocabulary.movie_ids);
  EXPECT_EQ(file.vocabulary().titles, vocabulary.titles);
  EXPECT_EQ(file.vocabulary().genres, vocabulary.genres);
  EXPECT_EQ(file.num_movies(), 6u);
  EXPECT_EQ(file.token_of(2571), 5);
  EXPECT_EQ(file.token_of(12), -1);
  auto result = file.similar({5, 2}, 3);
  ASSERT_EQ(result.size(), 2u);
  EXPECT_EQ(result[0][0].token, 5);
  EXPECT_EQ(result[1][0].token, 2);
  EXPECT_EQ(result[0][1].token, brute_force_similar(embeddings, kDim, 5, 3)[1].token);
  EXPECT_THROW(file.similar({5}, 0), UsageError);
  EXPECT_THROW(file.similar({5}, 7), UsageError);
  EXPECT_THROW(file.similar({0}, 1), UsageError);
}

TEST_F(ExportTest, ModelFileRejectsBadFilesClearly) {
  auto message_of = [](const fs::path& path) {
    try {
      ModelFile::load(path);
    } catch (const DataError& e) {
      return std::string(e.what());
    }
    return std::string("no DataError");
  };
  EXPECT_NE(message_of(dir / "missing.pt").find("not found"), std::string::npos);

  write_text(dir / "garbage.pt", "this is not a zip archive");
  EXPECT_NE(message_of(dir / "garbage.pt").find("not a readable TorchScript file"), std::string::npos);

  std::string bytes = read_text(model_pt());
  write_text(dir / "truncated.pt", bytes.substr(0, bytes.size() / 2));
  EXPECT_NE(message_of(dir / "truncated.pt").find("truncated.pt"), std::string::npos);

  torch::jit::Module newer = torch::jit::load(model_pt().string());
  newer.setattr("n2v_format_version", kModelFormatVersion + 1);
  newer.save((dir / "newer.pt").string());
  std::string newer_message = message_of(dir / "newer.pt");
  EXPECT_NE(newer_message.find("newer n2v"), std::string::npos) << newer_message;

  torch::jit::Module foreign("__torch__.Foreign");
  foreign.register_parameter("weight", torch::ones({2, 2}), false);
  foreign.define("def forward(self, x: Tensor) -> Tensor:\n    return x\n");
  foreign.save((dir / "foreign.pt").string());
  EXPECT_NE(message_of(dir / "foreign.pt").find("not an n2v model"), std::string::npos);
}

TEST_F(ExportTest, ProjectorRowsLineUpWithTheirMetadata) {
  auto vector_rows = lines_of(read_text(dir / "embeddings.tsv"));
  auto metadata_rows = lines_of(read_text(dir / "metadata.tsv"));
  ASSERT_EQ(metadata_rows.size(), 7u);
  EXPECT_EQ(metadata_rows[0], "movieId\ttitle\tgenres");
  ASSERT_EQ(vector_rows.size(), 6u) << "one row per movie, the reserved token left out";
  torch::jit::Module loaded = torch::jit::load(model_pt().string());
  torch::Tensor e = loaded.run_method("embeddings").toTensor();
  for (std::size_t r = 0; r < vector_rows.size(); ++r) {
    auto meta = split(metadata_rows[r + 1], '\t');
    ASSERT_EQ(meta.size(), 3u);
    std::int64_t token = loaded.run_method("token_of", static_cast<std::int64_t>(std::stoll(meta[0]))).toInt();
    ASSERT_GT(token, 0) << meta[0];
    EXPECT_EQ(meta[1], vocabulary.titles[token]);
    EXPECT_EQ(meta[2], vocabulary.genres[token]);
    auto values = split(vector_rows[r], '\t');
    ASSERT_EQ(values.size(), static_cast<std::size_t>(kDim));
    for (std::int64_t j = 0; j < kDim; ++j)
      EXPECT_EQ(std::stof(values[j]), e[token][j].item<float>()) << "row " << r << " column " << j;
  }
}

TEST_F(ExportTest, Word2vecTextParsesBackToTheSameVectors) {
  auto lines = lines_of(read_text(dir / "embeddings.w2v.txt"));
  ASSERT_EQ(lines.size(), 7u);
  EXPECT_EQ(lines[0], "6 4");
  for (std::size_t i = 1; i < lines.size(); ++i) {
    auto fields = split(lines[i], ' ');
    ASSERT_EQ(fields.size(), 5u) << lines[i];
    ASSERT_EQ(fields[0].rfind("movie_", 0), 0u) << fields[0];
    std::int64_t movie_id = std::stoll(fields[0].substr(6));
    auto it = std::find(vocabulary.movie_ids.begin(), vocabulary.movie_ids.end(), movie_id);
    ASSERT_NE(it, vocabulary.movie_ids.end());
    std::size_t token = it - vocabulary.movie_ids.begin();
    for (std::int64_t j = 0; j < kDim; ++j) EXPECT_EQ(std::stof(fields[j + 1]), embeddings[token * kDim + j]);
  }
}

TEST_F(ExportTest, GensimReadsTheWord2vecFile) {
  if (!python_has("gensim")) GTEST_SKIP() << "/usr/bin/python3 has no gensim (apt-get install python3-gensim)";
  write_text(dir / "check_gensim.py", R"PY(
import sys
import numpy as np
from gensim.models import KeyedVectors
vectors = KeyedVectors.load_word2vec_format(sys.argv[1], binary=False)
expected = np.loadtxt(sys.argv[2], dtype=np.float32, ndmin=2)
assert len(vectors) == expected.shape[0], (len(vectors), expected.shape)
for key, row in zip(sys.argv[3].split(","), expected):
    assert np.array_equal(vectors[key], row), (key, vectors[key], row)
print("gensim ok", len(vectors), vectors.vector_size)
)PY");
  std::string keys;
  for (std::size_t t = 1; t < vocabulary.size(); ++t) keys += (t > 1 ? "," : "") + word2vec_key(vocabulary, t);
  auto result = run_shell("/usr/bin/python3 " + quoted(dir / "check_gensim.py") + " " +
                          quoted(dir / "embeddings.w2v.txt") + " " + quoted(dir / "embeddings.tsv") + " " + keys);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("gensim ok 6 4"), std::string::npos) << result.output;
}

TEST_F(ExportTest, NumpyFileHasTheVersion1HeaderAndTheRowsOfMetadataTsv) {
  const std::string bytes = read_text(dir / "embeddings.npy");
  ASSERT_GE(bytes.size(), 10u);
  EXPECT_EQ(bytes.substr(0, 6), "\x93NUMPY");
  EXPECT_EQ(bytes[6], '\x01');
  EXPECT_EQ(bytes[7], '\x00');
  const std::size_t header_length =
      static_cast<unsigned char>(bytes[8]) | static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8;
  const std::size_t data_start = 10 + header_length;
  EXPECT_EQ(data_start % 64, 0u) << "numpy pads the header so the data is 64-byte aligned";
  ASSERT_LE(data_start, bytes.size());
  const std::string header = bytes.substr(10, header_length);
  EXPECT_EQ(header.rfind("{'descr': '<f4', 'fortran_order': False, 'shape': (6, 4), }", 0), 0u) << header;
  EXPECT_EQ(header.back(), '\n');
  // Six movies (token 0 left out, as in metadata.tsv) of four little-endian float32 each.
  ASSERT_EQ(bytes.size() - data_start, 6u * kDim * 4);
  for (std::size_t i = 0; i < 6u * kDim; ++i) {
    std::uint32_t bits = 0;
    for (int b = 0; b < 4; ++b)
      bits |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[data_start + 4 * i + b])) << (8 * b);
    float value;
    std::memcpy(&value, &bits, sizeof value);
    EXPECT_EQ(value, embeddings[kDim + i]) << "value " << i;
  }
}

TEST_F(ExportTest, NumpyLoadsTheNpyFileAsEmbeddingsTsv) {
  if (!python_has("numpy")) GTEST_SKIP() << "/usr/bin/python3 has no numpy (apt-get install python3-numpy)";
  write_text(dir / "check_npy.py", R"PY(
import sys
import numpy as np
matrix = np.load(sys.argv[1] + "/embeddings.npy")
expected = np.loadtxt(sys.argv[1] + "/embeddings.tsv", dtype=np.float32, delimiter="\t", ndmin=2)
assert matrix.dtype == np.float32 and matrix.flags["C_CONTIGUOUS"], (matrix.dtype, matrix.flags)
assert matrix.shape == expected.shape, (matrix.shape, expected.shape)
assert np.array_equal(matrix, expected), "embeddings.npy differs from embeddings.tsv"
print("numpy ok", matrix.shape[0], matrix.shape[1])
)PY");
  auto result = run_shell("/usr/bin/python3 " + quoted(dir / "check_npy.py") + " " + quoted(dir.path()));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("numpy ok 6 4"), std::string::npos) << result.output;
}

TEST_F(ExportTest, VocabularyTsvListsEveryToken) {
  auto lines = lines_of(read_text(dir / "vocabulary.tsv"));
  ASSERT_EQ(lines.size(), 8u);
  EXPECT_EQ(lines[0], "token\tmovieId\ttitle\tgenres");
  EXPECT_EQ(lines[1], "0\t-1\tNA\t");
  EXPECT_EQ(lines[6], "5\t2571\tMatrix, The (1999)\t" + vocabulary.genres[5]);
  // It reads back as the whole vocabulary (what `n2v serve` needs beside a manifest).
  const Vocabulary back = read_vocabulary_tsv(dir / "vocabulary.tsv");
  EXPECT_EQ(back.names, vocabulary.names);
  EXPECT_EQ(back.movie_ids, vocabulary.movie_ids);
  EXPECT_EQ(back.titles, vocabulary.titles);
  EXPECT_EQ(back.genres, vocabulary.genres);
}

// An edge list's vocabulary: names, no movie ids, the names as titles, no genres.
Vocabulary edge_list_vocabulary(std::vector<std::string> names) {
  Vocabulary v;
  v.names = std::move(names);
  v.movie_ids.assign(v.names.size(), -1);
  v.titles = v.names;
  v.genres.assign(v.names.size(), "");
  return v;
}

TEST(EmbeddingFiles, VocabularyOfAnEdgeListReadsBackAndABadRowIsNamed) {
  TempDir dir;
  const Vocabulary v = edge_list_vocabulary({"NA", "alice smith", "bob"});
  write_vocabulary_tsv(v, dir / "vocabulary.tsv");
  EXPECT_EQ(read_vocabulary_tsv(dir / "vocabulary.tsv").names, v.names);
  write_text(dir / "bad.tsv", "token\tmovieId\ttitle\tgenres\n0\t-1\tNA\t\n2\t-1\tbob\t\n");
  try {
    read_vocabulary_tsv(dir / "bad.tsv");
    ADD_FAILURE() << "a vocabulary skipping token 1 was read";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.tsv:3"), std::string::npos) << e.what();
  }
}

// One rank's rows as word2vec text: its tokens' keys, in its order.
TEST(EmbeddingFiles, Word2VecRowsWriteSomeTokens) {
  TempDir dir;
  const Vocabulary v = edge_list_vocabulary({"NA", "a", "b", "c"});
  const std::vector<float> rows = {1, 2, 3, 4};
  write_word2vec_rows(rows.data(), 2, {3, 1}, v, dir / "w.txt");
  EXPECT_EQ(read_text(dir / "w.txt"), "2 2\nc 1 2\na 3 4\n");
}

TEST(EmbeddingFiles, EdgeListGraphsUseNodeNames) {
  TempDir dir;
  const Vocabulary v = edge_list_vocabulary({"NA", "alice smith", "bob"});
  std::vector<float> e = {0, 0, 1, 2, 3, 4};
  write_word2vec_text(e, 2, v, dir / "w2v.txt");
  write_projector_files(e, 2, v, dir / "e.tsv", dir / "m.tsv");
  EXPECT_EQ(read_text(dir / "w2v.txt"), "2 2\nalice_smith 1 2\nbob 3 4\n");
  EXPECT_EQ(read_text(dir / "m.tsv"), "node\ttitle\tgenres\nalice smith\talice smith\t\nbob\tbob\t\n");
  EXPECT_EQ(read_text(dir / "e.tsv"), "1\t2\n3\t4\n");
}

TEST(EmbeddingFiles, FloatsRoundTrip) {
  TempDir dir;
  Vocabulary v;
  v.names = {"NA", "1"};
  v.movie_ids = {-1, 1};
  v.titles = {"NA", "A\ttab"};
  v.genres = {"", "Drama"};
  std::vector<float> e = {0, 0, 0.1f, 1.0f / 3.0f};
  write_projector_files(e, 2, v, dir / "e.tsv", dir / "m.tsv");
  auto values = split(lines_of(read_text(dir / "e.tsv"))[0], '\t');
  EXPECT_EQ(std::stof(values[0]), 0.1f);
  EXPECT_EQ(std::stof(values[1]), 1.0f / 3.0f);
  EXPECT_EQ(lines_of(read_text(dir / "m.tsv"))[1], "1\tA tab\tDrama") << "a tab in a title must not add a column";
}

TEST_F(ExportTest, PythonLoadsTheModelWithTorchJitLoad) {
  if (!python_has("torch")) GTEST_SKIP() << "/usr/bin/python3 has no torch (apt-get install python3-torch)";
  // Expected values from the C++ side, written with round-trip precision.
  auto target = torch::arange(7, torch::kInt64).repeat_interleave(7);
  auto context = torch::arange(7, torch::kInt64).repeat({7});
  torch::Tensor logits = model->forward(target, context).detach();
  std::string expected;
  char buffer[32];
  for (std::int64_t i = 0; i < logits.size(0); ++i) {
    std::snprintf(buffer, sizeof buffer, "%.9g\n", logits[i].item<float>());
    expected += buffer;
  }
  write_text(dir / "logits.txt", expected);
  std::string neighbours;
  for (std::int64_t q = 1; q <= 6; ++q) {
    for (const Neighbor& n : brute_force_similar(embeddings, kDim, q, 3)) neighbours += std::to_string(n.token) + " ";
    neighbours += "\n";
  }
  write_text(dir / "neighbours.txt", neighbours);
  write_text(dir / "check_model.py", R"PY(
import sys
import numpy as np
import torch
folder = sys.argv[1]
m = torch.jit.load(folder + "/model.pt")
assert m.n2v_format_version == 1
e = np.loadtxt(folder + "/embeddings.tsv", dtype=np.float32, ndmin=2)
assert torch.equal(m.embeddings()[1:], torch.from_numpy(e)), "embeddings() differs from embeddings.tsv"
target = torch.arange(7).repeat_interleave(7)
context = torch.arange(7).repeat(7)
expected = torch.from_numpy(np.loadtxt(folder + "/logits.txt", dtype=np.float32))
assert torch.equal(m(target, context), expected), (m(target, context), expected)
scores, tokens = m.similar(torch.arange(1, 7), 3)
assert tokens.tolist() == [[int(x) for x in line.split()] for line in open(folder + "/neighbours.txt")], tokens
assert m.titles[5] == "Matrix, The (1999)" and m.genres[5] == "Action|Sci-Fi|Thriller"
assert m.token_of(2571) == 5 and m.movie_id_of(5) == 2571 and m.token_of(42) == -1
assert m.token_of_title("Amélie (Fabuleux destin d'Amélie Poulain, Le) (2001)") == 3
print("python ok")
)PY");
  auto result = run_shell("/usr/bin/python3 " + quoted(dir / "check_model.py") + " " + quoted(dir.path()));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("python ok"), std::string::npos) << result.output;
}

TEST_F(ExportTest, PythonExamplePrintsWhatNsimilarPrints) {
  if (!python_has("torch")) GTEST_SKIP() << "/usr/bin/python3 has no torch (apt-get install python3-torch)";
  std::string script = std::string(N2V_SOURCE_DIR) + "/tools/similar.py";
  // stdout only: PyTorch on Python 3.14+ warns on stderr that torch.jit.load may break there.
  fs::path errors = dir / "similar.stderr";
  auto result = run_shell("{ /usr/bin/python3 " + script + " " + quoted(model_pt()) +
                          " 'Matrix, The (1999)' 'Amélie (Fabuleux destin d'\"'\"'Amélie Poulain, Le) (2001)' -k 3 2>" +
                          quoted(errors) + "; }");
  EXPECT_EQ(result.exit_code, 0) << result.output << read_text(errors);
  EXPECT_EQ(result.output, expected_block(5, 3) + expected_block(3, 3)) << read_text(errors);
  auto unknown = run_shell("/usr/bin/python3 " + script + " " + quoted(model_pt()) + " 'Matrix (1999)'");
  EXPECT_EQ(unknown.exit_code, 1) << unknown.output;
  EXPECT_NE(unknown.output.find("no movie titled"), std::string::npos) << unknown.output;
}

// The way for Python without TorchScript: embeddings.npy and metadata.tsv, numpy alone.
TEST_F(ExportTest, PythonExampleOnTheNumpyFilePrintsWhatNsimilarPrints) {
  if (!python_has("numpy")) GTEST_SKIP() << "/usr/bin/python3 has no numpy (apt-get install python3-numpy)";
  std::string script = std::string(N2V_SOURCE_DIR) + "/tools/similar.py";
  auto result = run_shell("{ /usr/bin/python3 -X importtime " + script + " " + quoted(dir / "embeddings.npy") +
                          " 'Matrix, The (1999)' 'Toy Story (1995)' -k 4 2>" + quoted(dir / "imports.txt") + "; }");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output, expected_block(5, 4) + expected_block(1, 4));
  EXPECT_EQ(read_text(dir / "imports.txt").find("| torch"), std::string::npos) << "the npy path imported torch";
  auto unknown = run_shell("/usr/bin/python3 " + script + " " + quoted(dir / "embeddings.npy") + " 'Matrix (1999)'");
  EXPECT_EQ(unknown.exit_code, 1) << unknown.output;
  EXPECT_NE(unknown.output.find("no movie titled"), std::string::npos) << unknown.output;
}

TEST_F(ExportTest, StandaloneConsumerAnswersQueries) {
  auto result = run_shell(std::string(N2V_CONSUMER) + " " + quoted(model_pt()) + " -k 4 'Matrix, The (1999)' 'Toy Story (1995)'");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output, expected_block(5, 4) + expected_block(1, 4));

  auto unknown = run_shell(std::string(N2V_CONSUMER) + " " + quoted(model_pt()) + " 'Matrix (1999)'");
  EXPECT_EQ(unknown.exit_code, 1) << unknown.output;
  write_text(dir / "garbage.pt", "garbage");
  auto garbage = run_shell(std::string(N2V_CONSUMER) + " " + quoted(dir / "garbage.pt") + " 'Matrix, The (1999)'");
  EXPECT_EQ(garbage.exit_code, 1) << garbage.output;
  auto bad_k = run_shell(std::string(N2V_CONSUMER) + " " + quoted(model_pt()) + " -k 9 'Matrix, The (1999)'");
  EXPECT_EQ(bad_k.exit_code, 2) << bad_k.output;
}

TEST_F(ExportTest, CliSimilarPrintsNeighboursWithScores) {
  auto result = testing::run_n2v("similar --model " + quoted(model_pt()) + " --title 'Matrix, The (1999)' -k 3");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output, expected_block(5, 3));
  auto first = lines_of(result.output);
  ASSERT_GE(first.size(), 3u);
  EXPECT_EQ(first[2], "- Matrix, The (1999)  1.0000") << "the query is its own nearest neighbour";

  auto several = testing::run_n2v("similar --model " + quoted(model_pt()) +
                                  " --title 'Toy Story (1995)' --movie-id 858 --movie-id 4973");
  EXPECT_EQ(several.exit_code, 0) << several.output;
  EXPECT_EQ(several.output, expected_block(1, 5) + expected_block(6, 5) + expected_block(3, 5));
}

TEST_F(ExportTest, CliSimilarTakesTitlesAsPeopleTypeThem) {
  for (const char* typed : {"The Matrix", "the matrix (1999)", "matrix, the"}) {
    auto result = testing::run_n2v("similar --model " + quoted(model_pt()) + " --title '" + typed + "' -k 3");
    EXPECT_EQ(result.exit_code, 0) << typed << "\n" << result.output;
    EXPECT_EQ(result.output, expected_block(5, 3)) << typed;
  }
  auto other_year = testing::run_n2v("similar --model " + quoted(model_pt()) + " --title 'The Matrix (2003)'");
  EXPECT_EQ(other_year.exit_code, 1) << other_year.output;
}

TEST_F(ExportTest, CliSimilarSuggestsTitlesForAnUnknownOne) {
  auto result = testing::run_n2v("similar --model " + quoted(model_pt()) + " --title 'the matrx'");
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("not in the model's vocabulary"), std::string::npos) << result.output;
  auto lines = lines_of(result.output);
  auto hint = std::find(lines.begin(), lines.end(), "  ? Matrix, The (1999)");
  ASSERT_NE(hint, lines.end()) << result.output;
  EXPECT_NE(result.output.find("1 of 1 queries not found"), std::string::npos) << result.output;

  // Other queries still get their answers.
  auto mixed = testing::run_n2v("similar --model " + quoted(model_pt()) + " --title 'Toy Stori' --title 'Toy Story (1995)'");
  EXPECT_EQ(mixed.exit_code, 1);
  EXPECT_NE(mixed.output.find(expected_block(1, 5)), std::string::npos) << mixed.output;
  EXPECT_NE(mixed.output.find("  ? Toy Story (1995)"), std::string::npos) << mixed.output;
}

TEST_F(ExportTest, CliSimilarTellsAMovieMissingFromTheGraph) {
  // Heat is in movies.csv but not in the model's graph; "Nope" is in neither.
  write_text(dir / "data" / "movies.csv",
             "movieId,title,genres\n1,Toy Story (1995),Comedy\n6,Heat (1995),Action|Crime|Thriller\n");
  write_text(dir / "data" / "ratings.csv", "userId,movieId,rating,timestamp\n1,1,5.0,1\n");
  // The folder recorded in model.pt is found without --data-dir.
  auto recorded = testing::run_n2v("similar --model " + quoted(model_pt()) + " --title 'Heat (1995)'");
  EXPECT_EQ(recorded.exit_code, 1) << recorded.output;
  EXPECT_NE(recorded.output.find("(movieId 6) is in"), std::string::npos) << recorded.output;
  EXPECT_NE(recorded.output.find("not in the model's graph"), std::string::npos) << recorded.output;

  fs::rename(dir / "data", dir / "moved");
  auto by_id = testing::run_n2v("similar --model " + quoted(model_pt()) + " --movie-id 6 --data-dir " + quoted(dir / "moved"));
  EXPECT_EQ(by_id.exit_code, 1) << by_id.output;
  EXPECT_NE(by_id.output.find("Heat (1995) (movieId 6) is in"), std::string::npos) << by_id.output;

  auto without = testing::run_n2v("similar --model " + quoted(model_pt()) + " --movie-id 6");
  EXPECT_EQ(without.exit_code, 1) << without.output;
  EXPECT_NE(without.output.find("movieId 6 is not in the model's vocabulary"), std::string::npos) << without.output;
}

TEST_F(ExportTest, CliSimilarRejectsBadInput) {
  auto k0 = testing::run_n2v("similar --model " + quoted(model_pt()) + " --title 'Matrix, The (1999)' -k 0");
  EXPECT_EQ(k0.exit_code, 2) << k0.output;
  EXPECT_NE(k0.output.find("-k 0 is out of range"), std::string::npos) << k0.output;
  auto k7 = testing::run_n2v("similar --model " + quoted(model_pt()) + " --title 'Matrix, The (1999)' -k 7");
  EXPECT_EQ(k7.exit_code, 2) << k7.output;
  EXPECT_NE(k7.output.find("has 6 movies"), std::string::npos) << k7.output;

  write_text(dir / "corrupt.pt", "PK\x03\x04 definitely not a model");
  auto corrupt = testing::run_n2v("similar --model " + quoted(dir / "corrupt.pt") + " --title 'Matrix, The (1999)'");
  EXPECT_EQ(corrupt.exit_code, 1) << corrupt.output;
  EXPECT_NE(corrupt.output.find("corrupt.pt is not an n2v model (not a readable TorchScript file: "), std::string::npos)
      << corrupt.output;
  auto missing = testing::run_n2v("similar --model " + quoted(dir / "none.pt") + " --title 'Matrix, The (1999)'");
  EXPECT_EQ(missing.exit_code, 1) << missing.output;
  EXPECT_NE(missing.output.find("model file not found"), std::string::npos) << missing.output;
  auto no_query = testing::run_n2v("similar --model " + quoted(model_pt()));
  EXPECT_EQ(no_query.exit_code, 2) << no_query.output;
}

TEST_F(ExportTest, CliExportWritesTheSameFilesAsTraining) {
  TempDir out;
  auto result = testing::run_n2v("export --model " + quoted(model_pt()) + " --out " + quoted(out.path()));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  for (const char* name : {"embeddings.tsv", "metadata.tsv", "embeddings.w2v.txt", "embeddings.npy", "vocabulary.tsv"})
    EXPECT_EQ(read_text(out / name), read_text(dir / name)) << name;

  TempDir numpy_only;
  auto npy = testing::run_n2v("export --model " + quoted(model_pt()) + " --out " + quoted(numpy_only.path()) +
                              " --format numpy");
  EXPECT_EQ(npy.exit_code, 0) << npy.output;
  EXPECT_EQ(read_text(numpy_only / "embeddings.npy"), read_text(dir / "embeddings.npy"));
  EXPECT_FALSE(fs::exists(numpy_only / "embeddings.tsv"));

  TempDir partial;
  auto no_w2v = testing::run_n2v("export --model " + quoted(model_pt()) + " --out " + quoted(partial.path()) + " --no-word2vec");
  EXPECT_EQ(no_w2v.exit_code, 0) << no_w2v.output;
  EXPECT_FALSE(fs::exists(partial / "embeddings.w2v.txt"));
  EXPECT_TRUE(fs::exists(partial / "embeddings.tsv"));

  write_text(dir / "corrupt.pt", "garbage");
  auto corrupt = testing::run_n2v("export --model " + quoted(dir / "corrupt.pt") + " --out " + quoted(partial / "x"));
  EXPECT_EQ(corrupt.exit_code, 1) << corrupt.output;
  EXPECT_FALSE(fs::exists(partial / "x")) << "bad input leaves no output behind";
}

}  // namespace
}  // namespace n2v
