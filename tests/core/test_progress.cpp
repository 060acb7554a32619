// Progress and log lines: the count advanced from many threads, the finish line, quiet mode, and
// the bar drawn when stderr is a terminal.
#include "core/progress.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pty.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <regex>
#include <thread>
#include <vector>

namespace n2v {
namespace {

// Runs fn with the log on (and stderr captured), then quiet again as the other tests want it.
std::string stderr_of(const std::function<void()>& fn) {
  set_quiet(false);
  ::testing::internal::CaptureStderr();
  fn();
  std::string text = ::testing::internal::GetCapturedStderr();
  set_quiet(true);
  return text;
}

TEST(Progress, FinishLogsTheCountAdvancedFromEveryThread) {
  const std::string text = stderr_of([] {
    Progress progress("walks", 4000, "walks");  // stderr is a file now: one line, no bar
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&] {
        for (int i = 0; i < 500; ++i) progress.advance(2);
      });
    for (auto& thread : threads) thread.join();
    progress.advance(0);
    progress.finish("4 rounds");
    progress.finish("again");  // once only
  });
  const std::regex line(R"(\[n2v\] walks: 4000 walks in [0-9.]+ s \([0-9.]+[kM]? walks/s\) - 4 rounds\n)");
  EXPECT_TRUE(std::regex_match(text, line)) << text;
}

TEST(Progress, OffATerminalALongStageLogsWhereItIsEveryFewSeconds) {
  const std::string text = stderr_of([] {
    Progress progress("epoch 1/3", 200, "steps", /*log_every_s=*/0.05);
    progress.advance(50);  // before the first interval: no line
    std::this_thread::sleep_for(std::chrono::milliseconds(80));
    progress.advance(50);
    progress.advance(10);  // within the next interval: no line
    progress.end();  // the caller prints its own line
  });
  const std::regex line(R"(\[n2v\] epoch 1/3: 50% \(100 of 200 steps\), [0-9.]+[kM]? steps/s, [0-9:]+ left\n)");
  EXPECT_TRUE(std::regex_match(text, line)) << text;
}

TEST(Progress, NothingDoneHasNoRateAndQuietModeSaysNothing) {
  EXPECT_TRUE(std::regex_match(stderr_of([] { Progress("export", 0, "files").finish(); }),
                               std::regex(R"(\[n2v\] export: 0 files in [0-9.]+ s\n)")));
  EXPECT_EQ(stderr_of([] { log_line("hello"); }), "[n2v] hello\n");
  set_quiet(true);
  ::testing::internal::CaptureStderr();
  {
    Progress progress("walks", 10, "walks");
    progress.advance(10);
    progress.finish("done");
    log_line("hello");
  }
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
}

TEST(Progress, SecondsCountFromTheStart) {
  Progress progress("stage", 1, "items");
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_GE(progress.seconds(), 0.03);
  EXPECT_LT(progress.seconds(), 30.0);
}

// On a terminal: a bar redrawn in place (at most ten times a second), erased by finish().
TEST(Progress, OnATerminalDrawsABarAndErasesIt) {
  int master = -1, slave = -1;
  if (openpty(&master, &slave, nullptr, nullptr, nullptr) != 0) GTEST_SKIP() << "no pseudo-terminal here";
  fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
  set_quiet(false);
  const int saved = dup(STDERR_FILENO);
  dup2(slave, STDERR_FILENO);
  {
    Progress progress("train", 200, "batches");
    progress.advance(50);  // the first advance draws
    for (int i = 0; i < 100; ++i) progress.advance(1);
    progress.finish("1 epoch");
  }
  dup2(saved, STDERR_FILENO);
  close(saved);
  close(slave);
  set_quiet(true);
  std::string text;
  char buffer[4096];
  for (ssize_t n; (n = read(master, buffer, sizeof buffer)) > 0;) text.append(buffer, static_cast<std::size_t>(n));
  close(master);

  EXPECT_EQ(text.rfind("\rtrain [#######.......................]  25% ", 0), 0u) << text;  // 50 of 200
  std::size_t draws = 0;
  for (auto at = text.find("\rtrain ["); at != std::string::npos; at = text.find("\rtrain [", at + 1)) ++draws;
  EXPECT_LT(draws, 5u) << "101 advances, not 101 redraws";
  const std::size_t erased = text.find("\r\033[K[n2v] train: 150 batches in ");
  ASSERT_NE(erased, std::string::npos) << text;
  EXPECT_NE(text.find(" - 1 epoch", erased), std::string::npos) << text;
}

}  // namespace
}  // namespace n2v
