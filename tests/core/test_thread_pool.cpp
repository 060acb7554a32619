#include "core/thread_pool.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <thread>

namespace n2v {
namespace {

// Runs child() in a forked process that SIGALRM kills after 20 s; returns its wait status.
int status_of_forked(const std::function<int()>& child) {
  const pid_t pid = fork();
  if (pid == 0) {
    alarm(20);
    std::exit(child());  // exit, not _exit: the static destructors (the pool's reaper) run
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

// True when `threads` copies of a task ran at once: each calls also(thread), then waits (up to
// 10 s) until all have come, so none is let off.
bool threads_meet(int threads, const std::function<void(int)>& also = [](int) {}) {
  std::atomic<int> arrived{0};
  run_on_pool(threads - 1, [&](int thread) {
    also(thread);
    ++arrived;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (arrived.load() < threads && std::chrono::steady_clock::now() < until) std::this_thread::yield();
  });
  return arrived.load() == threads;
}

TEST(ThreadPool, GrowsToTheMostHelpersOneCallAskedFor) {
  const int before = pool_workers();
  run_on_pool(before + 3, [](int) {});
  EXPECT_EQ(pool_workers(), before + 3);
  run_on_pool(1, [](int) {});
  run_on_pool(before + 2, [](int) {});
  EXPECT_EQ(pool_workers(), before + 3) << "workers are reused, not started again";
}

TEST(ThreadPool, HelpersAreNumberedFromOneAndTheCallerIsZero) {
  std::atomic<int> index_sum{0};
  std::atomic<bool> caller_not_zero{false};
  const auto caller = std::this_thread::get_id();
  const std::uint64_t tasks_before = pool_tasks_run();
  EXPECT_TRUE(threads_meet(4, [&](int thread) {
    if ((thread == 0) != (std::this_thread::get_id() == caller)) caller_not_zero = true;
    index_sum += thread;
  }));
  EXPECT_EQ(index_sum.load(), 0 + 1 + 2 + 3);
  EXPECT_FALSE(caller_not_zero);
  EXPECT_EQ(pool_tasks_run() - tasks_before, 3u);
}

TEST(ThreadPool, AForkedChildHasAPoolOfItsOwn) {
  ASSERT_TRUE(threads_meet(3));  // the parent's workers, which the child does not have
  const int status = status_of_forked([] { return threads_meet(3) ? 0 : 1; });
  ASSERT_TRUE(WIFEXITED(status)) << "the child hung or crashed (signal " << WTERMSIG(status) << ")";
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(ThreadPool, AProcessExitsWhetherItsWorkersSpinOrSleep) {
  for (const auto pause : {std::chrono::milliseconds(0), std::chrono::milliseconds(50)}) {
    SCOPED_TRACE(pause.count());
    const int status = status_of_forked([pause] {
      if (!threads_meet(4)) return 1;
      std::this_thread::sleep_for(pause);  // past the workers' spin: they sleep on their condition
      return 0;
    });
    ASSERT_TRUE(WIFEXITED(status)) << "exit hung or crashed (signal " << WTERMSIG(status) << ")";
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
}

}  // namespace
}  // namespace n2v
