// Paths the user gives: a path the system cannot follow is n2v's DataError naming it, at the call,
// so library callers (not only the command line) get n2v's typed error.
#include "core/paths.h"

#include <gtest/gtest.h>

#include "core/errors.h"
#include "data/movielens.h"
#include "test_util.h"

namespace n2v {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using testing::write_text;

// The DataError's message ("" when none is thrown).
template <class Call>
std::string data_error(Call call) {
  return testing::error_message<DataError>(call);
}

TEST(Paths, MissingPathsAreAnswersAndUnfollowablePathsAreDataErrors) {
  TempDir dir;
  write_text(dir.path() / "file", "x");
  EXPECT_FALSE(path_exists(dir.path() / "none"));
  EXPECT_FALSE(path_exists(dir.path() / "file" / "below"));  // under a file: not there
  EXPECT_TRUE(path_exists(dir.path() / "file"));
  EXPECT_FALSE(is_folder(dir.path() / "file"));
  EXPECT_TRUE(is_folder(dir.path()));

  fs::create_symlink("loop", dir.path() / "loop");
  const std::string loop = data_error([&] { path_exists(dir.path() / "loop" / "ratings.csv"); });
  EXPECT_EQ(loop.rfind("cannot use '", 0), 0u) << loop;
  EXPECT_NE(loop.find("Too many levels of symbolic links"), std::string::npos) << loop;
  const std::string long_name = data_error([&] { is_folder(dir.path() / std::string(300, 'x')); });
  EXPECT_NE(long_name.find("... ("), std::string::npos) << "shortened: " << long_name;
  EXPECT_NE(long_name.find("File name too long"), std::string::npos) << long_name;
}

TEST(Paths, TheDataReadersGiveTheTypedError) {
  TempDir dir;
  fs::create_symlink("loop", dir.path() / "loop");
  const std::string message = data_error([&] { has_movielens_files(dir.path() / "loop"); });
  EXPECT_NE(message.find("Too many levels of symbolic links"), std::string::npos) << message;
}

}  // namespace
}  // namespace n2v
