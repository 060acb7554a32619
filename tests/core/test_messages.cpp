// Every message and log line of every command is one printable, bounded line, whatever the user
// passed: paths, option values, file contents with control bytes and kilobytes of text.
#include <gtest/gtest.h>

#include <sstream>

#include "test_util.h"

namespace n2v {
namespace {

using testing::run_n2v;
using testing::TempDir;
using testing::write_text;
namespace fs = std::filesystem;

const std::string kEsc = "\x1b[31m";  // a terminal colour: raw, it would recolour the user's terminal

// Each line of `output`: printable (no byte below 0x20, none 0x7F) and at most `max_bytes`.
void expect_printable_lines(const std::string& output, std::size_t max_bytes = 1200) {
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_LE(line.size(), max_bytes) << line.substr(0, 200);
    for (unsigned char c : line) {
      ASSERT_TRUE(c >= 0x20 && c != 0x7F) << "control byte " << int(c) << " in: " << line.substr(0, 200);
    }
  }
}

std::size_t error_lines(const std::string& output) {
  std::size_t count = 0;
  for (auto at = output.find("n2v: error:"); at != std::string::npos; at = output.find("n2v: error:", at + 1)) ++count;
  return count;
}

// A command's output, expected to fail with exactly one error line, all of it printable.
void expect_one_clean_error(const std::string& arguments, int exit_code) {
  auto result = run_n2v(arguments);
  EXPECT_EQ(result.exit_code, exit_code) << result.output.substr(0, 2000);
  EXPECT_EQ(error_lines(result.output), 1u) << result.output.substr(0, 2000);
  expect_printable_lines(result.output);
}

// A shell word for `text` (which holds no single quote).
std::string shell_word(const fs::path& text) { return "'" + text.string() + "'"; }

TEST(Messages, PathsWithNewlinesAndEscapesStayOnOnePrintableLine) {
  TempDir dir;
  const fs::path hostile = dir.path() / ("ev" + kEsc + "\nil");
  expect_one_clean_error("graph --data-dir " + shell_word(hostile / "none") + " --out " + shell_word(dir.path() / "o") +
                             " --set data.url=" + shell_word("http://127.0.0.1:9/" + kEsc + "\nx.zip"),
                         1);
  expect_one_clean_error("train --config " + shell_word(hostile / "c.yaml"), 2);
  expect_one_clean_error("evaluate --model " + shell_word(hostile / "model.pt"), 1);
  expect_one_clean_error("similar --model " + shell_word(hostile / "model.pt") + " --title " + shell_word(kEsc + "x"), 1);
}

TEST(Messages, LogLinesOfASuccessfulRunEscapeTheUsersPaths) {
  TempDir dir;
  const fs::path data = dir.path() / ("da" + kEsc + "\nta");
  fs::create_directories(data);
  write_text(data / "edges.tsv", "a\tb\nb\tc\nc\ta\n");
  auto result = run_n2v("graph --set data.format=edgelist --data-dir " + shell_word(data) + " --out " +
                        shell_word(dir.path() / ("o" + kEsc + "\nut")));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("da\\x1B[31m\\nta"), std::string::npos) << result.output;
  expect_printable_lines(result.output);
}

TEST(Messages, LongControlLadenValuesAreShortExcerpts) {
  TempDir dir;
  const std::string long_value = std::string(5000, 'v') + kEsc + "\n";
  // An option's value, a config key's value, a key.
  expect_one_clean_error("walk --set walk.p=" + shell_word(kEsc + long_value), 2);
  expect_one_clean_error("walk --set " + shell_word(long_value) + "=1", 2);
  expect_one_clean_error("walk --threads " + shell_word(long_value), 2);
  // Node names in an edge list that collide once blanks are written as '_'.
  write_text(dir.path() / "edges.tsv", std::string(1000, 'a') + kEsc + " x\tq\n" + std::string(1000, 'a') + kEsc + "_x\tq\n");
  auto collision = run_n2v("graph --set data.format=edgelist --data-dir " + dir.path().string() + " --out " +
                           (dir.path() / "o").string());
  EXPECT_EQ(collision.exit_code, 1) << collision.output.substr(0, 2000);
  EXPECT_NE(collision.output.find("are both 'aaaa"), std::string::npos) << collision.output.substr(0, 2000);
  EXPECT_LT(collision.output.size(), 600u) << collision.output.substr(0, 2000);
  expect_printable_lines(collision.output);
}

}  // namespace
}  // namespace n2v
