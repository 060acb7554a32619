#include "server/model_holder.h"

#include <fmt/format.h>

#include "core/errors.h"
#include "core/progress.h"

namespace n2v {

ModelHolder::ModelHolder(std::filesystem::path path, IndexKind index)
    : path_(std::move(path)), index_(index), live_(ServedModel::load(path_, index_, 1)) {}

std::shared_ptr<const ServedModel> ModelHolder::live() const {
  std::lock_guard<std::mutex> lock(live_mutex_);
  return live_;
}

ReloadResult ModelHolder::reload() {
  std::lock_guard<std::mutex> reloading(reload_mutex_);
  const std::uint64_t next = live()->generation() + 1;
  ReloadResult result;
  try {
    std::shared_ptr<const ServedModel> model = ServedModel::load(path_, index_, next);
    result.message = "reloaded: " + describe_model(*model);
    {
      std::lock_guard<std::mutex> lock(live_mutex_);
      live_ = std::move(model);
    }
    result.loaded = true;
    result.generation = next;
  } catch (const std::exception& e) {  // n2v's DataError, and a filesystem or memory error reading it
    result.generation = next - 1;
    result.message = fmt::format("reload refused, generation {} keeps serving: {}", next - 1, e.what());
  }
  log_line(result.message);
  return result;
}

std::string describe_model(const ServedModel& model) {
  std::string index = model.index_kind() == IndexKind::Hnsw
                          ? fmt::format("hnsw (recall@10 {:.4f} against exact)", model.recall_at_10().value_or(0.0))
                          : std::string("exact cosine");
  return fmt::format("model {} (generation {}): {} {}, dimension {}, index {}, loaded in {:.2f} s",
                     model.path().string(), model.generation(), model.num_movies(),
                     model.has_movie_ids() ? "movies" : "nodes", model.dim(), index, model.load_seconds());
}

}  // namespace n2v
