#include "core/text.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <utility>

namespace n2v {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

namespace {
// The base letter of U+00C0-U+00FF and U+0100-U+017F, lower case; '?' keeps the character
// (x, /, thorn).
constexpr std::string_view kLatin1Base = "aaaaaaaceeeeiiiidnooooo?ouuuuy?saaaaaaaceeeeiiiidnooooo?ouuuuy?y";
constexpr std::string_view kLatinExtendedABase =
    "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiiijjkkkllllllllllnnnnnnnnnoooooooorrrrrrsssssssstttttt"
    "uuuuuuuuuuuuwwyyyzzzzzzs";
static_assert(kLatin1Base.size() == 64 && kLatinExtendedABase.size() == 128);
}  // namespace

std::string fold_for_search(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0xC3 && c <= 0xC5 && i + 1 < s.size() && (static_cast<unsigned char>(s[i + 1]) & 0xC0) == 0x80) {
      const unsigned code = ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3Fu);
      const char base = code < 0x100 ? (code >= 0xC0 ? kLatin1Base[code - 0xC0] : '?') : kLatinExtendedABase[code - 0x100];
      if (base != '?') {
        out += base;
        ++i;
        continue;
      }
    }
    out += static_cast<char>(std::tolower(c));
  }
  return out;
}

std::string trim(std::string_view s) {
  auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  auto last = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(first, last - first + 1));
}

std::string one_word(std::string_view s) {
  std::string word(s);
  for (char& c : word)
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') c = '_';
  return word;
}

bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t extra = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xE ? 2 : (c >> 3) == 0x1E ? 3 : 99;
    if (extra == 99 || i + extra >= s.size()) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
    }
    i += extra + 1;
  }
  return true;
}

std::string latin1_to_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out.push_back(ch);
    } else {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

std::string format_double(double value) {
  char buffer[64];
  if (std::isfinite(value) && std::floor(value) == value && std::fabs(value) < 1e15) {
    std::snprintf(buffer, sizeof buffer, "%.0f", value);  // 100000, not 1e+05
    return buffer;
  }
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

bool parse_double(std::string_view s, double& out) {
  if (s.empty()) return false;
  if (s.front() == '+') s.remove_prefix(1);
  auto result = std::from_chars(s.data(), s.data() + s.size(), out);
  return result.ec == std::errc() && result.ptr == s.data() + s.size();
}

bool parse_int64(std::string_view s, long long& out) {
  if (s.empty()) return false;
  if (s.front() == '+') s.remove_prefix(1);
  auto result = std::from_chars(s.data(), s.data() + s.size(), out);
  return result.ec == std::errc() && result.ptr == s.data() + s.size();
}

namespace {

// The escaped text of value[0..max_bytes) and how many bytes of value it covers.
std::pair<std::string, std::size_t> escaped_prefix(std::string_view value, std::size_t max_bytes,
                                                   bool escape_backslash = true) {
  std::string out;
  std::size_t i = 0;
  while (i < value.size() && i < max_bytes) {
    const unsigned char c = static_cast<unsigned char>(value[i]);
    const std::size_t length = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (length > 1 && i + length <= value.size() && is_valid_utf8(value.substr(i, length))) {
      if (i + length > max_bytes) break;  // never half a character
      out.append(value.substr(i, length));
      i += length;
      continue;
    }
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c == '\\' && escape_backslash) out += "\\\\";
    else if (c < 0x20 || c >= 0x7F) {  // (non-ASCII here: not valid UTF-8)
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02X", c);
      out += hex;
    } else {
      out.push_back(static_cast<char>(c));
    }
    ++i;
  }
  return {out, i};
}

std::string cut_note(std::string_view value, std::size_t covered) {
  return covered < value.size() ? "... (" + std::to_string(value.size()) + " bytes)" : "";
}

}  // namespace

std::string quote_excerpt(std::string_view value, std::size_t max_bytes) {
  auto [text, covered] = escaped_prefix(value, max_bytes);
  return "'" + text + "'" + cut_note(value, covered);
}

std::string printable_excerpt(std::string_view text, std::size_t max_bytes) {
  auto [shown, covered] = escaped_prefix(text, max_bytes);
  return shown + cut_note(text, covered);
}

std::string printable_line(std::string_view message, std::size_t max_bytes) {
  auto [shown, covered] = escaped_prefix(message, max_bytes, false);
  return shown + cut_note(message, covered);
}

}  // namespace n2v
