#pragma once
// An output folder while one command writes it. Every command that writes a folder (train, graph,
// walk, export, evaluate, sweep, bench, synth) opens one before its slow work and:
//   - never writes over its input: an --out that is an input's folder is refused (UsageError);
//   - holds OUT/.lock (flock) until it ends: a second n2v into the same folder fails at once
//     (OutputError naming the first one's pid);
//   - writes its outputs into OUT/.staging-<pid>/ and moves them in as a set on commit(): a run
//     that fails or is killed before commit() leaves OUT as it was (and no OUT at all when the run
//     created it and left nothing else there).
// commit() first writes the list of moves and removals (.staging-<pid>/.commit), then renames each
// file into OUT: a reader sees the old set, then, for the few renames' time, a mix, then the new
// set. A kill inside that window leaves the list; the next n2v that opens the folder finishes the
// moves before anything else, and deletes staging folders without a list (runs killed earlier).
#include <filesystem>
#include <string>
#include <vector>

namespace n2v {

// A folder a command reads, for the --out check: {"data/ml-latest-small", "data.dir"}.
struct InputFolder {
  std::filesystem::path path;
  std::string what;  // how the user named it, for the message
};

// Throws UsageError when `out` is the same folder as one of `inputs` (compared by file identity when
// both exist, else by their normalised absolute paths, so "d", "./d" and "d/" are one folder).
void refuse_input_folders(const std::filesystem::path& out, const std::vector<InputFolder>& inputs);

class RunFolder {
 public:
  // Checks `inputs`, creates `out` when missing, takes the lock, and finishes or removes what runs
  // killed there left behind. OUT is input too (a folder someone hands you): its .lock is opened
  // without following links, a .staging-N link is removed, never followed, and a commit list is
  // carried out only when every line names a plain entry of OUT (OutputError otherwise).
  explicit RunFolder(std::filesystem::path out, const std::vector<InputFolder>& inputs = {});
  ~RunFolder();  // without commit(): removes the staging folder (and `out`, if this run created it and it is empty)
  RunFolder(const RunFolder&) = delete;
  RunFolder& operator=(const RunFolder&) = delete;

  const std::filesystem::path& out() const { return out_; }
  // Where this run writes its outputs (created on the first call); OUT's own files stay as they are
  // until commit().
  const std::filesystem::path& staging();
  std::filesystem::path staged(const std::string& name) { return staging() / name; }

  // Moves every staged file (or folder) into OUT, replacing files of the same name, and removes
  // OUT/<name> for each name of `owned` this run did not stage: the files an earlier run of the
  // same command wrote that this one does not (an ONNX file when export.onnx is now false), which
  // would otherwise sit beside the new set as if they belonged to it. A folder in OUT is never
  // removed for a file's name: a staged file whose name is a folder there is refused (OutputError,
  // OUT unchanged), an owned name that is a folder is left with a note.
  void commit(const std::vector<std::string>& owned = {});

 private:
  void recover_killed_runs();
  void release();
  std::filesystem::path out_;
  std::filesystem::path staging_;
  std::vector<std::filesystem::path> created_folders_;  // OUT and the parents this run made, deepest first
  int lock_fd_ = -1;
  bool committed_ = false;
};

}  // namespace n2v
