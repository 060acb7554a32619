#pragma once
// One loaded model.pt as the server answers from it: read once through the checked ModelFile
// reader, then held read-only (shared by every request, so requests need no lock) with what the
// requests need ready: unit rows, the neighbour index, title search, the 2-D map.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "data/title_search.h"
#include "graph/graph.h"
#include "server/neighbor_index.h"

namespace n2v {

class ServedModel {
 public:
  // Throws DataError (from ModelFile) naming the file when it is missing or not a sound n2v model.
  // `generation` counts the loads of this server process: 1 for the first.
  static std::shared_ptr<const ServedModel> load(const std::filesystem::path& path, IndexKind index,
                                                 std::uint64_t generation);

  const std::filesystem::path& path() const { return path_; }
  std::chrono::system_clock::time_point loaded_at() const { return loaded_at_; }
  std::uint64_t generation() const { return generation_; }
  std::int64_t format_version() const { return format_version_; }
  std::int64_t dim() const { return dim_; }
  std::size_t num_movies() const { return vocabulary_.size() - 1; }
  // A MovieLens model has movieIds; an edge-list model names its nodes.
  bool has_movie_ids() const { return has_movie_ids_; }
  const Vocabulary& vocabulary() const { return vocabulary_; }
  const TitleSearch& titles() const { return *title_search_; }
  IndexKind index_kind() const { return index_kind_; }
  // recall@10 of the HNSW index against the exact search, measured at load; none for exact.
  std::optional<double> recall_at_10() const { return recall_at_10_; }
  double load_seconds() const { return load_seconds_; }

  // The token of a movieId (MovieLens) or node name (edge list), as text; nullopt when unknown.
  std::optional<std::int64_t> token_of_name(std::string_view name) const;
  const float* unit_row(std::int64_t token) const { return unit_.data() + token * dim_; }
  // The row as model.pt stores it (not normalised).
  std::vector<float> raw_row(std::int64_t token) const {
    return {embeddings_.begin() + token * dim_, embeddings_.begin() + (token + 1) * dim_};
  }
  // The `k` movies nearest the unit vector `direction`, best first, none of `skip`, none scoring
  // below `min_score`.
  std::vector<Neighbor> nearest(const float* direction, std::size_t k, const std::vector<std::int64_t>& skip,
                                float min_score) const;
  // The unit vector of the mean of the liked movies' unit rows (eval/profile.h, as evaluate's
  // recommend task scores a profile).
  std::vector<float> profile_direction(const std::vector<std::int64_t>& liked) const;
  // [rows x 2] map coordinates (server/map_layout.h) and each token's first genre ("" for none).
  const std::vector<float>& map() const { return map_; }
  const std::string& main_genre(std::int64_t token) const { return main_genre_[token]; }

  ServedModel(const ServedModel&) = delete;
  ServedModel& operator=(const ServedModel&) = delete;

 private:
  ServedModel() = default;
  std::filesystem::path path_;
  std::chrono::system_clock::time_point loaded_at_;
  std::uint64_t generation_ = 0;
  std::int64_t format_version_ = 0, dim_ = 0;
  bool has_movie_ids_ = false;
  Vocabulary vocabulary_;
  std::vector<float> embeddings_, unit_;
  std::unordered_map<std::string, std::int64_t> token_of_name_;
  std::unique_ptr<TitleSearch> title_search_;
  IndexKind index_kind_ = IndexKind::Exact;
  std::unique_ptr<NeighborIndex> index_;
  std::optional<double> recall_at_10_;
  double load_seconds_ = 0;
  std::vector<float> map_;
  std::vector<std::string> main_genre_;
};

}  // namespace n2v
