#pragma once
// Helpers shared by the tests: a temporary folder per test, file writing, running the n2v binary.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "walk/walks.h"

namespace n2v::testing {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() / ("n2v-test-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

inline void write_text(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
}

inline std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs a shell command, stdout and stderr together.
inline CommandResult run_shell(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  std::array<char, 4096> buffer;
  std::size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// Runs the built n2v with the given arguments (a shell fragment).
inline CommandResult run_n2v(const std::string& arguments) {
  return run_shell(std::string(N2V_BINARY) + " " + arguments);
}

// Walks written by hand, one list of tokens per walk.
inline Walks walks_of(const std::vector<std::vector<NodeId>>& list) {
  Walks walks;
  for (const auto& w : list) {
    walks.nodes.insert(walks.nodes.end(), w.begin(), w.end());
    walks.offsets.push_back(walks.nodes.size());
  }
  return walks;
}

inline fs::path shared_data(const std::string& name) { return fs::path(N2V_SHARED_DATA) / name; }

inline bool has_ml_small() { return fs::exists(shared_data("ml-latest-small") / "ratings.csv"); }

// The real data must be there in CI; a developer without ../shared gets a clear skip.
#define N2V_REQUIRE_ML_SMALL()                                                                    \
  do {                                                                                             \
    if (!::n2v::testing::has_ml_small()) {                                                         \
      if (std::getenv("CI")) FAIL() << "CI needs ../shared/data/ml-latest-small";                  \
      GTEST_SKIP() << "../shared/data/ml-latest-small not found";                                  \
    }                                                                                              \
  } while (0)

}  // namespace n2v::testing
