// n2v bench-comm: what a distributed step's communication costs, measured with the same
// Communicator (c10d TCPStore + Gloo) that training uses. Run it under n2v launch on one machine,
// or one process per host (tools/two-hosts.sh runs it across two network namespaces).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <vector>

#include "cli/cli.h"
#include "core/errors.h"
#include "core/text.h"
#include "train/distributed.h"

namespace n2v {

namespace {

struct BenchCommOptions {
  // Embedding matrices of ml-latest-small (1,406 tokens) and MovieLens-25M (59,047), dim 50.
  std::vector<std::int64_t> rows{1406, 59047};
  std::int64_t dim = 50;
  int repeat = 200;
  int warmup = 10;
  DistOverrides dist;
  double timeout_s = 60;
};

double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  return values[static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5)];
}

void run_bench_comm(const BenchCommOptions& options) {
  config_with_option("dist.timeout_s", format_double(options.timeout_s), "--timeout");
  const DistOptions dist = resolve_dist_options(options.dist, options.timeout_s);
  if (dist.world_size < 2) {
    throw UsageError("bench-comm needs a world of 2 or more: run it under n2v launch --nproc 2 -- bench-comm, or set "
                     "RANK / WORLD_SIZE / MASTER_ADDR / MASTER_PORT on each host");
  }
  if (options.repeat < 1 || options.warmup < 0 || options.dim < 1) throw UsageError("--repeat, --dim must be >= 1");
  Communicator comm(dist);
  if (dist.rank == 0) {
    std::printf("allreduce (sum, float32) over %d ranks at %s:%d, %d repeats after %d warm-up\n", dist.world_size,
                dist.master_addr.c_str(), dist.master_port, options.repeat, options.warmup);
    std::printf("%10s %6s %10s %10s %10s %10s %12s\n", "rows", "dim", "MB", "p10 ms", "median ms", "p90 ms", "MB/s (med)");
  }
  for (std::int64_t rows : options.rows) {
    if (rows < 1) throw UsageError("--rows must be >= 1 (got " + std::to_string(rows) + ")");
    std::vector<float> gradient(static_cast<std::size_t>(rows * options.dim), 1.0f);
    std::vector<double> ms;
    for (int i = 0; i < options.warmup + options.repeat; ++i) {
      const auto start = std::chrono::steady_clock::now();
      comm.allreduce_sum(gradient.data(), gradient.size());
      const double elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      if (i >= options.warmup) ms.push_back(elapsed);
    }
    const double mb = static_cast<double>(gradient.size() * sizeof(float)) / 1e6;
    const double median = percentile(ms, 0.5);
    if (dist.rank == 0) {
      std::printf("%10lld %6lld %10.2f %10.3f %10.3f %10.3f %12.0f\n", static_cast<long long>(rows),
                  static_cast<long long>(options.dim), mb, percentile(ms, 0.1), median, percentile(ms, 0.9),
                  mb / (median / 1000.0));
      std::fflush(stdout);
    }
  }
}

}  // namespace

void add_bench_comm_command(CLI::App& app) {
  auto options = std::make_shared<BenchCommOptions>();
  CLI::App* command = app.add_subcommand(
      "bench-comm", "Time the per-step gradient allreduce of distributed training (run under n2v launch)");
  command->add_option("--rows", options->rows, "vocabulary sizes to time (default: ml-latest-small's and ML-25M's)")
      ->expected(1, -1);
  command->add_option("--dim", options->dim, "embedding dimension (default 50)");
  command->add_option("--repeat", options->repeat, "timed allreduces per size (default 200)");
  command->add_option("--warmup", options->warmup, "untimed allreduces first (default 10)");
  add_dist_options(*command, options->dist);
  command->add_option("--timeout", options->timeout_s, "seconds to wait for the other ranks (default 60)");
  command->callback([options] { run_bench_comm(*options); });
}

}  // namespace n2v
