// n2v evaluate --model runs/X/model.pt [--task genres|links|recommend|all]: scores a run's vectors,
// prints a table and writes evaluation.json beside the model.
#include <cstdio>
#include <memory>

#include "cli/cli.h"
#include "core/atomic_file.h"
#include "core/progress.h"
#include "core/run_folder.h"
#include "serve/evaluate_model.h"

namespace n2v {

void add_evaluate_command(CLI::App& app) {
  auto options = std::make_shared<EvaluateOptions>();
  auto model = std::make_shared<std::string>();
  CLI::App* command = app.add_subcommand(
      "evaluate", "Score a run's vectors: genre prediction, link prediction, next-item recommendation");
  command->add_option("-m,--model", *model, "model.pt written by n2v train (its folder holds config.yaml and the "
                                             "held-out data)")
      ->required();
  add_choice_option(*command, "--task", options->task,
                    "genres | links | recommend | all (default: all the run has data for)");
  command->add_option("--data-dir", options->data_dir,
                      "the data the run was trained on (default: the folder recorded in model.pt, else config.yaml's)");
  command->add_option("--seed", options->seed, "seed of the genre splits and random vectors (default: the run's seed)");
  command->add_option("--labels", options->labels_file,
                      "node labels for the genres task, node<TAB>label|label lines (default: the movie genres)")
      ->check(CLI::ExistingFile);
  command->callback([options, model] {
    options->model = *model;
    // The run folder is read (config.yaml, the held-out data) and written: no train may change it meanwhile.
    const std::filesystem::path dir = options->model.parent_path();
    RunFolder folder(dir.empty() ? "." : dir);
    Evaluation evaluation = evaluate_model(*options);
    std::printf("%s", evaluation_table(evaluation).c_str());
    std::fflush(stdout);
    write_file_atomic(folder.staged("evaluation.json"), evaluation_json(evaluation, options->model));
    folder.commit();
    log_line("wrote " + (folder.out() / "evaluation.json").string());
  });
}

}  // namespace n2v
