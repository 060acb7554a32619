// n2v evaluate --model runs/X/model.pt | --vectors FILE [--run DIR] [--task genres|links|recommend|all]:
// scores a run's vectors, or a word2vec text file's on a run's graph, prints a table and writes
// evaluation.json beside the model, or FILE.evaluation.json beside the file.
#include <cstdio>
#include <memory>

#include "cli/cli.h"
#include "core/paths.h"
#include "core/atomic_file.h"
#include "core/errors.h"
#include "core/progress.h"
#include "core/run_folder.h"
#include "serve/evaluate_model.h"

namespace n2v {

void add_evaluate_command(CLI::App& app) {
  auto options = std::make_shared<EvaluateOptions>();
  auto model = std::make_shared<std::string>();
  auto vectors = std::make_shared<std::string>();
  auto run = std::make_shared<std::string>();
  CLI::App* command = app.add_subcommand(
      "evaluate", "Score a run's vectors: genre prediction, link prediction, next-item recommendation");
  CLI::Option* model_option = command->add_option(
      "-m,--model", *model, "model.pt written by n2v train (its folder holds config.yaml and the held-out data)");
  command
      ->add_option("--vectors", *vectors,
                   "a word2vec text file (gensim's save_word2vec_format, PecanPy's, embeddings.w2v.txt) to score on "
                   "the run's graph instead of a model.pt, or embeddings.manifest.json (the ranks' files of dist.tables per_rank)")
      ->excludes(model_option);
  command->add_option("--run", *run,
                      "the run folder with config.yaml and the held-out data (default: the folder of --model or "
                      "--vectors)");
  add_choice_option(*command, "--task", options->task,
                    "genres | links | recommend | all (default: all the run has data for)");
  command->add_option("--data-dir", options->data_dir,
                      "the data the run was trained on (default: the folder recorded in model.pt, else config.yaml's)");
  command->add_option("--seed", options->seed, "seed of the genre splits and random vectors (default: the run's seed)");
  command->add_option("--labels", options->labels_file,
                      "node labels for the genres task, node<TAB>label|label lines (default: the movie genres)")
      ->check(CLI::ExistingFile);
  command->callback([options, model, vectors, run] {
    if (model->empty() == vectors->empty()) throw UsageError("evaluate: pass --model model.pt or --vectors FILE");
    options->model = *model;
    options->vectors = *vectors;
    options->run = *run;
    if (!options->run.empty() && !is_folder(options->run))
      throw UsageError("evaluate --run " + *run + ": not a folder (the output folder of n2v train)");
    // The run folder is read (config.yaml, the held-out data) and written: no train may change it meanwhile.
    const std::filesystem::path json = evaluation_json_path(*options);
    RunFolder folder(json.parent_path());
    Evaluation evaluation = vectors->empty() ? evaluate_model(*options) : evaluate_vectors(*options);
    std::printf("%s", evaluation_table(evaluation).c_str());
    std::fflush(stdout);
    write_file_atomic(folder.staged(json.filename().string()),
                      evaluation_json(evaluation, vectors->empty() ? options->model : options->vectors));
    folder.commit();
    log_line("wrote " + json.string());
  });
}

}  // namespace n2v
