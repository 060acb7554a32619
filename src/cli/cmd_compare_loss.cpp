// n2v compare-loss RUN_DIR: a run's loss curve beside the Keras reference, epoch by epoch.
#include <cstdio>
#include <memory>

#include "cli/cli.h"
#include "eval/loss_report.h"

namespace n2v {

void add_compare_loss_command(CLI::App& app) {
  auto run_dir = std::make_shared<std::string>();
  CLI::App* command = app.add_subcommand("compare-loss", "Print a run's loss curve beside the Keras reference");
  command->add_option("run_dir", *run_dir, "output folder of n2v train (holds loss.csv)")->required();
  command->callback([run_dir] {
    std::vector<double> loss = read_loss_csv(std::filesystem::path(*run_dir) / "loss.csv");
    std::printf("%s", loss_comparison_table(loss).c_str());
  });
}

}  // namespace n2v
