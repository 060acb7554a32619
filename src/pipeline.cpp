#include "pipeline.h"

#include "download.h"
#include "edgelist.h"
#include "progress.h"

namespace n2v {

namespace {

MovieGraph load_edge_list_graph(const Config& config) {
  const std::filesystem::path path = edge_list_path(config.data);
  EdgeListOptions options;
  options.directed = config.graph.directed;
  options.self_loops = config.graph.self_loops;
  EdgeListReport report;
  Progress loading("data: " + path.string(), 0, "edge lines");
  MovieGraph g = read_edge_list(path, options, &report);
  loading.advance(report.edge_lines);
  loading.finish(std::to_string(g.stats.nodes) + " nodes, " + std::to_string(g.stats.edges) +
                 (options.directed ? " directed" : " undirected") + " edges");
  if (report.duplicates_merged > 0) {
    log_line(std::to_string(report.duplicates_merged) + " duplicate edge lines merged (weights summed)");
  }
  if (report.self_loops_dropped > 0) log_line(std::to_string(report.self_loops_dropped) + " self-loops dropped");
  if (report.zero_weight_dropped > 0) {
    log_line(std::to_string(report.zero_weight_dropped) + " edges of weight 0 dropped");
  }
  return g;
}

}  // namespace

MovieGraph load_graph(const Config& config) {
  if (config.data.format == "edgelist") return load_edge_list_graph(config);
  ensure_dataset(config.data);
  Progress loading("data: " + config.data.dir, 0, "ratings");
  MovieLensData data = load_movielens(config.data.dir);
  loading.advance(data.rating_rows);
  loading.finish(layout_name(data.layout) + ", " + std::to_string(data.movies.movies.size()) + " movies");
  if (data.unknown_movie_ratings > 0) {
    log_line("warning: " + std::to_string(data.unknown_movie_ratings) + " ratings name movies that " +
             data.movies_file.string() + " lacks (first: " + data.first_unknown_movie +
             "); they are left out of the graph");
  }
  CooccurrenceOptions options;
  options.min_rating = config.graph.min_rating;
  options.min_weight = config.graph.min_weight;
  options.threads = config.resolved_threads();
  return build_movie_graph(data, options);
}

}  // namespace n2v
