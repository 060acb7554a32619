#include "core/thread_pool.h"

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <new>
#include <system_error>
#include <thread>
#include <vector>

namespace n2v {
namespace {

using Clock = std::chrono::steady_clock;

// How long a thread spins for its next task, or for a helper to finish, before it sleeps: longer
// than the serial gaps between a stream-mode step's phases (tens of microseconds), so a step's
// phases find the workers awake, and short enough that an idle worker soon yields its core. Longer
// spins lost on the busy 2-core VM: with 1 ms, a 1M-synth lazy-Adam epoch on two threads took
// 13.6-13.9 s against 8.8-9.2 s with 50 us (a spinning worker uses up the core share it needs later).
constexpr auto kSpin = std::chrono::microseconds(50);

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Spins until ready() or kSpin has passed; returns ready()'s last answer. It yields every few
// microseconds: a spinning thread is not moved to a free core, so when the thread it waits for
// shares its core (a busy machine), only a yield lets that one run before the time slice ends.
template <class Ready>
bool spin_until(const Ready& ready) {
  const auto until = Clock::now() + kSpin;
  for (unsigned i = 1;; ++i) {
    if (ready()) return true;
    if (i % 64 == 0) {
      if (Clock::now() >= until) return false;
      std::this_thread::yield();
    }
    cpu_relax();
  }
}

// A worker's life per task: Free -> Claimed (by a caller, which then sets task and thread) ->
// Assigned -> Running (the worker took it) -> Done -> Free (the caller saw it done), or
// Assigned -> Free when the caller lets it off before it started. Only the caller frees it.
enum WorkerState : int { kFree, kClaimed, kAssigned, kRunning, kDone };

// On its own cache lines: the workers' states are polled in tight loops.
struct alignas(64) Worker {
  std::atomic<int> state{kClaimed};  // made for the caller that needed it
  const std::function<void(int)>* task = nullptr;
  int thread = 0;
  std::atomic<std::uint64_t> tasks_run{0};  // written by the worker only
  std::mutex mutex;
  std::condition_variable wake;  // state became Assigned, or the pool stops
  std::condition_variable done;  // state became Done
  std::thread handle;
};

class Pool {
 public:
  explicit Pool(Pool* abandoned = nullptr) : abandoned_(abandoned) {}

  // Up to `helpers` workers, each Claimed for the caller; starts workers while the pool has fewer
  // than `helpers`.
  std::vector<Worker*> claim(int helpers) {
    std::vector<Worker*> claimed;
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopped_) return claimed;
    const auto wanted = static_cast<std::size_t>(helpers);
    // Reserved first, so that no push_back below throws with a worker claimed or a thread started.
    claimed.reserve(wanted);
    workers_.reserve(wanted);
    for (const auto& worker : workers_) {
      if (claimed.size() == wanted) return claimed;
      int expected = kFree;
      if (worker->state.compare_exchange_strong(expected, kClaimed)) claimed.push_back(worker.get());
    }
    while (claimed.size() < wanted && workers_.size() < wanted) {
      std::unique_ptr<Worker> worker;
      try {
        worker = std::make_unique<Worker>();
        worker->handle = std::thread(&Pool::work, this, std::ref(*worker));
      } catch (const std::system_error&) {
        break;  // no more threads to be had: the ones claimed do the work
      } catch (const std::bad_alloc&) {
        break;
      }
      claimed.push_back(worker.get());
      workers_.push_back(std::move(worker));
    }
    return claimed;
  }

  int size() {
    std::lock_guard<std::mutex> lock(mutex_);
    return static_cast<int>(workers_.size());
  }

  std::uint64_t tasks_run() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::uint64_t sum = 0;
    for (const auto& worker : workers_) sum += worker->tasks_run.load(std::memory_order_relaxed);
    return sum;
  }

  // At exit: no new work; the workers finish what they run and are joined.
  void stop() {
    std::vector<Worker*> workers;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopped_ = true;
      for (const auto& worker : workers_) workers.push_back(worker.get());
    }
    stopping_ = true;
    for (Worker* worker : workers) {
      { std::lock_guard<std::mutex> lock(worker->mutex); }  // a worker between its check and its wait sees stopping_
      worker->wake.notify_one();
    }
    for (Worker* worker : workers) {
      // exit() called from inside a task: that worker cannot join itself.
      if (worker->handle.get_id() == std::this_thread::get_id()) {
        worker->handle.detach();
      } else {
        worker->handle.join();
      }
    }
  }

 private:
  void work(Worker& worker) {
    const auto assigned = [&] { return worker.state.load(std::memory_order_acquire) == kAssigned || stopping_; };
    for (;;) {
      if (!spin_until(assigned)) {
        std::unique_lock<std::mutex> lock(worker.mutex);
        worker.wake.wait(lock, assigned);
      }
      if (stopping_) return;
      int expected = kAssigned;
      if (!worker.state.compare_exchange_strong(expected, kRunning, std::memory_order_acquire)) continue;  // let off
      (*worker.task)(worker.thread);
      worker.tasks_run.fetch_add(1, std::memory_order_relaxed);
      {
        std::lock_guard<std::mutex> lock(worker.mutex);
        worker.state.store(kDone, std::memory_order_release);
      }
      worker.done.notify_one();
    }
  }

  std::mutex mutex_;
  std::vector<std::unique_ptr<Worker>> workers_;
  bool stopped_ = false;
  std::atomic<bool> stopping_{false};
  Pool* abandoned_;  // a forked child's parent pool, kept reachable (its threads are not in the child)
};

// Never deleted, so that a call from a static destructor still finds a pool (a stopped one runs
// everything on the caller); the Reaper joins the workers at exit.
Pool* current_pool = nullptr;

struct Reaper {
  ~Reaper() { current_pool->stop(); }
};

// A forked child has only the thread that forked: it starts a pool of its own.
void replace_pool_in_child() { current_pool = new Pool(current_pool); }

Pool& pool() {
  static const Reaper reaper = [] {
    current_pool = new Pool;
    pthread_atfork(nullptr, nullptr, replace_pool_in_child);
    return Reaper{};
  }();
  return *current_pool;
}

}  // namespace

void run_on_pool(int helpers, const std::function<void(int thread)>& task) {
  const std::vector<Worker*> claimed = helpers > 0 ? pool().claim(helpers) : std::vector<Worker*>{};
  for (std::size_t i = 0; i < claimed.size(); ++i) {
    Worker& worker = *claimed[i];
    worker.task = &task;
    worker.thread = static_cast<int>(i) + 1;
    {
      std::lock_guard<std::mutex> lock(worker.mutex);
      worker.state.store(kAssigned, std::memory_order_release);
    }
    worker.wake.notify_one();
  }
  task(0);
  for (Worker* worker : claimed) {
    int expected = kAssigned;
    if (worker->state.compare_exchange_strong(expected, kFree)) continue;  // never started: let off
    const auto done = [&] { return worker->state.load(std::memory_order_acquire) == kDone; };
    if (!spin_until(done)) {
      std::unique_lock<std::mutex> lock(worker->mutex);
      worker->done.wait(lock, done);
    }
    worker->state.store(kFree, std::memory_order_release);
  }
}

int pool_workers() { return pool().size(); }

std::uint64_t pool_tasks_run() { return pool().tasks_run(); }

}  // namespace n2v
