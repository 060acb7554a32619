#pragma once
// The server's counters for /metrics, in Prometheus' text format (version 0.0.4): requests by
// route and status, a latency histogram, requests refused because the server was saturated, and
// the live model's generation. Recording takes one short lock; a scrape copies the counters.
#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace n2v {

class Metrics {
 public:
  // `route` is the route's pattern name ("/v1/similar"), never the raw path, so the label set
  // stays bounded whatever clients send.
  void record(const std::string& route, int status, double seconds);
  std::string render(std::uint64_t generation) const;

  // Upper bounds of the latency buckets, in seconds (and +Inf).
  static constexpr std::array<double, 12> kBuckets{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                    0.01,   0.025,   0.05,   0.1,   0.5,    1.0};

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
  std::array<std::uint64_t, kBuckets.size() + 1> buckets_{};
  double seconds_sum_ = 0;
  std::uint64_t count_ = 0;
};

}  // namespace n2v
