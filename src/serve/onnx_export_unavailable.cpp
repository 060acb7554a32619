// Built instead of onnx_export.cpp with -DN2V_WITH_ONNX=OFF: ONNX export says it is not there.
#include "core/errors.h"
#include "serve/onnx_export.h"

namespace n2v {

namespace {

[[noreturn]] void unavailable() {
  throw UsageError(std::string("ONNX export: ") + kOnnxUnavailable + "; rebuild with it on, or use model.pt");
}

}  // namespace

bool onnx_export_available() { return false; }

void write_onnx_models(const std::vector<float>&, std::int64_t, const Vocabulary&, const std::filesystem::path&) {
  unavailable();
}
std::string onnx_logits_model(const std::vector<float>&, std::int64_t, const Vocabulary&) { unavailable(); }
std::string onnx_similar_model(const std::vector<float>&, std::int64_t, const Vocabulary&) { unavailable(); }

}  // namespace n2v
