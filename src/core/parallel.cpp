#include "core/parallel.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <functional>
#include <mutex>

#include "core/thread_pool.h"

namespace n2v {
namespace {

std::uint64_t chunk_count(std::uint64_t total, std::uint64_t chunk) { return total / chunk + (total % chunk != 0); }

}  // namespace

int parallel_threads(std::uint64_t total, std::uint64_t chunk, int threads) {
  const std::uint64_t chunks = chunk_count(total, std::max<std::uint64_t>(chunk, 1));
  return static_cast<int>(std::max<std::uint64_t>(1, std::min<std::uint64_t>(std::max(threads, 1), chunks)));
}

void parallel_chunks(std::uint64_t total, std::uint64_t chunk, int threads, const ChunkBody& body) {
  chunk = std::max<std::uint64_t>(chunk, 1);
  const std::uint64_t chunks = chunk_count(total, chunk);
  std::atomic<std::uint64_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  std::exception_ptr error;
  // Chunks go to whichever threads come for them, so the work gets done by however many the pool
  // lends (core/thread_pool.h).
  const std::function<void(int)> worker = [&](int thread) {
    while (!failed.load(std::memory_order_relaxed)) {
      const std::uint64_t k = next.fetch_add(1);
      if (k >= chunks) return;
      try {
        body(k * chunk, std::min(total, (k + 1) * chunk), thread);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        failed = true;
        return;
      }
    }
  };
  run_on_pool(parallel_threads(total, chunk, threads) - 1, worker);
  if (error) std::rethrow_exception(error);
}

}  // namespace n2v
