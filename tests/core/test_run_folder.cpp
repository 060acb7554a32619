// A run's outputs change together or not at all (core/run_folder.h): staging and commit, the lock,
// what killed runs leave, and --out never being an input's folder; then the same through the binary.
#include "core/run_folder.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>

#include "core/errors.h"
#include "core/progress.h"
#include "run_folder_util.h"

namespace n2v {
namespace {

using testing::eventually;
using testing::exit_status_of;
using testing::has_staging;
using testing::message_of;
using testing::read_text;
using testing::run_n2v;
using testing::snapshot_files;
using testing::spawn_n2v;
using testing::TempDir;
using testing::write_text;
namespace fs = std::filesystem;

TEST(RunFolder, StagedFilesReplaceTheOldOnesOnlyAtCommit) {
  TempDir dir;
  write_text(dir / "out/a.txt", "old a");
  write_text(dir / "out/keep.txt", "not this run's");
  {
    RunFolder folder(dir / "out");
    write_text(folder.staged("a.txt"), "new a");
    write_text(folder.staged("b.txt"), "new b");
    EXPECT_EQ(read_text(dir / "out/a.txt"), "old a");
    EXPECT_FALSE(fs::exists(dir / "out/b.txt"));
    folder.commit();
  }
  EXPECT_EQ(read_text(dir / "out/a.txt"), "new a");
  EXPECT_EQ(read_text(dir / "out/b.txt"), "new b");
  EXPECT_EQ(read_text(dir / "out/keep.txt"), "not this run's");
  EXPECT_FALSE(has_staging(dir / "out"));
}

TEST(RunFolder, OwnedFilesThisRunDidNotWriteGoAtCommit) {
  TempDir dir;
  write_text(dir / "out/model.onnx", "an earlier run's");
  write_text(dir / "out/model.pt", "old");
  write_text(dir / "out/notes.txt", "the user's");
  RunFolder folder(dir / "out");
  write_text(folder.staged("model.pt"), "new");
  folder.commit({"model.pt", "model.onnx"});
  EXPECT_FALSE(fs::exists(dir / "out/model.onnx"));
  EXPECT_EQ(read_text(dir / "out/model.pt"), "new");
  EXPECT_EQ(read_text(dir / "out/notes.txt"), "the user's");
}

TEST(RunFolder, AFolderReplacesAFolder) {
  TempDir dir;
  write_text(dir / "out/export/old.txt", "old");
  RunFolder folder(dir / "out");
  write_text(folder.staged("export") / "new.txt", "new");
  folder.commit();
  EXPECT_TRUE(fs::exists(dir / "out/export/new.txt"));
  EXPECT_FALSE(fs::exists(dir / "out/export/old.txt"));
}

TEST(RunFolder, ARunWithoutCommitLeavesAnExistingFolderAsItWas) {
  TempDir dir;
  write_text(dir / "out/a.txt", "old a");
  { RunFolder folder(dir / "out"); }  // takes the lock: the .lock file is the one trace
  const auto before = snapshot_files(dir / "out");
  {
    RunFolder folder(dir / "out");
    write_text(folder.staged("a.txt"), "new a");
  }
  EXPECT_EQ(snapshot_files(dir / "out"), before);
}

TEST(RunFolder, ARunWithoutCommitLeavesNoNewFolder) {
  TempDir dir;
  {
    RunFolder folder(dir / "new/run/");
    write_text(folder.staged("a.txt"), "new a");
  }
  EXPECT_FALSE(fs::exists(dir / "new")) << "the folders the run made go with it";
}

TEST(RunFolder, ASecondRunIntoTheFolderFailsNamingTheFirst) {
  TempDir dir;
  RunFolder first(dir / "out");
  const std::string error = message_of<OutputError>([&] { RunFolder second(dir / "out"); });
  EXPECT_NE(error.find("pid " + std::to_string(::getpid())), std::string::npos) << error;
  EXPECT_NE(error.find((dir / "out").string()), std::string::npos) << error;
}

TEST(RunFolder, AKillInsideTheCommitIsFinishedByTheNextRun) {
  set_quiet(true);
  TempDir dir;
  write_text(dir / "out/a.txt", "old a");
  write_text(dir / "out/b.txt", "old b");
  write_text(dir / "out/stale.txt", "goes");
  // What a run killed after its first rename leaves: b moved in, a not yet, stale not yet removed.
  write_text(dir / "out/.staging-999999/a.txt", "new a");
  write_text(dir / "out/b.txt", "new b");
  write_text(dir / "out/.staging-999999/.commit", "remove stale.txt\nmove a.txt\nmove b.txt\n");
  { RunFolder next(dir / "out"); }
  EXPECT_EQ(read_text(dir / "out/a.txt"), "new a");
  EXPECT_EQ(read_text(dir / "out/b.txt"), "new b");
  EXPECT_FALSE(fs::exists(dir / "out/stale.txt"));
  EXPECT_FALSE(has_staging(dir / "out"));
}

// A run folder is input: someone may hand you one. What it holds never makes n2v touch a path
// outside it.
TEST(RunFolder, ACommitListNamingPathsOutsideTheFolderIsRefusedAndNothingIsTouched) {
  set_quiet(true);
  TempDir dir;
  write_text(dir / "victim/precious.txt", "mine");
  const std::string absolute = (dir / "victim").string();
  for (const std::string& line : std::vector<std::string>{"remove ../victim", "remove " + absolute, "move ../victim", "remove a/../../victim",
                                  "remove .", "remove ..", "remove .lock", "delete a.txt", "remove"}) {
    SCOPED_TRACE(line);
    write_text(dir / "out/a.txt", "old a");
    write_text(dir / "out/.staging-999999/.commit", line + "\n");
    const std::string message = message_of<OutputError>([&] { RunFolder next(dir / "out"); });
    EXPECT_NE(message.find("n2v does not carry it out"), std::string::npos) << message;
    EXPECT_EQ(read_text(dir / "victim/precious.txt"), "mine");
    EXPECT_EQ(read_text(dir / "out/a.txt"), "old a");
    fs::remove_all(dir / "out");
  }
}

TEST(RunFolder, AStagingLinkIsRemovedNeverFollowed) {
  set_quiet(true);
  TempDir dir;
  // A ".staging-N" link to a folder elsewhere, whose commit list would move that folder's files in.
  write_text(dir / "elsewhere/a.txt", "theirs");
  write_text(dir / "elsewhere/.commit", "move a.txt\n");
  write_text(dir / "out/a.txt", "old a");
  fs::create_directory_symlink(dir / "elsewhere", dir / "out/.staging-999999");
  { RunFolder next(dir / "out"); }
  EXPECT_FALSE(fs::exists(fs::symlink_status(dir / "out/.staging-999999")));
  EXPECT_EQ(read_text(dir / "elsewhere/a.txt"), "theirs");
  EXPECT_EQ(read_text(dir / "out/a.txt"), "old a");
  // A staged entry that is a link is refused too.
  write_text(dir / "out/.staging-999998/.commit", "move a.txt\n");
  fs::create_symlink(dir / "elsewhere/a.txt", dir / "out/.staging-999998/a.txt");
  EXPECT_NE(message_of<OutputError>([&] { RunFolder next(dir / "out"); }).find("is a symbolic link"), std::string::npos);
  EXPECT_EQ(read_text(dir / "out/a.txt"), "old a");
}

TEST(RunFolder, ALockThatIsALinkIsRefusedAndItsTargetKept) {
  TempDir dir;
  write_text(dir / "important.txt", "do not truncate");
  fs::create_directories(dir / "out");
  fs::create_symlink(dir / "important.txt", dir / "out/.lock");
  const std::string message = message_of<OutputError>([&] { RunFolder folder(dir / "out"); });
  EXPECT_NE(message.find(".lock is a symbolic link"), std::string::npos) << message;
  EXPECT_EQ(read_text(dir / "important.txt"), "do not truncate");
  fs::remove(dir / "out/.lock");
  fs::create_directory(dir / "out/.lock");
  EXPECT_NE(message_of<OutputError>([&] { RunFolder folder(dir / "out"); }).find("is not a plain file"),
            std::string::npos);
}

TEST(RunFolder, AUsersFolderWithAnOutputsNameIsNeverDeleted) {
  set_quiet(true);
  TempDir dir;
  write_text(dir / "out/notes.txt/mine.md", "my notes");
  {
    // A staged file of that name: the commit is refused before anything moves.
    RunFolder folder(dir / "out");
    write_text(folder.staged("notes.txt"), "n2v's");
    write_text(folder.staged("other.txt"), "n2v's");
    const std::string message = message_of<OutputError>([&] { folder.commit(); });
    EXPECT_NE(message.find("it is a folder"), std::string::npos) << message;
  }
  EXPECT_EQ(read_text(dir / "out/notes.txt/mine.md"), "my notes");
  EXPECT_FALSE(fs::exists(dir / "out/other.txt"));
  EXPECT_FALSE(has_staging(dir / "out"));
  {
    // An owned name this run did not write: left, with a note.
    RunFolder folder(dir / "out");
    write_text(folder.staged("other.txt"), "n2v's");
    folder.commit({"notes.txt", "other.txt"});
  }
  EXPECT_EQ(read_text(dir / "out/notes.txt/mine.md"), "my notes");
  EXPECT_EQ(read_text(dir / "out/other.txt"), "n2v's");
}

TEST(RunFolder, AKillBeforeTheCommitIsDiscardedByTheNextRun) {
  TempDir dir;
  write_text(dir / "out/a.txt", "old a");
  write_text(dir / "out/.staging-999999/a.txt", "half-written a");
  { RunFolder next(dir / "out"); }
  EXPECT_EQ(read_text(dir / "out/a.txt"), "old a");
  EXPECT_FALSE(has_staging(dir / "out"));
}

TEST(RunFolder, OutIsNeverAnInputsFolder) {
  TempDir dir;
  fs::create_directories(dir / "data");
  fs::create_symlink(dir / "data", dir / "link");
  const std::vector<InputFolder> inputs{{dir / "data", "data.dir"}};
  for (const fs::path& out : {dir / "data", dir / "data/", dir / "data/../data", dir / "link"}) {
    const std::string error = message_of<UsageError>([&] { RunFolder folder(out, inputs); });
    EXPECT_NE(error.find("data.dir"), std::string::npos) << out << ": " << error;
  }
  EXPECT_EQ(fs::directory_iterator(dir / "data"), fs::directory_iterator()) << "nothing written there";
  // Neither exists yet: the paths still name one folder.
  EXPECT_THROW(refuse_input_folders(dir / "x/./y", {{dir / "x/y/", "data.dir"}}), UsageError);
  EXPECT_NO_THROW(refuse_input_folders(dir / "data/run", inputs));
  EXPECT_NO_THROW(refuse_input_folders(dir / "other", inputs));
}

// Through the binary: commands that need no torch.

std::string ml_small() { return testing::shared_data("ml-latest-small").string(); }

TEST(RunFolderCli, OutNamingTheDataFolderIsRefusedBeforeAnythingIsWritten) {
  TempDir dir;
  write_text(dir / "graph/edges.tsv", "a b 1\nb c 2\n");
  const auto before = snapshot_files(dir / "graph");
  auto result = run_n2v("graph --set data.format=edgelist --data-dir " + (dir / "graph").string() + " --out " +
                        (dir / "graph").string() + "/.");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("never writes where it reads"), std::string::npos) << result.output;
  EXPECT_EQ(snapshot_files(dir / "graph"), before);
  // An absolute data.edges elsewhere: its own folder is the input.
  auto absolute = run_n2v("walk --set data.format=edgelist --set data.edges=" + (dir / "graph/edges.tsv").string() +
                          " --data-dir " + dir.path().string() + " --out " + (dir / "graph").string());
  EXPECT_EQ(absolute.exit_code, 2) << absolute.output;
  EXPECT_EQ(snapshot_files(dir / "graph"), before);
}

TEST(RunFolderCli, AFailingRunLeavesTheEarlierRunsFilesByteIdentical) {
  N2V_REQUIRE_ML_SMALL();
  TempDir dir;
  const std::string out = (dir / "run").string();
  auto first = run_n2v("graph --data-dir " + ml_small() + " --out " + out);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  const auto before = snapshot_files(dir / "run");
  // Checked after the data has loaded, with the new config.yaml already staged.
  auto empty = run_n2v("walk --data-dir " + ml_small() + " --set graph.min_weight=1e9 --out " + out);
  EXPECT_EQ(empty.exit_code, 1) << empty.output;
  EXPECT_NE(empty.output.find("no edges"), std::string::npos) << empty.output;
  write_text(dir / "bad/ratings.csv", "userId,movieId,rating,timestamp\n1,1,4.0,0\n1,2,six,0\n");
  write_text(dir / "bad/movies.csv", "movieId,title,genres\n1,A,Drama\n2,B,Drama\n");
  auto bad_data = run_n2v("graph --data-dir " + (dir / "bad").string() + " --out " + out);
  EXPECT_EQ(bad_data.exit_code, 1) << bad_data.output;
  EXPECT_NE(bad_data.output.find("ratings.csv:3"), std::string::npos) << bad_data.output;
  EXPECT_EQ(snapshot_files(dir / "run"), before);
  // Into a new folder: no folder is left.
  auto fresh = run_n2v("walk --data-dir " + ml_small() + " --set graph.min_weight=1e9 --out " + (dir / "new").string());
  EXPECT_EQ(fresh.exit_code, 1) << fresh.output;
  EXPECT_FALSE(fs::exists(dir / "new"));
}

const char* kLongSynth = "synth --users 20000 --movies 2000 --ratings 1000000 --threads 1 --out ";

TEST(RunFolderCli, TwoRunsIntoOneOutTheSecondFailsNamingTheFirst) {
  TempDir dir;
  const fs::path out = dir / "synth";
  const pid_t first = spawn_n2v(kLongSynth + out.string());
  ASSERT_TRUE(eventually([&] { return read_text(out / ".lock") == std::to_string(first) + "\n"; }));
  ::kill(first, SIGSTOP);  // held still with the lock: the second run meets it whatever the machine's load
  auto second = run_n2v("synth --users 50 --movies 100 --ratings 1500 --out " + out.string());
  EXPECT_EQ(second.exit_code, 1) << second.output;
  EXPECT_NE(second.output.find("pid " + std::to_string(first)), std::string::npos) << second.output;
  ::kill(first, SIGCONT);
  EXPECT_EQ(exit_status_of(first), 0);
  // The survivor's files are its own: a million rows and a header.
  const std::string ratings = read_text(out / "ratings.csv");
  EXPECT_EQ(ratings.rfind("userId,movieId,rating,timestamp\n", 0), 0u);
  EXPECT_EQ(std::count(ratings.begin(), ratings.end(), '\n'), 1000001);
  EXPECT_FALSE(has_staging(out));
}

TEST(RunFolderCli, KillNineMidRunLeavesTheOldSet) {
  TempDir dir;
  const fs::path out = dir / "synth";
  auto old_run = run_n2v("synth --users 50 --movies 100 --ratings 1500 --out " + out.string());
  ASSERT_EQ(old_run.exit_code, 0) << old_run.output;
  const std::string old_ratings = read_text(out / "ratings.csv"), old_movies = read_text(out / "movies.csv");
  const pid_t pid = spawn_n2v(kLongSynth + out.string());
  // Killed while it writes its staged ratings.csv.
  EXPECT_TRUE(eventually([&] {
    const fs::path staging = out / (".staging-" + std::to_string(pid));
    return fs::exists(staging) && !fs::is_empty(staging);
  }));
  ::kill(pid, SIGKILL);
  EXPECT_EQ(exit_status_of(pid), 128 + SIGKILL);
  EXPECT_EQ(read_text(out / "ratings.csv"), old_ratings);
  EXPECT_EQ(read_text(out / "movies.csv"), old_movies);
  // The next run clears what the killed one staged, and commits its own set.
  auto next = run_n2v("synth --users 60 --movies 100 --ratings 1800 --out " + out.string());
  ASSERT_EQ(next.exit_code, 0) << next.output;
  EXPECT_FALSE(has_staging(out));
  EXPECT_NE(read_text(out / "ratings.csv"), old_ratings);
}

}  // namespace
}  // namespace n2v
