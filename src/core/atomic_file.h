#pragma once
// Outputs go to a temporary file beside the target and are renamed into place on commit(),
// so a crash or a bad input never leaves a half-written file or destroys an earlier result.
// Every output n2v writes goes through here (write_file_atomic for what is serialised in memory
// first: checkpoints, TorchScript, ONNX), so a failed write is one OutputError naming the file
// (exit 1) and leaves no temporary file behind.
#include <ext/stdio_filebuf.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

namespace n2v {

namespace detail {
// A file buffer on a file descriptor n2v opened itself (so that it could refuse links), which
// keeps the errno of its first failed write: a stream only says "bad", and by commit() errno may
// hold anything.
class ErrnoFileBuf : public __gnu_cxx::stdio_filebuf<char> {
 public:
  ErrnoFileBuf(int fd, std::ios::openmode mode) : __gnu_cxx::stdio_filebuf<char>(fd, mode) {}
  int first_error() const { return first_error_; }

 protected:
  int_type overflow(int_type c) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  int sync() override;

 private:
  void note(bool failed);
  int first_error_ = 0;
};
}  // namespace detail

// The temporary file is created new (O_EXCL) and never through a link (O_NOFOLLOW): an output
// folder may be one someone handed over, with links planted where n2v writes.
class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path target, bool binary = false);
  ~AtomicFile();  // removes the temporary file unless commit() ran
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  std::ostream& stream() { return out_; }
  const std::filesystem::path& temp_path() const { return temp_; }
  void commit();  // flush, check for write errors, rename over the target

 private:
  std::filesystem::path target_;
  std::filesystem::path temp_;
  std::unique_ptr<detail::ErrnoFileBuf> buffer_;
  std::ostream out_{nullptr};
  bool committed_ = false;
};

void write_file_atomic(const std::filesystem::path& target, const std::string& content);

// Creates `path` as a new file for writing, never through a link and never over a file that is
// there (O_EXCL | O_NOFOLLOW): the file descriptor, or -1 with errno set.
int open_new_file(const std::filesystem::path& path);

// Creates the folder (and parents); throws OutputError naming it when that fails.
void ensure_directory(const std::filesystem::path& dir);

// The temporary name AtomicFile writes `target` to: `.NAME.tmp.PID.COUNTER` beside it.
std::filesystem::path temp_path_for(const std::filesystem::path& target);

// Removes the temporary files of AtomicFile in `dir` whose process is gone (a run killed while
// writing; a folder of that name is a killed download's); a live process's, and every other file, stay. Returns how many it removed. AtomicFile
// calls it once per folder and process, before its first write there.
std::size_t remove_stale_temp_files(const std::filesystem::path& dir);

}  // namespace n2v
