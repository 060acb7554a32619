#pragma once
// Timing statistics for `n2v bench` (no torch): every stage timed once per repetition, summarised
// by median, quartiles and extremes (a median over few runs shrugs off one slow outlier, a cold
// page cache or a noisy neighbour), printed as a table and written as bench.json.
#include <chrono>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "core/json.h"
#include "core/memory.h"  // peak_rss_mb, current_rss_mb

namespace n2v {

class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

 private:
  std::chrono::steady_clock::time_point start_;
};

// The p-quantile (0 <= p <= 1) with linear interpolation between order statistics (numpy's
// default); 0 for no values.
double quantile(std::vector<double> values, double p);

struct StageSummary {
  std::string name;
  std::vector<double> seconds;  // one per repetition, in run order
  double median = 0, q1 = 0, q3 = 0, min = 0, max = 0, mean = 0;
  double peak_rss_mb = 0;  // the process's peak after the stage's first run
  double rss_mb = 0;  // resident after the stage's first run: what the stage's result holds
  double work = 0;  // items per run (ratings, steps, ...), 0 when not meaningful
  std::string unit;  // "ratings", "steps", ...
  std::string skipped;  // why the stage did not run; empty when it ran
};

StageSummary summarize(std::string name, std::vector<double> seconds);

class BenchRecorder {
 public:
  // Runs fn(), records its wall time under `stage` and returns what fn returned.
  template <typename Fn>
  auto time(const std::string& stage, Fn&& fn) {
    Stopwatch watch;
    if constexpr (std::is_void_v<decltype(fn())>) {
      fn();
      add(stage, watch.seconds());
    } else {
      auto result = fn();
      add(stage, watch.seconds());
      return result;
    }
  }
  void add(const std::string& stage, double seconds);
  // Items a run of `stage` handles, for the rate column ("1.2M steps/s").
  void set_work(const std::string& stage, double work, const std::string& unit);
  void skip(const std::string& stage, const std::string& reason);
  // Facts about the run (sizes, settings), kept in the order first set; a key set again keeps its place.
  void info(const std::string& key, Json value);

  std::vector<StageSummary> summaries() const;  // in the order the stages first ran
  std::string table() const;
  std::string to_json() const;

 private:
  StageSummary& stage(const std::string& name);
  std::vector<StageSummary> stages_;
  Json info_ = Json::object();
};

}  // namespace n2v
