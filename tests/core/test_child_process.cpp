// Supervised children: a child asked to stop ends even when stopped or deaf to SIGTERM, dies with
// its parent, and is never left behind by a parent's error.
#include "core/child_process.h"

#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

namespace n2v {
namespace {

// A child that waits to be stopped, after `prepare` (which runs in the child).
template <class Prepare>
pid_t waiting_child(Prepare prepare) {
  const pid_t pid = fork_child("a test child");
  if (pid == 0) {
    prepare();
    for (;;) pause();
  }
  return pid;
}

TEST(ChildProcess, AStoppedChildReceivesTheStop) {
  SupervisedChild child(waiting_child([] { raise(SIGSTOP); }));
  // Wait until it is stopped (WUNTRACED), as a rank stopped by a debugger or SIGSTOP would be.
  int status = 0;
  ASSERT_EQ(waitpid(child.pid(), &status, WUNTRACED), child.pid());
  ASSERT_TRUE(WIFSTOPPED(status));
  child.stop();
  const int end = child.wait();
  ASSERT_TRUE(WIFSIGNALED(end));
  EXPECT_EQ(WTERMSIG(end), SIGTERM) << "SIGCONT lets the stopped child act on SIGTERM";
  EXPECT_EQ(describe_exit(end).rfind("was killed by signal 15", 0), 0u) << describe_exit(end);
}

TEST(ChildProcess, AChildDeafToTermIsKilledAfterTheGrace) {
  SupervisedChild child(waiting_child([] { signal(SIGTERM, SIG_IGN); }));
  usleep(100000);  // let it install its handler
  child.stop();
  child.stop();  // a second stop does not restart the grace period
  const int end = child.wait();
  ASSERT_TRUE(WIFSIGNALED(end));
  EXPECT_EQ(WTERMSIG(end), SIGKILL);
}

TEST(ChildProcess, ADestroyedSupervisorLeavesNoChild) {
  pid_t pid = 0;
  {
    SupervisedChild child(waiting_child([] {}));
    pid = child.pid();
    EXPECT_TRUE(child.poll());
  }
  // Reaped by the destructor: no such child any more.
  errno = 0;
  EXPECT_EQ(waitpid(pid, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

TEST(ChildProcess, AChildDiesWithItsParentEvenWhenTheParentIsKilled) {
  // This test process adopts the grandchild when the middle process dies, so it can see how the
  // grandchild ended.
  ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  int to_test[2], to_middle[2];
  ASSERT_EQ(pipe(to_test), 0);
  ASSERT_EQ(pipe(to_middle), 0);
  const pid_t middle = fork();
  if (middle == 0) {
    waiting_child([&] {  // once its death signal is set: its pid to the test, a byte to the middle
      const pid_t self = getpid();
      (void)!write(to_test[1], &self, sizeof self);
      (void)!write(to_middle[1], "x", 1);
    });
    char ready;
    (void)!read(to_middle[0], &ready, 1);
    raise(SIGKILL);
  }
  pid_t grandchild = 0;
  ASSERT_EQ(read(to_test[0], &grandchild, sizeof grandchild), static_cast<ssize_t>(sizeof grandchild));
  for (int fd : {to_test[0], to_test[1], to_middle[0], to_middle[1]}) close(fd);
  waitpid(middle, nullptr, 0);
  int status = 0;
  const pid_t reaped = waitpid(grandchild, &status, 0);
  prctl(PR_SET_CHILD_SUBREAPER, 0);
  ASSERT_EQ(reaped, grandchild);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
}

TEST(ChildProcess, StopSignalsAreRecordedWhileACatcherLives) {
  struct sigaction before {};
  sigaction(SIGTERM, nullptr, &before);
  {
    StopSignalCatcher catcher;
    EXPECT_EQ(catcher.caught(), 0);
    raise(SIGTERM);
    EXPECT_EQ(catcher.caught(), SIGTERM);
    EXPECT_EQ(catcher.describe().rfind("signal 15 (", 0), 0u) << catcher.describe();
  }
  struct sigaction after {};
  sigaction(SIGTERM, nullptr, &after);
  EXPECT_EQ(after.sa_handler, before.sa_handler);
}

}  // namespace
}  // namespace n2v
