#include "pipeline/pipeline.h"

#include <cmath>

#include "core/errors.h"
#include "core/progress.h"
#include "core/text.h"
#include "data/download.h"
#include "graph/edgelist.h"

namespace n2v {

namespace {

Graph load_edge_list_graph(const Config& config) {
  const std::filesystem::path path = edge_list_path(config.data);
  if (!std::filesystem::exists(path)) {
    throw DataError(path.string() + ": edge list not found (data.edges = '" + config.data.edges + "', data.dir = '" +
                    config.data.dir + "'); point --data-dir or --set data.edges=FILE at a 'src dst [weight]' file");
  }
  EdgeListOptions options;
  options.directed = config.graph.directed;
  options.self_loops = config.graph.self_loops;
  EdgeListReport report;
  Progress loading("data: " + path.string(), 0, "edge lines");
  Graph g = read_edge_list(path, options, &report);
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

Graph load_movielens_graph(const Config& config, HeldOut& held) {
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
  if (config.eval.holdout_latest > 0) {
    held.has_ratings = true;
    held.ratings = hold_out_latest(data.ratings, config.eval.holdout_latest);
    log_line("eval: held out " + std::to_string(held.ratings.size()) + " of " +
             std::to_string(held.ratings.size() + data.ratings.size()) + " ratings (each user's latest " +
             format_double(config.eval.holdout_latest) + ")");
  }
  CooccurrenceOptions options;
  options.min_rating = config.graph.min_rating;
  options.min_weight = config.graph.min_weight;
  options.threads = config.resolved_threads();
  return build_movie_graph(data, options);
}

}  // namespace

Graph load_graph(const Config& config, HeldOut* held_out) {
  HeldOut discarded;
  HeldOut& held = held_out ? *held_out : discarded;
  held = HeldOut{};
  Graph g = config.data.format == "edgelist" ? load_edge_list_graph(config) : load_movielens_graph(config, held);
  if (config.eval.holdout_edges > 0) {
    const std::size_t edges = g.edges.size();
    held.has_edges = true;
    held.pairs = hold_out_edges(g, config.eval.holdout_edges, config.seed);
    const std::size_t removed = held.pairs.size() / 2;
    log_line("eval: held out " + std::to_string(removed) + " of " + std::to_string(edges) + " edges and as many non-edges");
    const auto wanted = static_cast<std::size_t>(std::llround(config.eval.holdout_edges * static_cast<double>(edges)));
    if (removed < wanted) {
      log_line("warning: eval.holdout_edges asked for " + std::to_string(wanted) + " edges; only " +
               std::to_string(removed) + " can go without disconnecting the graph");
    }
  }
  return g;
}

WalkOptions walk_options_from(const Config& config) {
  WalkOptions options;
  options.p = config.walk.p;
  options.q = config.walk.q;
  options.num_walks = config.walk.num_walks;
  options.num_steps = config.walk.num_steps;
  options.seed = config.seed;
  options.threads = config.resolved_threads();
  return options;
}

ExampleOptions example_options_from(const Config& config) {
  ExampleOptions options;
  options.window = config.skipgram.window;
  options.negative_samples = config.skipgram.negative_samples;
  options.seed = config.seed;
  options.threads = config.resolved_threads();
  return options;
}

StreamOptions stream_options_from(const Config& config) {
  StreamOptions options;
  options.window = config.skipgram.window;
  options.negative_samples = config.skipgram.negative_samples;
  options.negative_distribution = config.skipgram.negative_distribution;
  options.seed = config.seed;
  return options;
}

}  // namespace n2v
