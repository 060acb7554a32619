// Child processes that never outlive the n2v that started them and never hang it: `n2v launch`'s
// ranks and `n2v sweep`'s trainings. A child dies with its parent however the parent dies (SIGKILL
// included), and a child asked to stop is killed when it has not stopped within the grace period
// (a rank stopped with SIGSTOP, or stuck in a collective, ignores SIGTERM).
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>

namespace n2v {

// How long a child asked to stop gets before SIGKILL.
inline constexpr std::chrono::seconds kChildStopGrace{5};

// fork() for a supervised child: returns 0 in the child, which gets SIGKILL when this process
// dies (PR_SET_PDEATHSIG; a parent already gone by then is noticed, and the child exits). The
// death signal is tied to the forking thread, so call it from a thread that lives as long as the
// child should (the main thread). Throws Error naming `what` when fork fails.
pid_t fork_child(const std::string& what);

// A forked child, reaped by poll(). Destroying one that still runs stops it first, so that an
// error on the parent's side never leaves a child behind.
class SupervisedChild {
 public:
  explicit SupervisedChild(pid_t pid) : pid_(pid) {}
  SupervisedChild(SupervisedChild&& other) noexcept;
  SupervisedChild& operator=(SupervisedChild&&) = delete;
  SupervisedChild(const SupervisedChild&) = delete;
  ~SupervisedChild();

  // Reaps the child when it has ended; kills it once the grace after stop() has passed. Returns
  // whether it still runs.
  bool poll();
  // SIGTERM (with SIGCONT, so that a stopped child receives it), SIGKILL from poll() after
  // kChildStopGrace. A second call changes nothing.
  void stop();
  // Waits (polling every few milliseconds) until the child has ended; returns its wait status.
  int wait();

  pid_t pid() const { return pid_; }
  bool running() const { return running_; }
  int status() const { return status_; }  // waitpid's status, once !running()

 private:
  pid_t pid_;
  bool running_ = true;
  int status_ = 0;
  bool asked_to_stop_ = false;
  std::optional<std::chrono::steady_clock::time_point> kill_at_;
};

// While one lives, SIGINT and SIGTERM are recorded instead of ending the process, so that a
// parent can stop its children before it ends (one at a time; the previous handlers come back).
class StopSignalCatcher {
 public:
  StopSignalCatcher();
  ~StopSignalCatcher();
  StopSignalCatcher(const StopSignalCatcher&) = delete;
  StopSignalCatcher& operator=(const StopSignalCatcher&) = delete;
  int caught() const;  // the signal's number, 0 while none came
  std::string describe() const;  // "signal 15 (Terminated)"

 private:
  struct sigaction previous_int_ {};
  struct sigaction previous_term_ {};
};

// "exited with code 3", "was killed by signal 9 (Killed)": a wait status in words.
std::string describe_exit(int status);

}  // namespace n2v
