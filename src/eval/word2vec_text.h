#pragma once
// The word2vec text format ("count dim", then "key v1 ... vdim" per line): the key n2v writes for
// a token, and a reader that puts any such file (gensim's save_word2vec_format, PecanPy's, n2v's
// embeddings.w2v.txt) onto a graph's tokens for `n2v evaluate --vectors`. Torch-free.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "graph/graph.h"

namespace n2v {

// The word2vec key of a token: "movie_318", or the node name with whitespace made '_'.
std::string word2vec_key(const Vocabulary& vocabulary, std::size_t token);

// A file's rows as written: key i's vector is values[i * dim ... (i + 1) * dim).
struct Word2VecText {
  std::vector<std::string> keys;
  std::vector<std::size_t> lines;  // the line of each key, for messages
  std::vector<float> values;
  std::int64_t dim = 0;
};

// Fields are separated by blanks or tabs; "\r\n" line ends and a trailing blank are accepted, as
// are blank lines after the last vector. Throws DataError naming the file and line for a bad
// header, a row without exactly `dim` numbers, a value that is not a number, or a row count other
// than the header's.
Word2VecText read_word2vec_text(const std::filesystem::path& path);

// The file's vectors on the vocabulary's tokens. A key names token t when it is word2vec_key(t)
// ("movie_318", as n2v writes) or the node's name ("318", as walks.txt and so gensim on n2v's walks
// write). Keys naming no node are left out (counted); nodes without a vector keep a zero vector,
// which every task scores as knowing nothing (cosine 0 with everything; genres from the
// classifier's bias alone); token 0 is always zero.
struct MatchedVectors {
  std::vector<float> embeddings;  // [vocabulary.size() x dim], row t = token t
  std::int64_t dim = 0;
  std::size_t matched = 0;  // nodes given a vector
  std::size_t missing = 0;  // nodes (tokens 1 .. V - 1) without one
  std::size_t unknown = 0;  // rows whose key names no node
  std::vector<std::string> unknown_examples;  // the first few of those keys
};
// Throws DataError when no key names a node (another graph, or another key scheme), or when two
// rows name the same node.
MatchedVectors match_vocabulary(const Word2VecText& text, const Vocabulary& vocabulary,
                                const std::filesystem::path& path);

}  // namespace n2v
