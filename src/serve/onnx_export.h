#pragma once
// ONNX export for serving stacks that take ONNX rather than TorchScript (ONNX Runtime, TensorRT,
// OpenVINO, the browser). Torch-free: it needs only the float matrix and the vocabulary, like
// embedding_files, and builds the ModelProto with ONNX's own protobuf classes.
//
// An ONNX model has one graph, and a graph's inputs are all required, so the two functions of
// model.pt are two files rather than one model with unused inputs:
//   model.logits.onnx   logits(target: int64[N], context: int64[N]) -> logits: float[N]
//                       the training forward, E[target] . E[context]
//   model.similar.onnx  similar(tokens: int64[Q], k: int64[1]) -> (scores: float[Q,k], neighbors: int64[Q,k])
//                       cosine top-k as model.pt's similar(): token 0 is never returned, the query
//                       itself is (first, score 1); k between 1 and vocabulary size - 1
// Both hold the embedding matrix as the initializer "embedding" [V x dim] (opset 13, IR version 7)
// and carry the vocabulary in metadata_props: n2v_format_version, n2v_version, n2v_function,
// vocabulary_size, embedding_dim, names / movie_ids / titles / genres (JSON arrays indexed by
// token) and vocabulary_file ("vocabulary.tsv", the same table for runtimes that cannot read
// metadata_props).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "graph/graph.h"

namespace n2v {

constexpr std::int64_t kOnnxFormatVersion = 1;
constexpr std::int64_t kOnnxOpset = 13;
constexpr const char* kOnnxLogitsFile = "model.logits.onnx";
constexpr const char* kOnnxSimilarFile = "model.similar.onnx";

// False when n2v was built with -DN2V_WITH_ONNX=OFF (onnx_export_unavailable.cpp): the functions
// below then throw UsageError saying so.
bool onnx_export_available();
// The line that says so, for commands that skip the ONNX files rather than fail.
constexpr const char* kOnnxUnavailable = "this n2v was built without ONNX export (cmake -DN2V_WITH_ONNX=OFF)";

// Writes both files into out_dir (which must exist), each atomically, after checking the matrix
// against the vocabulary. Throws Error (shape or vocabulary mismatch) or OutputError (a target is
// a folder, the folder is not writable, the model passes protobuf's 2 GiB limit) before any file
// is replaced.
void write_onnx_models(const std::vector<float>& embeddings, std::int64_t dim, const Vocabulary& vocabulary,
                       const std::filesystem::path& out_dir);

// The serialized ModelProtos alone (for tests and other writers).
std::string onnx_logits_model(const std::vector<float>& embeddings, std::int64_t dim, const Vocabulary& vocabulary);
std::string onnx_similar_model(const std::vector<float>& embeddings, std::int64_t dim, const Vocabulary& vocabulary);

}  // namespace n2v
