#include "serve/export.h"

#include <torch/script.h>

#include <sstream>

#include "core/atomic_file.h"
#include "core/errors.h"
#include "core/progress.h"
#include "serve/embedding_files.h"
#include "serve/onnx_export.h"

namespace n2v {
namespace {

// TorchScript has no C++ tracer, so the methods are compiled from source here. Plain tensor ops
// only: torch.nn.functional helpers cannot be called from define() on LibTorch 1.13.
constexpr const char* kMethods = R"JIT(
def forward(self, target: Tensor, context: Tensor) -> Tensor:
    weight = self.embedding.weight
    return (torch.embedding(weight, target) * torch.embedding(weight, context)).sum(-1)

def embeddings(self) -> Tensor:
    return self.embedding.weight.detach()

def similar(self, tokens: Tensor, k: int) -> Tuple[Tensor, Tensor]:
    weight = self.embedding.weight.detach()
    count = weight.size(0)
    assert 1 <= k and k <= count - 1, "similar: k must be between 1 and the number of movies (vocabulary size - 1)"
    if tokens.dim() == 0:
        tokens = tokens.unsqueeze(0)
    assert not bool((tokens < 1).any()) and not bool((tokens >= count).any()), "similar: query tokens must be between 1 and vocabulary size - 1"
    unit = weight / (weight * weight).sum(-1, keepdim=True).sqrt().clamp_min(1e-12)
    scores = torch.matmul(unit.index_select(0, tokens), unit.t())
    scores[:, 0] = float("-inf")
    return torch.topk(scores, k, 1)

def token_of(self, movie_id: int) -> int:
    if movie_id in self.token_by_movie_id:
        return self.token_by_movie_id[movie_id]
    return -1

def movie_id_of(self, token: int) -> int:
    if token < 0 or token >= len(self.movie_ids):
        return -1
    return self.movie_ids[token]

def token_of_title(self, title: str) -> int:
    for token in range(1, len(self.titles)):
        if self.titles[token] == title:
            return token
    return -1
)JIT";

c10::List<std::string> string_list(const std::vector<std::string>& values) {
  c10::List<std::string> list;
  list.reserve(values.size());
  for (const auto& v : values) list.push_back(v);
  return list;
}

torch::jit::Module build_module(const std::vector<float>& embeddings, std::int64_t dim, const Vocabulary& vocabulary,
                                const std::filesystem::path& data_dir) {
  check_embedding_shape(embeddings, dim, vocabulary);
  const auto rows = static_cast<std::int64_t>(vocabulary.size());
  auto weight = torch::from_blob(const_cast<float*>(embeddings.data()), {rows, dim}, torch::kFloat32).clone();
  weight.set_requires_grad(true);

  // Same parameter name as the trained SkipGram ("embedding.weight"), so state dicts line up.
  auto unit = std::make_shared<torch::jit::CompilationUnit>();
  torch::jit::Module embedding("__torch__.n2v.Embedding", unit);
  embedding.register_parameter("weight", weight, /*is_buffer=*/false);
  torch::jit::Module module("__torch__.n2v.SkipGram", unit);
  module.register_module("embedding", embedding);

  c10::List<std::int64_t> movie_ids(vocabulary.movie_ids);
  c10::Dict<std::int64_t, std::int64_t> token_by_movie_id;
  for (std::size_t t = 1; t < vocabulary.size(); ++t)
    if (vocabulary.movie_ids[t] >= 0) token_by_movie_id.insert(vocabulary.movie_ids[t], static_cast<std::int64_t>(t));
  std::string recorded_dir = data_dir.empty() ? std::string() : std::filesystem::absolute(data_dir).string();

  module.register_attribute("n2v_format_version", c10::IntType::get(), kModelFormatVersion);
  module.register_attribute("n2v_version", c10::StringType::get(), std::string(N2V_VERSION));
  module.register_attribute("names", c10::ListType::ofStrings(), string_list(vocabulary.names));
  module.register_attribute("titles", c10::ListType::ofStrings(), string_list(vocabulary.titles));
  module.register_attribute("genres", c10::ListType::ofStrings(), string_list(vocabulary.genres));
  module.register_attribute("movie_ids", c10::ListType::ofInts(), movie_ids);
  module.register_attribute("token_by_movie_id", c10::DictType::create(c10::IntType::get(), c10::IntType::get()),
                            token_by_movie_id);
  module.register_attribute("data_dir", c10::StringType::get(), recorded_dir);
  module.define(kMethods);
  return module;
}

}  // namespace

void write_torchscript_model(const std::vector<float>& embeddings, std::int64_t dim, const Vocabulary& vocabulary,
                             const std::filesystem::path& path, const std::filesystem::path& data_dir) {
  torch::jit::Module module = build_module(embeddings, dim, vocabulary, data_dir);
  // In memory first: torch's writer aborts the process (an exception from a destructor) when the
  // stream it writes fails, so the file is written by write_file_atomic, which reports the failure.
  std::ostringstream bytes;
  try {
    module.save(bytes);
  } catch (const c10::Error& e) {
    throw OutputError("cannot write " + path.string() + ": " + e.what_without_backtrace());
  }
  write_file_atomic(path, bytes.str());
}

void export_model(const std::vector<float>& embeddings, std::int64_t dim, const Vocabulary& vocabulary,
                  const ExportConfig& options, const std::filesystem::path& out_dir,
                  const std::filesystem::path& data_dir) {
  check_embedding_shape(embeddings, dim, vocabulary);
  ensure_directory(out_dir);
  std::string written;
  auto wrote = [&](const std::string& name) { written += (written.empty() ? "" : ", ") + name; };
  if (options.torchscript) {
    write_torchscript_model(embeddings, dim, vocabulary, out_dir / "model.pt", data_dir);
    wrote("model.pt");
  }
  if (options.onnx && !onnx_export_available()) {
    log_line(std::string("note: no ONNX files: ") + kOnnxUnavailable + " (export.onnx: false silences this)");
  } else if (options.onnx) {
    write_onnx_models(embeddings, dim, vocabulary, out_dir);
    wrote(kOnnxLogitsFile);
    wrote(kOnnxSimilarFile);
  }
  if (options.projector) {
    write_projector_files(embeddings, dim, vocabulary, out_dir / "embeddings.tsv", out_dir / "metadata.tsv");
    wrote("embeddings.tsv");
    wrote("metadata.tsv");
  }
  if (options.word2vec) {
    write_word2vec_text(embeddings, dim, vocabulary, out_dir / "embeddings.w2v.txt");
    wrote("embeddings.w2v.txt");
  }
  if (options.numpy) {
    write_numpy_matrix(embeddings, dim, vocabulary, out_dir / "embeddings.npy");
    wrote("embeddings.npy");
  }
  write_vocabulary_tsv(vocabulary, out_dir / "vocabulary.tsv");
  wrote("vocabulary.tsv");
  log_line("export: " + written);  // out_dir may be a staging folder; the command names the outputs' folder
}

}  // namespace n2v
