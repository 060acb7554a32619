#pragma once
// Embeddings as text for other tools: the TensorFlow Embedding Projector (embeddings.tsv +
// metadata.tsv), word2vec text (gensim, fastText tooling), a numpy array (embeddings.npy) and a
// token table (vocabulary.tsv).
// Torch-free, so `n2v export` and training share the writers. Every file is written atomically.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "eval/word2vec_text.h"  // word2vec_key
#include "graph/graph.h"

namespace n2v {

// `embeddings` is row-major [vocabulary.size() x dim], row i = token i. The reserved token 0 is
// left out of the Projector and word2vec files; vocabulary.tsv lists every token.

// Row r of embeddings.tsv and row r of metadata.tsv (after its header) describe the same movie.
// Metadata columns: movieId, title, genres (the first column is "node" for edge-list graphs).
void write_projector_files(const std::vector<float>& embeddings, std::int64_t dim, const Vocabulary& vocabulary,
                           const std::filesystem::path& embeddings_tsv, const std::filesystem::path& metadata_tsv);
// First line "count dim", then "movie_<id> v1 ... vdim" (the node name for edge-list graphs).
void write_word2vec_text(const std::vector<float>& embeddings, std::int64_t dim, const Vocabulary& vocabulary,
                         const std::filesystem::path& path);
// numpy's .npy format 1.0: float32 little-endian ('<f4'), C order, shape (vocabulary.size() - 1, dim),
// row r = token r + 1, so its rows are metadata.tsv's rows (numpy.load reads it).
void write_numpy_matrix(const std::vector<float>& embeddings, std::int64_t dim, const Vocabulary& vocabulary,
                        const std::filesystem::path& path);
// Rows of some tokens as word2vec text: rows[i * dim ...] is token tokens[i]'s vector (one rank's
// block of the tables, dist.tables per_rank).
void write_word2vec_rows(const float* rows, std::int64_t dim, const std::vector<std::size_t>& tokens,
                         const Vocabulary& vocabulary, const std::filesystem::path& path);
// Header "token\tmovieId\ttitle\tgenres", one row per token, token 0 included (movieId -1 where
// none). read_vocabulary_tsv reads it back whole (the node name of an edge-list graph is its
// title); DataError naming file and line for a row out of place.
void write_vocabulary_tsv(const Vocabulary& vocabulary, const std::filesystem::path& path);
Vocabulary read_vocabulary_tsv(const std::filesystem::path& path);

// True when the vocabulary comes from MovieLens (tokens carry movie ids).
bool has_movie_ids(const Vocabulary& vocabulary);
// Throws Error when the matrix does not have vocabulary.size() x dim entries.
void check_embedding_shape(const std::vector<float>& embeddings, std::int64_t dim, const Vocabulary& vocabulary);

}  // namespace n2v
