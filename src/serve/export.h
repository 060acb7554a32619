#pragma once
// Export of trained embeddings for serving (torch-free interface; implemented in n2v_torch).
// model.pt is a self-contained TorchScript module: a program with only LibTorch (or Python's
// torch.jit.load) can answer queries from it. Its methods:
//   forward(target: Tensor, context: Tensor) -> Tensor   the training logits, E[t] . E[c]
//   embeddings() -> Tensor                               [V x dim], row i = token i
//   similar(tokens: Tensor, k: int) -> (scores, tokens)  cosine top-k per query token; the
//       reserved token 0 is never returned and the query itself is (normally first, score 1),
//       as in the Keras example's listing
//   token_of(movie_id: int) -> int, movie_id_of(token: int) -> int, token_of_title(title: str) -> int
//       (-1 when unknown)
// and attributes n2v_format_version, names, movie_ids, titles, genres, data_dir, n2v_version.
#include <cstdint>
#include <filesystem>
#include <vector>

#include "core/config.h"
#include "graph/graph.h"

namespace n2v {

// Bumped when model.pt changes incompatibly; readers refuse newer versions.
constexpr std::int64_t kModelFormatVersion = 1;

// Writes the files chosen by `options` into out_dir: model.pt (TorchScript), model.logits.onnx +
// model.similar.onnx (onnx_export.h), embeddings.tsv + metadata.tsv, embeddings.w2v.txt, embeddings.npy, and always
// vocabulary.tsv. `embeddings` is row-major [vocabulary.size() x dim], row i = token i. `data_dir`
// (the MovieLens folder) is recorded in model.pt so that `n2v similar` can tell a movie missing
// from the graph from an unknown title.
void export_model(const std::vector<float>& embeddings, std::int64_t dim, const Vocabulary& vocabulary,
                  const ExportConfig& options, const std::filesystem::path& out_dir,
                  const std::filesystem::path& data_dir = {});

// model.pt alone.
void write_torchscript_model(const std::vector<float>& embeddings, std::int64_t dim, const Vocabulary& vocabulary,
                             const std::filesystem::path& path, const std::filesystem::path& data_dir = {});

}  // namespace n2v
