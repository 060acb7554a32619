#include "cli/cli.h"

#include <cstdio>

#include "core/atomic_file.h"
#include "core/csv.h"
#include "core/errors.h"
#include "core/text.h"
#include "graph/edgelist.h"

namespace n2v {

void add_common_options(CLI::App& command, CommonOptions& options, const std::string& default_out) {
  command.add_option("-c,--config", options.config_file, "YAML config file (default: built-in defaults = the Keras example)")
      ->check(CLI::ExistingFile);
  command.add_option("--data-dir", options.data_dir, "data folder (overrides data.dir); downloaded from data.url when empty");
  command.add_option("-o,--out", options.out_dir, "output folder (default: " + default_out + ")");
  command.add_option("--seed", options.seed, "random seed (overrides seed)");
  command.add_option("--threads", options.threads, "worker threads, 0 = all cores (overrides threads)");
  command.add_option("--set", options.overrides, "override any config key, e.g. --set graph.min_weight=5 (repeatable)")
      ->type_name("KEY=VALUE");
}

void add_dist_options(CLI::App& command, DistOverrides& options) {
  command.add_option("--rank", options.rank, "this process's rank in a distributed run (overrides RANK)");
  command.add_option("--world-size", options.world_size,
                     "processes in the distributed run, 1 = none (overrides WORLD_SIZE; see n2v launch)");
  command.add_option("--master", options.master, "rank 0's rendezvous address (overrides MASTER_ADDR, MASTER_PORT)")
      ->type_name("ADDR:PORT");
}

Config resolve_config(const CommonOptions& options) {
  if (!options.config_file.empty()) {
    try {
      require_regular_file(options.config_file);  // a FIFO would block the YAML reader
    } catch (const DataError& e) {
      throw ConfigError(std::string("--config ") + e.what());
    }
  }
  Config config = options.config_file.empty() ? Config{} : Config::load(options.config_file);
  if (!options.data_dir.empty()) config.set("data.dir", options.data_dir, "--data-dir");
  if (options.seed) config.set("seed", std::to_string(*options.seed), "--seed");
  if (options.threads) config.set("threads", std::to_string(*options.threads), "--threads");
  for (const auto& assignment : options.overrides) {
    const std::string shown = quote_excerpt(assignment);  // the assignment itself when short and printable
    config.set(assignment, "--set " + (shown == "'" + assignment + "'" ? assignment : shown));
  }
  for (const auto& [assignment, option] : options.shortcuts) config.set(assignment, option);
  config.validate();
  return config;
}

Config config_with_option(const std::string& key, const std::string& value, const std::string& option) {
  Config config;
  config.set(key, value, option);
  config.validate();
  return config;
}

Run prepare_run(const CommonOptions& options) {
  Run run{resolve_config(options), {}};
  if (!options.out_dir.empty()) {
    run.out_dir = options.out_dir;
  } else {
    std::string stem = options.config_file.empty() ? "default" : std::filesystem::path(options.config_file).stem().string();
    run.out_dir = std::filesystem::path("runs") / stem;
  }
  return run;
}

std::vector<InputFolder> input_folders(const Config& config) {
  if (config.data.format == DataFormat::MovieLens) return {{config.data_dir(), "data.dir"}};
  std::filesystem::path folder = edge_list_path(config.data).parent_path();
  return {{folder.empty() ? "." : folder, "the folder of the edge list data.edges"}};
}

void stage_config(const Config& config, RunFolder& folder) {
  write_file_atomic(folder.staged("config.yaml"), config.to_yaml());
}

namespace {

// CLI11 reads "-3" into an unsigned option as 18446744073709551613 (strtoull wraps around), so
// every unsigned option refuses a sign before the conversion.
void refuse_negative_unsigned(CLI::App& app) {
  const CLI::Validator not_negative(
      [](std::string& text) {
        return trim(text).rfind('-', 0) == 0 ? "must be 0 or more, not " + quote_excerpt(text) : std::string();
      },
      "", "NOT_NEGATIVE");
  for (CLI::Option* option : app.get_options())
    if (option->get_type_name() == "UINT") option->check(not_negative);
  for (CLI::App* command : app.get_subcommands({})) refuse_negative_unsigned(*command);
}

}  // namespace

int run_cli(int argc, char** argv) {
  CLI::App app{"n2v: node2vec embeddings for MovieLens and any weighted graph (C++ / LibTorch)", "n2v"};
  app.set_version_flag("-V,--version", std::string("n2v ") + N2V_VERSION);
  app.require_subcommand(1);
  add_graph_command(app);
  add_walk_command(app);
#ifdef N2V_WITH_TORCH
  add_train_command(app);
  add_similar_command(app);
  add_export_command(app);
  add_evaluate_command(app);
  add_sweep_command(app);
  add_bench_comm_command(app);
  add_serve_command(app);
#endif
  add_compare_loss_command(app);
  add_synth_command(app);
  add_bench_command(app);
  add_launch_command(app);
  refuse_negative_unsigned(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // CLI11's message quotes the whole value: bounded like every other message.
    std::fprintf(stderr, "n2v: error: %s\nRun with --help for more information.\n", printable_excerpt(e.what(), 300).c_str());
    return 2;
  }
  return 0;
}

}  // namespace n2v
