#pragma once
// Small string helpers shared by the config, the data readers and the CLI.
#include <string>
#include <string_view>
#include <vector>

namespace n2v {

std::size_t edit_distance(std::string_view a, std::string_view b);
std::string to_lower(std::string_view s);
// `s` lower-cased with the accents of Latin letters removed (U+00C0-U+017F: "Amélie" -> "amelie",
// "Łódź" -> "lodz"), other bytes kept: the form in which searches compare text.
std::string fold_for_search(std::string_view s);
std::string trim(std::string_view s);
bool is_valid_utf8(std::string_view s);
// `s` with each blank (space, tab, CR, LF, VT, FF) as '_': a node name as one word, for the files
// that separate words by blanks (walks.txt, embeddings.w2v.txt).
std::string one_word(std::string_view s);
std::string latin1_to_utf8(std::string_view s);
// Shortest text that reads back as the same double ("0.001", "1e-06", "2.4527").
std::string format_double(double value);
// Parses the whole string as a number; false on trailing garbage or overflow.
bool parse_double(std::string_view s, double& out);
bool parse_int64(std::string_view s, long long& out);

// A value as an error message quotes it: in single quotes, at most `max_bytes` of it (cut at a
// UTF-8 boundary, then "..." and the full size), control bytes and invalid UTF-8 escaped (\n,
// \r, \t, \xHH). Every error that echoes user text goes through it, so a 10 MB field or a
// binary file never floods the terminal.
std::string quote_excerpt(std::string_view value, std::size_t max_bytes = 60);
// The same without the quotes, for a whole message from a library (CLI11's, yaml-cpp's).
std::string printable_excerpt(std::string_view text, std::size_t max_bytes);
// A message as the terminal gets it: one line, control bytes and invalid UTF-8 escaped, at most
// `max_bytes`; backslashes stay as they are, so that the excerpts quoted inside read as quoted.
// The last guard of every error and log line, whatever built the message.
std::string printable_line(std::string_view message, std::size_t max_bytes = 4096);

}  // namespace n2v
