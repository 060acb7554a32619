#include "core/csv.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "core/errors.h"
#include "test_util.h"

namespace n2v {
namespace {

std::vector<std::vector<std::string>> parse_all(const std::string& text) {
  CsvReader reader(text, "t.csv");
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string_view> fields;
  while (reader.next(fields)) rows.emplace_back(fields.begin(), fields.end());
  return rows;
}

std::string error_of(const std::string& text) {
  try {
    parse_all(text);
  } catch (const DataError& e) {
    return e.what();
  }
  return "";
}

TEST(Csv, PlainFields) {
  auto rows = parse_all("a,b,c\n1,2,3\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1], (std::vector<std::string>{"1", "2", "3"}));
}

TEST(Csv, QuotedCommasAndDoubledQuotes) {
  auto rows = parse_all("id,title\n11,\"American President, The (1995)\"\n12,\"Dracula: \"\"Dead\"\" (1995)\"\n");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1][1], "American President, The (1995)");
  EXPECT_EQ(rows[2][1], "Dracula: \"Dead\" (1995)");
}

TEST(Csv, CrLfAndUtf8AndBom) {
  auto rows = parse_all("\xEF\xBB\xBFid,title\r\n1,\"Am\xC3\xA9lie (2001)\"\r\n2,Caf\xC3\xA9\r\n");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0][0], "id");
  EXPECT_EQ(rows[1][1], "Am\xC3\xA9lie (2001)");
  EXPECT_EQ(rows[2][1], "Caf\xC3\xA9");
}

// Classic Mac OS line ends would read as one line, or as an empty file: refused, naming the file.
TEST(Csv, CrOnlyLineEndsAreRefusedNamingTheFile) {
  const std::string message = error_of("userId,movieId,rating,timestamp\r1,2,5.0,9\r2,3,4.0,9\r");
  EXPECT_EQ(message.rfind("t.csv: its lines end in CR alone", 0), 0u) << message;
  EXPECT_NE(message.find("expected LF or CRLF"), std::string::npos) << message;
  std::vector<std::string> lines;
  try {
    for_each_line("a b\rc d\r", "e.tsv", [&](std::size_t, std::string_view line) { lines.emplace_back(line); });
    ADD_FAILURE() << "CR-only lines accepted";
  } catch (const DataError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("e.tsv: its lines end in CR alone", 0), 0u) << e.what();
  }
  // One line ending in CR, CRLF files and a CR inside a quoted field of an LF file still read.
  EXPECT_EQ(parse_all("a,b\r").size(), 1u);
  EXPECT_EQ(parse_all("a,b\r\nc,d\r\n").size(), 2u);
  EXPECT_EQ(parse_all("a,\"x\ry\"\nc,d\n")[0][1], "x\ry");
}

TEST(Csv, NewlineInsideQuotesAndLineNumbers) {
  CsvReader reader("a,b\n1,\"two\nlines\"\n3,x\n", "t.csv");
  std::vector<std::string_view> f;
  ASSERT_TRUE(reader.next(f));
  ASSERT_TRUE(reader.next(f));
  EXPECT_EQ(f[1], "two\nlines");
  EXPECT_EQ(reader.line(), 2u);
  ASSERT_TRUE(reader.next(f));
  EXPECT_EQ(reader.line(), 4u);
  EXPECT_EQ(f[1], "x");
  EXPECT_FALSE(reader.next(f));
}

TEST(Csv, EmptyFieldsAndNoFinalNewline) {
  auto rows = parse_all("a,,c\n,,");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"a", "", "c"}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{"", "", ""}));
}

TEST(Csv, SkipsBlankLines) {
  auto rows = parse_all("a\n\n\r\nb\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1][0], "b");
}

TEST(Csv, UnterminatedQuoteNamesFileAndLine) {
  std::string message = error_of("a,b\n1,\"open\n");
  EXPECT_NE(message.find("t.csv:2"), std::string::npos) << message;
  EXPECT_NE(message.find("unterminated"), std::string::npos) << message;
}

TEST(Csv, TextAfterClosingQuoteIsAnError) {
  std::string message = error_of("a,b\n1,\"x\"y\n");
  EXPECT_NE(message.find("t.csv:2"), std::string::npos) << message;
  EXPECT_NE(message.find("after a closing quote"), std::string::npos) << message;
}

TEST(Csv, StrayQuoteInUnquotedFieldIsAnError) {
  std::string message = error_of("a,b\n1,x\"y\n");
  EXPECT_NE(message.find("t.csv:2"), std::string::npos) << message;
}

TEST(Csv, QuoteFieldOnlyWhereNeeded) {
  EXPECT_EQ(quote_field("Toy Story (1995)"), "Toy Story (1995)");
  EXPECT_EQ(quote_field(""), "");
  EXPECT_EQ(quote_field("American President, The (1995)"), "\"American President, The (1995)\"");
  EXPECT_EQ(quote_field("Dracula: \"Dead\" (1995)"), "\"Dracula: \"\"Dead\"\" (1995)\"");
  EXPECT_EQ(quote_field("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(quote_field("carriage\rreturn"), "\"carriage\rreturn\"");
  // The separator decides: a tab matters in TSV, a comma does not.
  EXPECT_EQ(quote_field("a\tb"), "a\tb");
  EXPECT_EQ(quote_field("a\tb", '\t'), "\"a\tb\"");
  EXPECT_EQ(quote_field("a,b", '\t'), "a,b");
  EXPECT_EQ(quote_field("\"", '\t'), "\"\"\"\"");
}

TEST(Csv, QuotedFieldsReadBackUnchanged) {
  const std::vector<std::string> fields{"plain", "", "a,b", "say \"hi\"", "x\ny", "x\r\ny", "tab\there", "\"\""};
  for (char separator : {',', '\t'}) {
    std::string row;
    for (std::size_t i = 0; i < fields.size(); ++i) {
      row += (i ? std::string(1, separator) : "") + quote_field(fields[i], separator);
    }
    CsvReader reader(row + "\n", "t.csv", separator);
    std::vector<std::string_view> got;
    ASSERT_TRUE(reader.next(got));
    EXPECT_EQ(std::vector<std::string>(got.begin(), got.end()), fields) << "separator " << int(separator);
  }
}

TEST(Csv, SplitLineOnAMultiCharSeparator) {
  std::vector<std::string_view> f;
  split_line("1::Toy Story (1995)::Animation|Comedy", "::", f);
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[1], "Toy Story (1995)");
}

// A pipe or a device could block or never end: n2v reads regular files (or links to one) only, and
// says what else it found. Through the binary too, for --config (a config error, exit 2).
TEST(ReadFile, OnlyRegularFiles) {
  testing::TempDir dir;
  testing::write_text(dir / "real.txt", "ok");
  std::filesystem::create_symlink(dir / "real.txt", dir / "link.txt");
  EXPECT_EQ(read_file(dir / "link.txt"), "ok");
  ASSERT_EQ(::mkfifo((dir / "pipe").c_str(), 0644), 0);
  const auto message = [](const std::filesystem::path& path) {
    try {
      read_file(path);
    } catch (const DataError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(message(dir / "pipe"), (dir / "pipe").string() + ": is a FIFO (named pipe); n2v reads regular files only");
  EXPECT_EQ(message(dir.path()), dir.path().string() + ": is a folder; n2v reads regular files only");
  EXPECT_EQ(message("/dev/zero"), "/dev/zero: is a character device; n2v reads regular files only");
  EXPECT_EQ(message(dir / "none"), (dir / "none").string() + ": file not found");
  auto config = testing::run_n2v("graph --config " + (dir / "pipe").string() + " --out " + (dir / "out").string());
  EXPECT_EQ(config.exit_code, 2) << config.output;
  EXPECT_NE(config.output.find("is a FIFO"), std::string::npos) << config.output;
}

}  // namespace
}  // namespace n2v
