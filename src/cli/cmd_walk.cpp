// n2v walk: data -> graph -> node2vec walks; writes walks.txt (one walk per line, node names), or
// across ranks each rank's block in walks.rank-K.txt.
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "cli/cli.h"
#include "core/atomic_file.h"
#include "core/progress.h"
#include "core/text.h"
#include "dist/sharded_walks.h"
#include "core/memory.h"
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

namespace {

struct WalkCommandOptions {
  CommonOptions common;
  DistOverrides dist;
};

std::string rank_file(int rank) { return "walks.rank-" + std::to_string(rank) + ".txt"; }

void run_walk(const WalkCommandOptions& options) {
  Run run = prepare_run(options.common);
  const Config& config = run.config;
  const DistOptions dist = resolve_dist_options(options.dist, config.dist.timeout_s);
  std::unique_ptr<Transport> transport;
  if (dist.world_size > 1) {
    transport = connect_ranks(dist);
    log_line("rank " + std::to_string(dist.rank) + " of " + std::to_string(dist.world_size) + " joined " +
             dist.master_addr + ":" + std::to_string(dist.master_port));
  }
  const bool writer = dist.rank == 0;
  // Rank 0 holds the output folder; the other ranks of a per-rank run add their own file to it.
  std::optional<RunFolder> folder;
  if (writer) folder.emplace(run.out_dir, input_folders(config));

  PrepareOptions prepare;
  prepare.rank = dist.rank;
  prepare.world_size = dist.world_size;
  prepare.transport = transport.get();
  const auto begin = std::chrono::steady_clock::now();
  TrainingData data = prepare_walks(config, prepare);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  // Steps are transitions: a walk of n nodes took n - 1 steps.
  std::uint64_t counts[2] = {data.walks.size(), data.walks.nodes.size() - data.walks.size()};
  if (transport) transport->allreduce_sum(counts, 2);

  const bool single = dist.world_size == 1 || config.dist.walks_file == WalksFile::Single;
  if (single && transport) data.walks = gather_walks_at(*transport, data.walks, 0);
  if (!single && !writer) {
    ensure_directory(run.out_dir);
    write_walks_txt(data.walks, data.graph.vocabulary, run.out_dir / rank_file(dist.rank));
  }
  if (transport) {
    std::uint64_t written = 1;  // rank 0 commits only once every rank has its part
    transport->allreduce_sum(&written, 1);
  }
  log_line((transport ? "rank " + std::to_string(dist.rank) + " peak memory " : std::string("peak memory ")) +
           std::to_string(static_cast<long>(peak_rss_mb())) +
           " MB (graph, walks and buffers; about 170 MB of it the loaded libraries)");
  if (!writer) return;

  stage_config(config, *folder);
  std::printf("walks                    %llu\n", static_cast<unsigned long long>(counts[0]));
  std::printf("steps                    %llu\n", static_cast<unsigned long long>(counts[1]));
  std::printf("steps per second         %.2f M (%d rank%s, %d thread%s each; load and graph included)\n",
              seconds > 0 ? static_cast<double>(counts[1]) / seconds / 1e6 : 0.0, dist.world_size,
              dist.world_size == 1 ? "" : "s", config.resolved_threads(), config.resolved_threads() == 1 ? "" : "s");
  const std::string name = single ? "walks.txt" : rank_file(0);
  write_walks_txt(data.walks, data.graph.vocabulary, folder->staged(name));
  // The other form's file of an earlier run would sit beside this one's as if it belonged to it.
  folder->commit({"walks.txt", rank_file(0)});
  if (single) {
    log_line("wrote " + (run.out_dir / name).string());
  } else {
    log_line("wrote " + (run.out_dir / "walks.rank-K.txt").string() + " for K = 0.." +
             std::to_string(dist.world_size - 1) + ", on each rank's host (their concatenation in rank order is "
             "walks.txt; dist.walks_file: single writes that on rank 0)");
  }
}

}  // namespace

void add_walk_command(CLI::App& app) {
  auto options = std::make_shared<WalkCommandOptions>();
  CLI::App* command = app.add_subcommand("walk", "Generate node2vec random walks and write them to walks.txt");
  add_common_options(*command, options->common);
  add_dist_options(*command, options->dist);
  command->callback([options] { run_walk(*options); });
}

}  // namespace n2v
