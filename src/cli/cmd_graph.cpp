// n2v graph: data -> PMI movie graph; prints the statistics, writes graph_stats.json and edges.tsv.
#include <cstdio>

#include "cli/cli.h"
#include "core/atomic_file.h"
#include "core/progress.h"
#include "pipeline/pipeline.h"

namespace n2v {

void write_edges_tsv(const Graph& g, const std::filesystem::path& path) {
  AtomicFile file(path);
  auto& out = file.stream();
  out << "movieId_a\tmovieId_b\tweight\n";
  char buffer[32];
  for (const Edge& e : g.edges) {
    std::snprintf(buffer, sizeof buffer, "%.6g", e.weight);
    out << g.vocabulary.names[e.src] << '\t' << g.vocabulary.names[e.dst] << '\t' << buffer << '\n';
  }
  file.commit();
}

void add_graph_command(CLI::App& app) {
  auto options = std::make_shared<CommonOptions>();
  CLI::App* command = app.add_subcommand("graph", "Build the movie graph (PMI x co-count edges) and print its statistics");
  add_common_options(*command, *options);
  command->callback([options] {
    Run run = prepare_run(*options);
    Graph g = load_graph(run.config);
    begin_outputs(run);
    const GraphStats& s = g.stats;
    if (run.config.data.format == DataFormat::MovieLens) {
      std::printf("ratings                  %zu\n", s.ratings);
      std::printf("movies                   %zu\n", s.movies);
      std::printf("users with liked movies  %zu\n", s.users_with_likes);
      std::printf("co-rated pairs           %zu\n", s.co_rated_pairs);
    }
    std::printf("nodes                    %zu\n", s.nodes);
    std::printf("edges                    %zu\n", s.edges);
    std::printf("average degree           %.1f\n", s.average_degree);
    write_file_atomic(run.out_dir / "graph_stats.json", s.to_json());
    write_edges_tsv(g, run.out_dir / "edges.tsv");
    log_line("wrote " + (run.out_dir / "graph_stats.json").string() + " and " + (run.out_dir / "edges.tsv").string());
  });
}

}  // namespace n2v
