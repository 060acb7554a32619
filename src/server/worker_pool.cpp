#include "server/worker_pool.h"

namespace n2v {
namespace {

thread_local bool t_rejecting = false;

template <class R>
R accepted() {
  if constexpr (!std::is_void_v<R>) return true;
}

}  // namespace

WorkerPool::WorkerPool(std::size_t workers, std::size_t max_queued)
    : max_queued_(max_queued), workers_count_(workers) {
  for (std::size_t i = 0; i < workers; ++i) threads_.emplace_back([this] { work(jobs_, false); });
  threads_.emplace_back([this] { work(rejected_, true); });
}

WorkerPool::~WorkerPool() { shutdown(); }

WorkerPool::EnqueueResult WorkerPool::enqueue(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // Queued and in service together, so that the count does not depend on how soon a worker
    // picks a connection up.
    const bool saturated = busy_ + jobs_.size() >= workers_count_ + max_queued_;
    (saturated ? rejected_ : jobs_).push_back(std::move(task));
  }
  wake_.notify_all();
  return accepted<EnqueueResult>();
}

void WorkerPool::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
}

bool WorkerPool::is_rejecting_thread() { return t_rejecting; }

void WorkerPool::work(std::deque<std::function<void()>>& queue, bool rejecting) {
  t_rejecting = rejecting;
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return !queue.empty() || stopping_; });
      if (queue.empty()) return;  // stopping, and nothing left to serve
      task = std::move(queue.front());
      queue.pop_front();
      if (!rejecting) ++busy_;
    }
    task();
    if (!rejecting) {
      std::lock_guard<std::mutex> lock(mutex_);
      --busy_;
    }
  }
}

}  // namespace n2v
