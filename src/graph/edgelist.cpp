#include "graph/edgelist.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <deque>
#include <limits>
#include <unordered_map>
#include <vector>

#include "core/csv.h"
#include "core/errors.h"
#include "core/text.h"

namespace n2v {
namespace {

enum class Separator { Tab, Comma, Space };

const char* separator_name(Separator s) {
  return s == Separator::Tab ? "tabs" : s == Separator::Comma ? "commas" : "spaces";
}

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A header's third field: text that does not start like a number ("weight", not "1.5x" or "-").
bool is_word(std::string_view field) {
  if (field.empty()) return false;
  const char c = field.front();
  return !(std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+' || c == '.');
}

bool is_comment(std::string_view line) {
  std::string_view t = trim_spaces(line);
  return t.empty() || t.front() == '#';
}

Separator detect_separator(std::string_view line) {
  if (line.find('\t') != std::string_view::npos) return Separator::Tab;
  if (line.find(',') != std::string_view::npos) return Separator::Comma;
  return Separator::Space;
}

// Splits one line. A field may be double-quoted (a name holding the separator; "" is a quote).
// Tab and comma fields are trimmed of surrounding spaces; spaces mode splits on runs of blanks.
class LineSplitter {
 public:
  explicit LineSplitter(Separator separator) : separator_(separator) {}

  // Returns an error message, empty on success.
  std::string split(std::string_view line, std::vector<std::string_view>& fields) {
    fields.clear();
    unescaped_.clear();
    std::size_t pos = 0;
    const std::size_t n = line.size();
    auto is_blank = [](char c) { return c == ' ' || c == '\t'; };
    auto at_separator = [&](std::size_t i) {
      return separator_ == Separator::Space ? is_blank(line[i]) : line[i] == separator_char();
    };
    if (separator_ == Separator::Space)
      while (pos < n && is_blank(line[pos])) ++pos;
    while (true) {
      while (separator_ != Separator::Space && pos < n && line[pos] == ' ') ++pos;
      if (pos < n && line[pos] == '"') {
        std::string& field = unescaped_.emplace_back();
        ++pos;
        while (true) {
          if (pos >= n) return "unterminated quoted name";
          if (line[pos] == '"') {
            if (pos + 1 < n && line[pos + 1] == '"') {
              field.push_back('"');
              pos += 2;
              continue;
            }
            ++pos;
            break;
          }
          field.push_back(line[pos++]);
        }
        while (separator_ != Separator::Space && pos < n && line[pos] == ' ') ++pos;
        if (pos < n && !at_separator(pos)) return std::string("unexpected '") + line[pos] + "' after a closing quote";
        fields.emplace_back(field);
      } else {
        std::size_t start = pos;
        while (pos < n && !at_separator(pos)) ++pos;
        std::string_view field = line.substr(start, pos - start);
        fields.push_back(separator_ == Separator::Space ? field : trim_spaces(field));
      }
      if (pos >= n) return {};
      if (separator_ == Separator::Space) {
        while (pos < n && is_blank(line[pos])) ++pos;
        if (pos >= n) return {};
      } else {
        ++pos;
        if (pos >= n) {
          fields.emplace_back();  // "a,b," has an empty third field
          return {};
        }
      }
    }
  }

 private:
  char separator_char() const { return separator_ == Separator::Tab ? '\t' : ','; }
  Separator separator_;
  std::deque<std::string> unescaped_;
};

struct RawEdge {
  std::uint32_t a, b;  // first-appearance ids, before dropped nodes are squeezed out
  double weight;
  std::size_t line;
};

}  // namespace

std::string edge_list_field(std::string_view name) {
  const bool blank_edge = !name.empty() && (std::isspace(static_cast<unsigned char>(name.front())) ||
                                            std::isspace(static_cast<unsigned char>(name.back())));
  if (!blank_edge) return quote_field(name, '\t');
  std::string quoted = "\"";
  for (char c : name) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

std::filesystem::path edge_list_path(const DataConfig& data) {
  std::filesystem::path edges(data.edges);
  if (edges.is_absolute() || data.dir.empty()) return edges;
  return std::filesystem::path(data.dir) / edges;
}

Graph parse_edge_list(std::string_view text, const std::string& name, const EdgeListOptions& options,
                           EdgeListReport* report) {
  EdgeListReport local;
  EdgeListReport& r = report ? *report : local;
  r = EdgeListReport{};
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.remove_prefix(3);

  std::unordered_map<std::string, std::uint32_t> id_of;
  std::vector<std::string> names;  // by first-appearance id
  std::unordered_map<std::string, std::uint32_t> id_of_word;  // one_word(name) -> id, for names with blanks
  std::vector<RawEdge> raw;
  std::size_t current_line = 0;
  auto intern = [&](std::string_view node) {
    auto [it, inserted] = id_of.try_emplace(std::string(node), static_cast<std::uint32_t>(names.size()));
    if (inserted) {
      if (names.size() >= std::numeric_limits<NodeId>::max() - 1) throw DataError(name + ": more than 2^32 - 2 nodes");
      names.emplace_back(node);
      // Only names that hold a blank or a '_' can meet another's one word.
      if (node.find_first_of(" \t\r\n\v\f_") != std::string_view::npos) {
        auto [word, fresh] = id_of_word.try_emplace(one_word(node), it->second);
        if (!fresh) {
          throw DataError(name + ":" + std::to_string(current_line) + ": node names " + quote_excerpt(names[word->second]) + " and " +
                          quote_excerpt(node) + " are both " + quote_excerpt(word->first) +
                          " in walks.txt and embeddings.w2v.txt, which write blanks as '_'; rename one");
        }
      }
    }
    return it->second;
  };

  bool first = true;
  Separator separator = Separator::Space;
  LineSplitter splitter(separator);
  std::vector<std::string_view> fields;
  for_each_line(text, name, [&](std::size_t line_number, std::string_view line) {
    if (is_comment(line)) return;
    auto fail = [&](const std::string& what) {
      throw DataError(name + ":" + std::to_string(line_number) + ": " + what);
    };
    if (first) {
      separator = detect_separator(line);
      splitter = LineSplitter(separator);
    }
    std::string error = splitter.split(line, fields);
    if (!error.empty()) fail(error);
    if (fields.size() < 2 || fields.size() > 3) {
      fail("expected 'src dst [weight]' separated by " + std::string(separator_name(separator)) + ", got " +
           std::to_string(fields.size()) + " field" + (fields.size() == 1 ? "" : "s") + ": " + quote_excerpt(line));
    }
    double weight = 1.0;
    if (fields.size() == 3 && !parse_double(trim_spaces(fields[2]), weight)) {
      if (first && is_word(trim_spaces(fields[2]))) {  // "src dst weight", or n2v graph's edges.tsv
        first = false;
        r.header = true;
        r.header_line = line_number;
        return;
      }
      fail("weight " + quote_excerpt(fields[2]) + " is not a number");
    }
    first = false;
    if (!std::isfinite(weight)) fail("weight " + quote_excerpt(fields[2]) + " is not finite");
    if (weight < 0) fail("weight " + printable_excerpt(fields[2], 60) + " is negative; weights must be >= 0");
    if (weight > std::numeric_limits<float>::max()) fail("weight " + printable_excerpt(fields[2], 60) + " is too large for a float");
    if (weight > 0 && static_cast<float>(weight) == 0.0f) {
      fail("weight " + printable_excerpt(fields[2], 60) + " is too small for a float (it would become 0)");
    }
    if (fields[0].empty() || fields[1].empty()) fail("empty node name in " + quote_excerpt(line));
    ++r.edge_lines;
    if (fields[0] == fields[1]) {
      if (options.self_loops == SelfLoops::Error) {
        fail("self-loop " + quote_excerpt(fields[0]) + " -> " + quote_excerpt(fields[1]) +
             "; set graph.self_loops: drop to skip self-loops");
      }
      ++r.self_loops_dropped;
      return;
    }
    current_line = line_number;
    std::uint32_t a = intern(fields[0]), b = intern(fields[1]);
    if (!options.directed && a > b) std::swap(a, b);
    raw.push_back({a, b, weight, line_number});
  });

  // Merge duplicates (summing), drop zero-weight edges.
  std::sort(raw.begin(), raw.end(), [](const RawEdge& x, const RawEdge& y) {
    return x.a != y.a ? x.a < y.a : x.b != y.b ? x.b < y.b : x.line < y.line;
  });
  std::vector<RawEdge> merged;
  for (std::size_t i = 0; i < raw.size();) {
    RawEdge edge = raw[i];
    std::size_t j = i + 1;
    for (; j < raw.size() && raw[j].a == edge.a && raw[j].b == edge.b; ++j) edge.weight += raw[j].weight;
    r.duplicates_merged += j - i - 1;
    if (edge.weight == 0) {
      ++r.zero_weight_dropped;
    } else if (edge.weight > std::numeric_limits<float>::max()) {
      throw DataError(name + ":" + std::to_string(edge.line) + ": the weights of edge " + quote_excerpt(names[edge.a]) + " - " +
                      quote_excerpt(names[edge.b]) + " sum to " + format_double(edge.weight) + ", too large for a float");
    } else {
      merged.push_back(edge);
    }
    i = j;
  }
  if (merged.empty()) {
    throw DataError(name + ": no edges (" + std::to_string(r.edge_lines) + " edge lines, " +
                    std::to_string(r.self_loops_dropped) + " self-loops dropped, " +
                    std::to_string(r.zero_weight_dropped) + " zero-weight edges dropped); expected lines 'src dst [weight]'");
  }

  // Tokens: first appearance among the kept edges; the map is monotone, so edges stay sorted.
  std::vector<NodeId> token(names.size(), 0);
  for (const RawEdge& e : merged) token[e.a] = token[e.b] = 1;
  Graph result;
  Vocabulary& vocab = result.vocabulary;
  vocab.names.push_back("NA");
  for (std::size_t id = 0; id < names.size(); ++id) {
    if (!token[id]) continue;
    token[id] = static_cast<NodeId>(vocab.names.size());
    vocab.names.push_back(std::move(names[id]));
  }
  vocab.titles = vocab.names;
  vocab.movie_ids.assign(vocab.names.size(), -1);
  vocab.genres.assign(vocab.names.size(), "");

  result.edges.reserve(merged.size());
  for (const RawEdge& e : merged) result.edges.push_back({token[e.a], token[e.b], static_cast<float>(e.weight)});
  result.graph = CsrGraph::from_edges(vocab.names.size(), result.edges, options.directed);
  GraphStats& stats = result.stats;
  stats.nodes = vocab.names.size() - 1;
  stats.edges = result.edges.size();
  stats.average_degree = static_cast<double>(options.directed ? 1 : 2) * static_cast<double>(stats.edges) /
                         static_cast<double>(stats.nodes);
  return result;
}

Graph read_edge_list(const std::filesystem::path& path, const EdgeListOptions& options, EdgeListReport* report) {
  std::string text = read_file(path);
  return parse_edge_list(text, path.string(), options, report);
}

}  // namespace n2v
