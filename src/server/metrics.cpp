#include "server/metrics.h"

#include <fmt/format.h>

#include <algorithm>

namespace n2v {

void Metrics::record(const std::string& route, int status, double seconds) {
  const std::size_t bucket = static_cast<std::size_t>(
      std::lower_bound(kBuckets.begin(), kBuckets.end(), seconds) - kBuckets.begin());
  std::lock_guard<std::mutex> lock(mutex_);
  ++requests_[{route, status}];
  ++buckets_[bucket];
  seconds_sum_ += seconds;
  ++count_;
}

std::string Metrics::render(std::uint64_t generation) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string out =
      "# HELP n2v_http_requests_total HTTP requests answered, by route and status.\n"
      "# TYPE n2v_http_requests_total counter\n";
  for (const auto& [key, count] : requests_)
    out += fmt::format("n2v_http_requests_total{{route=\"{}\",status=\"{}\"}} {}\n", key.first, key.second, count);
  out +=
      "# HELP n2v_http_request_duration_seconds Time from routing a request to its response.\n"
      "# TYPE n2v_http_request_duration_seconds histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    cumulative += buckets_[i];
    out += fmt::format("n2v_http_request_duration_seconds_bucket{{le=\"{}\"}} {}\n", kBuckets[i], cumulative);
  }
  out += fmt::format("n2v_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {}\n", count_);
  out += fmt::format("n2v_http_request_duration_seconds_sum {}\n", seconds_sum_);
  out += fmt::format("n2v_http_request_duration_seconds_count {}\n", count_);
  out += fmt::format(
      "# HELP n2v_model_generation Loads of the live model in this process (1 = the first, +1 per reload).\n"
      "# TYPE n2v_model_generation gauge\n"
      "n2v_model_generation {}\n",
      generation);
  return out;
}

}  // namespace n2v
