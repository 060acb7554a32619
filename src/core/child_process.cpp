#include "core/child_process.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <thread>

#include "core/errors.h"

namespace n2v {

pid_t fork_child(const std::string& what) {
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) throw Error("cannot start " + what + " (fork: " + std::strerror(errno) + ")");
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    // The parent may have died between fork and prctl: no signal will come for that.
    if (getppid() != parent) _exit(1);
  }
  return pid;
}

SupervisedChild::SupervisedChild(SupervisedChild&& other) noexcept
    : pid_(other.pid_),
      running_(other.running_),
      status_(other.status_),
      asked_to_stop_(other.asked_to_stop_),
      kill_at_(other.kill_at_) {
  other.running_ = false;
}

SupervisedChild::~SupervisedChild() {
  if (!running_) return;
  stop();
  wait();
}

bool SupervisedChild::poll() {
  if (!running_) return false;
  const pid_t reaped = waitpid(pid_, &status_, WNOHANG);
  if (reaped == pid_ || (reaped < 0 && errno == ECHILD)) {
    running_ = false;
    return false;
  }
  if (kill_at_ && std::chrono::steady_clock::now() >= *kill_at_) {
    kill(pid_, SIGKILL);
    kill_at_.reset();
  }
  return true;
}

void SupervisedChild::stop() {
  if (!running_ || asked_to_stop_) return;
  asked_to_stop_ = true;
  kill(pid_, SIGTERM);
  kill(pid_, SIGCONT);
  kill_at_ = std::chrono::steady_clock::now() + kChildStopGrace;
}

int SupervisedChild::wait() {
  while (poll()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return status_;
}

namespace {
volatile std::sig_atomic_t caught_signal = 0;
void record_signal(int signal_number) { caught_signal = signal_number; }
}  // namespace

StopSignalCatcher::StopSignalCatcher() {
  caught_signal = 0;
  struct sigaction record {};
  record.sa_handler = record_signal;
  sigaction(SIGINT, &record, &previous_int_);
  sigaction(SIGTERM, &record, &previous_term_);
}

StopSignalCatcher::~StopSignalCatcher() {
  sigaction(SIGINT, &previous_int_, nullptr);
  sigaction(SIGTERM, &previous_term_, nullptr);
}

int StopSignalCatcher::caught() const { return caught_signal; }

std::string StopSignalCatcher::describe() const {
  return "signal " + std::to_string(caught_signal) + " (" + strsignal(caught_signal) + ")";
}

std::string describe_exit(int status) {
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return "was killed by signal " + std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) + ")";
  }
  return "stopped";
}

}  // namespace n2v
