// n2v graph: data -> PMI movie graph; prints the statistics, writes graph_stats.json and edges.tsv.
#include <cstdio>

#include "cli/cli.h"
#include "core/atomic_file.h"
#include "graph/edgelist.h"
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
    // Quoted as the edge-list reader reads them back (a name may hold a tab or start with a quote).
    out << edge_list_field(g.vocabulary.names[e.src]) << '\t' << edge_list_field(g.vocabulary.names[e.dst]) << '\t'
        << buffer << '\n';
  }
  file.commit();
}

void add_graph_command(CLI::App& app) {
  auto options = std::make_shared<CommonOptions>();
  CLI::App* command = app.add_subcommand("graph", "Build the movie graph (PMI x co-count edges) and print its statistics");
  add_common_options(*command, *options);
  command->callback([options] {
    Run run = prepare_run(*options);
    RunFolder folder(run.out_dir, input_folders(run.config));
    Graph g = load_graph(run.config);
    stage_config(run.config, folder);
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
    if (s.edges == 0) log_line("warning: the graph has no edges; n2v walk and n2v train refuse it");
    write_file_atomic(folder.staged("graph_stats.json"), s.to_json());
    write_edges_tsv(g, folder.staged("edges.tsv"));
    folder.commit();
    log_line("wrote " + (run.out_dir / "graph_stats.json").string() + " and " + (run.out_dir / "edges.tsv").string());
  });
}

}  // namespace n2v
