#pragma once
// Tables too large for one machine, as the ranks that trained them write them (dist.tables
// per_rank): each rank its rows as word2vec text, embeddings.rank-K.w2v.txt on its host, and rank 0
// a manifest, embeddings.manifest.json, naming them. Copied into one folder, the manifest reads as
// one word2vec file (`n2v evaluate --vectors`, `n2v serve --model`). Torch-free.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "eval/word2vec_text.h"

namespace n2v {

inline constexpr const char* kShardManifestFile = "embeddings.manifest.json";
std::string shard_vectors_file(int rank);  // embeddings.rank-K.w2v.txt

struct ShardManifest {
  std::int64_t dim = 0;
  std::uint64_t tokens = 0;        // the vocabulary, the reserved token 0 included
  std::vector<std::uint64_t> rows;  // the vectors in each rank's file (token 0 is in none)
  int epochs = 0;                   // trained
  std::string data_dir;             // the MovieLens folder of the run, empty when none
};

// Token t's vector is in rank t mod N's file (N = rows.size()).
void write_shard_manifest(const ShardManifest& manifest, const std::filesystem::path& path);
ShardManifest read_shard_manifest(const std::filesystem::path& path);

// Whether `path` names a manifest rather than a word2vec text file (by its .json extension).
bool is_shard_manifest(const std::filesystem::path& path);

// Every rank's file listed by the manifest at `path`, read from the manifest's folder and joined
// in rank order. Throws DataError naming the manifest and the file for a missing file (with where
// it comes from), a file whose dimension or row count is not the manifest's, or a bad manifest.
Word2VecText read_embedding_shards(const std::filesystem::path& path);

// A word2vec text file, or the files a manifest names.
Word2VecText read_vectors_file(const std::filesystem::path& path);

}  // namespace n2v
