#include "core/run_folder.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "core/atomic_file.h"
#include "core/csv.h"
#include "core/errors.h"
#include "core/progress.h"
#include "core/text.h"

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

// One line of a commit list: remove OUT/name (an earlier run's file this run did not write), or
// move the staged name into OUT.
struct CommitStep {
  bool remove;
  std::string name;
};

// A name a commit may touch: one plain entry of OUT, never a path out of it, nor n2v's own entries.
bool plain_entry_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos && name != kLockFile && name.rfind(kStagingPrefix, 0) != 0;
}

// Whether the steps can be carried out in OUT without touching what is not n2v's: each name plain,
// no staged link, no file put where a folder is (a user's embeddings.tsv/ with notes in it).
// Throws OutputError naming the entry; nothing has been changed then.
void check_commit_steps(const std::vector<CommitStep>& steps, const fs::path& staging, const fs::path& out,
                        const std::string& list_name) {
  for (const CommitStep& step : steps) {
    if (!plain_entry_name(step.name)) {
      throw OutputError(list_name + " names " + quote_excerpt(step.name) + ", not a plain entry of " + out.string() +
                        "; n2v does not carry it out: remove " + staging.string() + " if it is not n2v's");
    }
    if (step.remove) continue;
    std::error_code ec;
    const fs::file_status from = fs::symlink_status(staging / step.name, ec);
    if (fs::is_symlink(from)) {
      throw OutputError(list_name + ": " + (staging / step.name).string() +
                        " is a symbolic link; n2v stages only files and folders: remove " + staging.string());
    }
    if (fs::exists(from) && !fs::is_directory(from) && fs::is_directory(fs::symlink_status(out / step.name, ec))) {
      throw OutputError("cannot write " + (out / step.name).string() + ": it is a folder, and n2v's " + step.name +
                        " is a file; move the folder away or choose another --out");
    }
  }
}

// Reads a staging folder's commit list back: "remove NAME" and "move NAME" lines.
std::vector<CommitStep> read_commit_list(const fs::path& staging) {
  const fs::path list = staging / kCommitList;
  std::vector<CommitStep> steps;
  for_each_line(read_file(list), list.string(), [&](std::size_t number, std::string_view line) {
    const std::size_t space = line.find(' ');
    const std::string_view verb = line.substr(0, space);
    if (space == std::string_view::npos || (verb != "remove" && verb != "move")) {
      throw OutputError(list.string() + ":" + std::to_string(number) + ": " + quote_excerpt(line) +
                        " is not \"remove NAME\" or \"move NAME\"; n2v does not carry it out: remove " +
                        staging.string() + " if it is not n2v's");
    }
    steps.push_back({verb == "remove", std::string(line.substr(space + 1))});
  });
  return steps;
}

// Carries out checked steps: the removals, then the moves. Each step can run again, so a run
// killed halfway is finished by the next one. A folder is never removed for a file's name.
void apply_commit_steps(const std::vector<CommitStep>& steps, const fs::path& staging, const fs::path& out) {
  for (const CommitStep& step : steps) {
    if (!step.remove) continue;
    std::error_code ec;
    const fs::path target = out / step.name;
    if (fs::is_directory(fs::symlink_status(target, ec))) {
      log_line("note: left " + target.string() + ": a folder, not the file an earlier n2v run wrote there");
      continue;
    }
    fs::remove(target, ec);  // a link itself, never what it points to
    if (ec) fail_to_write(target, "remove the earlier run's", ec);
  }
  for (const CommitStep& step : steps) {
    if (step.remove) continue;
    std::error_code ec;
    const fs::path from = staging / step.name, to = out / step.name;
    if (!fs::exists(fs::symlink_status(from, ec))) continue;  // moved before a kill
    if (fs::is_directory(fs::symlink_status(to, ec))) {
      // A staged folder replacing the earlier run's (bench's export/): rename() replaces files, not
      // folders that hold files, so the old folder goes aside first.
      const fs::path aside = staging / (".replaced-" + step.name);
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
  // The lock is opened without following a link: a folder someone hands you may hold a .lock that
  // points at a file of theirs, which the pid below would overwrite.
  lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
  struct stat lock_stat {};
  if ((lock_fd_ < 0 && errno == EISDIR) ||
      (lock_fd_ >= 0 && (::fstat(lock_fd_, &lock_stat) != 0 || !S_ISREG(lock_stat.st_mode)))) {
    if (lock_fd_ >= 0) ::close(lock_fd_);
    lock_fd_ = -1;
    throw OutputError(lock_path.string() + " is not a plain file; remove it (n2v keeps its lock there)");
  }
  if (lock_fd_ < 0 && errno == ELOOP) {
    throw OutputError(lock_path.string() + " is a symbolic link; n2v does not follow links in an output folder: " +
                      "remove it");
  }
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
    if (name.rfind(kStagingPrefix, 0) != 0) continue;
    // Only a real folder is a staging folder; a link by that name is removed, never followed.
    if (entry.is_symlink(ec)) fs::remove(entry.path(), ec);
    else if (entry.is_directory(ec)) left.push_back(entry.path());
  }
  for (const fs::path& staging : left) {
    if (fs::is_regular_file(fs::symlink_status(staging / kCommitList, ec))) {
      const std::vector<CommitStep> steps = read_commit_list(staging);
      check_commit_steps(steps, staging, out_, (staging / kCommitList).string());
      log_line("note: finishing the commit of an n2v run killed in " + out_.string() + " (" +
               staging.filename().string() + ")");
      apply_commit_steps(steps, staging, out_);
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
  std::vector<CommitStep> steps;
  for (const std::string& name : owned) {
    if (!staged_names.count(name)) steps.push_back({true, name});
  }
  for (const std::string& name : staged_names) steps.push_back({false, name});
  // Checked before the list is written: a refused commit leaves OUT as it was.
  check_commit_steps(steps, staging(), out_, "the commit of " + out_.string());
  std::string list;
  for (const CommitStep& step : steps) list += (step.remove ? "remove " : "move ") + step.name + "\n";
  write_file_atomic(staging() / kCommitList, list);
  apply_commit_steps(steps, staging(), out_);
  committed_ = true;
}

}  // namespace n2v
