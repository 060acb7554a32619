#include "data/rmat.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "core/atomic_file.h"
#include "core/errors.h"
#include "core/memory.h"
#include "core/parallel.h"
#include "core/progress.h"
#include "core/rng.h"
#include "core/text.h"

namespace n2v {

namespace {

constexpr std::uint64_t kBlockEdges = 1 << 16;  // one RNG stream a block: the same edges for any thread count

int scale_of(std::uint64_t nodes) {
  int scale = 1;
  while ((std::uint64_t{1} << scale) < nodes) ++scale;
  return scale;
}

// A bijection of [0, 2^scale): odd multipliers and xor-shifts, each invertible modulo 2^scale.
std::uint64_t scramble(std::uint64_t v, int scale) {
  const std::uint64_t mask = (scale == 64) ? ~std::uint64_t{0} : (std::uint64_t{1} << scale) - 1;
  v = (v * 0x9E3779B97F4A7C15ULL) & mask;
  v ^= v >> ((scale + 1) / 2);
  v = (v * 0xBF58476D1CE4E5B9ULL) & mask;
  v ^= v >> ((scale + 2) / 3);
  return v;
}

void append_number(std::string& out, std::uint64_t value) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

}  // namespace

void check_rmat_options(const RmatOptions& o) {
  if (o.nodes < 2 || o.nodes > std::numeric_limits<std::uint32_t>::max() - 1)
    throw UsageError("--nodes " + std::to_string(o.nodes) + ": an R-MAT graph has from 2 to 2^32 - 2 nodes");
  if (o.edges < 1) throw UsageError("--edges must be at least 1");
  const bool in_range = o.a > 0 && o.b > 0 && o.c > 0 && o.a < 1 && o.b < 1 && o.c < 1 && o.a + o.b + o.c < 1;
  if (!in_range) throw UsageError("R-MAT's a, b, c must each be in (0, 1) with a + b + c < 1");
  // The degree counts and, for the summary, the degrees of the nodes with edges; the write buffers
  // (a few blocks a thread) are small beside them.
  check_fits_in_memory("synth --graph rmat", 8.0 * static_cast<double>(o.nodes), "8 bytes a node", "--nodes");
}

RmatSummary write_rmat_edge_list(const RmatOptions& o, const std::filesystem::path& dir, Progress* progress) {
  check_rmat_options(o);
  const int scale = scale_of(o.nodes);
  const int threads = std::max(1, o.threads);
  const double ab = o.a + o.b, abc = o.a + o.b + o.c;
  std::vector<std::atomic<std::uint32_t>> degree(o.nodes);

  ensure_directory(dir);
  AtomicFile file(dir / "edges.tsv", true);
  auto& out = file.stream();
  RmatSummary summary;
  summary.nodes = o.nodes;
  summary.edges = o.edges;

  auto one_end = [&](Rng& rng, std::uint64_t& u, std::uint64_t& v) {
    u = v = 0;
    for (int level = 0; level < scale; ++level) {
      const double r = rng.uniform();
      const std::uint64_t row = r >= ab, column = (r >= o.a && r < ab) || r >= abc;
      u = (u << 1) | row;
      v = (v << 1) | column;
    }
    u = scramble(u, scale);
    v = scramble(v, scale);
  };
  // Rounds of blocks: the threads fill a round's buffers, then they are written in block order.
  const std::uint64_t blocks = (o.edges + kBlockEdges - 1) / kBlockEdges;
  const std::uint64_t per_round = static_cast<std::uint64_t>(threads) * 4;
  std::vector<std::string> buffers(per_round);
  for (std::uint64_t first = 0; first < blocks; first += per_round) {
    const std::uint64_t last = std::min(blocks, first + per_round);
    parallel_chunks(last - first, 1, threads, [&](std::uint64_t begin, std::uint64_t end, int) {
      for (std::uint64_t block = first + begin; block < first + end; ++block) {
        std::string& buffer = buffers[block - first];
        buffer.clear();
        Rng rng = Rng::for_item(o.seed, RngStream::Rmat, block);
        const std::uint64_t count = std::min(kBlockEdges, o.edges - block * kBlockEdges);
        for (std::uint64_t e = 0; e < count; ++e) {
          std::uint64_t u, v;
          do one_end(rng, u, v);
          while (u >= o.nodes || v >= o.nodes || u == v);
          degree[u].fetch_add(1, std::memory_order_relaxed);
          degree[v].fetch_add(1, std::memory_order_relaxed);
          append_number(buffer, u);
          buffer.push_back('\t');
          append_number(buffer, v);
          if (o.weights == RmatWeights::Uniform) {
            char weight[32];
            const int n = std::snprintf(weight, sizeof weight, "\t%.4g", 1.0 - rng.uniform());  // (0, 1]
            buffer.append(weight, static_cast<std::size_t>(n));
          }
          buffer.push_back('\n');
        }
        if (progress) progress->advance(count);
      }
    });
    for (std::uint64_t block = first; block < last; ++block) {
      const std::string& buffer = buffers[block - first];
      out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      summary.bytes += buffer.size();
    }
  }
  file.commit();

  std::vector<std::uint32_t> degrees;
  degrees.reserve(o.nodes);
  for (const auto& d : degree)
    if (const std::uint32_t value = d.load(std::memory_order_relaxed); value > 0) degrees.push_back(value);
  summary.nodes_with_edges = degrees.size();
  if (!degrees.empty()) {
    summary.mean_degree = 2.0 * static_cast<double>(o.edges) / static_cast<double>(degrees.size());
    const std::size_t p99 = std::min(degrees.size() - 1, degrees.size() * 99 / 100);
    std::nth_element(degrees.begin(), degrees.begin() + static_cast<std::ptrdiff_t>(p99), degrees.end());
    summary.p99_degree = degrees[p99];
    summary.max_degree = *std::max_element(degrees.begin() + static_cast<std::ptrdiff_t>(p99), degrees.end());
  }
  return summary;
}

}  // namespace n2v
