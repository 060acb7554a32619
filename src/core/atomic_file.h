#pragma once
// Outputs go to a temporary file beside the target and are renamed into place on commit(),
// so a crash or a bad input never leaves a half-written file or destroys an earlier result.
#include <filesystem>
#include <fstream>
#include <string>

namespace n2v {

class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path target, bool binary = false);
  ~AtomicFile();  // removes the temporary file unless commit() ran
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  std::ofstream& stream() { return out_; }
  const std::filesystem::path& temp_path() const { return temp_; }
  void commit();  // flush, check for write errors, rename over the target

 private:
  std::filesystem::path target_;
  std::filesystem::path temp_;
  std::ofstream out_;
  bool committed_ = false;
};

void write_file_atomic(const std::filesystem::path& target, const std::string& content);

// Creates the folder (and parents); throws OutputError naming it when that fails.
void ensure_directory(const std::filesystem::path& dir);

}  // namespace n2v
