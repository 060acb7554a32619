#include "pipeline/pipeline.h"

#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "core/paths.h"
#include "core/errors.h"
#include "core/memory.h"
#include "core/progress.h"
#include "core/text.h"
#include "data/download.h"
#include "dist/sharded_walks.h"
#include "graph/shard.h"

namespace n2v {

namespace {

void run(const PrepareOptions& options, PipelineStage stage, const std::function<void()>& body) {
  if (options.run_stage) options.run_stage(stage, body);
  else body();
}

Progress* progress_of(std::optional<Progress>& progress) { return progress ? &*progress : nullptr; }

std::filesystem::path existing_edge_list(const Config& config) {
  const std::filesystem::path path = edge_list_path(config.data);
  if (!path_exists(path)) {
    throw DataError(path.string() + ": edge list not found (data.edges = '" + config.data.edges + "', data.dir = '" +
                    config.data.dir + "'); point --data-dir or --set data.edges=FILE at a 'src dst [weight]' file");
  }
  return path;
}

void log_edge_list_report(const std::filesystem::path& path, const EdgeListReport& report) {
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
}

Graph load_edge_list_graph(const Config& config, bool show_progress) {
  const std::filesystem::path path = existing_edge_list(config);
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
  log_edge_list_report(path, report);
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

namespace {

[[noreturn]] void throw_no_edges(std::size_t nodes, const Config& config) {
  std::string hint = config.data.format == DataFormat::MovieLens
                         ? "; lower graph.min_weight (now " + format_double(config.graph.min_weight) +
                               ") or graph.min_rating (now " + format_double(config.graph.min_rating) + ")"
                         : "";
  if (config.eval.holdout_edges > 0) hint += ", or eval.holdout_edges";
  throw DataError("the graph has no edges (" + std::to_string(nodes) + " nodes), so there is nothing to walk" + hint);
}

}  // namespace

void require_edges(const Graph& g, const Config& config) {
  if (g.stats.edges == 0 || g.edges.empty()) throw_no_edges(g.stats.nodes, config);
}

namespace {

// What walking a graph holds: 16 bytes an arc (its neighbour, weight and alias entry) and 16 a row
// (its offset and total weight).
double walk_graph_bytes(const CsrGraph& g) {
  return 16.0 * static_cast<double>(g.num_arcs()) + 16.0 * static_cast<double>(g.num_nodes());
}

bool sharded(const Config& config, const PrepareOptions& options) {
  return config.dist.partition == Partition::Shard && options.world_size > 1;
}

// This rank's share of the graph. An edge list is streamed, each rank keeping its nodes' rows; a
// MovieLens graph's co-ratings are counted by each rank for its own movies (built whole and sliced
// only to hold edges out).
GraphShard load_graph_shard(const Config& config, HeldOut& held, const PrepareOptions& options) {
  if (!options.transport) throw Error("dist.partition shard needs the ranks' connection");
  Transport& transport = *options.transport;
  GraphShard shard;
  if (config.data.format == DataFormat::EdgeList) {
    if (config.eval.holdout_edges > 0) {
      throw UsageError("eval.holdout_edges needs the whole edge list on every rank; hold edges out with "
                       "dist.partition: replicate, or train on an edge list held out beforehand");
    }
    held = HeldOut{};
    run(options, PipelineStage::Load, [&] {
      const std::filesystem::path path = existing_edge_list(config);
      EdgeListReport report;
      std::optional<Progress> loading;
      if (options.progress) loading.emplace("data: " + path.string() + " (this rank's rows)", 0, "edge lines");
      shard = read_edge_list_shard(path, edge_list_options_from(config), options.rank, options.world_size, &report);
      if (loading) {
        loading->advance(report.edge_lines);
        loading->finish(std::to_string(shard.stats.nodes) + " nodes, " + std::to_string(shard.rows.num_arcs()) +
                        " arcs of this rank's " + std::to_string(shard.rows.num_nodes()) + " nodes");
      }
      log_edge_list_report(path, report);
    });
  } else if (config.eval.holdout_edges > 0) {
    // Holding edges out needs the whole graph: built whole, then sliced.
    const Graph g = load_graph(config, held, options);
    require_edges(g, config);
    shard = slice_graph(g, options.rank, options.world_size);
  } else {
    MovieLensData data;
    run(options, PipelineStage::Load, [&] { data = load_ratings(config, held, options.progress); });
    run(options, PipelineStage::Graph, [&] {
      shard = build_movie_graph_shard(data, cooccurrence_options_from(config), options.rank, options.world_size,
                                      [&transport](std::vector<std::uint64_t>& values) {
                                        transport.allreduce_sum(values.data(), values.size());
                                      });
    });
  }
  // The whole graph's counts, for the stats and for this rank's share of it.
  std::uint64_t counts[2] = {shard.counted_edges, shard.rows.num_arcs()};
  transport.allreduce_sum(counts, 2);
  shard.stats.edges = counts[0];
  if (counts[0] == 0) throw_no_edges(shard.stats.nodes, config);
  shard.stats.average_degree = shard.stats.nodes == 0 ? 0.0
                                                      : static_cast<double>(shard.directed ? 1 : 2) *
                                                            static_cast<double>(counts[0]) /
                                                            static_cast<double>(shard.stats.nodes);
  const double bytes = walk_graph_bytes(shard.rows);
  log_line("graph shard: rank " + std::to_string(options.rank) + " of " + std::to_string(options.world_size) +
           " holds " + std::to_string(shard.rows.num_nodes()) + " rows, " + std::to_string(shard.rows.num_arcs()) +
           " of the graph's " + std::to_string(counts[1]) + " arcs (" +
           fmt::format("{:.1f}", counts[1] == 0 ? 0.0 : 100.0 * static_cast<double>(shard.rows.num_arcs()) /
                                                     static_cast<double>(counts[1])) +
           "%), " + fmt::format("{:.1f}", bytes / 1e6) + " MB with its samplers; peak memory so far " +
           fmt::format("{:.0f}", peak_rss_mb()) + " MB");
  return shard;
}

void log_shard_walks(const ShardWalkStats& s, int rank, double seconds) {
  const double bytes_per_step = s.steps == 0 ? 0.0 : static_cast<double>(s.bytes_sent) / static_cast<double>(s.steps);
  log_line(fmt::format("walks across ranks: rank {} took {} steps in {:.2f} s ({:.2f} M/s), sent {} walkers ({} with a "
                       "proposal for its owner to test) and {} neighbour tests ({:.1f} MB, {:.1f} bytes a step) in {} "
                       "supersteps, {:.2f} s of it in the exchanges",
                       rank, s.steps, seconds, seconds > 0 ? static_cast<double>(s.steps) / seconds / 1e6 : 0.0,
                       s.walkers_sent, s.proposals_sent, s.queries_sent, static_cast<double>(s.bytes_sent) / 1e6,
                       bytes_per_step, s.supersteps, s.exchange_seconds));
}

}  // namespace

TrainingData prepare_walks(const Config& config, const PrepareOptions& options) {
  TrainingData data;
  const WalkOptions walk_options = walk_options_from(config);
  std::optional<Progress> walk_progress;
  if (sharded(config, options)) {
    GraphShard shard = load_graph_shard(config, data.held_out, options);
    const std::uint64_t total = shard.starts.size() * static_cast<std::uint64_t>(std::max(walk_options.num_walks, 0));
    const WalkRange range = walk_shard(total, options.rank, options.world_size);
    if (options.progress) walk_progress.emplace("walks", range.last - range.first, "walks");
    ShardWalkStats stats;
    run(options, PipelineStage::Walks,
        [&] { data.walks = walk_sharded(shard, walk_options, *options.transport, &stats, progress_of(walk_progress)); });
    if (walk_progress) {
      walk_progress->finish(std::to_string(data.walks.nodes.size() - data.walks.size()) + " steps");
      log_shard_walks(stats, options.rank, walk_progress->seconds());
    }
    data.graph.vocabulary = std::move(shard.vocabulary);
    data.graph.stats = shard.stats;
  } else {
    data.graph = load_graph(config, data.held_out, options);
    require_edges(data.graph, config);
    const CsrGraph& csr = data.graph.graph;
    log_line(fmt::format("graph: {} nodes, {} arcs, {:.1f} MB with its samplers", csr.num_nodes(), csr.num_arcs(),
                         walk_graph_bytes(csr) / 1e6));
    // Each rank walks its block of walk indices; walk i depends on (seed, i) only, so the gathered
    // blocks are the single-process walks.
    const WalkRange range = walk_shard(count_walks(data.graph.graph, walk_options), options.rank, options.world_size);
    if (options.progress) walk_progress.emplace("walks", range.last - range.first, "walks");
    run(options, PipelineStage::Walks,
        [&] { data.walks = generate_walks(data.graph.graph, walk_options, range, progress_of(walk_progress)); });
    // Steps are transitions, as n2v walk counts them: a walk of n nodes took n - 1 steps.
    if (walk_progress) walk_progress->finish(std::to_string(data.walks.nodes.size() - data.walks.size()) + " steps");
  }
  // Training needs the walks and the vocabulary, not the graph: its arcs and edge list (3 GB at
  // MovieLens-25M scale) are freed before the slowest stage instead of after it.
  data.graph.graph = CsrGraph();
  std::vector<Edge>().swap(data.graph.edges);
  return data;
}

TrainingData prepare_training_data(const Config& config, const PrepareOptions& options) {
  TrainingData data = prepare_walks(config, options);
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
