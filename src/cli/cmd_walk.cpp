// n2v walk: data -> graph -> node2vec walks; writes walks.txt (one walk per line, node names).
#include <cstdio>
#include <string>

#include "cli/cli.h"
#include "core/atomic_file.h"
#include "core/progress.h"
#include "core/text.h"
#include "pipeline/pipeline.h"
#include "walk/walks.h"

namespace n2v {

void write_walks_txt(const Walks& walks, const Vocabulary& vocabulary, const std::filesystem::path& path) {
  AtomicFile file(path);
  auto& out = file.stream();
  std::string line;
  for (std::size_t i = 0; i < walks.size(); ++i) {
    line.clear();
    const NodeId* walk = walks.walk(i);
    for (std::size_t j = 0; j < walks.length(i); ++j) {
      if (j > 0) line += ' ';
      line += one_word(vocabulary.names[walk[j]]);  // words are separated by spaces
    }
    line += '\n';
    out << line;
  }
  file.commit();
}

void add_walk_command(CLI::App& app) {
  auto options = std::make_shared<CommonOptions>();
  CLI::App* command = app.add_subcommand("walk", "Generate node2vec random walks and write them to walks.txt");
  add_common_options(*command, *options);
  command->callback([options] {
    Run run = prepare_run(*options);
    const Config& config = run.config;
    RunFolder folder(run.out_dir, input_folders(config));
    Graph g = load_graph(config);
    require_edges(g, config);

    const WalkOptions walk_options = walk_options_from(config);
    const std::uint64_t total = static_cast<std::uint64_t>(config.walk.num_walks) * walk_start_nodes(g.graph).size();
    Progress progress("walks", total, "walks");
    Walks walks = generate_walks(g.graph, walk_options, &progress);
    const double seconds = progress.seconds();
    // Steps are transitions: a walk of n nodes took n - 1 steps.
    const std::uint64_t steps = walks.nodes.size() - walks.size();
    progress.finish(std::to_string(steps) + " steps");

    stage_config(config, folder);
    std::printf("walks                    %zu\n", walks.size());
    std::printf("steps                    %llu\n", static_cast<unsigned long long>(steps));
    std::printf("steps per second         %.2f M (%d thread%s)\n", seconds > 0 ? steps / seconds / 1e6 : 0.0,
                walk_options.threads, walk_options.threads == 1 ? "" : "s");
    write_walks_txt(walks, g.vocabulary, folder.staged("walks.txt"));
    folder.commit();
    log_line("wrote " + (run.out_dir / "walks.txt").string());
  });
}

}  // namespace n2v
