// n2v synth: writes a synthetic MovieLens data set (ml-latest layout) for scale runs.
#include <algorithm>
#include <cstdio>
#include <thread>

#include "cli/cli.h"
#include "core/progress.h"
#include "core/run_folder.h"
#include "data/synth.h"

namespace n2v {

namespace {

struct SynthCommandOptions {
  SynthOptions synth;
  std::string out_dir;
  int threads = 0;
};

void run_synth(const SynthCommandOptions& options) {
  SynthOptions synth = options.synth;
  synth.threads = config_with_option("threads", std::to_string(options.threads), "--threads").resolved_threads();
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
      "synth", "Write a synthetic MovieLens-shaped data set (ratings.csv, movies.csv) for scale runs");
  SynthOptions& s = options->synth;
  command->add_option("--users", s.users, "number of users (ids 1..N)")->capture_default_str();
  command->add_option("--movies", s.movies, "rows of movies.csv (the rated ones are at most this many)")
      ->capture_default_str();
  command->add_option("--ratings", s.ratings, "rows of ratings.csv, exactly")->capture_default_str();
  command->add_option("--seed", s.seed, "random seed: the same seed gives the same bytes")->capture_default_str();
  command->add_option("--min-user-ratings", s.min_user_ratings, "ratings of the least active user (MovieLens: 20)")
      ->capture_default_str();
  command->add_option("-o,--out", options->out_dir, "output folder (created; its ratings.csv and movies.csv are replaced)")
      ->required();
  command->add_option("--threads", options->threads, "worker threads, 0 = all cores (the output does not depend on it)")
      ->capture_default_str();
  command->callback([options] { run_synth(*options); });
}

}  // namespace n2v
