#pragma once
// Training checkpoints: the model, Adam's state and the loss history after every epoch, tied to the
// settings and the data that made them, so that --resume refuses a run with other settings or data.
// A checkpoint is a file n2v reads, so nothing in it is trusted: every record is checked (present,
// dtype, shape against the model being resumed, finite, in range) before it is used.
#include <torch/optim/adam.h>
#include <torch/serialize.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/config.h"
#include "models/skipgram.h"
#include "walk/examples.h"
#include "walk/walks.h"

namespace n2v {

class Communicator;

struct Checkpoint {
  int epoch = 0;
  std::vector<double> loss, seconds;
};

// Optimizer state that lives outside torch::optim (stream mode's lazy Adam), saved by name. A load
// fills `tensor` in place: the saved one must have its dtype and shape (and be >= 0 when
// non_negative, as second moments and step counts are).
struct ExtraTensor {
  ExtraTensor(torch::Tensor t = {}, bool non_negative_values = false)  // NOLINT: implicit from a tensor
      : tensor(std::move(t)), non_negative(non_negative_values) {}
  torch::Tensor tensor;
  bool non_negative = false;
};
using ExtraState = std::map<std::string, ExtraTensor>;

// Everything in the config that changes the examples or the model; a checkpoint only resumes a run
// that matches. Checked before the slow stages (check_resumable).
std::string run_fingerprint(const Config& config);

// What the config cannot tell: the data trained on (a digest of the examples, or of the walks in
// stream mode). A checkpoint also records its vocabulary size (the model's rows); both are checked
// when training resumes, so a checkpoint of other data is refused before any tensor is used.
std::string training_data_digest(const Examples& examples);
std::string training_data_digest(const Walks& walks);

// Serialised in memory, then written through write_file_atomic: a full disk or a crash while
// saving is an OutputError (or nothing) and leaves the previous checkpoint.
// Any model (its parameters by name); `optimizer` may be null (sgns' plain SGD has no state). Adam
// is the only torch optimizer n2v trains with (stream mode's lazy Adam lives in `extra`).
void save_checkpoint(const std::filesystem::path& path, torch::nn::Module& model, torch::optim::Adam* optimizer,
                     const Checkpoint& state, const std::string& fingerprint, const std::string& data_digest,
                     const ExtraState& extra);

// The checkpoint's bytes. With comm, rank 0 reads the file and sends it to every rank, so ranks on
// hosts without a shared disk resume too; a missing file is the same UsageError on every rank (an
// unreadable one, a folder, the same DataError).
std::string read_checkpoint_bytes(const std::filesystem::path& path, Communicator* comm);

// Restores model, optimizer and the tensors of `extra` (by name) from `bytes`; UsageError when the
// fingerprint, the data digest or the vocabulary size differs; DataError "PATH is not an n2v
// checkpoint (...)" when the bytes are not one, "PATH: damaged n2v checkpoint: ..." when a record is
// missing or has the wrong dtype, shape or values. `path` names it in errors. The model and `extra`
// change only once every record has passed; after an error the optimizer may hold part of the
// file's state (the caller discards it: training does not start).
Checkpoint load_checkpoint(const std::filesystem::path& path, const std::string& bytes, torch::nn::Module& model,
                           torch::optim::Adam* optimizer, const std::string& fingerprint,
                           const std::string& data_digest, ExtraState& extra);

// The Keras model with its Adam (aggregate and stream modes).
inline void save_checkpoint(const std::filesystem::path& path, SkipGram& model, torch::optim::Adam& optimizer,
                            const Checkpoint& state, const std::string& fingerprint, const std::string& data_digest,
                            const ExtraState& extra) {
  save_checkpoint(path, *model, &optimizer, state, fingerprint, data_digest, extra);
}
inline Checkpoint load_checkpoint(const std::filesystem::path& path, const std::string& bytes, SkipGram& model,
                                  torch::optim::Adam& optimizer, const std::string& fingerprint,
                                  const std::string& data_digest, ExtraState& extra) {
  return load_checkpoint(path, bytes, *model, &optimizer, fingerprint, data_digest, extra);
}

// Throws UsageError when the checkpoint at `path` has more epochs done than train.epochs asks for:
// going on would record train.epochs below the epochs the weights have had.
void check_epochs_left(const std::filesystem::path& path, int epochs_done, int epochs);

// The integer records `keys` ("epoch", "extra/NAME" of a one-element integer tensor), read from one
// pass over the archive, without checking the rest against a model; DataError as load_checkpoint's
// when the file is no checkpoint or lacks one.
std::vector<std::int64_t> read_checkpoint_integers(const std::filesystem::path& path, const std::string& bytes,
                                                   const std::vector<std::string>& keys);

// Throws unless out_dir/checkpoint.pt (or checkpoint.rank-0.pt, of tables written per rank) exists and was made with the settings of `config` (before
// the slow stages, and before a resumed run rewrites config.yaml).
void check_resumable(const Config& config, const std::filesystem::path& out_dir);

// loss.csv: epoch, loss, seconds.
void write_loss_csv(const std::filesystem::path& path, const Checkpoint& state);

}  // namespace n2v
