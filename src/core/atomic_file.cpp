#include "core/atomic_file.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "core/errors.h"

namespace n2v {
namespace fs = std::filesystem;

namespace {
fs::path temp_path_for(const fs::path& target) {
  static std::atomic<unsigned> counter{0};
  return target.parent_path() / ("." + target.filename().string() + ".tmp." +
                                 std::to_string(::getpid()) + "." + std::to_string(counter++));
}
}  // namespace

AtomicFile::AtomicFile(fs::path target, bool binary)
    : target_(std::move(target)), temp_(temp_path_for(target_)) {
  auto mode = std::ios::out | std::ios::trunc;
  if (binary) mode |= std::ios::binary;
  out_.open(temp_, mode);
  if (!out_) {
    throw OutputError("cannot write " + target_.string() + ": " + std::strerror(errno));
  }
}

AtomicFile::~AtomicFile() {
  if (!committed_) {
    out_.close();
    std::error_code ignored;
    fs::remove(temp_, ignored);
  }
}

void AtomicFile::commit() {
  out_.flush();
  if (!out_) throw OutputError("error while writing " + target_.string() + " (disk full?)");
  out_.close();
  if (out_.fail()) throw OutputError("error while closing " + target_.string());
  std::error_code ec;
  fs::rename(temp_, target_, ec);
  if (ec) throw OutputError("cannot rename " + temp_.string() + " to " + target_.string() + ": " + ec.message());
  committed_ = true;
}

void write_file_atomic(const fs::path& target, const std::string& content) {
  AtomicFile file(target, true);
  file.stream() << content;
  file.commit();
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
