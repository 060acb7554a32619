#pragma once
// Helpers for the tests of output folders (core/run_folder.h) through the binary: n2v as a child
// process, polling, and a folder's files. Apart from test_util.h so that it stays cheap to change.
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <thread>

#include "test_util.h"

namespace n2v::testing {

// Starts the built n2v with `arguments` (a shell fragment) as a child process, output discarded;
// wait for it with exit_status_of.
inline pid_t spawn_n2v(const std::string& arguments) {
  const std::string command = "exec " + std::string(N2V_BINARY) + " " + arguments + " > /dev/null 2>&1";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

// The exit code of a spawned child, or 128 + the signal that ended it.
inline int exit_status_of(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Polls `ready` every 2 ms for up to 10 s; true once it holds.
template <class F>
bool eventually(F&& ready) {
  for (int i = 0; i < 5000; ++i) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return false;
}

// Every file under `dir` (relative name -> bytes) but the lock file (core/run_folder.h), which
// holds the pid of the last run that opened the folder.
inline std::map<std::string, std::string> snapshot_files(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().filename() != ".lock") {
      files[fs::relative(entry.path(), dir).string()] = read_text(entry.path());
    }
  }
  return files;
}

// Whether `dir` holds a run's staging folder (core/run_folder.h): after a run, it must not.
inline bool has_staging(const fs::path& dir) {
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().filename().string().rfind(".staging-", 0) == 0) return true;
  return false;
}

// The message of the E that `f` throws, "" when it throws none.
template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "";
}

}  // namespace n2v::testing
