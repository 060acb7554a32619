#pragma once
// The server's fixed worker pool with a bounded queue, as cpp-httplib's TaskQueue. httplib hands
// each accepted connection to enqueue(); a worker serves it (all its keep-alive requests) to the
// end. When every worker is busy and `max_queued` connections already wait, the connection goes
// to one extra thread that answers each of its requests 503 at once (is_rejecting_thread() tells
// the request handler so) and closes it: a saturated server refuses quickly rather than queueing
// without bound.
#include <httplib.h>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace n2v {

class WorkerPool : public httplib::TaskQueue {
 public:
  // httplib 0.11's enqueue returns void, 0.15 and later's bool (false: drop the connection).
  using EnqueueResult = decltype(std::declval<httplib::TaskQueue&>().enqueue(std::function<void()>()));

  WorkerPool(std::size_t workers, std::size_t max_queued);
  ~WorkerPool() override;
  EnqueueResult enqueue(std::function<void()> task) override;
  // Finishes the connections queued and in service, then joins the threads (httplib calls it
  // when the server stops).
  void shutdown() override;

  static bool is_rejecting_thread();

 private:
  void work(std::deque<std::function<void()>>& queue, bool rejecting);

  std::size_t max_queued_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_, rejected_;
  std::size_t busy_ = 0;  // connections in service by the workers
  std::size_t workers_count_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace n2v
