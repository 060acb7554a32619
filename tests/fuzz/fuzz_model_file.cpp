// libFuzzer target: the model.pt reader (ModelFile in src/serve/model_file.cpp) and the queries
// `n2v similar` makes through the file's own TorchScript methods. Besides expect_clean, a model
// it accepts must answer within its vocabulary.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz_torch_util.h"
#include "fuzz_util.h"
#include "serve/export.h"
#include "serve/model_file.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const std::string seed = n2v::fuzz::seed_request(); !seed.empty()) {
    n2v::write_torchscript_model(n2v::fuzz::small_embeddings(), n2v::fuzz::kDim, n2v::fuzz::small_vocabulary(), seed);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = n2v::fuzz::write_input(data, size, ".pt");
  n2v::fuzz::expect_clean([&] {
    const n2v::ModelFile model = n2v::ModelFile::load(path);
    const auto movies = static_cast<std::int64_t>(model.num_movies());
    if (model.embeddings().size() != model.vocabulary().size() * static_cast<std::size_t>(model.dim()))
      n2v::fuzz::finding("embeddings and vocabulary disagree");
    for (const auto& row : model.similar({1}, 1)) {
      for (const n2v::Neighbor& n : row) {
        if (n.token < 0 || n.token > movies) n2v::fuzz::finding("similar() answered a token outside the vocabulary");
      }
    }
    const std::int64_t token = model.token_of(model.vocabulary().movie_ids.back());
    if (token < -1 || token > movies) n2v::fuzz::finding("token_of() answered a token outside the vocabulary");
  });
  return 0;
}
