// LD_PRELOAD shim for the tests: a disk that fills up. Writes to files whose path starts with
// $N2V_FULL_DISK_DIR (and contains $N2V_FULL_DISK_MATCH, when set) succeed for the first
// $N2V_FULL_DISK_AFTER bytes of the process (default 0), then fail with ENOSPC, as on a full disk.
// No root, no tmpfs: CI runs it as any test. Intercepts write() and writev(), what libstdc++'s
// file streams call.
#include <dlfcn.h>
#include <errno.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

std::atomic<long long> written{0};

bool on_full_disk(int fd) {
  const char* dir = std::getenv("N2V_FULL_DISK_DIR");
  if (!dir || !*dir) return false;
  char path[4096];
  const std::string link = "/proc/self/fd/" + std::to_string(fd);
  const ssize_t n = ::readlink(link.c_str(), path, sizeof path - 1);
  if (n <= 0) return false;
  path[n] = '\0';
  if (std::strncmp(path, dir, std::strlen(dir)) != 0) return false;
  const char* match = std::getenv("N2V_FULL_DISK_MATCH");
  return !match || !*match || std::strstr(path, match) != nullptr;
}

long long room() {
  const char* after = std::getenv("N2V_FULL_DISK_AFTER");
  return (after ? std::atoll(after) : 0) - written.load();
}

}  // namespace

extern "C" ssize_t write(int fd, const void* buffer, size_t count) {
  using Write = ssize_t (*)(int, const void*, size_t);
  static const auto real_write = reinterpret_cast<Write>(dlsym(RTLD_NEXT, "write"));
  if (count > 0 && on_full_disk(fd)) {
    const long long left = room();
    if (left <= 0) {
      errno = ENOSPC;
      return -1;
    }
    if (static_cast<long long>(count) > left) count = static_cast<size_t>(left);
    const ssize_t done = real_write(fd, buffer, count);
    if (done > 0) written += done;
    return done;
  }
  return real_write(fd, buffer, count);
}

extern "C" ssize_t writev(int fd, const struct iovec* iov, int iovcnt) {
  using Writev = ssize_t (*)(int, const struct iovec*, int);
  static const auto real_writev = reinterpret_cast<Writev>(dlsym(RTLD_NEXT, "writev"));
  if (iovcnt > 0 && on_full_disk(fd)) {
    // One buffer at a time through write(), which counts and fails.
    ssize_t total = 0;
    for (int i = 0; i < iovcnt; ++i) {
      const ssize_t done = write(fd, iov[i].iov_base, iov[i].iov_len);
      if (done < 0) return total > 0 ? total : -1;
      total += done;
      if (static_cast<size_t>(done) < iov[i].iov_len) break;
    }
    return total;
  }
  return real_writev(fd, iov, iovcnt);
}
