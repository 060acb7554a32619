#include "eval/bench.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <utility>

namespace n2v {

double quantile(std::vector<double> values, double p) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const double position = std::clamp(p, 0.0, 1.0) * static_cast<double>(values.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(position));
  const std::size_t above = std::min(below + 1, values.size() - 1);
  return values[below] + (position - static_cast<double>(below)) * (values[above] - values[below]);
}

StageSummary summarize(std::string name, std::vector<double> seconds) {
  StageSummary s;
  s.name = std::move(name);
  s.seconds = std::move(seconds);
  if (s.seconds.empty()) return s;
  s.median = quantile(s.seconds, 0.5);
  s.q1 = quantile(s.seconds, 0.25);
  s.q3 = quantile(s.seconds, 0.75);
  s.min = *std::min_element(s.seconds.begin(), s.seconds.end());
  s.max = *std::max_element(s.seconds.begin(), s.seconds.end());
  double sum = 0.0;
  for (double v : s.seconds) sum += v;
  s.mean = sum / static_cast<double>(s.seconds.size());
  return s;
}

StageSummary& BenchRecorder::stage(const std::string& name) {
  for (auto& s : stages_) {
    if (s.name == name) return s;
  }
  stages_.push_back(StageSummary{});
  stages_.back().name = name;
  return stages_.back();
}

void BenchRecorder::add(const std::string& name, double seconds) {
  StageSummary& s = stage(name);
  if (s.seconds.empty()) {
    s.peak_rss_mb = peak_rss_mb();
    s.rss_mb = current_rss_mb();
  }
  s.seconds.push_back(seconds);
}

void BenchRecorder::set_work(const std::string& name, double work, const std::string& unit) {
  StageSummary& s = stage(name);
  s.work = work;
  s.unit = unit;
}

void BenchRecorder::skip(const std::string& name, const std::string& reason) { stage(name).skipped = reason; }

void BenchRecorder::info(const std::string& key, Json value) { info_[key] = std::move(value); }

std::vector<StageSummary> BenchRecorder::summaries() const {
  std::vector<StageSummary> out;
  for (const auto& s : stages_) {
    StageSummary summary = summarize(s.name, s.seconds);
    summary.peak_rss_mb = s.peak_rss_mb;
    summary.rss_mb = s.rss_mb;
    summary.work = s.work;
    summary.unit = s.unit;
    summary.skipped = s.skipped;
    out.push_back(std::move(summary));
  }
  return out;
}

namespace {

std::string format_rate(double per_second, const std::string& unit) {
  char buffer[64];
  if (per_second >= 1e6) std::snprintf(buffer, sizeof buffer, "%.2fM %s/s", per_second / 1e6, unit.c_str());
  else if (per_second >= 1e3) std::snprintf(buffer, sizeof buffer, "%.1fk %s/s", per_second / 1e3, unit.c_str());
  else std::snprintf(buffer, sizeof buffer, "%.1f %s/s", per_second, unit.c_str());
  return buffer;
}

std::string fixed(double value, int digits) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, value);
  return buffer;
}

}  // namespace

std::string BenchRecorder::table() const {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "%-10s %10s %21s %10s %10s %8s %8s  %s\n", "stage", "median s", "IQR s", "min s",
                "max s", "RSS MB", "peak MB", "rate (median)");
  out += line;
  for (const StageSummary& s : summaries()) {
    if (!s.skipped.empty()) {
      std::snprintf(line, sizeof line, "%-10s skipped: %s\n", s.name.c_str(), s.skipped.c_str());
    } else {
      const std::string iqr = fixed(s.q1, 3) + " - " + fixed(s.q3, 3);
      const std::string rate = s.work > 0 && s.median > 0 ? format_rate(s.work / s.median, s.unit) : "";
      std::snprintf(line, sizeof line, "%-10s %10.3f %21s %10.3f %10.3f %8.0f %8.0f  %s\n", s.name.c_str(), s.median,
                    iqr.c_str(), s.min, s.max, s.rss_mb, s.peak_rss_mb, rate.c_str());
    }
    out += line;
  }
  return out;
}

std::string BenchRecorder::to_json() const {
  Json j = info_;
  Json& stages = j["stages"] = Json::object();
  for (const StageSummary& st : summaries()) {
    Json& stage = stages[st.name];
    if (!st.skipped.empty()) {
      stage["skipped"] = st.skipped;
      continue;
    }
    // Microseconds and tenths of a MB: finer digits are noise from one run to the next.
    stage["median"] = json_rounded(st.median, 6);
    stage["q1"] = json_rounded(st.q1, 6);
    stage["q3"] = json_rounded(st.q3, 6);
    stage["min"] = json_rounded(st.min, 6);
    stage["max"] = json_rounded(st.max, 6);
    stage["mean"] = json_rounded(st.mean, 6);
    stage["rss_mb"] = json_rounded(st.rss_mb, 1);
    stage["peak_rss_mb"] = json_rounded(st.peak_rss_mb, 1);
    if (st.work > 0) {
      stage["work"] = json_number(st.work);
      stage["unit"] = st.unit;
    }
    Json& seconds = stage["seconds"] = Json::array();
    for (double s : st.seconds) seconds.push_back(json_rounded(s, 6));
  }
  return json_text(j);
}

}  // namespace n2v
