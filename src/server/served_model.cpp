#include "server/served_model.h"

#include <algorithm>
#include <cmath>

#include "eval/embedding_shards.h"
#include "eval/profile.h"
#include "serve/embedding_files.h"
#include "serve/export.h"
#include "serve/model_file.h"
#include "server/map_layout.h"

namespace n2v {
namespace {

// HNSW's recall is measured on this many queries spread over the vocabulary: enough for two
// decimals, a fraction of a second even on 10^5 movies.
constexpr std::size_t kRecallQueries = 500;

std::string first_genre(const std::string& genres) {
  std::string first = genres.substr(0, genres.find('|'));
  return first == "(no genres listed)" ? std::string() : first;
}

}  // namespace

std::shared_ptr<const ServedModel> ServedModel::load(const std::filesystem::path& path, IndexKind index,
                                                     std::uint64_t generation) {
  const auto start = std::chrono::steady_clock::now();
  std::shared_ptr<ServedModel> model(new ServedModel());
  model->path_ = std::filesystem::absolute(path);
  model->generation_ = generation;
  if (is_shard_manifest(path)) {
    // Tables written per rank: the ranks' files and vocabulary.tsv, copied beside the manifest.
    model->vocabulary_ = read_vocabulary_tsv(path.parent_path() / "vocabulary.tsv");
    MatchedVectors vectors = match_vocabulary(read_embedding_shards(path), model->vocabulary_, path);
    model->format_version_ = kModelFormatVersion;
    model->dim_ = vectors.dim;
    model->embeddings_ = std::move(vectors.embeddings);
  } else {
    const ModelFile file = ModelFile::load(path);
    model->format_version_ = file.format_version();
    model->dim_ = file.dim();
    model->vocabulary_ = file.vocabulary();
    model->embeddings_ = file.embeddings();
  }
  const Vocabulary& v = model->vocabulary_;
  model->has_movie_ids_ = v.size() > 1 && v.movie_ids[1] >= 0;
  model->unit_ = unit_rows<float>(model->embeddings_, v.size(), model->dim_);
  for (std::size_t t = 1; t < v.size(); ++t) model->token_of_name_.emplace(v.names[t], static_cast<std::int64_t>(t));
  model->title_search_ = std::make_unique<TitleSearch>(v.titles);
  model->main_genre_.resize(v.size());
  for (std::size_t t = 1; t < v.size(); ++t) model->main_genre_[t] = first_genre(v.genres[t]);
  model->map_ = principal_plane(model->unit_, v.size(), model->dim_);
  model->index_kind_ = index;
  auto exact = make_exact_index(model->unit_, v.size(), model->dim_);
  if (index == IndexKind::Hnsw) {
    model->index_ = make_hnsw_index(model->unit_, v.size(), model->dim_);
    model->recall_at_10_ = recall_at_k(*model->index_, *exact, model->unit_, v.size(), model->dim_, 10, kRecallQueries);
  } else {
    model->index_ = std::move(exact);
  }
  model->loaded_at_ = std::chrono::system_clock::now();
  model->load_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return model;
}

std::optional<std::int64_t> ServedModel::token_of_name(std::string_view name) const {
  auto it = token_of_name_.find(std::string(name));
  if (it == token_of_name_.end()) return std::nullopt;
  return it->second;
}

std::vector<Neighbor> ServedModel::nearest(const float* direction, std::size_t k, const std::vector<std::int64_t>& skip,
                                           float min_score) const {
  std::vector<Neighbor> found = index_->search(direction, k, skip);
  found.erase(std::remove_if(found.begin(), found.end(), [&](const Neighbor& n) { return n.score < min_score; }),
              found.end());
  return found;
}

std::vector<float> ServedModel::profile_direction(const std::vector<std::int64_t>& liked) const {
  std::vector<float> sum;
  sum_rows(unit_, dim_, liked, sum);
  double norm = 0;
  for (float x : sum) norm += double(x) * x;
  norm = std::max(std::sqrt(norm), 1e-12);
  for (float& x : sum) x = static_cast<float>(x / norm);
  return sum;
}

}  // namespace n2v
