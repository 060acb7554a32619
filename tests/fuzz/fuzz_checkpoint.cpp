// libFuzzer target: the checkpoint reader (load_checkpoint in src/train/checkpoint.cpp), given the
// bytes of a checkpoint.pt for a model of kVocabularySize x kDim. Besides expect_clean, a
// checkpoint it accepts must fit the model it resumes (docs/reliability.md "Files n2v reads,
// writes that fail"): the embedding keeps its shape and dtype, and the loss history has one entry an epoch.
#include <torch/optim/adam.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fuzz_torch_util.h"
#include "fuzz_util.h"
#include "models/skipgram.h"
#include "train/checkpoint.h"

namespace {

struct Resumed {
  n2v::SkipGram model{n2v::fuzz::kVocabularySize, n2v::fuzz::kDim, 7};
  torch::optim::Adam optimizer{model->parameters(), torch::optim::AdamOptions(0.001).eps(1e-7)};
};

// The seed's training-data digest (any fixed text: the fuzzer varies the file, not the run).
const char* const kDigest = "walks 0";

const std::string& fingerprint() {
  static const std::string f = n2v::run_fingerprint(n2v::fuzz::small_config());
  return f;
}

void write_seed(const std::string& path) {
  Resumed run;
  n2v::Checkpoint state;
  state.epoch = 2;
  state.loss = {0.69, 0.5};
  state.seconds = {0.1, 0.1};
  n2v::save_checkpoint(path, run.model, run.optimizer, state, fingerprint(), kDigest, {});
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const std::string seed = n2v::fuzz::seed_request(); !seed.empty()) {
    write_seed(seed);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  n2v::fuzz::expect_clean([&] {
    Resumed run;
    n2v::ExtraState extra;
    const n2v::Checkpoint state = n2v::load_checkpoint("checkpoint.pt", bytes, run.model, run.optimizer,
                                                       fingerprint(), kDigest, extra);
    const torch::Tensor weight = run.model->weight();
    if (weight.dim() != 2 || weight.size(0) != n2v::fuzz::kVocabularySize || weight.size(1) != n2v::fuzz::kDim ||
        weight.scalar_type() != torch::kFloat32)
      n2v::fuzz::finding("a checkpoint whose embedding does not fit the model was accepted");
    if (state.epoch < 0 || state.loss.size() != static_cast<std::size_t>(state.epoch) ||
        state.seconds.size() != state.loss.size())
      n2v::fuzz::finding("a checkpoint whose epoch and loss history disagree was accepted");
  });
  return 0;
}
