#pragma once
// Helpers shared by the tests: a temporary folder per test, file writing, running the n2v binary.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "models/row_sparse.h"
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

// The message of the `Error` that `run` throws, or "" when it throws none (another exception
// escapes: the test fails on it).
template <typename Error, typename Run>
std::string error_message(Run run) {
  try {
    run();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

inline void write_text(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// A graph with planted communities for the end-to-end tests: `communities` of `per_community`
// nodes v0, v1, ..., an edge inside a community with probability `inside`, across with `across`
// (a fixed seed); dir/edges.tsv and dir/labels.tsv (each node's community).
inline void write_planted_graph(const fs::path& dir, int communities, int per_community, double inside = 0.3,
                                double across = 0.01) {
  std::mt19937 gen(2024);
  std::uniform_real_distribution<double> coin(0, 1);
  std::string edges, labels;
  const int n = communities * per_community;
  for (int a = 0; a < n; ++a) {
    labels += "v" + std::to_string(a) + "\tc" + std::to_string(a / per_community) + "\n";
    for (int b = a + 1; b < n; ++b)
      if (coin(gen) < (a / per_community == b / per_community ? inside : across))
        edges += "v" + std::to_string(a) + "\tv" + std::to_string(b) + "\n";
  }
  write_text(dir / "edges.tsv", edges);
  write_text(dir / "labels.tsv", "# node\tlabels\n" + labels);
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

#ifdef N2V_FULL_DISK
// Runs the built n2v on a disk that fills up: writes to files under `dir` (whose path contains
// `match`, when given) fail with ENOSPC after `after` bytes (tests/core/full_disk_preload.cpp).
inline CommandResult run_n2v_on_full_disk(const fs::path& dir, long long after, const std::string& match,
                                          const std::string& arguments) {
  // An ASan build checks that its runtime comes first; the shim is preloaded before it.
  return run_shell("ASAN_OPTIONS=verify_asan_link_order=0 LD_PRELOAD='" N2V_FULL_DISK "' N2V_FULL_DISK_DIR='" +
                   dir.string() + "' N2V_FULL_DISK_AFTER=" + std::to_string(after) + " N2V_FULL_DISK_MATCH='" + match +
                   "' " + std::string(N2V_BINARY) + " " + arguments);
}

// The names of AtomicFile's temporary files (".NAME.tmp.*") in `dir`.
inline std::vector<std::string> temp_files_in(const fs::path& dir) {
  std::vector<std::string> found;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().filename().string().find(".tmp.") != std::string::npos)
      found.push_back(entry.path().filename().string());
  return found;
}
#endif

// A RowSparse as the view a rank's merge reads: ids and values in arrays of their own (`ids` holds
// the ids narrowed to int32).
inline RowSparseView view_of(const RowSparse& r, std::vector<std::int32_t>& ids) {
  ids.assign(r.rows.begin(), r.rows.end());
  RowSparseView v;
  v.rows = ids.data();
  v.values = r.values.data();
  v.value_stride = static_cast<std::size_t>(r.dim);
  v.size = r.size();
  return v;
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

// What every CsrGraph must hold: prefix-sum offsets, sorted neighbour lists without duplicates or
// self-loops, positive weights, and both directions with one weight when undirected.
inline void expect_csr_invariants(const CsrGraph& g) {
  const auto& offsets = g.offsets();
  ASSERT_EQ(offsets.front(), 0u);
  ASSERT_EQ(offsets.back(), g.num_arcs());
  for (NodeId v = 0; v < g.num_nodes(); ++v) {
    ASSERT_LE(offsets[v], offsets[v + 1]);
    for (std::uint64_t i = offsets[v]; i < offsets[v + 1]; ++i) {
      if (i > offsets[v]) {
        ASSERT_LT(g.neighbor_array()[i - 1], g.neighbor_array()[i]) << "sorted, no duplicates";
      }
      NodeId u = g.neighbor_array()[i];
      ASSERT_LT(u, g.num_nodes());
      ASSERT_NE(u, v) << "no self-loops";
      ASSERT_GT(g.weight_array()[i], 0.0f);
      if (!g.directed()) {
        ASSERT_EQ(g.weight(u, v), g.weight_array()[i]) << "symmetric";
      }
    }
  }
}

inline fs::path shared_data(const std::string& name) { return fs::path(N2V_SHARED_DATA) / name; }

inline bool has_ml_small() { return fs::exists(shared_data("ml-latest-small") / "ratings.csv"); }

// The real data must be there in CI; a developer without ../shared gets a clear skip.
#define N2V_REQUIRE_ML_SMALL()                                                                    \
  do {                                                                                             \
    if (!::n2v::testing::has_ml_small()) {                                                         \
      if (std::getenv("CI")) {                                                                     \
        FAIL() << "CI needs ../shared/data/ml-latest-small";                                       \
      }                                                                                            \
      GTEST_SKIP() << "../shared/data/ml-latest-small not found";                                  \
    }                                                                                              \
  } while (0)

}  // namespace n2v::testing
