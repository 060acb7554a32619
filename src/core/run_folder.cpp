#include "core/run_folder.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "core/atomic_file.h"
#include "core/csv.h"
#include "core/errors.h"
#include "core/progress.h"

namespace n2v {
namespace fs = std::filesystem;

namespace {

constexpr const char* kLockFile = ".lock";
constexpr const char* kStagingPrefix = ".staging-";
constexpr const char* kCommitList = ".commit";  // inside a staging folder: its set is complete

fs::path normalised(const fs::path& p) {
  std::error_code ec;
  fs::path result = fs::weakly_canonical(fs::absolute(p, ec), ec).lexically_normal();
  if (!result.has_filename() && result.has_parent_path()) result = result.parent_path();  // "d/" is "d"
  return result;
}

bool same_folder(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  if (fs::exists(a, ec) && fs::exists(b, ec)) {
    const bool same = fs::equivalent(a, b, ec);
    if (!ec) return same;
  }
  return normalised(a) == normalised(b);
}

void fail_to_write(const fs::path& path, const std::string& what, const std::error_code& ec) {
  throw OutputError("cannot " + what + " " + path.string() + ": " + ec.message());
}

// Carries out a staging folder's commit list: the removals, then the moves. Each step can run
// again, so a run killed halfway is finished by the next one.
void apply_commit_list(const fs::path& staging, const fs::path& out) {
  std::vector<std::string> moves;
  for_each_line(read_file(staging / kCommitList), (staging / kCommitList).string(), [&](std::size_t, std::string_view line) {
    std::error_code ec;
    const std::string name(line.substr(line.find(' ') + 1));
    if (line.rfind("remove ", 0) == 0) {
      fs::remove_all(out / name, ec);
      if (ec) fail_to_write(out / name, "remove the earlier run's", ec);
    } else {
      moves.push_back(name);
    }
  });
  for (const std::string& name : moves) {
    std::error_code ec;
    const fs::path from = staging / name, to = out / name;
    if (!fs::exists(fs::symlink_status(from, ec))) continue;  // moved before a kill
    if (fs::is_directory(fs::symlink_status(to, ec))) {
      // rename() replaces files, not folders that hold files: the old folder goes aside first.
      const fs::path aside = staging / (".replaced-" + name);
      fs::remove_all(aside, ec);
      fs::rename(to, aside, ec);
      if (ec) fail_to_write(to, "move aside", ec);
    }
    fs::rename(from, to, ec);
    if (ec) fail_to_write(to, "move in", ec);
  }
  std::error_code ec;
  fs::remove_all(staging, ec);
}

// The folders create_directories(out) will make, deepest first.
std::vector<fs::path> missing_folders(const fs::path& out) {
  std::vector<fs::path> missing;
  std::error_code ec;
  fs::path p = fs::absolute(out, ec).lexically_normal();
  if (!p.has_filename()) p = p.parent_path();  // "runs/a/"
  while (!fs::exists(p, ec)) {
    missing.push_back(p);
    if (p == p.parent_path()) break;
    p = p.parent_path();
  }
  return missing;
}

}  // namespace

void refuse_input_folders(const fs::path& out, const std::vector<InputFolder>& inputs) {
  for (const InputFolder& input : inputs) {
    if (input.path.empty()) continue;
    if (same_folder(out, input.path)) {
      throw UsageError("--out " + out.string() + " is the folder of the input (" + input.what + " " +
                       input.path.string() + "); n2v never writes where it reads: choose another --out");
    }
  }
}

RunFolder::RunFolder(fs::path out, const std::vector<InputFolder>& inputs) : out_(std::move(out)) {
  if (out_.empty()) out_ = ".";
  refuse_input_folders(out_, inputs);
  created_folders_ = missing_folders(out_);
  ensure_directory(out_);
  const fs::path lock_path = out_ / kLockFile;
  lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) throw OutputError("cannot create " + lock_path.string() + ": " + std::strerror(errno));
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    char holder[32] = {0};
    const ssize_t n = ::pread(lock_fd_, holder, sizeof holder - 1, 0);
    std::string pid = n > 0 ? std::string(holder, static_cast<std::size_t>(n)) : "";
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    ::close(lock_fd_);
    lock_fd_ = -1;
    if (error == EWOULDBLOCK) {
      throw OutputError(out_.string() + " is being written by another n2v (pid " + (pid.empty() ? "unknown" : pid) +
                        "); wait for it to end or choose another --out");
    }
    throw OutputError("cannot lock " + lock_path.string() + ": " + std::strerror(error));
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  // Without the pid the lock still holds; only a second run's message would lack it.
  if (::ftruncate(lock_fd_, 0) == 0) (void)!::pwrite(lock_fd_, pid.data(), pid.size(), 0);
  try {
    recover_killed_runs();
  } catch (...) {
    release();  // a throwing constructor runs no destructor
    throw;
  }
}

RunFolder::~RunFolder() { release(); }

void RunFolder::release() {
  std::error_code ec;
  const bool commit_listed = !staging_.empty() && fs::exists(staging_ / kCommitList, ec);
  if (!committed_ && !staging_.empty() && !commit_listed) fs::remove_all(staging_, ec);
  if (lock_fd_ < 0) return;
  if (!created_folders_.empty() && !committed_ && !commit_listed) {
    fs::remove(out_ / kLockFile, ec);
    // OUT, and the parents this run created, go again when nothing else is in them.
    for (const fs::path& folder : created_folders_) {
      if (!fs::is_empty(folder, ec) || !fs::remove(folder, ec)) break;
    }
  }
  ::close(lock_fd_);  // releases the lock
  lock_fd_ = -1;
}

void RunFolder::recover_killed_runs() {
  std::error_code ec;
  std::vector<fs::path> left;  // collected first: the loop below changes the folder
  for (const fs::directory_entry& entry : fs::directory_iterator(out_, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(kStagingPrefix, 0) == 0 && entry.is_directory(ec)) left.push_back(entry.path());
  }
  for (const fs::path& staging : left) {
    if (fs::exists(staging / kCommitList, ec)) {
      log_line("note: finishing the commit of an n2v run killed in " + out_.string() + " (" +
               staging.filename().string() + ")");
      apply_commit_list(staging, out_);
    } else {
      fs::remove_all(staging, ec);  // a run killed before its outputs were complete
    }
  }
  // Outputs are staged, but checkpoint.pt and loss.csv are written in OUT itself: their temporary
  // files from a killed run are there.
  remove_stale_temp_files(out_);
}

const fs::path& RunFolder::staging() {
  if (staging_.empty()) {
    staging_ = out_ / (kStagingPrefix + std::to_string(::getpid()));
    ensure_directory(staging_);
  }
  return staging_;
}

void RunFolder::commit(const std::vector<std::string>& owned) {
  std::set<std::string> staged_names;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(staging(), ec)) {
    staged_names.insert(entry.path().filename().string());
  }
  if (ec) fail_to_write(staging(), "read", ec);
  std::string list;
  for (const std::string& name : owned) {
    if (!staged_names.count(name)) list += "remove " + name + "\n";
  }
  for (const std::string& name : staged_names) list += "move " + name + "\n";
  write_file_atomic(staging() / kCommitList, list);
  apply_commit_list(staging(), out_);
  committed_ = true;
}

}  // namespace n2v
