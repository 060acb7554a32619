#include "core/progress.h"

#include <unistd.h>

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
  std::fprintf(stderr, "[n2v] %s\n", message.c_str());
}

Progress::Progress(std::string stage, std::uint64_t total, std::string unit)
    : stage_(std::move(stage)), unit_(std::move(unit)), total_(total),
      start_(std::chrono::steady_clock::now()), interactive_(stderr_is_terminal() && !g_quiet) {}

Progress::~Progress() {
  if (!finished_ && interactive_) std::fprintf(stderr, "\n");
}

double Progress::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::advance(std::uint64_t n) {
  std::uint64_t done = done_.fetch_add(n) + n;
  if (!interactive_) return;
  auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start_).count();
  std::int64_t due = next_draw_ns_.load(std::memory_order_relaxed);
  if (now < due) return;
  if (!next_draw_ns_.compare_exchange_strong(due, now + 100'000'000)) return;  // 10 redraws a second
  draw(done);
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
