#pragma once
// The live model and its reload. A request takes the live model once (a shared_ptr) and answers
// from it to the end, so a reload never changes a model under a request: requests in flight finish
// on the old model, which is freed when the last of them ends; new requests get the new one. A new
// file that does not load is refused and the old model keeps serving.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "server/served_model.h"

namespace n2v {

struct ReloadResult {
  bool loaded = false;
  std::uint64_t generation = 0;  // the live generation afterwards
  std::string message;  // the log line: what was loaded, or why the file was refused
};

class ModelHolder {
 public:
  // Loads the first model; throws as ServedModel::load does.
  ModelHolder(std::filesystem::path path, IndexKind index);
  std::shared_ptr<const ServedModel> live() const;
  // Reads the model file again (the same path); logs and returns the outcome, never throws for a
  // bad file. Reloads run one at a time.
  ReloadResult reload();

 private:
  std::filesystem::path path_;
  IndexKind index_;
  mutable std::mutex live_mutex_;  // guards live_ (a shared_ptr copy is not atomic)
  std::mutex reload_mutex_;
  std::shared_ptr<const ServedModel> live_;
};

// The start-up or reload log line of a model: file, vocabulary, dimension, index, load time.
std::string describe_model(const ServedModel& model);

}  // namespace n2v
