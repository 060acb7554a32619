// n2v synth: writes a synthetic MovieLens data set (ml-latest layout), or with --graph rmat a
// power-law edge list, for scale runs.
#include <algorithm>
#include <cstdio>
#include <thread>
#include <vector>

#include "cli/cli.h"
#include "core/errors.h"
#include "core/progress.h"
#include "core/run_folder.h"
#include "data/rmat.h"
#include "data/synth.h"

namespace n2v {

namespace {

enum class SynthGraph { MovieLens, Rmat };

}  // namespace

template <>
struct Choices<SynthGraph> {
  static constexpr std::pair<SynthGraph, const char*> names[]{{SynthGraph::MovieLens, "movielens"},
                                                              {SynthGraph::Rmat, "rmat"}};
};

namespace {

struct SynthCommandOptions {
  SynthGraph graph = SynthGraph::MovieLens;
  SynthOptions synth;
  RmatOptions rmat;
  std::string out_dir;
  int threads = 0;
};

void run_rmat(const SynthCommandOptions& options, int threads) {
  RmatOptions rmat = options.rmat;
  rmat.threads = threads;
  rmat.seed = options.synth.seed;
  check_rmat_options(rmat);  // before any output exists
  RunFolder folder(options.out_dir);
  Progress progress("synth rmat " + options.out_dir, rmat.edges, "edges");
  const RmatSummary s = write_rmat_edge_list(rmat, folder.staging(), &progress);
  folder.commit();
  progress.finish(std::to_string(s.bytes / 1000000) + " MB");
  std::printf("nodes                    %llu (%llu with edges)\n", static_cast<unsigned long long>(s.nodes),
              static_cast<unsigned long long>(s.nodes_with_edges));
  std::printf("edges                    %llu\n", static_cast<unsigned long long>(s.edges));
  std::printf("degree                   %.1f mean, %llu p99, %llu max\n", s.mean_degree,
              static_cast<unsigned long long>(s.p99_degree), static_cast<unsigned long long>(s.max_degree));
  log_line("wrote " + options.out_dir + "/edges.tsv (read it with --set data.format=edgelist --data-dir " +
           options.out_dir + ")");
}

void run_synth(const SynthCommandOptions& options, const CLI::App& command) {
  const int threads = config_with_option("threads", std::to_string(options.threads), "--threads").resolved_threads();
  const bool rmat = options.graph == SynthGraph::Rmat;
  // The other generator's options: refused, so that a typo of --graph never silently ignores them.
  const auto others = rmat ? std::vector<const char*>{"--users", "--movies", "--ratings", "--min-user-ratings"}
                           : std::vector<const char*>{"--nodes", "--edges", "--weights"};
  for (const char* name : others) {
    if (command.count(name) > 0)
      throw UsageError(std::string(name) + " is for --graph " + (rmat ? "movielens" : "rmat") + ", not --graph " +
                       choice_name(options.graph));
  }
  if (rmat) return run_rmat(options, threads);
  SynthOptions synth = options.synth;
  synth.threads = threads;
  check_synth_options(synth);  // before any output exists
  RunFolder folder(options.out_dir);
  Progress progress("synth " + options.out_dir, synth.ratings, "ratings");
  SynthSummary s = write_synthetic_movielens(synth, folder.staging(), &progress);
  folder.commit();
  progress.finish(std::to_string(s.bytes / 1000000) + " MB");
  std::printf("users                    %llu\n", static_cast<unsigned long long>(s.users));
  std::printf("movies                   %llu (%llu rated)\n", static_cast<unsigned long long>(s.movies),
              static_cast<unsigned long long>(s.rated_movies));
  std::printf("ratings                  %llu\n", static_cast<unsigned long long>(s.ratings));
  std::printf("ratings per user         %.1f mean, %llu most\n",
              static_cast<double>(s.ratings) / static_cast<double>(s.users),
              static_cast<unsigned long long>(s.max_user_ratings));
  std::printf("mean rating              %.2f\n", s.mean_rating());
  std::printf("share of 4.5 and 5.0     %.1f%% and %.1f%%\n", 100.0 * s.histogram[8] / s.ratings,
              100.0 * s.histogram[9] / s.ratings);
  log_line("wrote " + options.out_dir + "/ratings.csv and movies.csv");
}

}  // namespace

void add_synth_command(CLI::App& app) {
  auto options = std::make_shared<SynthCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "synth", "Write a synthetic MovieLens-shaped data set (ratings.csv, movies.csv), or a power-law edge list "
                "(--graph rmat), for scale runs");
  SynthOptions& s = options->synth;
  command->add_option("--users", s.users, "number of users (ids 1..N)")->capture_default_str();
  command->add_option("--movies", s.movies, "rows of movies.csv (the rated ones are at most this many)")
      ->capture_default_str();
  command->add_option("--ratings", s.ratings, "rows of ratings.csv, exactly")->capture_default_str();
  command->add_option("--seed", s.seed, "random seed: the same seed gives the same bytes")->capture_default_str();
  command->add_option("--min-user-ratings", s.min_user_ratings, "ratings of the least active user (MovieLens: 20)")
      ->capture_default_str();
  command->add_option("-o,--out", options->out_dir, "output folder (created; its ratings.csv and movies.csv, or edges.tsv, are replaced)")
      ->required();
  command->add_option("--threads", options->threads, "worker threads, 0 = all cores (the output does not depend on it)")
      ->capture_default_str();
  add_choice_option(*command, "--graph", options->graph,
                    "movielens: ratings.csv and movies.csv; rmat: a power-law edges.tsv (R-MAT, Graph500's a, b, c)");
  command->add_option("--nodes", options->rmat.nodes, "rmat: node ids 0..N-1")->capture_default_str();
  command->add_option("--edges", options->rmat.edges, "rmat: lines of edges.tsv, exactly")->capture_default_str();
  add_choice_option(*command, "--weights", options->rmat.weights, "rmat: none, or uniform in (0, 1] as a third column");
  command->callback([options, command] { run_synth(*options, *command); });
}

}  // namespace n2v
