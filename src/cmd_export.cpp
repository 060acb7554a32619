// n2v export --model model.pt [--out DIR]: the text files for other tools, from a saved model.
#include <memory>

#include "atomic_file.h"
#include "cli.h"
#include "embedding_files.h"
#include "model_file.h"
#include "progress.h"

namespace n2v {
namespace {

struct ExportOptions {
  std::string model;
  std::string out_dir;
  bool projector = true;
  bool word2vec = true;
};

void run_export(const ExportOptions& options) {
  ModelFile model = ModelFile::load(options.model);
  std::filesystem::path out = options.out_dir.empty() ? std::filesystem::path(options.model).parent_path()
                                                      : std::filesystem::path(options.out_dir);
  if (out.empty()) out = ".";
  ensure_directory(out);
  if (options.projector)
    write_projector_files(model.embeddings(), model.dim(), model.vocabulary(), out / "embeddings.tsv",
                          out / "metadata.tsv");
  if (options.word2vec) write_word2vec_text(model.embeddings(), model.dim(), model.vocabulary(), out / "embeddings.w2v.txt");
  write_vocabulary_tsv(model.vocabulary(), out / "vocabulary.tsv");
  log_line("export: " + std::string(options.projector ? "embeddings.tsv, metadata.tsv, " : "") +
           (options.word2vec ? "embeddings.w2v.txt, " : "") + "vocabulary.tsv in " + out.string());
}

}  // namespace

void add_export_command(CLI::App& app) {
  auto options = std::make_shared<ExportOptions>();
  CLI::App* command = app.add_subcommand(
      "export", "Write embeddings.tsv + metadata.tsv (Embedding Projector), embeddings.w2v.txt and vocabulary.tsv from a model.pt");
  command->add_option("-m,--model", options->model, "model.pt written by n2v train")->required();
  command->add_option("-o,--out", options->out_dir, "output folder (default: the model's folder)");
  command->add_flag("!--no-projector", options->projector, "skip embeddings.tsv + metadata.tsv");
  command->add_flag("!--no-word2vec", options->word2vec, "skip embeddings.w2v.txt");
  command->callback([options] { run_export(*options); });
}

}  // namespace n2v
