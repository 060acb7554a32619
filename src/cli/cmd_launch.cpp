// n2v launch --nproc N -- train ...: torchrun for one machine. Starts N copies of this binary
// with RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR and MASTER_PORT set, prefixes
// their output with "[rank K] ", and stops them all as soon as one fails.
#include <algorithm>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "core/child_process.h"
#include "core/errors.h"

namespace n2v {

namespace {

struct LaunchOptions {
  int nproc = 2;
  int master_port = 0;  // 0: a free one
  std::vector<std::string> command;
};

// A port nobody listens on now: bind port 0 and ask which one the kernel gave. Another program
// could take it before rank 0 does; rank 0 then fails with a clear "port in use".
int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw Error(std::string("n2v launch: socket: ") + std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    int error = errno;
    close(fd);
    throw Error(std::string("n2v launch: cannot find a free port: ") + std::strerror(error));
  }
  close(fd);
  return ntohs(address.sin_port);
}

void write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // our own output is gone; nothing better to do
    done += static_cast<std::size_t>(n);
  }
}

// One child's stdout or stderr: bytes in, whole prefixed lines out.
struct Stream {
  int fd = -1;
  int target = 1;
  std::string prefix, pending;

  void flush_lines(bool at_end) {
    std::size_t start = 0, newline;
    std::string out;
    while ((newline = pending.find('\n', start)) != std::string::npos) {
      out += prefix + pending.substr(start, newline + 1 - start);
      start = newline + 1;
    }
    pending.erase(0, start);
    if (at_end && !pending.empty()) out += prefix + pending + "\n", pending.clear();
    if (!out.empty()) write_all(target, out);
  }
};

pid_t spawn(const LaunchOptions& options, int rank, int port, int out_fd, int err_fd) {
  std::vector<std::string> args{"n2v"};
  args.insert(args.end(), options.command.begin(), options.command.end());
  const pid_t pid = fork_child("rank " + std::to_string(rank));
  if (pid > 0) return pid;
  // The child: talk through the pipes, become rank `rank`.
  dup2(out_fd, 1);
  dup2(err_fd, 2);
  setenv("RANK", std::to_string(rank).c_str(), 1);
  setenv("LOCAL_RANK", std::to_string(rank).c_str(), 1);
  setenv("WORLD_SIZE", std::to_string(options.nproc).c_str(), 1);
  setenv("LOCAL_WORLD_SIZE", std::to_string(options.nproc).c_str(), 1);  // the ranks share the cores (threads: 0)
  setenv("MASTER_ADDR", "127.0.0.1", 1);
  setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  execv("/proc/self/exe", argv.data());
  std::string message = "n2v launch: cannot run /proc/self/exe: " + std::string(std::strerror(errno)) + "\n";
  write_all(2, message);
  _exit(127);
}

void run_launch(const LaunchOptions& options) {
  if (options.nproc < 1) throw UsageError("--nproc must be >= 1");
  const std::vector<std::string> distributed{"train", "walk", "bench-comm"};
  if (options.command.empty() ||
      std::find(distributed.begin(), distributed.end(), options.command.front()) == distributed.end()) {
    throw UsageError("n2v launch runs `n2v train`, `n2v walk` or `n2v bench-comm` in every process: "
                     "n2v launch --nproc N -- train [options]");
  }
  const int port = options.master_port > 0 ? options.master_port : free_port();
  signal(SIGPIPE, SIG_IGN);
  // Ctrl-C or a scheduler's SIGTERM: pass it on to every rank, then say so once.
  StopSignalCatcher stop_signal;

  std::vector<SupervisedChild> children;
  std::vector<Stream> streams;
  for (int rank = 0; rank < options.nproc; ++rank) {
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
      throw Error(std::string("n2v launch: pipe: ") + std::strerror(errno));
    }
    children.emplace_back(spawn(options, rank, port, out[1], err[1]));
    close(out[1]);
    close(err[1]);
    const std::string prefix = "[rank " + std::to_string(rank) + "] ";
    streams.push_back({out[0], 1, prefix, {}});
    streams.push_back({err[0], 2, prefix, {}});
  }

  std::optional<int> failed;  // the first rank to fail
  bool forwarded = false;
  std::size_t open_streams = streams.size();
  auto any_running = [&] {
    bool any = false;
    for (SupervisedChild& child : children) any = child.poll() || any;
    return any;
  };
  auto stop_all = [&] {
    for (SupervisedChild& child : children) child.stop();
  };
  // The first rank to fail, once reaped: one rank gone means the others would wait for it until
  // dist.timeout_s, so they are stopped now (one that does not stop within the grace period,
  // stopped or stuck, is killed).
  auto note_first_failure = [&] {
    for (int rank = 0; rank < options.nproc && !failed; ++rank) {
      const SupervisedChild& child = children[rank];
      if (child.running() || (WIFEXITED(child.status()) && WEXITSTATUS(child.status()) == 0)) continue;
      failed = rank;
      stop_all();
    }
  };
  while (any_running() || open_streams > 0) {
    std::vector<pollfd> fds;
    std::vector<Stream*> polled;
    for (auto& s : streams) {
      if (s.fd >= 0) fds.push_back({s.fd, POLLIN, 0}), polled.push_back(&s);
    }
    if (!fds.empty() && poll(fds.data(), fds.size(), 100) < 0 && errno != EINTR) {
      throw Error(std::string("n2v launch: poll: ") + std::strerror(errno));
    }
    if (fds.empty()) usleep(20000);
    if (stop_signal.caught() && !forwarded) {
      forwarded = true;
      stop_all();
    }
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buffer[65536];
      ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      Stream& s = *polled[i];
      if (n > 0) {
        s.pending.append(buffer, static_cast<std::size_t>(n));
        s.flush_lines(false);
      } else {
        s.flush_lines(true);
        close(s.fd);
        s.fd = -1;
        --open_streams;
      }
    }
    note_first_failure();
  }
  note_first_failure();  // the last children may have been reaped by the loop's condition
  if (stop_signal.caught()) {
    throw Error("launch stopped by " + stop_signal.describe() + "; all " +
                std::to_string(options.nproc) + " ranks were stopped");
  }
  if (failed) {
    throw Error("rank " + std::to_string(*failed) + " of " + std::to_string(options.nproc) + " " +
                describe_exit(children[*failed].status()) + "; the other ranks were stopped");
  }
}

}  // namespace

void add_launch_command(CLI::App& app) {
  auto options = std::make_shared<LaunchOptions>();
  CLI::App* command = app.add_subcommand(
      "launch", "Run a distributed `n2v train` (or `walk`, `bench-comm`) in N local processes (like torchrun): n2v launch --nproc 2 -- train ...");
  command->add_option("--nproc", options->nproc, "number of processes (ranks; default 2)")->check(CLI::Range(1, 1024));
  command->add_option("--master-port", options->master_port, "rank 0's rendezvous port (default: a free one)")
      ->check(CLI::Range(1, 65535));
  command->add_option("command", options->command, "the n2v command every rank runs, after --: train|walk|bench-comm [options]")
      ->required();
  command->callback([options] { run_launch(*options); });
}

}  // namespace n2v
