#include "pipeline/dist_options.h"

#include <algorithm>
#include <cstdlib>

#include "core/errors.h"
#include "core/text.h"

namespace n2v {

namespace {

int env_int(const char* name, int fallback) {
  const char* value = std::getenv(name);
  if (!value || !*value) return fallback;
  long long v;
  if (!parse_int64(trim(value), v) || v < 0 || v > 1 << 30) {
    throw UsageError(std::string("environment variable ") + name + "=" + quote_excerpt(value) + " is not a non-negative integer");
  }
  return static_cast<int>(v);
}

}  // namespace

DistOptions dist_options_from_env() {
  DistOptions options;
  options.rank = env_int("RANK", options.rank);
  options.world_size = env_int("WORLD_SIZE", options.world_size);
  options.local_rank = env_int("LOCAL_RANK", options.local_rank);
  if (const char* addr = std::getenv("MASTER_ADDR"); addr && *addr) options.master_addr = addr;
  options.master_port = env_int("MASTER_PORT", options.master_port);
  return options;
}

void parse_master(const std::string& text, DistOptions& options) {
  const auto colon = text.rfind(':');
  long long port = 0;
  if (colon == std::string::npos || colon == 0 || !parse_int64(text.substr(colon + 1), port)) {
    throw UsageError("--master " + quote_excerpt(text) + ": expected ADDR:PORT, e.g. 127.0.0.1:29500");
  }
  options.master_addr = text.substr(0, colon);
  options.master_port = static_cast<int>(std::clamp<long long>(port, -1, 1 << 20));
}

void check_dist_options(const DistOptions& options) {
  if (options.world_size < 1) throw UsageError("world size must be >= 1 (got " + std::to_string(options.world_size) + ")");
  if (options.rank < 0 || options.rank >= options.world_size) {
    throw UsageError("rank " + std::to_string(options.rank) + " is outside the world of " +
                     std::to_string(options.world_size) + " (ranks 0.." + std::to_string(options.world_size - 1) + ")");
  }
  if (options.master_port < 1 || options.master_port > 65535) {
    throw UsageError("master port " + std::to_string(options.master_port) + " is outside 1..65535");
  }
}

DistOptions resolve_dist_options(const DistOverrides& overrides, double timeout_s) {
  DistOptions dist = dist_options_from_env();
  if (overrides.rank) dist.rank = *overrides.rank;
  if (overrides.world_size) dist.world_size = *overrides.world_size;
  if (!overrides.master.empty()) parse_master(overrides.master, dist);
  dist.timeout_s = timeout_s;
  check_dist_options(dist);
  return dist;
}

}  // namespace n2v
