#include "core/csv.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "core/errors.h"

namespace n2v {

void require_regular_file(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);  // follows symbolic links
  const char* kind = nullptr;
  switch (status.type()) {
    case fs::file_type::regular: return;
    case fs::file_type::not_found: throw DataError(path.string() + ": file not found");
    case fs::file_type::directory: kind = "a folder"; break;
    case fs::file_type::fifo: kind = "a FIFO (named pipe)"; break;
    case fs::file_type::character: kind = "a character device"; break;
    case fs::file_type::block: kind = "a block device"; break;
    case fs::file_type::socket: kind = "a socket"; break;
    default: kind = ec ? nullptr : "not a regular file"; break;
  }
  if (!kind) throw DataError(path.string() + ": cannot read: " + ec.message());
  // Reading a pipe or a device could block or never end, and a second read would see other bytes.
  throw DataError(path.string() + ": is " + std::string(kind) + "; n2v reads regular files only");
}

std::string read_file(const std::filesystem::path& path) {
  require_regular_file(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path.string() + ": cannot open: " + std::strerror(errno));
  std::string text;
  in.seekg(0, std::ios::end);
  text.resize(static_cast<std::size_t>(in.tellg()));
  in.seekg(0);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (!in) throw DataError(path.string() + ": read error");
  return text;
}

void check_line_ends(std::string_view text, const std::string& file_name) {
  if (text.find('\n') != std::string_view::npos) return;  // LF or CRLF: one memchr in the usual case
  const std::size_t cr = text.find('\r');
  if (cr != std::string_view::npos && cr + 1 < text.size()) {
    throw DataError(file_name + ": its lines end in CR alone (classic Mac OS line ends); expected LF or CRLF, "
                    "e.g. convert it with: tr '\\r' '\\n'");
  }
}

CsvReader::CsvReader(std::string text, std::string file_name, char separator)
    : text_(std::move(text)), file_name_(std::move(file_name)), separator_(separator) {
  check_line_ends(text_, file_name_);
  if (text_.compare(0, 3, "\xEF\xBB\xBF") == 0) pos_ = 3;
}

void CsvReader::fail(const std::string& what) const {
  throw DataError(file_name_ + ":" + std::to_string(record_line_) + ": " + what);
}

bool CsvReader::next(std::vector<std::string_view>& fields) {
  fields.clear();
  unescaped_.clear();
  const std::size_t n = text_.size();
  // Skip blank lines (LF or CRLF).
  while (pos_ < n && (text_[pos_] == '\n' || (text_[pos_] == '\r' && pos_ + 1 < n && text_[pos_ + 1] == '\n'))) {
    pos_ += text_[pos_] == '\r' ? 2 : 1;
    ++line_;
  }
  if (pos_ >= n) return false;
  record_line_ = line_;
  const char* data = text_.data();
  while (true) {
    if (pos_ < n && data[pos_] == '"') {
      std::size_t start = ++pos_;
      bool doubled = false;
      while (true) {
        if (pos_ >= n) fail("unterminated quoted field");
        char c = data[pos_];
        if (c == '"') {
          if (pos_ + 1 < n && data[pos_ + 1] == '"') {
            doubled = true;
            pos_ += 2;
            continue;
          }
          break;
        }
        if (c == '\n') ++line_;
        ++pos_;
      }
      std::string_view raw(data + start, pos_ - start);
      ++pos_;  // closing quote
      if (doubled) {
        std::string& clean = unescaped_.emplace_back();
        clean.reserve(raw.size());
        for (std::size_t i = 0; i < raw.size(); ++i) {
          clean.push_back(raw[i]);
          if (raw[i] == '"') ++i;
        }
        fields.emplace_back(clean);
      } else {
        fields.push_back(raw);
      }
      if (pos_ < n && data[pos_] == '\r' && pos_ + 1 < n && data[pos_ + 1] == '\n') ++pos_;
      if (pos_ < n && data[pos_] != separator_ && data[pos_] != '\n') {
        fail(std::string("unexpected character '") + data[pos_] + "' after a closing quote");
      }
    } else {
      std::size_t start = pos_;
      while (pos_ < n && data[pos_] != separator_ && data[pos_] != '\n') {
        if (data[pos_] == '"') fail("a quote inside an unquoted field (quote the whole field and double the quote)");
        ++pos_;
      }
      std::string_view value(data + start, pos_ - start);
      if (pos_ >= n || data[pos_] == '\n') {
        if (!value.empty() && value.back() == '\r') value.remove_suffix(1);
      }
      fields.push_back(value);
    }
    if (pos_ >= n) return true;
    if (data[pos_] == '\n') {
      ++pos_;
      ++line_;
      return true;
    }
    ++pos_;  // separator
  }
}

std::string quote_field(std::string_view field, char separator) {
  const char special[] = {separator, '"', '\r', '\n'};
  if (field.find_first_of(std::string_view(special, sizeof special)) == std::string_view::npos) {
    return std::string(field);
  }
  std::string out;
  out.reserve(field.size() + 2);
  out += '"';
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

void split_line(std::string_view line, std::string_view separator, std::vector<std::string_view>& out) {
  out.clear();
  std::size_t pos = 0;
  while (true) {
    std::size_t end = line.find(separator, pos);
    if (end == std::string_view::npos) {
      out.push_back(line.substr(pos));
      return;
    }
    out.push_back(line.substr(pos, end - pos));
    pos = end + separator.size();
  }
}

}  // namespace n2v
