// Outputs: written to a temporary name and renamed; a failed write (a full disk) is one OutputError
// line, exit 1, and leaves no temporary file; stale temporary files of killed runs are removed.
#include "core/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "core/errors.h"
#include "test_util.h"

namespace n2v {
namespace {

using testing::read_text;
using testing::TempDir;
using testing::temp_files_in;
using testing::write_text;
namespace fs = std::filesystem;

// A pid that was a process and is no more.
pid_t dead_pid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  return child;
}

TEST(AtomicFile, CommitReplacesTheTargetAndLeavesNoTemporaryFile) {
  TempDir dir;
  write_text(dir / "out.txt", "old");
  {
    AtomicFile file(dir / "out.txt");
    file.stream() << "new";
    EXPECT_EQ(file.temp_path().parent_path(), dir.path());
    EXPECT_EQ(file.temp_path().filename().string().rfind(".out.txt.tmp." + std::to_string(::getpid()) + ".", 0), 0u);
    EXPECT_EQ(read_text(dir / "out.txt"), "old") << "the target changes only on commit";
    file.commit();
  }
  EXPECT_EQ(read_text(dir / "out.txt"), "new");
  {
    AtomicFile abandoned(dir / "out.txt");
    abandoned.stream() << "never";
  }
  EXPECT_EQ(read_text(dir / "out.txt"), "new");
  EXPECT_TRUE(temp_files_in(dir.path()).empty());
}

TEST(AtomicFile, ALinkPlantedAtTheTemporaryNameIsNeverFollowed) {
  TempDir dir;
  write_text(dir.path() / "victim", "precious");
  const fs::path target = dir.path() / "out.txt";
  // The name the next AtomicFile of this process will use: the counter after this one.
  const std::string used = temp_path_for(target).string();
  const std::size_t dot = used.rfind('.');
  const fs::path next = used.substr(0, dot + 1) + std::to_string(std::stoul(used.substr(dot + 1)) + 1);
  fs::create_symlink(dir.path() / "victim", next);
  write_file_atomic(target, "result");
  EXPECT_EQ(read_text(dir.path() / "victim"), "precious");
  EXPECT_EQ(read_text(target), "result");
  EXPECT_FALSE(fs::exists(fs::symlink_status(next)));
}

TEST(AtomicFile, StaleTemporaryFilesOfDeadProcessesAreRemovedByTheNextWriter) {
  TempDir dir;
  const std::string dead = std::to_string(dead_pid()), mine = std::to_string(::getpid());
  const std::vector<std::string> stale{".checkpoint.pt.tmp." + dead + ".0", ".edges.tsv.tmp." + dead + ".17"};
  // A live process's (pid 1 and this one), names of other patterns, and other files stay.
  const std::vector<std::string> kept{".model.pt.tmp.1.0", ".walks.txt.tmp." + mine + ".99",
                                      "walks.txt.tmp." + dead + ".0", ".walks.txt.tmp." + dead + ".x",
                                      ".walks.txt.tmp.x" + dead + ".0", ".a.tmp." + dead, "ratings.csv"};
  for (const auto& name : stale) write_text(dir / name, "half");
  for (const auto& name : kept) write_text(dir / name, "keep");
  fs::create_directory(dir / (".folder.tmp." + dead + ".0"));

  write_file_atomic(dir / "config.yaml", "seed: 1\n");
  for (const auto& name : stale) EXPECT_FALSE(fs::exists(dir / name)) << name;
  for (const auto& name : kept) EXPECT_TRUE(fs::exists(dir / name)) << name;
  EXPECT_FALSE(fs::exists(dir / (".folder.tmp." + dead + ".0"))) << "a killed download's folder";
  EXPECT_EQ(remove_stale_temp_files(dir.path()), 0u);
  write_text(dir / stale[0], "half");
  EXPECT_EQ(remove_stale_temp_files(dir.path()), 1u);
}

// The CLI on a disk that fills up (an LD_PRELOAD shim, no root needed): one line, exit 1, no
// temporary file left, the earlier result intact.
TEST(AtomicFile, AFullDiskIsOneLineExitOneAndNoTemporaryFile) {
  TempDir dir;
  const fs::path out = dir / "synth";
  const std::string synth = "synth --users 40 --movies 30 --ratings 1000 --out '" + out.string() + "'";
  auto full = testing::run_n2v_on_full_disk(dir.path(), 0, "", synth);
  EXPECT_EQ(full.exit_code, 1) << full.output;
  EXPECT_NE(full.output.find("n2v: error: cannot write " + out.string()), std::string::npos) << full.output;
  EXPECT_NE(full.output.find(": No space left on device\n"), std::string::npos) << full.output;
  EXPECT_EQ(full.output.find("terminate"), std::string::npos) << full.output;
  if (fs::exists(out)) {
    EXPECT_TRUE(temp_files_in(out).empty());
  }

  ASSERT_EQ(testing::run_n2v(synth).exit_code, 0);
  const std::string ratings = read_text(out / "ratings.csv");
  // Full after 100 bytes of ratings.csv: the write fails part way, the old file stays.
  full = testing::run_n2v_on_full_disk(dir.path(), 100, "ratings.csv", synth + " --seed 9");
  EXPECT_EQ(full.exit_code, 1) << full.output;
  // The file is named where it was being written: the run's staging folder inside OUT.
  EXPECT_NE(full.output.find("n2v: error: cannot write " + out.string()), std::string::npos) << full.output;
  EXPECT_NE(full.output.find("/ratings.csv: No space left on device"), std::string::npos) << full.output;
  EXPECT_EQ(read_text(out / "ratings.csv"), ratings);
  EXPECT_TRUE(temp_files_in(out).empty()) << temp_files_in(out).front();
}

TEST(AtomicFile, TheNextRunCleansWhatAKilledRunLeft) {
  TempDir dir;
  const fs::path out = dir / "synth";
  fs::create_directories(out);
  const fs::path left = out / (".ratings.csv.tmp." + std::to_string(dead_pid()) + ".0");
  write_text(left, "userId,movieId,rating,timestamp\n1,2,");
  ASSERT_EQ(testing::run_n2v("synth --users 40 --movies 30 --ratings 1000 --out '" + out.string() + "'").exit_code, 0);
  EXPECT_FALSE(fs::exists(left));
  EXPECT_TRUE(temp_files_in(out).empty());
}

}  // namespace
}  // namespace n2v
