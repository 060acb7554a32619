#include "eval/word2vec_text.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <string_view>
#include <unordered_map>

#include "core/csv.h"
#include "core/errors.h"
#include "core/text.h"

namespace n2v {
namespace {

constexpr std::size_t kUnknownExamples = 3;

// Splits on blanks and tabs, empty fields dropped.
void split_fields(std::string_view line, std::vector<std::string_view>& fields) {
  fields.clear();
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
}

std::string where(const std::filesystem::path& path, std::size_t line) {
  return path.string() + ":" + std::to_string(line) + ": ";
}

// from_chars reads the shortest round-trip text of a float (n2v's %.9g, gensim's repr) back to
// the same float, whatever the locale.
bool parse_float(std::string_view s, float& out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  auto result = std::from_chars(s.data(), s.data() + s.size(), out);
  return result.ec == std::errc() && result.ptr == s.data() + s.size();
}

}  // namespace

std::string word2vec_key(const Vocabulary& vocabulary, std::size_t token) {
  if (vocabulary.movie_ids[token] >= 0) return "movie_" + std::to_string(vocabulary.movie_ids[token]);
  // gensim splits each line on spaces, so a key must be one word (the edge-list reader refuses two
  // names that become the same word).
  return one_word(vocabulary.names[token]);
}

Word2VecText read_word2vec_text(const std::filesystem::path& path) {
  require_regular_file(path);  // a FIFO would block, a device never end
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError("cannot read " + path.string());
  Word2VecText text;
  std::string line;
  std::vector<std::string_view> fields;
  auto next_line = [&] {
    if (!std::getline(in, line)) return false;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return true;
  };

  long long count = 0, dim = 0;
  if (!next_line()) throw DataError(path.string() + ": empty file, expected a word2vec header \"count dim\"");
  split_fields(line, fields);
  if (fields.size() != 2 || !parse_int64(fields[0], count) || !parse_int64(fields[1], dim) || count < 1 || dim < 1)
    throw DataError(where(path, 1) + "expected the word2vec text header \"count dim\" (two positive integers), got " +
                    quote_excerpt(line) + " (a binary word2vec file? save it with binary=False)");
  // The header sizes the tables only as far as the file can back it: every value takes at least two
  // bytes ("0 "), so a file of S bytes holds fewer than S / 2 of them. A header that promises more
  // is caught by the lines (too few vectors, too few values), not by a huge allocation.
  std::error_code size_error;
  const std::uintmax_t bytes = std::filesystem::file_size(path, size_error);
  const double most = size_error ? 0.0 : static_cast<double>(bytes) / 2;
  text.dim = dim;
  text.keys.reserve(static_cast<std::size_t>(std::min(static_cast<double>(count), most)));
  text.values.reserve(static_cast<std::size_t>(std::min(static_cast<double>(count) * static_cast<double>(dim), most)));

  std::size_t number = 1;
  while (next_line()) {
    ++number;
    split_fields(line, fields);
    if (fields.empty()) {
      if (static_cast<long long>(text.keys.size()) == count) continue;  // blank lines at the end
      throw DataError(where(path, number) + "empty line, expected \"key v1 ... v" + std::to_string(dim) + "\"");
    }
    if (static_cast<long long>(text.keys.size()) == count)
      throw DataError(where(path, number) + "more vectors than the header's count " + std::to_string(count));
    if (static_cast<long long>(fields.size()) != dim + 1)
      throw DataError(where(path, number) + quote_excerpt(fields[0]) + " has " +
                      std::to_string(fields.size() - 1) + " values, the header says dimension " + std::to_string(dim));
    for (std::size_t j = 1; j < fields.size(); ++j) {
      float value;
      if (!parse_float(fields[j], value)) {
        // gensim 4.3's save_word2vec_format under numpy 2 writes repr() of numpy scalars.
        const bool numpy_repr = fields[j].rfind("np.", 0) == 0;
        throw DataError(where(path, number) + "value " + std::to_string(j) + " of " + quote_excerpt(fields[0]) + ", " +
                        quote_excerpt(fields[j], 20) + ", is not a number" +
                        (numpy_repr ? " (numpy 2's repr of a float: gensim 4.3's save_word2vec_format writes it under "
                                      "numpy 2; write each value with \"%.9g\" % float(x))"
                                    : ""));
      }
      if (!std::isfinite(value)) {
        // One inf would make every score a tie (ROC-AUC's tie loop never ends on it).
        throw DataError(where(path, number) + "value " + std::to_string(j) + " of " + quote_excerpt(fields[0]) + " is " +
                        quote_excerpt(fields[j], 20) + ": vectors must be finite");
      }
      text.values.push_back(value);
    }
    text.keys.emplace_back(fields[0]);
    text.lines.push_back(number);
  }
  if (static_cast<long long>(text.keys.size()) != count)
    throw DataError(path.string() + ": the header says " + std::to_string(count) + " vectors, the file has " +
                    std::to_string(text.keys.size()) + " (cut short?)");
  return text;
}

MatchedVectors match_vocabulary(const Word2VecText& text, const Vocabulary& vocabulary,
                                const std::filesystem::path& path) {
  std::unordered_map<std::string, std::size_t> token_of;
  for (std::size_t t = 1; t < vocabulary.size(); ++t) {
    token_of.emplace(vocabulary.names[t], t);
    token_of.emplace(word2vec_key(vocabulary, t), t);
  }
  MatchedVectors out;
  out.dim = text.dim;
  const auto dim = static_cast<std::size_t>(text.dim);
  out.embeddings.assign(vocabulary.size() * dim, 0.0f);
  std::vector<std::size_t> line_of_token(vocabulary.size(), 0);
  for (std::size_t i = 0; i < text.keys.size(); ++i) {
    auto it = token_of.find(text.keys[i]);
    if (it == token_of.end()) {
      if (out.unknown_examples.size() < kUnknownExamples) out.unknown_examples.push_back(text.keys[i]);
      ++out.unknown;
      continue;
    }
    const std::size_t token = it->second;
    if (line_of_token[token] != 0)
      throw DataError(where(path, text.lines[i]) + quote_excerpt(text.keys[i]) + " is node " + quote_excerpt(vocabulary.names[token]) +
                      ", which line " + std::to_string(line_of_token[token]) + " already gave a vector");
    line_of_token[token] = text.lines[i];
    std::copy(text.values.begin() + i * dim, text.values.begin() + (i + 1) * dim, out.embeddings.begin() + token * dim);
    ++out.matched;
  }
  if (out.matched == 0) {
    std::string expected = vocabulary.size() > 1 ? " (this graph's nodes are keyed like " + quote_excerpt(vocabulary.names[1]) +
                                                       " or " + quote_excerpt(word2vec_key(vocabulary, 1)) + ")"
                                                 : "";
    throw DataError(path.string() + ": none of its " + std::to_string(text.keys.size()) +
                    " keys names a node of the run's graph" + expected +
                    (text.keys.empty() ? std::string() : ", e.g. " + quote_excerpt(text.keys[0])) +
                    "; pass --run with the run whose walks trained these vectors");
  }
  out.missing = vocabulary.size() - 1 - out.matched;
  return out;
}

}  // namespace n2v
