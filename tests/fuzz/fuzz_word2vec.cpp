// libFuzzer target: the word2vec text reader behind `n2v evaluate --vectors` (src/eval/
// word2vec_text), then the matching of its keys to a small vocabulary. Besides expect_clean, what
// the reader returns must be consistent: dim values a key, every value finite (one inf would hang
// ROC-AUC's tie loop), and the matched table sized by the vocabulary.
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "eval/word2vec_text.h"
#include "fuzz_util.h"

namespace {

n2v::Vocabulary small_vocabulary() {
  n2v::Vocabulary v;
  v.names = {"NA", "1", "318", "a b"};
  v.movie_ids = {-1, 1, 318, -1};
  v.titles = {"", "Toy Story (1995)", "Shawshank Redemption, The (1994)", "a b"};
  v.genres = {"", "Animation", "Drama", ""};
  return v;
}

void check(const n2v::Word2VecText& text) {
  if (text.dim < 1) n2v::fuzz::finding("a dimension below 1");
  if (text.values.size() != text.keys.size() * static_cast<std::size_t>(text.dim))
    n2v::fuzz::finding("values that are not dim per key");
  if (text.lines.size() != text.keys.size()) n2v::fuzz::finding("a line number missing for a key");
  for (float value : text.values)
    if (!std::isfinite(value)) n2v::fuzz::finding("a value that is not finite");
  static const n2v::Vocabulary vocabulary = small_vocabulary();
  const n2v::MatchedVectors matched = n2v::match_vocabulary(text, vocabulary, "vectors.txt");
  if (matched.embeddings.size() != vocabulary.size() * static_cast<std::size_t>(matched.dim))
    n2v::fuzz::finding("a matched table not sized by the vocabulary");
  if (matched.matched + matched.missing != vocabulary.size() - 1) n2v::fuzz::finding("nodes counted twice or not at all");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = n2v::fuzz::write_input(data, size, ".txt");
  n2v::fuzz::expect_clean([&] { check(n2v::read_word2vec_text(path)); });
  return 0;
}
