#include "train/checkpoint.h"

#include <climits>
#include <cmath>
#include <cstring>
#include <map>
#include <sstream>

#include "core/atomic_file.h"
#include "core/csv.h"
#include "core/errors.h"
#include "core/text.h"
#include "train/rank_checkpoints.h"
#include "train/distributed.h"
#include "train/torch_error.h"
#include "train/torch_version.h"
#include "train/train.h"

namespace n2v {
namespace fs = std::filesystem;

namespace {

using torch::serialize::InputArchive;

const char* const kFresh = "start a new --out folder (or delete the checkpoint) to train from scratch";

[[noreturn]] void not_a_checkpoint(const fs::path& path, const std::string& why) {
  throw DataError(path.string() + " is not an n2v checkpoint (" + why + "); --resume reads the checkpoint.pt that "
                  "`n2v train` writes into its --out folder; " + kFresh);
}

[[noreturn]] void damaged(const fs::path& path, const std::string& what) {
  throw DataError(path.string() + ": damaged n2v checkpoint: " + what + "; " + kFresh);
}

// The one place a checkpoint's bytes are parsed: torch's errors become "not an n2v checkpoint".
InputArchive open_archive(const fs::path& path, const std::string& bytes) {
  if (bytes.empty()) not_a_checkpoint(path, "the file is empty");
  InputArchive archive;
  try {
    archive.load_from(bytes.data(), bytes.size());
  } catch (const std::exception& e) {
    not_a_checkpoint(path, "not a readable torch archive: " + torch_error_reason(e));
  }
  return archive;
}

std::string read_fingerprint(InputArchive& archive, const fs::path& path) {
  c10::IValue value;
  bool found = false;
  try {
    found = archive.try_read("fingerprint", value) && value.isString();
  } catch (const std::exception& e) {
    not_a_checkpoint(path, torch_error_reason(e));
  }
  if (!found) {
    c10::IValue version;
    if (archive.try_read("n2v_format_version", version))
      not_a_checkpoint(path, "it is an n2v model.pt, not a checkpoint.pt");
    not_a_checkpoint(path, "no fingerprint record");
  }
  return value.toStringRef();
}

// "walk.p: 1 here, 2 in the checkpoint" for each key whose fingerprint line differs.
std::string differing_keys(const std::string& ours, const std::string& theirs) {
  auto lines_by_key = [](const std::string& yaml) {
    std::map<std::string, std::string> values;
    std::string section;
    std::istringstream in(yaml);
    for (std::string line; std::getline(in, line);) {
      const std::size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      const bool nested = line.rfind("  ", 0) == 0;
      const std::string key = trim(std::string_view(line).substr(0, colon));
      const std::string value = trim(std::string_view(line).substr(colon + 1));
      if (!nested && value.empty()) section = key;
      else values[nested ? section + "." + key : key] = value;
    }
    return values;
  };
  const auto here = lines_by_key(ours), there = lines_by_key(theirs);
  std::string out;
  for (const auto& [key, value] : here) {
    const auto it = there.find(key);
    const std::string other = it == there.end() ? "(none)" : it->second;
    if (other != value) out += (out.empty() ? "" : "; ") + key + ": " + value + " here, " + other + " in the checkpoint";
  }
  return out;
}

void check_fingerprint(InputArchive& archive, const fs::path& path, const std::string& fingerprint) {
  const std::string recorded = read_fingerprint(archive, path);
  if (recorded != fingerprint) {
    const std::string keys = differing_keys(fingerprint, recorded);
    throw UsageError("--resume: " + path.string() + " was made with other settings (" +
                     (keys.empty() ? "data, graph, walk, skipgram or train keys differ" : printable_excerpt(keys, 300)) +
                     "); resume with the run's config.yaml or start a new --out folder");
  }
}

// The tensor `key` of `archive`; `name` is how errors call it (the record's full name).
torch::Tensor read_tensor(InputArchive& archive, const fs::path& path, const std::string& key,
                          const std::string& name) {
  torch::Tensor tensor;  // undefined: torch fills it instead of resizing one of ours in place
  bool found = false;
  try {
    found = archive.try_read(key, tensor);
  } catch (const std::exception& e) {
    damaged(path, "record '" + name + "': " + torch_error_reason(e));
  }
  if (!found || !tensor.defined()) damaged(path, "no tensor '" + name + "'");
  return tensor;
}

torch::Tensor read_tensor(InputArchive& archive, const fs::path& path, const std::string& key) {
  return read_tensor(archive, path, key, key);
}

// `what` in the file must be a dense tensor of `dtype` and `sizes`, finite, and >= 0 when asked.
// (Sizes, not a tensor to compare with: a hostile epoch count must not allocate its history.)
void check_tensor(const fs::path& path, const std::string& what, const torch::Tensor& saved, torch::ScalarType dtype,
                  c10::IntArrayRef sizes, bool non_negative = false) {
  if (saved.layout() != torch::kStrided) damaged(path, what + " is not a dense tensor");
  if (saved.scalar_type() != dtype)
    damaged(path, what + " has dtype " + std::string(c10::toString(saved.scalar_type())) + ", expected " +
                      c10::toString(dtype));
  if (!saved.sizes().equals(sizes)) {
    std::ostringstream found, expected;
    found << saved.sizes();
    expected << sizes;
    damaged(path, what + " has shape " + found.str() + ", expected " + expected.str());
  }
  if (saved.is_floating_point() && !torch::isfinite(saved).all().item<bool>())
    damaged(path, what + " holds NaN or infinite values");
  if (non_negative && (saved < 0).any().item<bool>()) damaged(path, what + " holds negative values");
}

void check_like(const fs::path& path, const std::string& what, const torch::Tensor& saved, const torch::Tensor& like,
                bool non_negative = false) {
  check_tensor(path, what, saved, like.scalar_type(), like.sizes(), non_negative);
}

// The nested archive `key` of `archive`; `name` is how errors call what is looked for.
InputArchive read_archive(InputArchive& archive, const fs::path& path, const std::string& key,
                          const std::string& name) {
  InputArchive child;
  bool found = false;
  try {
    found = archive.try_read(key, child);
  } catch (const std::exception& e) {
    damaged(path, "record '" + name + "': " + torch_error_reason(e));
  }
  if (!found) damaged(path, "no record '" + name + "'");
  return child;
}

// A parameter named like "embedding.weight" lives in the nested archive "embedding" as "weight".
torch::Tensor read_parameter(InputArchive& archive, const fs::path& path, const std::string& name,
                             const std::string& full_name) {
  const std::size_t dot = name.find('.');
  if (dot == std::string::npos) return read_tensor(archive, path, name, "model/" + full_name);
  InputArchive child = read_archive(archive, path, name.substr(0, dot), "model/" + full_name);
  return read_parameter(child, path, name.substr(dot + 1), full_name);
}

std::vector<double> read_history(InputArchive& archive, const fs::path& path, const std::string& key,
                                 std::int64_t epochs, bool non_negative) {
  torch::Tensor t = read_tensor(archive, path, key);
  check_tensor(path, "'" + key + "'", t, torch::kDouble, {epochs}, non_negative);
  t = t.contiguous();
  return std::vector<double>(t.data_ptr<double>(), t.data_ptr<double>() + t.numel());
}

// The digest of a run's training data: FNV-1a over the bytes, 8 at a time.
class Digest {
 public:
  template <typename T>
  void add(const std::vector<T>& values) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(values.data());
    std::size_t n = values.size() * sizeof(T), i = 0;
    add_word(values.size());
    for (; i + 8 <= n; i += 8) {
      std::uint64_t word;
      std::memcpy(&word, bytes + i, 8);
      add_word(word);
    }
    for (; i < n; ++i) add_word(bytes[i]);
  }
  std::string hex() const {
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash_));
    return text;
  }

 private:
  void add_word(std::uint64_t word) { hash_ = (hash_ ^ word) * 0x100000001b3ULL; }
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

// Every table of an n2v model has a row per token: the first parameter's rows are the vocabulary.
std::int64_t model_rows(const torch::nn::Module& model) {
  const auto parameters = model.parameters();
  return parameters.empty() ? 0 : parameters.front().size(0);
}

void load_optimizer(InputArchive& archive, const fs::path& path, torch::optim::Adam& adam) {
  InputArchive optimizer_archive = read_archive(archive, path, "optimizer", "optimizer");
  // Adam: torch reads its own records; what it read is checked against the model before use.
  const auto configured = static_cast<const torch::optim::AdamOptions&>(adam.param_groups().at(0).options());
  try {
    adam.load(optimizer_archive);
  } catch (const std::exception& e) {
    damaged(path, "Adam's state: " + torch_error_reason(e));
  }
  for (auto& group : adam.param_groups()) {
    // The run's options, whatever the file says (LibTorch 1.13 keeps the optimizer's own on load,
    // later versions may take the file's): the settings' fingerprint already matched them.
    static_cast<torch::optim::AdamOptions&>(group.options()) = configured;
    for (const auto& parameter : group.params()) {
      auto it = adam.state().find(optimizer_state_key(adam, parameter));
      if (it == adam.state().end()) continue;  // no step yet
      const auto& moments = static_cast<const torch::optim::AdamParamState&>(*it->second);
      if (moments.step() < 0) damaged(path, "Adam's step count is " + std::to_string(moments.step()));
      check_like(path, "Adam's first moment", moments.exp_avg(), parameter);
      check_like(path, "Adam's second moment", moments.exp_avg_sq(), parameter, true);
      if (moments.max_exp_avg_sq().defined())
        check_like(path, "Adam's max second moment", moments.max_exp_avg_sq(), parameter, true);
    }
  }
}

}  // namespace

std::string run_fingerprint(const Config& config) {
  // Only what shapes the trained weights: not how many epochs, where, on how many threads or with
  // which kernel (the same math), nor what is downloaded from where or exported.
  Config c = config;
  c.train.epochs = 0;
  c.train.device = TrainDevice::Cpu;
  c.train.kernel = TrainKernel::Auto;
  c.threads = 0;
  c.data.dir = "";
  c.data.url = Config{}.data.url;
  c.data.md5 = "";
  c.data.sha256 = "";
  c.export_ = ExportConfig{};
  c.origin.clear();
  c.dist = DistConfig{};
  std::string yaml = c.to_yaml();
  // Checkpoints written while train.device was free text hold `device: ""` here, and those written
  // before train.kernel existed no kernel line: keep them resumable.
  for (const auto& [line, old] : {std::pair<std::string, std::string>{"  device: \"cpu\"\n", "  device: \"\"\n"},
                                  {"  kernel: \"auto\"\n", ""}}) {
    const std::size_t at = yaml.find(line);
    if (at != std::string::npos) yaml.replace(at, line.size(), old);
  }
  return yaml;
}



std::string training_data_digest(const Examples& examples) {
  Digest digest;
  digest.add(examples.targets);
  digest.add(examples.contexts);
  digest.add(examples.labels);
  digest.add(examples.weights);
  return "examples " + digest.hex();
}

std::string training_data_digest(const Walks& walks) {
  Digest digest;
  digest.add(walks.nodes);
  digest.add(walks.offsets);
  return "walks " + digest.hex();
}

void save_checkpoint(const fs::path& path, torch::nn::Module& model, torch::optim::Adam* optimizer,
                     const Checkpoint& state, const std::string& fingerprint, const std::string& data_digest,
                     const ExtraState& extra) {
  // In memory first: torch's writer aborts the process (an exception from a destructor) when the
  // stream it writes fails, so the file is written by write_file_atomic, which reports the failure.
  std::string bytes;
  try {
    torch::serialize::OutputArchive archive, model_archive, optimizer_archive;
    model.save(model_archive);
    archive.write("model", model_archive);
    if (optimizer) {
      optimizer->save(optimizer_archive);
      archive.write("optimizer", optimizer_archive);
    }
    archive.write("epoch", torch::tensor(static_cast<std::int64_t>(state.epoch)));
    archive.write("loss", torch::tensor(state.loss, torch::kDouble));
    archive.write("seconds", torch::tensor(state.seconds, torch::kDouble));
    archive.write("fingerprint", c10::IValue(fingerprint));
    archive.write("data_digest", c10::IValue(data_digest));
    archive.write("vocabulary_size", torch::tensor(model_rows(model)));
    for (const auto& [name, extra_tensor] : extra) archive.write("extra/" + name, extra_tensor.tensor);
    archive.save_to([&bytes](const void* data, std::size_t n) {
      bytes.append(static_cast<const char*>(data), n);
      return n;
    });
  } catch (const c10::Error& e) {
    throw OutputError("cannot write " + path.string() + ": " + torch_error_reason(e));
  }
  write_file_atomic(path, bytes);
}

// Any world size resumes any checkpoint: the global batch, hence the training, does not depend on it.
std::string read_checkpoint_bytes(const fs::path& path, Communicator* comm) {
  // 'C' + the file, or 'U' / 'D' + the UsageError / DataError every rank throws
  std::string payload;
  if (!comm || comm->rank() == 0) {
    std::error_code ec;
    if (!fs::exists(path, ec)) {
      payload = "U--resume: no checkpoint at " + path.string();
    } else if (fs::is_directory(path, ec)) {
      payload = "D" + path.string() + " is not an n2v checkpoint (it is a folder)";
    } else {
      try {
        payload = "C" + read_file(path);
      } catch (const DataError& e) {
        payload = std::string("D") + e.what();
      }
    }
  }
  if (comm) payload = comm->broadcast_bytes(payload);
  if (payload.empty()) throw UsageError("--resume: empty message");
  if (payload[0] == 'D') throw DataError(payload.substr(1));
  if (payload[0] != 'C') throw UsageError(payload.substr(1));
  return payload.substr(1);
}

Checkpoint load_checkpoint(const fs::path& path, const std::string& bytes, torch::nn::Module& model,
                           torch::optim::Adam* optimizer, const std::string& fingerprint,
                           const std::string& data_digest, ExtraState& extra) {
  InputArchive archive = open_archive(path, bytes);
  check_fingerprint(archive, path, fingerprint);

  // The data: other data (a smaller vocabulary, other walks) under the same settings is refused
  // here, before its tensors meet the model. Checkpoints from before these records go on to the
  // shape checks below.
  const std::int64_t rows = model_rows(model);
  c10::IValue saved_digest;
  torch::Tensor saved_rows;
  if (archive.try_read("vocabulary_size", saved_rows)) {
    if (saved_rows.scalar_type() != torch::kLong || saved_rows.numel() != 1)
      damaged(path, "'vocabulary_size' is not one integer");
    if (saved_rows.item<std::int64_t>() != rows)
      throw UsageError("--resume: " + path.string() + " was trained on other data: a vocabulary of " +
                       std::to_string(saved_rows.item<std::int64_t>()) + " tokens, this run's has " +
                       std::to_string(rows) + " (another data folder, or other holdouts); resume with the run's "
                       "data or start a new --out folder");
  }
  if (archive.try_read("data_digest", saved_digest) &&
      (!saved_digest.isString() || saved_digest.toStringRef() != data_digest))
    throw UsageError("--resume: " + path.string() + " was trained on other data (its " +
                     (saved_digest.isString() ? saved_digest.toStringRef() : std::string("?")) + ", this run's " +
                     data_digest + "); resume with the run's data or start a new --out folder");

  // Every record is read and checked before the model or the extra tensors change.
  InputArchive model_archive = read_archive(archive, path, "model", "model");
  std::vector<std::pair<torch::Tensor, torch::Tensor>> parameters;  // (the model's, the file's)
  for (const auto& item : model.named_parameters()) {
    torch::Tensor saved = read_parameter(model_archive, path, item.key(), item.key());
    check_like(path, "'model/" + item.key() + "'", saved, item.value());
    parameters.emplace_back(item.value(), saved);
  }
  std::vector<std::pair<torch::Tensor, torch::Tensor>> extras;
  for (auto& [name, extra_tensor] : extra) {
    torch::Tensor saved = read_tensor(archive, path, "extra/" + name);
    check_like(path, "'extra/" + name + "'", saved, extra_tensor.tensor, extra_tensor.non_negative);
    extras.emplace_back(extra_tensor.tensor, saved);
  }
  Checkpoint state;
  torch::Tensor epoch = read_tensor(archive, path, "epoch");
  check_tensor(path, "'epoch'", epoch, torch::kLong, {}, true);
  if (epoch.item<std::int64_t>() > INT_MAX) damaged(path, "'epoch' is " + std::to_string(epoch.item<std::int64_t>()));
  state.epoch = static_cast<int>(epoch.item<std::int64_t>());
  state.loss = read_history(archive, path, "loss", state.epoch, false);
  state.seconds = read_history(archive, path, "seconds", state.epoch, true);

  // The optimizer: torch reads its own records; Adam's are checked against the model before use.
  // sgns' plain SGD has no optimizer and no record.
  if (optimizer) load_optimizer(archive, path, *optimizer);

  torch::NoGradGuard no_grad;
  for (auto& [mine, saved] : parameters) mine.copy_(saved);
  for (auto& [mine, saved] : extras) mine.copy_(saved);
  return state;
}

void check_epochs_left(const fs::path& path, int epochs_done, int epochs) {
  if (epochs_done <= epochs) return;
  throw UsageError("--resume: " + path.string() + " has " + std::to_string(epochs_done) +
                   " epochs done, more than train.epochs = " + std::to_string(epochs) + "; give --epochs " +
                   std::to_string(epochs_done) + " or more (a resumed run can go on, not go back)");
}

void write_loss_csv(const fs::path& path, const Checkpoint& state) {
  std::string text = "epoch,loss,seconds\n";
  for (std::size_t i = 0; i < state.loss.size(); ++i) {
    char line[96];
    std::snprintf(line, sizeof line, "%zu,%.6f,%.3f\n", i + 1, state.loss[i], state.seconds[i]);
    text += line;
  }
  write_file_atomic(path, text);
}

std::vector<std::int64_t> read_checkpoint_integers(const fs::path& path, const std::string& bytes,
                                                   const std::vector<std::string>& keys) {
  InputArchive archive = open_archive(path, bytes);
  read_fingerprint(archive, path);  // an n2v checkpoint, or says what it is instead
  std::vector<std::int64_t> values;
  for (const std::string& key : keys) {
    const torch::Tensor value = read_tensor(archive, path, key);
    if (value.layout() != torch::kStrided || value.scalar_type() != torch::kLong || value.numel() != 1)
      damaged(path, "'" + key + "' is not one integer");
    values.push_back(value.reshape({}).item<std::int64_t>());
  }
  return values;
}

void check_resumable(const Config& config, const fs::path& out_dir) {
  fs::path path = out_dir / "checkpoint.pt";
  // Tables written per rank (dist.tables per_rank): rank 0's file stands for the set.
  if (!fs::exists(path) && fs::exists(out_dir / rank_checkpoint_file(0))) path = out_dir / rank_checkpoint_file(0);
  InputArchive archive = open_archive(path, read_checkpoint_bytes(path, nullptr));
  check_fingerprint(archive, path, run_fingerprint(config));
}

}  // namespace n2v
