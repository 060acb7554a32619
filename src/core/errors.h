#pragma once
// Typed errors. The library throws; only main() turns them into exit codes.
#include <stdexcept>
#include <string>

namespace n2v {

// Anything n2v reports to the user. Exit code 1.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  virtual int exit_code() const { return 1; }
};

// The command line or the config asks for something impossible. Exit code 2.
class UsageError : public Error {
 public:
  using Error::Error;
  int exit_code() const override { return 2; }
};

// A config file or key is wrong (unknown key, out-of-range value). Exit code 2.
class ConfigError : public UsageError {
 public:
  using UsageError::UsageError;
};

// Input data is missing or malformed. Messages name the file, line and value.
class DataError : public Error {
 public:
  using Error::Error;
};

// Fetching or unpacking a dataset failed.
class DownloadError : public Error {
 public:
  using Error::Error;
};

// A distributed run lost a rank: rendezvous timed out, a peer died, the port is taken.
class DistributedError : public Error {
 public:
  using Error::Error;
};

// Training diverged: a loss became NaN or infinite (a learning rate far too high, ...). Nothing of
// that epoch is written; the last good checkpoint stays. Exit code 1.
class TrainingError : public Error {
 public:
  using Error::Error;
};

// Writing an output failed (permissions, disk full, ...).
class OutputError : public Error {
 public:
  using Error::Error;
};

}  // namespace n2v
