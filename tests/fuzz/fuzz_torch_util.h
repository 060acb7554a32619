#pragma once
// The small model the torch-side targets read into, and their seeds: N2V_FUZZ_WRITE_SEED=FILE
// makes a target write a valid input of its kind to FILE and exit, which is how the files in
// tests/fuzz/corpus/{checkpoint,model_file}/valid were made (docs/reliability.md "Sanitizers
// and fuzzing").
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/config.h"
#include "graph/graph.h"

namespace n2v::fuzz {

constexpr std::int64_t kVocabularySize = 4;  // token 0 and three movies
constexpr std::int64_t kDim = 3;

inline Config small_config() {
  Config config;
  config.train.embedding_dim = kDim;
  return config;
}

inline Vocabulary small_vocabulary() {
  Vocabulary v;
  v.names = {"NA", "1", "2", "3"};
  v.movie_ids = {-1, 1, 2, 3};
  v.titles = {"NA", "Toy Story (1995)", "Jumanji (1995)", "Heat (1995)"};
  v.genres = {"", "Animation|Children", "Adventure", "Action|Crime"};
  return v;
}

inline std::vector<float> small_embeddings() {
  std::vector<float> e(static_cast<std::size_t>(kVocabularySize * kDim));
  for (std::size_t i = 0; i < e.size(); ++i) e[i] = static_cast<float>(i % 5) - 2.0f;
  return e;
}

// The file to write a seed to, or empty.
inline std::string seed_request() {
  const char* path = std::getenv("N2V_FUZZ_WRITE_SEED");
  return path ? path : "";
}

}  // namespace n2v::fuzz
