#include "core/atomic_file.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>

#include "core/errors.h"

namespace n2v {
namespace fs = std::filesystem;

namespace {

// The pid in a name of temp_path_for's pattern, or 0 when `name` is not one.
pid_t temp_file_owner(const std::string& name) {
  // .NAME.tmp.PID.COUNTER
  const std::size_t counter_dot = name.rfind('.');
  if (name.size() < 2 || name[0] != '.' || counter_dot == std::string::npos || counter_dot == 0) return 0;
  const std::size_t pid_dot = name.rfind('.', counter_dot - 1);
  if (pid_dot == std::string::npos || pid_dot < 5 || name.compare(pid_dot - 4, 4, ".tmp") != 0) return 0;
  const std::string pid = name.substr(pid_dot + 1, counter_dot - pid_dot - 1);
  const std::string counter = name.substr(counter_dot + 1);
  auto digits = [](const std::string& s) {
    return !s.empty() && s.size() <= 10 && s.find_first_not_of("0123456789") == std::string::npos;
  };
  if (!digits(pid) || !digits(counter)) return 0;
  const long value = std::stol(pid);
  return value > 0 && value <= 0x7fffffff ? static_cast<pid_t>(value) : 0;
}

bool process_is_gone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

// Each folder once per process: the next run into a folder cleans what a killed one left.
void clean_folder_once(const fs::path& dir) {
  static std::mutex mutex;
  static std::set<fs::path> cleaned;
  std::lock_guard<std::mutex> lock(mutex);
  if (cleaned.insert(dir).second) remove_stale_temp_files(dir);
}

std::string write_error_text(int error) {
  return error != 0 ? std::strerror(error) : "write failed (disk full or an I/O error?)";
}

}  // namespace

namespace detail {

void ErrnoFileBuf::note(bool failed) {
  if (failed && first_error_ == 0) first_error_ = errno != 0 ? errno : EIO;
}

ErrnoFileBuf::int_type ErrnoFileBuf::overflow(int_type c) {
  errno = 0;
  const int_type result = __gnu_cxx::stdio_filebuf<char>::overflow(c);
  note(traits_type::eq_int_type(result, traits_type::eof()));
  return result;
}

std::streamsize ErrnoFileBuf::xsputn(const char* s, std::streamsize n) {
  errno = 0;
  const std::streamsize written = __gnu_cxx::stdio_filebuf<char>::xsputn(s, n);
  note(written < n);
  return written;
}

int ErrnoFileBuf::sync() {
  errno = 0;
  const int result = __gnu_cxx::stdio_filebuf<char>::sync();
  note(result != 0);
  return result;
}

}  // namespace detail

fs::path temp_path_for(const fs::path& target) {
  static std::atomic<unsigned> counter{0};
  return target.parent_path() / ("." + target.filename().string() + ".tmp." +
                                 std::to_string(::getpid()) + "." + std::to_string(counter++));
}

std::size_t remove_stale_temp_files(const fs::path& dir) {
  std::error_code ec;
  std::size_t removed = 0;
  fs::directory_iterator it(dir.empty() ? fs::path(".") : dir, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const pid_t owner = temp_file_owner(it->path().filename().string());
    std::error_code ignored;
    // A folder is a killed download's half-extracted archive (data/download.cpp).
    if (owner != 0 && owner != ::getpid() && process_is_gone(owner) && !it->is_symlink(ignored) &&
        fs::remove_all(it->path(), ignored) > 0)
      ++removed;
  }
  return removed;
}

AtomicFile::AtomicFile(fs::path target, bool binary)
    : target_(std::move(target)), temp_(temp_path_for(target_)) {
  clean_folder_once(target_.parent_path());
  auto mode = std::ios::out | std::ios::trunc;
  if (binary) mode |= std::ios::binary;
  int fd = open_new_file(temp_);
  if (fd < 0 && errno == EEXIST) {
    // Left by a killed process that had this pid before: ours to replace (unlink removes a link,
    // never what it points to).
    ::unlink(temp_.c_str());
    fd = open_new_file(temp_);
  }
  if (fd < 0) throw OutputError("cannot write " + target_.string() + ": " + write_error_text(errno));
  buffer_ = std::make_unique<detail::ErrnoFileBuf>(fd, mode);
  out_.rdbuf(buffer_.get());
}

AtomicFile::~AtomicFile() {
  if (!committed_) {
    buffer_->close();
    std::error_code ignored;
    fs::remove(temp_, ignored);
  }
}

void AtomicFile::commit() {
  out_.flush();
  if (!out_ || buffer_->first_error() != 0)
    throw OutputError("cannot write " + target_.string() + ": " + write_error_text(buffer_->first_error()));
  errno = 0;
  if (!buffer_->close()) {
    const int error = buffer_->first_error() != 0 ? buffer_->first_error() : errno;
    throw OutputError("cannot write " + target_.string() + " (on closing): " + write_error_text(error));
  }
  std::error_code ec;
  fs::rename(temp_, target_, ec);
  if (ec) throw OutputError("cannot rename " + temp_.string() + " to " + target_.string() + ": " + ec.message());
  committed_ = true;
}

void write_file_atomic(const fs::path& target, const std::string& content) {
  AtomicFile file(target, true);
  file.stream().write(content.data(), static_cast<std::streamsize>(content.size()));
  file.commit();
}

int open_new_file(const fs::path& path) {
  return ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
}

void ensure_directory(const fs::path& dir) {
  if (dir.empty()) return;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) {
    throw OutputError("cannot create output folder " + dir.string() + ": " +
                      (ec ? ec.message() : std::string("a file of that name exists")));
  }
}

}  // namespace n2v
