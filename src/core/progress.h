#pragma once
// Progress for long stages: a redrawn bar with rate and time left when stderr is a terminal;
// otherwise (CI logs, pipes) a log line every few seconds while the stage runs, and one at its end.
// advance() is thread-safe and cheap.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace n2v {

bool stderr_is_terminal();
// One line to stderr: "[n2v] message". Quiet mode (tests) silences it.
void log_line(const std::string& message);
void set_quiet(bool quiet);

class Progress {
 public:
  // Off a terminal, a progress line every `log_every_s` seconds.
  Progress(std::string stage, std::uint64_t total, std::string unit, double log_every_s = 5.0);
  ~Progress();
  void advance(std::uint64_t n = 1);
  // Ends the bar and logs "stage: N unit in S s (R unit/s) - summary".
  void finish(const std::string& summary = "");
  // Ends the bar without a line: for stages whose caller prints its own (training's epoch line).
  void end();
  double seconds() const;

 private:
  void draw(std::uint64_t done);
  void log_progress(std::uint64_t done);
  std::string stage_, unit_;
  std::uint64_t total_;
  std::atomic<std::uint64_t> done_{0};
  std::atomic<std::int64_t> next_draw_ns_{0};
  std::chrono::steady_clock::time_point start_;
  std::mutex draw_mutex_;
  bool interactive_;
  std::int64_t log_every_ns_;
  bool finished_ = false;
};

}  // namespace n2v
