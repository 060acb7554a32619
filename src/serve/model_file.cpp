#include "serve/model_file.h"

#include <torch/script.h>

#include <cmath>
#include <sstream>

#include "core/csv.h"
#include "core/errors.h"
#include "serve/export.h"
#include "train/torch_error.h"

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

[[noreturn]] void not_a_model(const std::string& name, const std::string& why) {
  throw DataError(name + " is not an n2v model (" + why + "); `n2v train` writes model.pt into its output folder");
}

// A model.pt is code: what its attributes hold and what its methods return is checked like any
// other input before n2v uses it.
[[noreturn]] void inconsistent(const std::string& name, const std::string& what) {
  throw DataError(name + ": inconsistent model: " + what + "; re-create it with `n2v train` or `n2v export`");
}

std::vector<std::string> strings_of(const torch::jit::Module& m, const std::string& name, const char* attribute) {
  c10::IValue value = m.attr(attribute);
  if (!value.isList()) inconsistent(name, std::string(attribute) + " is not a list");
  std::vector<std::string> out;
  for (const auto& item : value.toListRef()) {
    if (!item.isString()) inconsistent(name, std::string(attribute) + " holds a value that is not a string");
    out.push_back(item.toStringRef());
  }
  return out;
}

// Runs one of the model's methods; whatever it throws (an assert in its code, a c10 error) is
// one line naming the file and the method.
template <typename... Args>
c10::IValue call(torch::jit::Module& module, const std::string& name, const std::string& method, Args&&... args) {
  try {
    return module.run_method(method, std::forward<Args>(args)...);
  } catch (const std::exception& e) {
    throw DataError(name + ": the model's " + method + "() failed: " + torch_error_reason(e));
  }
}

// `what` is a tensor of `dtype` with the given dimensions (-1: any size), else inconsistent().
torch::Tensor checked_tensor(const c10::IValue& value, const std::string& name, const std::string& what,
                             torch::ScalarType dtype, std::vector<std::int64_t> sizes) {
  if (!value.isTensor()) inconsistent(name, what + " is not a tensor");
  torch::Tensor t = value.toTensor();
  if (t.layout() != torch::kStrided) inconsistent(name, what + " is not a dense tensor");
  if (t.scalar_type() != dtype)
    inconsistent(name, what + " has dtype " + c10::toString(t.scalar_type()) + ", expected " + c10::toString(dtype));
  bool fits = t.dim() == static_cast<std::int64_t>(sizes.size());
  for (std::size_t d = 0; fits && d < sizes.size(); ++d) fits = sizes[d] < 0 || t.size(d) == sizes[d];
  if (!fits) {
    std::ostringstream expected, found;
    expected << c10::IntArrayRef(sizes);
    found << t.sizes();
    inconsistent(name, what + " has shape " + found.str() + ", expected " + expected.str() + " (-1: any)");
  }
  t = t.to(torch::kCPU).contiguous();
  if (t.is_floating_point() && !torch::isfinite(t).all().item<bool>())
    inconsistent(name, what + " holds NaN or infinite values");
  return t;
}

}  // namespace

ModelFile ModelFile::load(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw DataError(name + ": model file not found; `n2v train` writes model.pt into its output folder");
  if (std::filesystem::is_directory(path, ec)) not_a_model(name, "it is a folder");
  if (std::filesystem::file_size(path, ec) == 0 && !ec) not_a_model(name, "the file is empty");
  require_regular_file(path);  // a FIFO or a device would block or never end
  auto impl = std::make_shared<Impl>();
  impl->path = path;
  // The one place model.pt is parsed: torch's errors become "not an n2v model".
  try {
    impl->module = torch::jit::load(name, torch::kCPU);
  } catch (const std::exception& e) {
    not_a_model(name, "not a readable TorchScript file: " + torch_error_reason(e));
  }
  torch::jit::Module& m = impl->module;
  if (!m.hasattr("n2v_format_version")) {
    if (m.hasattr("fingerprint")) not_a_model(name, "it is an n2v checkpoint.pt; use the model.pt beside it");
    not_a_model(name, "a TorchScript file but not an n2v model: no n2v_format_version attribute");
  }
  try {
    const c10::IValue version = m.attr("n2v_format_version");
    if (!version.isInt()) inconsistent(name, "n2v_format_version is not an integer");
    impl->format_version = version.toInt();
    if (impl->format_version > kModelFormatVersion)
      throw DataError(name + ": written by a newer n2v (model format version " + std::to_string(impl->format_version) +
                      "; this n2v reads up to version " + std::to_string(kModelFormatVersion) + "); upgrade n2v");
    if (impl->format_version < 1)
      throw DataError(name + ": invalid model format version " + std::to_string(impl->format_version));
    for (const char* attribute : {"names", "titles", "genres", "movie_ids", "data_dir"})
      if (!m.hasattr(attribute)) inconsistent(name, std::string("no ") + attribute + " attribute");
    Vocabulary& v = impl->vocabulary;
    v.names = strings_of(m, name, "names");
    v.titles = strings_of(m, name, "titles");
    v.genres = strings_of(m, name, "genres");
    const c10::IValue ids = m.attr("movie_ids");
    if (!ids.isList()) inconsistent(name, "movie_ids is not a list");
    for (const auto& id : ids.toListRef()) {
      if (!id.isInt()) inconsistent(name, "movie_ids holds a value that is not an integer");
      v.movie_ids.push_back(id.toInt());
    }
    const c10::IValue data_dir = m.attr("data_dir");
    if (!data_dir.isString()) inconsistent(name, "data_dir is not a string");
    impl->data_dir = data_dir.toStringRef();

    torch::NoGradGuard no_grad;
    if (v.size() < 2 || v.movie_ids.size() != v.size() || v.titles.size() != v.size() || v.genres.size() != v.size())
      inconsistent(name, std::to_string(v.size()) + " names, " + std::to_string(v.titles.size()) + " titles, " +
                             std::to_string(v.genres.size()) + " genres, " + std::to_string(v.movie_ids.size()) +
                             " movie ids (equal counts, at least 2, expected)");
    const auto rows = static_cast<std::int64_t>(v.size());
    torch::Tensor e = checked_tensor(call(m, name, "embeddings"), name, "embeddings()", torch::kFloat32, {rows, -1});
    if (e.size(1) < 1) inconsistent(name, "embeddings() has no columns");
    impl->dim = e.size(1);
    impl->embeddings.assign(e.data_ptr<float>(), e.data_ptr<float>() + e.numel());
  } catch (const c10::Error& e) {
    throw DataError(name + ": damaged n2v model (" + torch_error_reason(e) + ")");
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
  const std::string& name = impl_->path.string();
  const c10::IValue answer =
      call(impl_->module, name, "similar", torch::tensor(tokens, torch::kInt64), static_cast<std::int64_t>(k));
  if (!answer.isTuple() || answer.toTuple()->elements().size() != 2)
    inconsistent(name, "similar() did not return a (scores, tokens) pair");
  const auto pair = answer.toTuple();
  const auto& elements = pair->elements();
  const std::vector<std::int64_t> shape{static_cast<std::int64_t>(tokens.size()), k};
  torch::Tensor scores = checked_tensor(elements[0], name, "similar()'s scores", torch::kFloat32, shape);
  torch::Tensor found = checked_tensor(elements[1], name, "similar()'s tokens", torch::kInt64, shape);
  auto s = scores.accessor<float, 2>();
  auto f = found.accessor<std::int64_t, 2>();
  for (std::size_t q = 0; q < tokens.size(); ++q) {
    for (int j = 0; j < k; ++j) {
      // Cosine similarities lie in [-1, 1]; float rounding may step just past.
      if (f[q][j] < 1 || f[q][j] > movies)
        inconsistent(name, "similar() returned token " + std::to_string(f[q][j]) + ", not a movie (1.." +
                               std::to_string(movies) + ")");
      if (std::abs(s[q][j]) > 1.001f)
        inconsistent(name, "similar() returned score " + std::to_string(s[q][j]) + ", not a cosine in [-1, 1]");
      result[q].push_back({f[q][j], s[q][j]});
    }
  }
  return result;
}

std::int64_t ModelFile::token_of(std::int64_t movie_id) const {
  const std::string& name = impl_->path.string();
  const c10::IValue answer = call(impl_->module, name, "token_of", movie_id);
  if (!answer.isInt()) inconsistent(name, "token_of() did not return an integer");
  const std::int64_t token = answer.toInt();
  if (token == -1) return token;
  // The token must be a movie of the vocabulary, and that movie the one asked for.
  if (token < 1 || token > static_cast<std::int64_t>(num_movies()) || vocabulary().movie_ids[token] != movie_id)
    inconsistent(name, "token_of(" + std::to_string(movie_id) + ") returned " + std::to_string(token) +
                           ", not the token of movieId " + std::to_string(movie_id) + " (nor -1)");
  return token;
}

}  // namespace n2v
