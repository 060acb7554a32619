#pragma once
// Reading model.pt back (torch-free interface; implemented in n2v_torch): the vocabulary and the
// embedding matrix as plain structs, and queries answered by the file's own TorchScript methods,
// so `n2v similar` sees exactly what any other consumer of the file sees.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "graph/graph.h"

namespace n2v {

struct Neighbor {
  std::int64_t token = 0;
  float score = 0.0f;  // cosine similarity
};

class ModelFile {
 public:
  // Throws DataError naming the file when it is missing, not TorchScript, not an n2v model,
  // from a newer n2v (format version above kModelFormatVersion) or inconsistent.
  static ModelFile load(const std::filesystem::path& path);

  const std::filesystem::path& path() const;
  const Vocabulary& vocabulary() const;
  const std::vector<float>& embeddings() const;  // row-major [vocabulary size x dim], from embeddings()
  std::int64_t dim() const;
  std::int64_t format_version() const;
  // The MovieLens folder recorded at export (absolute), empty when unknown.
  const std::string& data_dir() const;
  std::size_t num_movies() const { return vocabulary().size() - 1; }  // tokens other than 0

  // Top-k cosine neighbours of each token through the model's similar(); the query itself is
  // included. Throws UsageError for k outside [1, num_movies()] or tokens outside [1, num_movies()].
  std::vector<std::vector<Neighbor>> similar(const std::vector<std::int64_t>& tokens, int k) const;
  std::int64_t token_of(std::int64_t movie_id) const;  // -1 when not in the vocabulary

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

}  // namespace n2v
