#include "core/parallel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/errors.h"

namespace n2v {
namespace {

TEST(Parallel, ThreadsAreCappedByTheChunks) {
  EXPECT_EQ(parallel_threads(100, 10, 4), 4);
  EXPECT_EQ(parallel_threads(25, 10, 8), 3);
  EXPECT_EQ(parallel_threads(0, 10, 8), 1);
  EXPECT_EQ(parallel_threads(100, 10, 0), 1);
  EXPECT_EQ(parallel_threads(100, 10, -3), 1);
}

TEST(Parallel, EveryIndexOnceInWholeChunks) {
  for (int threads : {1, 3, 8}) {
    SCOPED_TRACE(threads);
    constexpr std::uint64_t kTotal = 1003, kChunk = 7;
    std::vector<std::atomic<int>> seen(kTotal);
    std::atomic<bool> bad_thread{false}, bad_chunk{false}, zero_elsewhere{false};
    const auto caller = std::this_thread::get_id();
    const int used = parallel_threads(kTotal, kChunk, threads);
    parallel_chunks(kTotal, kChunk, threads, [&](std::uint64_t first, std::uint64_t last, int thread) {
      if (thread < 0 || thread >= used) bad_thread = true;
      if (first % kChunk != 0 || last <= first || (last - first != kChunk && last != kTotal)) bad_chunk = true;
      if (thread == 0 && std::this_thread::get_id() != caller) zero_elsewhere = true;
      for (std::uint64_t i = first; i < last; ++i) ++seen[i];
    });
    for (std::uint64_t i = 0; i < kTotal; ++i) ASSERT_EQ(seen[i].load(), 1) << "index " << i;
    EXPECT_FALSE(bad_thread);
    EXPECT_FALSE(bad_chunk);
    EXPECT_FALSE(zero_elsewhere) << "the calling thread is thread 0";
  }
}

TEST(Parallel, NothingToDoCallsNothing) {
  bool called = false;
  parallel_chunks(0, 16, 4, [&](std::uint64_t, std::uint64_t, int) { called = true; });
  EXPECT_FALSE(called);
}

TEST(Parallel, AThrowInAWorkerReachesTheCaller) {
  for (int threads : {1, 4}) {
    SCOPED_TRACE(threads);
    std::atomic<int> chunks{0};
    try {
      parallel_chunks(10000, 1, threads, [&](std::uint64_t first, std::uint64_t, int) {
        ++chunks;
        if (first == 5) throw DataError("chunk 5 is bad");
        // Chunks that take a while, as real ones do: the others must not finish all 10,000 in the
        // microseconds the throw takes to unwind (with trivial chunks they could, and did).
        std::this_thread::sleep_for(std::chrono::microseconds(100));
      });
      ADD_FAILURE() << "no exception";
    } catch (const DataError& e) {
      EXPECT_STREQ(e.what(), "chunk 5 is bad") << "the exception keeps its type and message";
    }
    EXPECT_LT(chunks.load(), 1000) << "no chunk starts after a throw";
    if (threads == 1) EXPECT_EQ(chunks.load(), 6);
  }
}

TEST(Parallel, OnlyTheFirstOfSeveralThrowsIsRethrown) {
  std::mutex mutex;
  std::vector<std::uint64_t> thrown;
  EXPECT_THROW(parallel_chunks(64, 1, 4,
                               [&](std::uint64_t first, std::uint64_t, int) {
                                 {
                                   std::lock_guard<std::mutex> lock(mutex);
                                   thrown.push_back(first);
                                 }
                                 throw std::runtime_error("chunk " + std::to_string(first));
                               }),
               std::runtime_error);
  EXPECT_GE(thrown.size(), 1u);
  EXPECT_LE(thrown.size(), 4u) << "each thread stops at its first throw";
}


// Checks a call's promises: every index once, thread indices in range, one chunk at a time a thread.
struct CallChecker {
  explicit CallChecker(std::uint64_t total, int threads) : seen(total), busy(static_cast<std::size_t>(threads)) {}
  void run(std::uint64_t first, std::uint64_t last, int thread) {
    if (thread < 0 || thread >= static_cast<int>(busy.size())) {
      bad_thread = true;
      return;
    }
    if (busy[thread].exchange(true)) two_chunks_on_one_thread = true;
    for (std::uint64_t i = first; i < last; ++i) ++seen[i];
    busy[thread] = false;
  }
  bool every_index_once() const {
    for (const auto& count : seen) {
      if (count.load() != 1) return false;
    }
    return true;
  }
  std::vector<std::atomic<int>> seen;
  std::vector<std::atomic<bool>> busy;
  std::atomic<bool> bad_thread{false}, two_chunks_on_one_thread{false};
};

TEST(Parallel, ManyConsecutiveCallsWithVaryingThreadCounts) {
  for (int call = 0; call < 3000; ++call) {
    const int threads = 1 + call % 5;
    const std::uint64_t total = static_cast<std::uint64_t>(call % 97), chunk = 1 + call % 7;
    CallChecker check(total, parallel_threads(total, chunk, threads));
    parallel_chunks(total, chunk, threads, [&](std::uint64_t first, std::uint64_t last, int thread) {
      check.run(first, last, thread);
    });
    ASSERT_TRUE(check.every_index_once()) << "call " << call;
    ASSERT_FALSE(check.bad_thread) << "call " << call;
    ASSERT_FALSE(check.two_chunks_on_one_thread) << "call " << call;
  }
}

TEST(Parallel, NestedCallsFinishAndCoverEveryIndexOnce) {
  constexpr std::uint64_t kOuter = 16, kInner = 300;
  std::vector<std::atomic<int>> seen(kOuter * kInner);
  std::atomic<bool> bad_thread{false};
  parallel_chunks(kOuter, 1, 4, [&](std::uint64_t outer, std::uint64_t, int) {
    parallel_chunks(kInner, 10, 3, [&](std::uint64_t first, std::uint64_t last, int thread) {
      if (thread < 0 || thread >= 3) bad_thread = true;
      for (std::uint64_t i = first; i < last; ++i) ++seen[outer * kInner + i];
    });
  });
  for (std::uint64_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i].load(), 1) << "index " << i;
  EXPECT_FALSE(bad_thread);
}

TEST(Parallel, ANestedThrowReachesTheOuterCaller) {
  EXPECT_THROW(parallel_chunks(8, 1, 2,
                               [](std::uint64_t outer, std::uint64_t, int) {
                                 parallel_chunks(100, 1, 2, [&](std::uint64_t inner, std::uint64_t, int) {
                                   if (outer == 3 && inner == 50) throw DataError("inner 50 of outer 3");
                                 });
                               }),
               DataError);
}

TEST(Parallel, CallsFromSeveralThreadsAtOnceEachCoverTheirIndices) {
  std::atomic<int> failures{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 3; ++c) {
    callers.emplace_back([&, c] {
      for (int call = 0; call < 300; ++call) {
        const int threads = 2 + (call + c) % 3;
        const std::uint64_t total = 50 + static_cast<std::uint64_t>(call % 13);
        CallChecker check(total, parallel_threads(total, 3, threads));
        parallel_chunks(total, 3, threads, [&](std::uint64_t first, std::uint64_t last, int thread) {
          check.run(first, last, thread);
        });
        if (!check.every_index_once() || check.bad_thread || check.two_chunks_on_one_thread) ++failures;
      }
    });
  }
  for (auto& caller : callers) caller.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(Parallel, CallsAfterAThrowStillRunOnEveryThread) {
  EXPECT_THROW(parallel_chunks(4, 1, 4, [](std::uint64_t, std::uint64_t, int) { throw DataError("bad"); }),
               DataError);
  // Every chunk waits until all four threads are in one: only four threads at once can finish.
  std::atomic<int> arrived{0};
  std::atomic<bool> timed_out{false};
  parallel_chunks(4, 1, 4, [&](std::uint64_t, std::uint64_t, int) {
    ++arrived;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (arrived.load() < 4) {
      if (std::chrono::steady_clock::now() > until) {
        timed_out = true;
        return;
      }
      std::this_thread::yield();
    }
  });
  EXPECT_FALSE(timed_out) << "the four threads did not all run after the throw";
}

}  // namespace
}  // namespace n2v
