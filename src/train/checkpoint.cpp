#include "train/checkpoint.h"

#include "core/atomic_file.h"
#include "core/csv.h"
#include "core/errors.h"
#include "train/distributed.h"
#include "train/train.h"

namespace n2v {
namespace fs = std::filesystem;

namespace {

void check_fingerprint(torch::serialize::InputArchive& archive, const fs::path& path, const std::string& fingerprint) {
  c10::IValue saved;
  archive.read("fingerprint", saved);
  if (saved.toStringRef() != fingerprint) {
    throw UsageError("--resume: " + path.string() + " was made with other settings (data, graph, walk, skipgram or "
                     "train keys differ); resume with the run's config.yaml or start a new --out folder");
  }
}

}  // namespace

std::string run_fingerprint(const Config& config) {
  Config c = config;
  c.train.epochs = 0;
  c.train.device = TrainDevice::Cpu;
  c.threads = 0;
  c.data.dir = "";
  c.origin.clear();
  c.dist = DistConfig{};
  std::string yaml = c.to_yaml();
  // Checkpoints written while train.device was free text hold `device: ""` here; keep them resumable.
  const std::string device = "  device: \"cpu\"\n";
  const std::size_t at = yaml.find(device);
  if (at != std::string::npos) yaml.replace(at, device.size(), "  device: \"\"\n");
  return yaml;
}

void save_checkpoint(const fs::path& path, SkipGram& model, torch::optim::Adam& optimizer, const Checkpoint& state,
                     const std::string& fingerprint, const ExtraState& extra) {
  torch::serialize::OutputArchive archive, model_archive, optimizer_archive;
  model->save(model_archive);
  optimizer.save(optimizer_archive);
  archive.write("model", model_archive);
  archive.write("optimizer", optimizer_archive);
  archive.write("epoch", torch::tensor(static_cast<std::int64_t>(state.epoch)));
  archive.write("loss", torch::tensor(state.loss, torch::kDouble));
  archive.write("seconds", torch::tensor(state.seconds, torch::kDouble));
  archive.write("fingerprint", c10::IValue(fingerprint));
  for (const auto& [name, tensor] : extra) archive.write("extra/" + name, tensor);
  AtomicFile file(path, true);
  archive.save_to(file.stream());
  file.commit();
}


// Any world size resumes any checkpoint: the global batch, hence the training, does not depend on it.
std::string read_checkpoint_bytes(const fs::path& path, Communicator* comm) {
  std::string payload;  // 'C' + the file, or 'E' + the error every rank throws
  if (!comm || comm->rank() == 0) {
    if (!fs::exists(path)) {
      payload = "E--resume: no checkpoint at " + path.string();
    } else {
      payload = "C" + read_file(path);
    }
  }
  if (comm) payload = comm->broadcast_bytes(payload);
  if (payload.empty() || payload[0] != 'C') throw UsageError(payload.empty() ? "--resume: empty message" : payload.substr(1));
  return payload.substr(1);
}

Checkpoint load_checkpoint(const fs::path& path, const std::string& bytes, SkipGram& model,
                           torch::optim::Adam& optimizer, const std::string& fingerprint, ExtraState& extra) {
  torch::serialize::InputArchive archive, model_archive, optimizer_archive;
  try {
    archive.load_from(bytes.data(), bytes.size());
  } catch (const c10::Error& e) {
    throw DataError(path.string() + ": not a readable n2v checkpoint");
  }
  check_fingerprint(archive, path, fingerprint);
  archive.read("model", model_archive);
  archive.read("optimizer", optimizer_archive);
  model->load(model_archive);
  optimizer.load(optimizer_archive);
  for (auto& [name, tensor] : extra) {
    torch::Tensor saved_tensor;
    archive.read("extra/" + name, saved_tensor);
    tensor.copy_(saved_tensor);
  }
  Checkpoint state;
  torch::Tensor epoch, loss, seconds;
  archive.read("epoch", epoch);
  archive.read("loss", loss);
  archive.read("seconds", seconds);
  state.epoch = static_cast<int>(epoch.item<std::int64_t>());
  state.loss.assign(loss.data_ptr<double>(), loss.data_ptr<double>() + loss.numel());
  state.seconds.assign(seconds.data_ptr<double>(), seconds.data_ptr<double>() + seconds.numel());
  return state;
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

void check_resumable(const Config& config, const fs::path& out_dir) {
  const fs::path path = out_dir / "checkpoint.pt";
  if (!fs::exists(path)) throw UsageError("--resume: no checkpoint at " + path.string());
  require_regular_file(path);
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path.string());
  } catch (const c10::Error& e) {
    throw DataError(path.string() + ": not a readable n2v checkpoint");
  }
  check_fingerprint(archive, path, run_fingerprint(config));
}

}  // namespace n2v
