#pragma once
// One way to spread a loop over threads: chunks of consecutive indices handed out in order as
// threads come free, the calling thread working too. A throw in any chunk reaches the caller.
// The other threads are a pool's (core/thread_pool.h), started on the first call that needs them
// and kept, so a call costs microseconds, not a thread start per thread.
#include <cstdint>
#include <functional>

namespace n2v {

// body(first, last, thread): items [first, last) of one chunk, on thread `thread` in
// [0, parallel_threads(...)); the calling thread is thread 0.
using ChunkBody = std::function<void(std::uint64_t first, std::uint64_t last, int thread)>;

// The threads parallel_chunks runs: `threads`, but at least 1 and at most one a chunk.
int parallel_threads(std::uint64_t total, std::uint64_t chunk, int threads);

// Calls body for [0, total) in chunks of `chunk` items (>= 1; the last chunk may be shorter).
// A thread runs one chunk at a time, so state indexed by `thread` needs no lock. When a body
// throws, no further chunk starts; the first exception is rethrown once every thread has stopped.
// If the system refuses a thread, or the pool's workers are busy (a body that calls
// parallel_chunks, or calls from several threads at once), fewer threads share the work, down to
// the caller alone: a nested call never waits for a worker, so it cannot deadlock.
void parallel_chunks(std::uint64_t total, std::uint64_t chunk, int threads, const ChunkBody& body);

}  // namespace n2v
