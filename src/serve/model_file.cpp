#include "serve/model_file.h"

#include <torch/script.h>

#include "core/csv.h"
#include "core/errors.h"
#include "serve/export.h"

namespace n2v {

struct ModelFile::Impl {
  std::filesystem::path path;
  mutable torch::jit::Module module;  // run_method is not const
  Vocabulary vocabulary;
  std::vector<float> embeddings;
  std::int64_t dim = 0;
  std::int64_t format_version = 0;
  std::string data_dir;
};

namespace {

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

std::vector<std::string> strings_of(const c10::IValue& value) {
  std::vector<std::string> out;
  for (const auto& item : value.toListRef()) out.push_back(item.toStringRef());
  return out;
}

}  // namespace

ModelFile ModelFile::load(const std::filesystem::path& path) {
  const std::string name = path.string();
  if (!std::filesystem::exists(path))
    throw DataError(name + ": model file not found; `n2v train` writes model.pt into its output folder");
  require_regular_file(path);  // a FIFO or a device would block or never end
  auto impl = std::make_shared<Impl>();
  impl->path = path;
  try {
    impl->module = torch::jit::load(name, torch::kCPU);
  } catch (const std::exception& e) {
    throw DataError(name + ": not a readable TorchScript file (" + first_line(e.what()) +
                    "); re-create it with `n2v train`");
  }
  torch::jit::Module& m = impl->module;
  if (!m.hasattr("n2v_format_version"))
    throw DataError(name + ": a TorchScript file but not an n2v model (no n2v_format_version attribute)");
  try {
    impl->format_version = m.attr("n2v_format_version").toInt();
    if (impl->format_version > kModelFormatVersion)
      throw DataError(name + ": written by a newer n2v (model format version " + std::to_string(impl->format_version) +
                      "; this n2v reads up to version " + std::to_string(kModelFormatVersion) + "); upgrade n2v");
    if (impl->format_version < 1)
      throw DataError(name + ": invalid model format version " + std::to_string(impl->format_version));
    Vocabulary& v = impl->vocabulary;
    v.names = strings_of(m.attr("names"));
    v.titles = strings_of(m.attr("titles"));
    v.genres = strings_of(m.attr("genres"));
    for (const auto& id : m.attr("movie_ids").toListRef()) v.movie_ids.push_back(id.toInt());
    impl->data_dir = m.attr("data_dir").toStringRef();

    torch::NoGradGuard no_grad;
    torch::Tensor e = m.run_method("embeddings").toTensor().to(torch::kCPU, torch::kFloat32).contiguous();
    if (e.dim() != 2 || e.size(0) != static_cast<std::int64_t>(v.size()) || v.size() < 2 ||
        v.movie_ids.size() != v.size() || v.titles.size() != v.size() || v.genres.size() != v.size())
      throw DataError(name + ": inconsistent model: embeddings " + std::to_string(e.dim() == 2 ? e.size(0) : -1) +
                      " rows for " + std::to_string(v.size()) + " vocabulary names");
    impl->dim = e.size(1);
    impl->embeddings.assign(e.data_ptr<float>(), e.data_ptr<float>() + e.numel());
  } catch (const c10::Error& e) {
    throw DataError(name + ": damaged n2v model (" + first_line(e.what()) + ")");
  }
  ModelFile file;
  file.impl_ = std::move(impl);
  return file;
}

const std::filesystem::path& ModelFile::path() const { return impl_->path; }
const Vocabulary& ModelFile::vocabulary() const { return impl_->vocabulary; }
const std::vector<float>& ModelFile::embeddings() const { return impl_->embeddings; }
std::int64_t ModelFile::dim() const { return impl_->dim; }
std::int64_t ModelFile::format_version() const { return impl_->format_version; }
const std::string& ModelFile::data_dir() const { return impl_->data_dir; }

std::vector<std::vector<Neighbor>> ModelFile::similar(const std::vector<std::int64_t>& tokens, int k) const {
  const auto movies = static_cast<std::int64_t>(num_movies());
  if (k < 1 || k > movies)
    throw UsageError("-k " + std::to_string(k) + " is out of range: the model has " + std::to_string(movies) +
                     " movies, so k must be between 1 and " + std::to_string(movies));
  for (std::int64_t t : tokens)
    if (t < 1 || t > movies) throw UsageError("token " + std::to_string(t) + " is not a movie of the model");
  std::vector<std::vector<Neighbor>> result(tokens.size());
  if (tokens.empty()) return result;
  torch::NoGradGuard no_grad;
  auto query = torch::tensor(tokens, torch::kInt64);
  auto answer = impl_->module.run_method("similar", query, static_cast<std::int64_t>(k)).toTuple();
  torch::Tensor scores = answer->elements()[0].toTensor().to(torch::kFloat32).contiguous();
  torch::Tensor found = answer->elements()[1].toTensor().to(torch::kInt64).contiguous();
  auto s = scores.accessor<float, 2>();
  auto f = found.accessor<std::int64_t, 2>();
  for (std::size_t q = 0; q < tokens.size(); ++q)
    for (int j = 0; j < k; ++j) result[q].push_back({f[q][j], s[q][j]});
  return result;
}

std::int64_t ModelFile::token_of(std::int64_t movie_id) const {
  return impl_->module.run_method("token_of", movie_id).toInt();
}

}  // namespace n2v
