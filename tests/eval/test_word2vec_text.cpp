// Reading word2vec text files onto a graph's tokens (`n2v evaluate --vectors`): the formats gensim
// and n2v write, the keys that name a node, the counts, and the errors of malformed files.
#include "eval/word2vec_text.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "core/errors.h"
#include "test_util.h"

namespace n2v {
namespace {

using testing::TempDir;
using testing::write_text;
namespace fs = std::filesystem;

Vocabulary movies() {
  Vocabulary v;
  v.names = {"NA", "1", "260", "318"};
  v.movie_ids = {-1, 1, 260, 318};
  v.titles = {"NA", "Toy Story (1995)", "Star Wars (1977)", "Shawshank (1994)"};
  v.genres = {"", "Comedy", "Sci-Fi", "Drama"};
  return v;
}

TEST(Word2VecText, ReadsBlanksTabsCrlfAndTrailingBlankLines) {
  TempDir dir;
  write_text(dir / "v.txt", "2 3\r\nmovie_1 0.1 -2 1e-3 \r\n260\t0.5\t0.25  -0.125\n\n\n");
  Word2VecText text = read_word2vec_text(dir / "v.txt");
  EXPECT_EQ(text.dim, 3);
  EXPECT_EQ(text.keys, (std::vector<std::string>{"movie_1", "260"}));
  EXPECT_EQ(text.lines, (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(text.values, (std::vector<float>{0.1f, -2.0f, 1e-3f, 0.5f, 0.25f, -0.125f}));
}

TEST(Word2VecText, AFifoOrAFolderIsRefusedNotRead) {
  TempDir dir;
  ASSERT_EQ(::mkfifo((dir / "pipe").c_str(), 0600), 0);  // reading it would block forever
  EXPECT_NE(testing::error_message<DataError>([&] { read_word2vec_text(dir / "pipe"); }).find("a FIFO"),
            std::string::npos);
  EXPECT_NE(testing::error_message<DataError>([&] { read_word2vec_text(dir.path()); }).find("a folder"),
            std::string::npos);
}

TEST(Word2VecText, MalformedFilesNameTheFileAndLine) {
  TempDir dir;
  auto error_of = [&](const std::string& content) {
    write_text(dir / "bad.txt", content);
    return testing::error_message<DataError>([&] { read_word2vec_text(dir / "bad.txt"); });
  };
  const std::string file = (dir / "bad.txt").string();
  EXPECT_NE(error_of("").find(file + ": empty file"), std::string::npos);
  EXPECT_NE(error_of("movie_1 0.1 0.2\n").find(file + ":1: expected the word2vec text header"), std::string::npos);
  EXPECT_NE(error_of("2 x\n").find(file + ":1:"), std::string::npos);
  EXPECT_NE(error_of("1 0\n").find(file + ":1:"), std::string::npos);
  std::string short_row = error_of("2 2\nmovie_1 1 2\nmovie_260 3\n");
  EXPECT_NE(short_row.find(file + ":3: 'movie_260' has 1 values, the header says dimension 2"), std::string::npos)
      << short_row;
  std::string not_a_number = error_of("1 2\nmovie_1 1 abc\n");
  EXPECT_NE(not_a_number.find(file + ":2: value 2 of 'movie_1', 'abc', is not a number"), std::string::npos)
      << not_a_number;
  EXPECT_EQ(not_a_number.find("numpy 2"), std::string::npos) << not_a_number;
  for (const char* value : {"nan", "inf", "-inf", "NaN"}) {
    std::string not_finite = error_of(std::string("1 2\nmovie_1 1 ") + value + "\n");
    EXPECT_NE(not_finite.find(file + ":2: value 2 of 'movie_1' is"), std::string::npos) << value << ": " << not_finite;
    EXPECT_NE(not_finite.find("vectors must be finite"), std::string::npos) << value << ": " << not_finite;
  }
  // A header far beyond the file allocates only what the file can hold; its lines tell what is wrong.
  std::string huge = error_of("9223372036854775807 50\nmovie_1 1 2\n");
  EXPECT_NE(huge.find(file + ":2: 'movie_1' has 2 values, the header says dimension 50"), std::string::npos) << huge;
  huge = error_of("9223372036854775807 2\nmovie_1 1 2\n");
  EXPECT_NE(huge.find("the header says 9223372036854775807 vectors, the file has 1"), std::string::npos) << huge;
  std::string numpy_repr = error_of("1 2\nmovie_1 1 np.float32(-0.0164109)\n");
  EXPECT_NE(numpy_repr.find("gensim 4.3's save_word2vec_format writes it under numpy 2"), std::string::npos)
      << numpy_repr;
  EXPECT_NE(error_of("1 2\nmovie_1 1 2\nmovie_260 3 4\n").find(file + ":3: more vectors than the header's count 1"),
            std::string::npos);
  EXPECT_NE(error_of("3 2\nmovie_1 1 2\nmovie_260 3 4\n").find("the header says 3 vectors, the file has 2"),
            std::string::npos);
  EXPECT_NE(error_of("2 2\nmovie_1 1 2\n\nmovie_260 3 4\n").find(file + ":3: empty line"), std::string::npos);
  EXPECT_NE(testing::error_message<DataError>([&] { read_word2vec_text(dir / "absent.txt"); }).find("file not found"), std::string::npos);
}

TEST(Word2VecText, KeysNameNodesAsN2vOrAsWalksTxtWriteThem) {
  TempDir dir;
  // n2v's key for movie 1, walks.txt's (so gensim's) for movie 318, an unknown key; 260 has none.
  write_text(dir / "v.txt", "3 2\nmovie_1 1 2\nmovie_999 5 6\n318 3 4\n");
  Word2VecText text = read_word2vec_text(dir / "v.txt");
  MatchedVectors m = match_vocabulary(text, movies(), dir / "v.txt");
  EXPECT_EQ(m.dim, 2);
  EXPECT_EQ(m.embeddings, (std::vector<float>{0, 0, 1, 2, 0, 0, 3, 4})) << "token 0 and node 260 stay zero";
  EXPECT_EQ(m.matched, 2u);
  EXPECT_EQ(m.missing, 1u);
  EXPECT_EQ(m.unknown, 1u);
  EXPECT_EQ(m.unknown_examples, (std::vector<std::string>{"movie_999"}));
}

TEST(Word2VecText, EdgeListNamesMatchWithWhitespaceAsUnderscore) {
  Vocabulary v;
  v.names = {"NA", "alice smith", "bob"};
  v.movie_ids = {-1, -1, -1};
  v.titles = v.names;
  v.genres = {"", "", ""};
  EXPECT_EQ(word2vec_key(v, 1), "alice_smith");
  TempDir dir;
  write_text(dir / "v.txt", "2 1\nalice_smith 1\nbob 2\n");
  MatchedVectors m = match_vocabulary(read_word2vec_text(dir / "v.txt"), v, dir / "v.txt");
  EXPECT_EQ(m.embeddings, (std::vector<float>{0, 1, 2}));
  EXPECT_EQ(m.missing, 0u);
}

TEST(Word2VecText, NoMatchingKeyOrTwoRowsForOneNodeAreErrors) {
  TempDir dir;
  write_text(dir / "other.txt", "2 1\nuser_1 1\nuser_2 2\n");
  std::string none = testing::error_message<DataError>(
      [&] { match_vocabulary(read_word2vec_text(dir / "other.txt"), movies(), dir / "other.txt"); });
  EXPECT_NE(none.find("none of its 2 keys names a node"), std::string::npos) << none;
  EXPECT_NE(none.find("'movie_1'"), std::string::npos) << "says what the keys look like: " << none;
  EXPECT_NE(none.find("--run"), std::string::npos) << none;

  write_text(dir / "twice.txt", "2 1\n1 1\nmovie_1 2\n");
  std::string twice = testing::error_message<DataError>(
      [&] { match_vocabulary(read_word2vec_text(dir / "twice.txt"), movies(), dir / "twice.txt"); });
  EXPECT_NE(twice.find((dir / "twice.txt").string() + ":3: 'movie_1' is node '1', which line 2 already gave a vector"),
            std::string::npos)
      << twice;
}

}  // namespace
}  // namespace n2v
