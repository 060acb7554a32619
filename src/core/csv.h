#pragma once
// An RFC 4180 CSV reader over a file held in memory: quoted fields with commas, doubled quotes
// and line breaks, UTF-8 (a BOM is skipped), LF or CRLF line ends (CR alone is refused). Errors
// name file and line.
#include <deque>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace n2v {

// Throws DataError naming the file unless it is a regular file (or a link to one): missing, a
// folder, a FIFO, a device (/dev/zero) or a socket.
void require_regular_file(const std::filesystem::path& path);
// Reads a whole file; throws DataError naming the file when it is missing, not a regular file
// (require_regular_file) or unreadable.
std::string read_file(const std::filesystem::path& path);

class CsvReader {
 public:
  CsvReader(std::string text, std::string file_name, char separator = ',');

  // Reads the next record into `fields` (views valid until the next call). False at the end.
  // Blank lines are skipped. Throws DataError on an unterminated quote or text after a quote.
  bool next(std::vector<std::string_view>& fields);
  std::size_t line() const { return record_line_; }  // 1-based line where the record started
  const std::string& file_name() const { return file_name_; }
  // "ratings.csv:17: <what>" as a DataError, for callers validating field values.
  [[noreturn]] void fail(const std::string& what) const;

 private:
  std::string text_;
  std::string file_name_;
  char separator_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  std::size_t record_line_ = 0;
  std::deque<std::string> unescaped_;  // storage for quoted fields with doubled quotes
};

// One field of a CSV (or, with '\t', TSV) row as RFC 4180 writes it: quoted only when it holds the
// separator, a quote, CR or LF, with its quotes doubled. CsvReader reads it back unchanged.
std::string quote_field(std::string_view field, char separator = ',');

// Splits one line on a multi-character separator ("::" in ml-1m .dat files).
void split_line(std::string_view line, std::string_view separator, std::vector<std::string_view>& out);

// Throws DataError naming the file when its lines end in CR alone (classic Mac OS): read as LF
// files they would be one long line, or look empty. LF and CRLF are accepted everywhere.
void check_line_ends(std::string_view text, const std::string& file_name);

// Calls fn(line_number, line) for each line without its LF/CRLF; skips blank lines.
template <typename Fn>
void for_each_line(std::string_view text, const std::string& file_name, Fn&& fn) {
  check_line_ends(text, file_name);
  std::size_t pos = 0, line_number = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++line_number;
    if (!line.empty()) fn(line_number, line);
    pos = end + 1;
  }
}

}  // namespace n2v
