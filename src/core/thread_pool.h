#pragma once
// The worker threads behind parallel_chunks (core/parallel.h): started on demand and kept for the
// process, because starting threads for every call cost more than a stream-mode step's phases save.
#include <cstdint>
#include <functional>

namespace n2v {

// Runs task(thread) on the calling thread as thread 0 and on up to `helpers` pool workers as
// threads 1, 2, ..., and returns once every started copy has returned. The pool grows to the most
// helpers any one call asks for; workers that are busy (a nested or a concurrent call) or that the
// system refuses are not waited for, so fewer may take part, down to none. A worker that has not
// picked the task up by the time the caller's own copy returns is let off, so that a descheduled
// worker holds nobody up: the task must share its work as it goes (whichever copies run find all of
// it done between them). The task must not throw.
void run_on_pool(int helpers, const std::function<void(int thread)>& task);

// The pool's workers so far, and the tasks they have run (not counting those they were let off).
int pool_workers();
std::uint64_t pool_tasks_run();

}  // namespace n2v
