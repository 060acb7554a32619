#pragma once
// What every fuzz target checks: a reader given any bytes either returns or throws one of n2v's
// typed errors (core/errors.h), which main() turns into a one-line message and an exit code. Any
// other exception would reach the user as "unexpected error: <library text>" (docs/reliability.md: errors
// name the file, line and value), so it is a finding: the target prints it and aborts, and libFuzzer
// saves the input. Crashes, ASan and UBSan reports are findings too (the build is sanitized).
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include "core/errors.h"

namespace n2v::fuzz {

[[noreturn]] inline void finding(const std::string& what) {
  std::fprintf(stderr, "fuzz finding: %s\n", what.c_str());
  std::abort();
}

// Runs `read`; n2v::Error is an accepted outcome, any other exception a finding.
template <class Read>
void expect_clean(Read&& read) {
  try {
    read();
  } catch (const Error&) {
  } catch (const std::exception& e) {
    finding(std::string("an exception that is not n2v's: ") + e.what());
  } catch (...) {
    finding("an exception that is not a std::exception");
  }
}

// The readers that take a path get the input through this file, one per process, removed at exit.
inline std::filesystem::path input_file(const std::string& extension) {
  static const std::filesystem::path stem =
      std::filesystem::temp_directory_path() / ("n2v-fuzz-" + std::to_string(::getpid()));
  static const int removed_at_exit = std::atexit([] {
    for (const char* extension : {".yaml", ".pt", ".txt"}) {
      std::error_code ignored;
      std::filesystem::remove(stem.string() + extension, ignored);
    }
  });
  (void)removed_at_exit;
  return stem.string() + extension;
}

inline std::filesystem::path write_input(const std::uint8_t* data, std::size_t size, const std::string& extension) {
  const std::filesystem::path path = input_file(extension);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!out.flush()) finding("cannot write " + path.string());
  return path;
}

}  // namespace n2v::fuzz
