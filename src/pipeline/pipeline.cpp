#include "pipeline/pipeline.h"

#include <cmath>
#include <optional>

#include "core/paths.h"
#include "core/errors.h"
#include "core/progress.h"
#include "core/text.h"
#include "data/download.h"

namespace n2v {

namespace {

void run(const PrepareOptions& options, PipelineStage stage, const std::function<void()>& body) {
  if (options.run_stage) options.run_stage(stage, body);
  else body();
}

Progress* progress_of(std::optional<Progress>& progress) { return progress ? &*progress : nullptr; }

Graph load_edge_list_graph(const Config& config, bool show_progress) {
  const std::filesystem::path path = edge_list_path(config.data);
  if (!path_exists(path)) {
    throw DataError(path.string() + ": edge list not found (data.edges = '" + config.data.edges + "', data.dir = '" +
                    config.data.dir + "'); point --data-dir or --set data.edges=FILE at a 'src dst [weight]' file");
  }
  const EdgeListOptions options = edge_list_options_from(config);
  EdgeListReport report;
  std::optional<Progress> loading;
  if (show_progress) loading.emplace("data: " + path.string(), 0, "edge lines");
  Graph g = read_edge_list(path, options, &report);
  if (loading) {
    loading->advance(report.edge_lines);
    loading->finish(std::to_string(g.stats.nodes) + " nodes, " + std::to_string(g.stats.edges) +
                    (options.directed ? " directed" : " undirected") + " edges");
  }
  if (report.header) {
    log_line("note: " + path.string() + ":" + std::to_string(report.header_line) + " read as a header, not an edge");
  }
  if (report.duplicates_merged > 0) {
    log_line(std::to_string(report.duplicates_merged) + " duplicate edge lines merged (weights summed)");
  }
  if (report.self_loops_dropped > 0) log_line(std::to_string(report.self_loops_dropped) + " self-loops dropped");
  if (report.zero_weight_dropped > 0) {
    log_line(std::to_string(report.zero_weight_dropped) + " edges of weight 0 dropped");
  }
  return g;
}

// The MovieLens ratings, eval.holdout_latest's share held out into `held`.
MovieLensData load_ratings(const Config& config, HeldOut& held, bool show_progress) {
  ensure_dataset(config.data);
  std::optional<Progress> loading;
  if (show_progress) loading.emplace("data: " + config.data.dir, 0, "ratings");
  MovieLensData data = load_movielens(config.data.dir);
  if (loading) {
    loading->advance(data.rating_rows);
    loading->finish(layout_name(data.layout) + ", " + std::to_string(data.movies.movies.size()) + " movies");
  }
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
  return data;
}

void hold_out_graph_edges(const Config& config, Graph& g, HeldOut& held) {
  const std::size_t edges = g.edges.size();
  held.has_edges = true;
  held.pairs = hold_out_edges(g, config.eval.holdout_edges, config.seed);
  const std::size_t removed = held.pairs.size() / 2;
  log_line("eval: held out " + std::to_string(removed) + " of " + std::to_string(edges) +
           " edges and as many non-edges");
  const auto wanted = static_cast<std::size_t>(std::llround(config.eval.holdout_edges * static_cast<double>(edges)));
  if (removed < wanted) {
    log_line("warning: eval.holdout_edges asked for " + std::to_string(wanted) + " edges; only " +
             std::to_string(removed) + " can go without disconnecting the graph");
  }
}

// The Load and Graph stages.
Graph load_graph(const Config& config, HeldOut& held, const PrepareOptions& options) {
  held = HeldOut{};
  Graph g;
  if (config.data.format == DataFormat::EdgeList) {
    run(options, PipelineStage::Load, [&] { g = load_edge_list_graph(config, options.progress); });
  } else {
    MovieLensData data;  // freed before the walks
    run(options, PipelineStage::Load, [&] { data = load_ratings(config, held, options.progress); });
    run(options, PipelineStage::Graph, [&] { g = build_movie_graph(data, cooccurrence_options_from(config)); });
  }
  if (config.eval.holdout_edges > 0) hold_out_graph_edges(config, g, held);
  return g;
}

}  // namespace

Graph load_graph(const Config& config, HeldOut* held_out) {
  HeldOut discarded;
  return load_graph(config, held_out ? *held_out : discarded, PrepareOptions{});
}

void require_edges(const Graph& g, const Config& config) {
  if (g.stats.edges > 0 && !g.edges.empty()) return;
  std::string hint = config.data.format == DataFormat::MovieLens
                         ? "; lower graph.min_weight (now " + format_double(config.graph.min_weight) +
                               ") or graph.min_rating (now " + format_double(config.graph.min_rating) + ")"
                         : "";
  if (config.eval.holdout_edges > 0) hint += ", or eval.holdout_edges";
  throw DataError("the graph has no edges (" + std::to_string(g.stats.nodes) + " nodes), so there is nothing to walk" +
                  hint);
}

TrainingData prepare_training_data(const Config& config, const PrepareOptions& options) {
  TrainingData data;
  data.graph = load_graph(config, data.held_out, options);
  require_edges(data.graph, config);
  const CsrGraph& graph = data.graph.graph;

  const WalkOptions walk_options = walk_options_from(config);
  // Each rank walks its block of walk indices; walk i depends on (seed, i) only, so the gathered
  // blocks are the single-process walks.
  const WalkRange range = walk_shard(count_walks(graph, walk_options), options.rank, options.world_size);
  std::optional<Progress> walk_progress;
  if (options.progress) walk_progress.emplace("walks", range.last - range.first, "walks");
  run(options, PipelineStage::Walks,
      [&] { data.walks = generate_walks(graph, walk_options, range, progress_of(walk_progress)); });
  // Steps are transitions, as n2v walk counts them: a walk of n nodes took n - 1 steps.
  if (walk_progress) walk_progress->finish(std::to_string(data.walks.nodes.size() - data.walks.size()) + " steps");
  if (options.gather_walks) data.walks = options.gather_walks(data.walks);

  // The Keras scheme materialises the examples; stream mode and sgns generate them per batch.
  if (config.skipgram.model == SkipGramModel::Keras && config.skipgram.mode == SkipGramMode::Aggregate) {
    const ExampleOptions example_options = example_options_from(config);
    const std::size_t vocabulary_size = data.graph.vocabulary.size();
    std::optional<Progress> example_progress;
    if (options.progress) example_progress.emplace("examples", data.walks.size(), "walks");
    run(options, PipelineStage::Examples, [&] {
      data.examples = generate_examples(data.walks, vocabulary_size, example_options, progress_of(example_progress));
    });
    if (example_progress) {
      const std::size_t batch = static_cast<std::size_t>(config.train.batch_size);
      example_progress->finish(std::to_string(data.examples.size()) + " examples, " +
                               std::to_string(data.examples.size() / batch) + " steps of " + std::to_string(batch) +
                               " per epoch");
    }
  }
  // Training needs the walks and the vocabulary, not the graph: its arcs and edge list (3 GB at
  // MovieLens-25M scale) are freed before the slowest stage instead of after it.
  data.graph.graph = CsrGraph();
  std::vector<Edge>().swap(data.graph.edges);
  return data;
}

// Value-initialised: a field a mapping forgets is 0, not some default of its own.
CooccurrenceOptions cooccurrence_options_from(const Config& config) {
  CooccurrenceOptions options{};
  options.min_rating = config.graph.min_rating;
  options.min_weight = config.graph.min_weight;
  options.threads = config.resolved_threads();
  return options;
}

EdgeListOptions edge_list_options_from(const Config& config) {
  EdgeListOptions options{};
  options.directed = config.graph.directed;
  options.self_loops = config.graph.self_loops;
  return options;
}

WalkOptions walk_options_from(const Config& config) {
  WalkOptions options{};
  options.p = config.walk.p;
  options.q = config.walk.q;
  options.num_walks = config.walk.num_walks;
  options.num_steps = config.walk.num_steps;
  options.seed = config.seed;
  options.threads = config.resolved_threads();
  return options;
}

ExampleOptions example_options_from(const Config& config) {
  ExampleOptions options{};
  options.window = config.skipgram.window;
  options.negative_samples = config.skipgram.negative_samples;
  options.seed = config.seed;
  options.threads = config.resolved_threads();
  return options;
}

StreamOptions stream_options_from(const Config& config) {
  StreamOptions options{};
  options.window = config.skipgram.window;
  options.negative_samples = config.skipgram.negative_samples;
  options.negative_distribution = config.skipgram.negative_distribution;
  options.seed = config.seed;
  return options;
}

SgnsOptions sgns_options_from(const Config& config) {
  SgnsOptions options{};
  options.window = config.skipgram.window;
  options.negative_samples = config.skipgram.negative_samples;
  options.subsample = config.skipgram.subsample;
  options.seed = config.seed;
  return options;
}

}  // namespace n2v
