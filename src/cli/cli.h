#pragma once
// The n2v command line: shared options, config resolution, and one add_*_command per
// subcommand (each in its own cmd_*.cpp).
#include <CLI/CLI.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/run_folder.h"
#include "dist/transport.h"
#include "pipeline/dist_options.h"

namespace n2v {

struct CommonOptions {
  std::string config_file;
  std::string data_dir;
  std::string out_dir;
  std::optional<std::uint64_t> seed;
  std::optional<int> threads;
  std::vector<std::string> overrides;  // --set KEY=VALUE
  // A command's own shortcuts (train's --epochs): (KEY=VALUE, the option), applied after --set and
  // named by their option in errors.
  std::vector<std::pair<std::string, std::string>> shortcuts;
};

// --config, --data-dir, --out, --seed, --threads, --set. `default_out` is --out's default as --help
// shows it (what prepare_run picks, or what the command puts there instead).
void add_common_options(CLI::App& command, CommonOptions& options,
                        const std::string& default_out = "runs/<config file stem>/");
// --rank, --world-size, --master (distributed runs; see pipeline/dist_options.h).
void add_dist_options(CLI::App& command, DistOverrides& options);
// Joins a world of more than one process (train/distributed.h's Communicator, on c10d): the
// connection the walks across ranks use. A build without LibTorch refuses, saying why.
std::unique_ptr<Transport> connect_ranks(const DistOptions& options);

// An option taking one of E's names (core/choice.h), parsed once into `target`; any other text is
// refused with the list of names.
template <class E>
CLI::Option* add_choice_option(CLI::App& command, const std::string& name, E& target, const std::string& help) {
  return command
      .add_option_function<std::string>(
          name, [&target](const std::string& text) { target = *parse_choice<E>(text); }, help)
      ->check(CLI::IsMember(choice_names<E>()));
}
// The same for an option given several names (repeated or comma-separated).
template <class E>
CLI::Option* add_choice_option(CLI::App& command, const std::string& name, std::vector<E>& target,
                               const std::string& help) {
  return command
      .add_option_function<std::vector<std::string>>(
          name,
          [&target](const std::vector<std::string>& texts) {
            for (const std::string& text : texts) target.push_back(*parse_choice<E>(text));
          },
          help)
      ->check(CLI::IsMember(choice_names<E>()))
      ->delimiter(',');
}

struct Run {
  Config config;
  std::filesystem::path out_dir;
};

// Loads the config, applies the command-line overrides, validates once, and picks the output
// folder (default runs/<config stem>/). Writes nothing: bad input must leave no output behind.
Run prepare_run(const CommonOptions& options);
// The folders a run of `config` reads (data.dir, or the edge list's folder), which --out must not be.
std::vector<InputFolder> input_folders(const Config& config);
// Saves the effective config as config.yaml among the run's staged outputs (core/run_folder.h).
void stage_config(const Config& config, RunFolder& folder);
// The same without creating or writing anything (for commands that only read).
Config resolve_config(const CommonOptions& options);
// The built-in config with one key set from a command's own option (synth's --threads, bench-comm's
// --timeout) and validated: the option obeys the key's rule, and an error names the option.
Config config_with_option(const std::string& key, const std::string& value, const std::string& option);

void add_graph_command(CLI::App& app);
void add_walk_command(CLI::App& app);
void add_train_command(CLI::App& app);  // needs N2V_WITH_TORCH
void add_similar_command(CLI::App& app);  // needs N2V_WITH_TORCH
void add_export_command(CLI::App& app);  // needs N2V_WITH_TORCH
void add_evaluate_command(CLI::App& app);  // needs N2V_WITH_TORCH
void add_sweep_command(CLI::App& app);  // needs N2V_WITH_TORCH
void add_compare_loss_command(CLI::App& app);
void add_synth_command(CLI::App& app);
void add_bench_command(CLI::App& app);  // train/export stages need N2V_WITH_TORCH
void add_launch_command(CLI::App& app);
void add_bench_comm_command(CLI::App& app);  // needs N2V_WITH_TORCH (c10d)
void add_serve_command(CLI::App& app);  // needs N2V_WITH_TORCH; the server itself N2V_WITH_SERVE

// Parses argv and runs the chosen subcommand; throws n2v::Error subclasses.
int run_cli(int argc, char** argv);

}  // namespace n2v
