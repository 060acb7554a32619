#include "core/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/text.h"

namespace n2v {
namespace {
std::atomic<bool> g_quiet{false};

std::string format_duration(double seconds) {
  if (seconds < 0 || seconds > 1e7) return "?";
  int s = static_cast<int>(seconds + 0.5);
  char buffer[32];
  if (s >= 3600) std::snprintf(buffer, sizeof buffer, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
  else std::snprintf(buffer, sizeof buffer, "%d:%02d", s / 60, s % 60);
  return buffer;
}

std::string format_rate(double rate) {
  char buffer[32];
  if (rate >= 1e6) std::snprintf(buffer, sizeof buffer, "%.2fM", rate / 1e6);
  else if (rate >= 1e3) std::snprintf(buffer, sizeof buffer, "%.1fk", rate / 1e3);
  else std::snprintf(buffer, sizeof buffer, "%.1f", rate);
  return buffer;
}
}  // namespace

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

void set_quiet(bool quiet) { g_quiet = quiet; }

void log_line(const std::string& message) {
  if (g_quiet) return;
  std::fprintf(stderr, "[n2v] %s\n", printable_line(message).c_str());
}

Progress::Progress(std::string stage, std::uint64_t total, std::string unit, double log_every_s)
    : stage_(std::move(stage)), unit_(std::move(unit)), total_(total),
      start_(std::chrono::steady_clock::now()), interactive_(stderr_is_terminal() && !g_quiet),
      log_every_ns_(static_cast<std::int64_t>(log_every_s * 1e9)) {
  // Off a terminal, the first line comes after log_every_s: a short stage logs only its end.
  if (!interactive_) next_draw_ns_ = log_every_ns_;
}

Progress::~Progress() {
  if (!finished_ && interactive_) std::fprintf(stderr, "\n");
}

double Progress::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::advance(std::uint64_t n) {
  std::uint64_t done = done_.fetch_add(n) + n;
  if (g_quiet) return;
  auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start_).count();
  std::int64_t due = next_draw_ns_.load(std::memory_order_relaxed);
  if (now < due) return;
  // A terminal's bar is redrawn 10 times a second; a log gets a line every few seconds.
  if (!next_draw_ns_.compare_exchange_strong(due, now + (interactive_ ? 100'000'000 : log_every_ns_))) return;
  if (interactive_) draw(done);
  else log_progress(done);
}

void Progress::log_progress(std::uint64_t done) {
  const double elapsed = seconds();
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
  const double fraction = total_ ? std::min(1.0, static_cast<double>(done) / static_cast<double>(total_)) : 0.0;
  const double left = rate > 0 && total_ >= done ? static_cast<double>(total_ - done) / rate : -1;
  char line[256];
  std::snprintf(line, sizeof line, "%s: %.0f%% (%llu of %llu %s), %s %s/s, %s left", stage_.c_str(), fraction * 100,
                static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_), unit_.c_str(),
                format_rate(rate).c_str(), unit_.c_str(), format_duration(left).c_str());
  log_line(line);
}

void Progress::draw(std::uint64_t done) {
  std::lock_guard<std::mutex> lock(draw_mutex_);
  double elapsed = seconds();
  double rate = elapsed > 0 ? done / elapsed : 0.0;
  double fraction = total_ ? static_cast<double>(done) / static_cast<double>(total_) : 0.0;
  if (fraction > 1) fraction = 1;
  constexpr int kWidth = 30;
  int filled = static_cast<int>(fraction * kWidth);
  std::string bar(filled, '#');
  bar.resize(kWidth, '.');
  double left = rate > 0 ? (static_cast<double>(total_) - done) / rate : -1;
  std::fprintf(stderr, "\r%s [%s] %3.0f%% %s %s/s, %s left   ", stage_.c_str(), bar.c_str(), fraction * 100,
               format_rate(rate).c_str(), unit_.c_str(), format_duration(left).c_str());
  std::fflush(stderr);
}

void Progress::end() {
  if (finished_) return;
  finished_ = true;
  if (interactive_) std::fprintf(stderr, "\r\033[K");
}

void Progress::finish(const std::string& summary) {
  if (finished_) return;
  finished_ = true;
  if (interactive_) std::fprintf(stderr, "\r\033[K");
  double elapsed = seconds();
  std::uint64_t done = done_.load();
  std::string line = stage_ + ": " + std::to_string(done) + " " + unit_ + " in " + format_double(std::round(elapsed * 1000) / 1000) +
                     " s";
  if (elapsed > 0 && done > 0) line += " (" + format_rate(done / elapsed) + " " + unit_ + "/s)";
  if (!summary.empty()) line += " - " + summary;
  log_line(line);
}

}  // namespace n2v
