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

}  // namespace
}  // namespace n2v
