// n2v export --model model.pt [--out DIR] [--format F]...: the files for other tools (text files,
// embeddings.npy, ONNX models), from a saved model.
#include <algorithm>
#include <memory>

#include "cli/cli.h"
#include "core/atomic_file.h"
#include "core/errors.h"
#include "core/progress.h"
#include "core/run_folder.h"
#include "serve/embedding_files.h"
#include "serve/model_file.h"
#include "serve/onnx_export.h"

namespace n2v {
namespace {
enum class ExportFormat { Projector, Word2Vec, Numpy, Onnx };
}  // namespace

template <>
struct Choices<ExportFormat> {
  static constexpr std::pair<ExportFormat, const char*> names[]{
      {ExportFormat::Projector, "projector"},
      {ExportFormat::Word2Vec, "word2vec"},
      {ExportFormat::Numpy, "numpy"},
      {ExportFormat::Onnx, "onnx"}};
};

namespace {

struct ExportOptions {
  std::string model;
  std::string out_dir;
  std::vector<ExportFormat> formats;  // empty: all of them
  bool no_projector = false;
  bool no_word2vec = false;
  bool no_numpy = false;
  bool no_onnx = false;
};

bool wanted(const ExportOptions& options, ExportFormat format) {
  return options.formats.empty() ||
         std::find(options.formats.begin(), options.formats.end(), format) != options.formats.end();
}

void run_export(const ExportOptions& options) {
  ModelFile model = ModelFile::load(options.model);
  std::filesystem::path out = options.out_dir.empty() ? std::filesystem::path(options.model).parent_path()
                                                      : std::filesystem::path(options.out_dir);
  if (out.empty()) out = ".";
  const bool projector = !options.no_projector && wanted(options, ExportFormat::Projector);
  const bool word2vec = !options.no_word2vec && wanted(options, ExportFormat::Word2Vec);
  const bool numpy = !options.no_numpy && wanted(options, ExportFormat::Numpy);
  bool onnx = !options.no_onnx && wanted(options, ExportFormat::Onnx);
  if (onnx && !onnx_export_available()) {
    // Asked for by name it is an error; among "all formats" it is left out, and said so.
    if (!options.formats.empty()) throw UsageError(std::string("--format onnx: ") + kOnnxUnavailable);
    log_line(std::string("note: no ONNX files: ") + kOnnxUnavailable);
    onnx = false;
  }
  // A model whose matrix does not fit its vocabulary leaves no folder and no file behind.
  check_embedding_shape(model.embeddings(), model.dim(), model.vocabulary());
  // The model's own folder is the default --out: export writes beside model.pt, never over it.
  RunFolder folder(out);
  const std::filesystem::path& staging = folder.staging();
  std::string written;
  if (onnx) {
    write_onnx_models(model.embeddings(), model.dim(), model.vocabulary(), staging);
    written += std::string(kOnnxLogitsFile) + ", " + kOnnxSimilarFile + ", ";
  }
  if (projector) {
    write_projector_files(model.embeddings(), model.dim(), model.vocabulary(), staging / "embeddings.tsv",
                          staging / "metadata.tsv");
    written += "embeddings.tsv, metadata.tsv, ";
  }
  if (word2vec) {
    write_word2vec_text(model.embeddings(), model.dim(), model.vocabulary(), staging / "embeddings.w2v.txt");
    written += "embeddings.w2v.txt, ";
  }
  if (numpy) {
    write_numpy_matrix(model.embeddings(), model.dim(), model.vocabulary(), staging / "embeddings.npy");
    written += "embeddings.npy, ";
  }
  write_vocabulary_tsv(model.vocabulary(), staging / "vocabulary.tsv");
  folder.commit();  // the formats not asked for stay as they were
  log_line("export: " + written + "vocabulary.tsv in " + out.string());
}

}  // namespace

void add_export_command(CLI::App& app) {
  auto options = std::make_shared<ExportOptions>();
  CLI::App* command = app.add_subcommand(
      "export",
      "Write embeddings.tsv + metadata.tsv (Embedding Projector), embeddings.w2v.txt, embeddings.npy, "
      "model.logits.onnx + model.similar.onnx (ONNX) and vocabulary.tsv from a model.pt");
  command->add_option("-m,--model", options->model, "model.pt written by n2v train")->required();
  command->add_option("-o,--out", options->out_dir, "output folder (default: the model's folder)");
  command->add_flag("--no-projector", options->no_projector, "skip embeddings.tsv + metadata.tsv");
  command->add_flag("--no-word2vec", options->no_word2vec, "skip embeddings.w2v.txt");
  command->add_flag("--no-numpy", options->no_numpy, "skip embeddings.npy");
  command->add_flag("--no-onnx", options->no_onnx, "skip model.logits.onnx + model.similar.onnx");
  add_choice_option(*command, "-f,--format", options->formats,
                    "write only these: projector, word2vec, numpy, onnx (repeat or comma-separate; default all; "
                    "vocabulary.tsv is always written)");
  command->callback([options] { run_export(*options); });
}

}  // namespace n2v
