#include "data/download.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <zip.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <functional>
#include <utility>
#include <vector>

#include "core/errors.h"
#include "core/progress.h"
#include "test_util.h"

namespace n2v {
namespace {

namespace fs = std::filesystem;
using testing::read_text;
using testing::run_n2v;
using testing::TempDir;
using testing::write_text;

const std::string kRatings =
    "userId,movieId,rating,timestamp\n1,1,5.0,1\n1,2,5.0,2\n1,3,5.0,3\n2,1,5.0,4\n2,2,5.0,5\n3,1,5.0,6\n3,2,5.0,7\n"
    "3,3,5.0,8\n";
const std::string kMovies = "movieId,title,genres\n1,Toy Story (1995),Animation\n2,Jumanji (1995),Adventure\n"
                            "3,Heat (1995),Crime\n";

// Builds a zip with libzip; entries are stored uncompressed so a test can find and damage their bytes.
void make_zip(const fs::path& path, const std::vector<std::pair<std::string, std::string>>& files) {
  int error = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  ASSERT_NE(archive, nullptr) << "zip_open error " << error;
  for (const auto& [name, content] : files) {
    if (!name.empty() && name.back() == '/') {
      ASSERT_GE(zip_dir_add(archive, name.c_str(), ZIP_FL_ENC_UTF_8), 0) << name;
      continue;
    }
    zip_source_t* source = zip_source_buffer(archive, content.data(), content.size(), 0);
    ASSERT_NE(source, nullptr);
    zip_int64_t index = zip_file_add(archive, name.c_str(), source, ZIP_FL_ENC_UTF_8);
    ASSERT_GE(index, 0) << name << ": " << zip_strerror(archive);
    ASSERT_EQ(zip_set_file_compression(archive, static_cast<zip_uint64_t>(index), ZIP_CM_STORE, 0), 0);
  }
  ASSERT_EQ(zip_close(archive), 0);  // reads the buffers, which `files` keeps alive until here
}

void make_movielens_zip(const fs::path& path) {
  make_zip(path, {{"ml-test/", ""}, {"ml-test/ratings.csv", kRatings}, {"ml-test/movies.csv", kMovies},
                  {"ml-test/README.txt", "tiny"}});
}

std::string digest(const fs::path& file, const EVP_MD* md) {
  std::string bytes = read_text(file);
  unsigned char value[EVP_MAX_MD_SIZE];
  unsigned length = 0;
  EVP_Digest(bytes.data(), bytes.size(), value, &length, md, nullptr);
  std::string hex;
  char two[3];
  for (unsigned i = 0; i < length; ++i) {
    std::snprintf(two, sizeof two, "%02x", value[i]);
    hex += two;
  }
  return hex;
}

std::string file_url(const fs::path& path) { return "file://" + fs::absolute(path).string(); }

std::string download_error(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const DownloadError& e) {
    return e.what();
  }
  return "(no DownloadError)";
}

// Everything in a folder, so a test can show that a failure left no temporary file behind.
std::vector<std::string> listing(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

class Download : public ::testing::Test {
 protected:
  void SetUp() override {
    set_quiet(true);
    fs::create_directories(root / "work");
    zip = tmp / "ml-test.zip";
    make_movielens_zip(zip);
    config.dir = (root / "work" / "ml").string();
    config.url = file_url(zip);
  }
  bool landed() const { return read_text(fs::path(config.dir) / "ratings.csv") == kRatings &&
                               read_text(fs::path(config.dir) / "movies.csv") == kMovies; }
  std::vector<std::string> work() const { return listing(root / "work"); }

  TempDir tmp, root;
  fs::path zip;
  DataConfig config;
};

TEST_F(Download, ExtractsTheTopFolderIntoDataDirAndLeavesNoTemporaries) {
  ensure_dataset(config);
  EXPECT_TRUE(landed());
  EXPECT_EQ(read_text(fs::path(config.dir) / "README.txt"), "tiny");
  EXPECT_FALSE(fs::exists(fs::path(config.dir) / "ml-test"));  // the top folder's contents, not the folder
  EXPECT_EQ(work(), std::vector<std::string>{"ml"});
}

TEST_F(Download, CreatesMissingParentsAndAcceptsAnEmptyDataDir) {
  config.dir = (root / "work" / "a" / "b" / "ml").string();
  ensure_dataset(config);
  EXPECT_TRUE(landed());

  config.dir = (root / "work" / "empty").string();
  fs::create_directories(config.dir);
  ensure_dataset(config);
  EXPECT_TRUE(landed());
}

TEST_F(Download, ArchiveWithFilesAtTheTopLevel) {
  make_zip(zip, {{"ratings.csv", kRatings}, {"movies.csv", kMovies}});
  ensure_dataset(config);
  EXPECT_TRUE(landed());
}

TEST_F(Download, CorrectChecksumsPassInAnyCase) {
  config.sha256 = digest(zip, EVP_sha256());
  ASSERT_EQ(config.sha256.size(), 64u);
  ensure_dataset(config);
  EXPECT_TRUE(landed());

  fs::remove_all(config.dir);
  config.sha256.clear();
  config.md5 = digest(zip, EVP_md5());
  for (char& ch : config.md5) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  ensure_dataset(config);
  EXPECT_TRUE(landed());
}

TEST_F(Download, ChecksumMismatchNamesBothDigestsAndLeavesNothing) {
  std::string actual = digest(zip, EVP_sha256());
  config.sha256 = std::string(64, '0');
  std::string message = download_error([&] { ensure_dataset(config); });
  EXPECT_NE(message.find("data.sha256 mismatch"), std::string::npos) << message;
  EXPECT_NE(message.find(config.sha256), std::string::npos) << message;
  EXPECT_NE(message.find(actual), std::string::npos) << message;
  EXPECT_NE(message.find(config.url), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(config.dir));
  EXPECT_TRUE(work().empty());

  config.sha256.clear();
  config.md5 = "d41d8cd98f00b204e9800998ecf8427e";  // the md5 of nothing
  message = download_error([&] { ensure_dataset(config); });
  EXPECT_NE(message.find("data.md5 mismatch"), std::string::npos) << message;
  EXPECT_NE(message.find(digest(zip, EVP_md5())), std::string::npos) << message;
  EXPECT_TRUE(work().empty());
}

TEST_F(Download, GarbageOrTruncatedZipIsAnErrorAndLeavesNothing) {
  write_text(zip, "this is an HTML error page, not a zip");
  std::string message = download_error([&] { ensure_dataset(config); });
  EXPECT_NE(message.find("not a readable zip archive"), std::string::npos) << message;
  EXPECT_NE(message.find(config.url), std::string::npos) << message;
  EXPECT_NE(message.find("Not a zip archive"), std::string::npos) << message;  // libzip's reason
  EXPECT_TRUE(work().empty());

  make_movielens_zip(zip);
  std::string bytes = read_text(zip);
  write_text(zip, bytes.substr(0, bytes.size() / 2));
  message = download_error([&] { ensure_dataset(config); });
  EXPECT_NE(message.find("not a readable zip archive"), std::string::npos) << message;
  EXPECT_TRUE(work().empty());
}

TEST_F(Download, DamagedEntryFailsItsCrcCheckAndLeavesNothing) {
  std::string bytes = read_text(zip);
  auto at = bytes.find("Jumanji");
  ASSERT_NE(at, std::string::npos);
  bytes[at] = 'X';  // same length, so only the CRC can tell
  write_text(zip, bytes);
  std::string message = download_error([&] { ensure_dataset(config); });
  EXPECT_NE(message.find("damaged"), std::string::npos) << message;
  EXPECT_NE(message.find("movies.csv"), std::string::npos) << message;
  EXPECT_NE(message.find("CRC"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(config.dir));
  EXPECT_TRUE(work().empty());
}

TEST_F(Download, UnreachableUrlSuggestsDataDir) {
  config.url = file_url(tmp / "missing.zip");
  std::string message = download_error([&] { ensure_dataset(config); });
  EXPECT_EQ(message.rfind("cannot download " + config.url + ": ", 0), 0u) << message;
  EXPECT_NE(message.find("pass --data-dir DIR (or set data.dir)"), std::string::npos) << message;
  EXPECT_TRUE(work().empty());

  config.url.clear();
  message = download_error([&] { ensure_dataset(config); });
  EXPECT_NE(message.find("data.url is empty"), std::string::npos) << message;
}

TEST_F(Download, ArchiveWithoutMovieLensFilesIsAnError) {
  make_zip(zip, {{"photos/cat.jpg", "meow"}, {"photos/ratings.csv", kRatings}});
  std::string message = download_error([&] { ensure_dataset(config); });
  EXPECT_NE(message.find("holds no MovieLens files"), std::string::npos) << message;
  EXPECT_TRUE(work().empty());
}

TEST_F(Download, ZipSlipEntriesAreRefused) {
  for (std::string evil : {"ml-test/../../escaped.csv", "/tmp/n2v-zip-slip-absolute.csv"}) {
    make_zip(zip, {{"ml-test/ratings.csv", kRatings}, {"ml-test/movies.csv", kMovies}, {evil, "pwned"}});
    std::string message = download_error([&] { ensure_dataset(config); });
    EXPECT_NE(message.find("points outside its folder"), std::string::npos) << message;
    EXPECT_NE(message.find(evil), std::string::npos) << message;
    EXPECT_TRUE(work().empty()) << evil;
    EXPECT_FALSE(fs::exists(root.path() / "escaped.csv"));
    EXPECT_FALSE(fs::exists("/tmp/n2v-zip-slip-absolute.csv"));
  }
}

TEST_F(Download, PresentDataIsNotDownloadedAgain) {
  write_text(fs::path(config.dir) / "ratings.csv", kRatings);
  write_text(fs::path(config.dir) / "movies.csv", kMovies);
  config.url = "http://invalid.invalid/not-there.zip";
  EXPECT_NO_THROW(ensure_dataset(config));
  config.format = DataFormat::EdgeList;
  config.dir = (root / "work" / "nothing").string();
  EXPECT_NO_THROW(ensure_dataset(config));
  EXPECT_EQ(work(), std::vector<std::string>{"ml"});
}

TEST_F(Download, RefusesToReplaceAFolderHoldingOtherFiles) {
  write_text(fs::path(config.dir) / "notes.txt", "mine");
  write_text(fs::path(config.dir) / "ml-latest-small" / "ratings.csv", kRatings);
  write_text(fs::path(config.dir) / "ml-latest-small" / "movies.csv", kMovies);
  std::string message = download_error([&] { ensure_dataset(config); });
  EXPECT_NE(message.find("holds other files"), std::string::npos) << message;
  EXPECT_NE(message.find("did you mean --data-dir"), std::string::npos) << message;
  EXPECT_EQ(read_text(fs::path(config.dir) / "notes.txt"), "mine");
  EXPECT_EQ(work(), std::vector<std::string>{"ml"});
}

TEST_F(Download, GraphCommandDownloadsFromAFileUrl) {
  auto result = run_n2v("graph --data-dir " + (root / "work" / "data").string() + " --set data.url=" + config.url +
                        " --set graph.min_weight=0 --out " + (root / "out").string());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("ratings                  8"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("nodes                    3"), std::string::npos) << result.output;
  EXPECT_TRUE(fs::exists(root / "work" / "data" / "ratings.csv"));
  EXPECT_TRUE(fs::exists(root / "out" / "graph_stats.json"));
  EXPECT_EQ(work(), std::vector<std::string>{"data"});

  result = run_n2v("graph --data-dir " + (root / "work" / "offline").string() + " --set data.url=" +
                   file_url(tmp / "missing.zip") + " --out " + (root / "out2").string());
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("--data-dir DIR"), std::string::npos) << result.output;
  EXPECT_FALSE(fs::exists(root / "out2"));
}

}  // namespace
}  // namespace n2v
