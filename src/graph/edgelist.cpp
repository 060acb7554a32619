#include "graph/edgelist.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <deque>
#include <fstream>
#include <functional>
#include <limits>
#include <numeric>
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

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// The lines of an edge list as for_each_line gives them: number (from 1) and text without LF/CRLF,
// blank lines skipped. Text and file input share everything after this.
using LineFn = std::function<void(std::size_t, std::string_view)>;
using LineSource = std::function<void(const LineFn&)>;

LineSource text_lines(std::string_view text, const std::string& name) {
  return [text, &name](const LineFn& fn) {
    std::string_view body = text;
    if (body.compare(0, kBom.size(), kBom) == 0) body.remove_prefix(kBom.size());
    for_each_line(body, name, fn);
  };
}

// for_each_line over a file without holding it: memory is the longest line and the stream buffer.
LineSource file_lines(const std::filesystem::path& path, const std::string& name) {
  return [&path, &name](const LineFn& fn) {
    require_regular_file(path);
    std::vector<char> buffer(std::size_t{1} << 20);  // declared before `in`, which uses it
    std::ifstream in;
    in.rdbuf()->pubsetbuf(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    in.open(path, std::ios::binary);
    if (!in) throw DataError(name + ": cannot open: " + std::strerror(errno));
    std::string line;
    std::size_t line_number = 0;
    while (std::getline(in, line)) {
      ++line_number;
      std::string_view view = line;
      if (line_number == 1) {
        if (view.compare(0, kBom.size(), kBom) == 0) view.remove_prefix(kBom.size());
        // A first line that ends the file is the whole file: the one case check_line_ends refuses.
        if (in.eof()) check_line_ends(view, name);
      }
      if (!view.empty() && view.back() == '\r') view.remove_suffix(1);
      if (!view.empty()) fn(line_number, view);
    }
    if (in.bad()) throw DataError(name + ": read error");
  };
}

// The line-level half of the reader: separator, header, validation, self-loops and names. It keeps
// no edges, so the whole-graph reader can keep every edge line and a shard reader only its own.
class EdgeLineParser {
 public:
  EdgeLineParser(const std::string& name, const EdgeListOptions& options, EdgeListReport& report)
      : name_(name), options_(options), report_(report), splitter_(Separator::Space) {}

  // One line from a LineSource. True when it is an edge between two nodes: `edge` then holds their
  // first-appearance ids (undirected: a < b), its weight and line.
  bool parse(std::size_t line_number, std::string_view line, RawEdge& edge) {
    if (is_comment(line)) return false;
    auto fail = [&](const std::string& what) {
      throw DataError(name_ + ":" + std::to_string(line_number) + ": " + what);
    };
    if (first_) {
      separator_ = detect_separator(line);
      splitter_ = LineSplitter(separator_);
    }
    std::string error = splitter_.split(line, fields_);
    if (!error.empty()) fail(error);
    if (fields_.size() < 2 || fields_.size() > 3) {
      fail("expected 'src dst [weight]' separated by " + std::string(separator_name(separator_)) + ", got " +
           std::to_string(fields_.size()) + " field" + (fields_.size() == 1 ? "" : "s") + ": " + quote_excerpt(line));
    }
    double weight = 1.0;
    if (fields_.size() == 3 && !parse_double(trim_spaces(fields_[2]), weight)) {
      if (first_ && is_word(trim_spaces(fields_[2]))) {  // "src dst weight", or n2v graph's edges.tsv
        first_ = false;
        report_.header = true;
        report_.header_line = line_number;
        return false;
      }
      fail("weight " + quote_excerpt(fields_[2]) + " is not a number");
    }
    first_ = false;
    if (!std::isfinite(weight)) fail("weight " + quote_excerpt(fields_[2]) + " is not finite");
    if (weight < 0) fail("weight " + printable_excerpt(fields_[2], 60) + " is negative; weights must be >= 0");
    if (weight > std::numeric_limits<float>::max()) {
      fail("weight " + printable_excerpt(fields_[2], 60) + " is too large for a float");
    }
    if (weight > 0 && static_cast<float>(weight) == 0.0f) {
      fail("weight " + printable_excerpt(fields_[2], 60) + " is too small for a float (it would become 0)");
    }
    if (fields_[0].empty() || fields_[1].empty()) fail("empty node name in " + quote_excerpt(line));
    ++report_.edge_lines;
    if (fields_[0] == fields_[1]) {
      if (options_.self_loops == SelfLoops::Error) {
        fail("self-loop " + quote_excerpt(fields_[0]) + " -> " + quote_excerpt(fields_[1]) +
             "; set graph.self_loops: drop to skip self-loops");
      }
      ++report_.self_loops_dropped;
      return false;
    }
    std::uint32_t a = intern(fields_[0], line_number), b = intern(fields_[1], line_number);
    if (weight > 0) weighted_[a] = weighted_[b] = 1;
    if (!options_.directed && a > b) std::swap(a, b);
    edge = {a, b, weight, line_number};
    return true;
  }

  std::vector<std::string>& names() { return names_; }
  // Per first-appearance id: whether the node is in a line with weight > 0. Weights are >= 0, so
  // that is whether it is in an edge whose summed weight is > 0: a kept edge, on any rank.
  const std::vector<char>& weighted() const { return weighted_; }

 private:
  std::uint32_t intern(std::string_view node, std::size_t line_number) {
    auto [it, inserted] = id_of_.try_emplace(std::string(node), static_cast<std::uint32_t>(names_.size()));
    if (inserted) {
      if (names_.size() >= std::numeric_limits<NodeId>::max() - 1) {
        throw DataError(name_ + ": more than 2^32 - 2 nodes");
      }
      names_.emplace_back(node);
      weighted_.push_back(0);
      // Only names that hold a blank or a '_' can meet another's one word.
      if (node.find_first_of(" \t\r\n\v\f_") != std::string_view::npos) {
        auto [word, fresh] = id_of_word_.try_emplace(one_word(node), it->second);
        if (!fresh) {
          throw DataError(name_ + ":" + std::to_string(line_number) + ": node names " +
                          quote_excerpt(names_[word->second]) + " and " + quote_excerpt(node) + " are both " +
                          quote_excerpt(word->first) +
                          " in walks.txt and embeddings.w2v.txt, which write blanks as '_'; rename one");
        }
      }
    }
    return it->second;
  }

  const std::string& name_;
  const EdgeListOptions& options_;
  EdgeListReport& report_;
  bool first_ = true;
  Separator separator_ = Separator::Space;
  LineSplitter splitter_;
  std::vector<std::string_view> fields_;
  std::unordered_map<std::string, std::uint32_t> id_of_;
  std::vector<std::string> names_;  // by first-appearance id
  std::vector<char> weighted_;
  std::unordered_map<std::string, std::uint32_t> id_of_word_;  // one_word(name) -> id, for names with blanks
};

// Sorts by (a, b, line) and folds each edge's lines into its first one, summing the weights in line
// order. Returns how many lines it folded.
std::size_t fold_duplicates(std::vector<RawEdge>& edges) {
  std::sort(edges.begin(), edges.end(), [](const RawEdge& x, const RawEdge& y) {
    return x.a != y.a ? x.a < y.a : x.b != y.b ? x.b < y.b : x.line < y.line;
  });
  std::size_t kept = 0;
  for (const RawEdge& e : edges) {
    if (kept > 0 && edges[kept - 1].a == e.a && edges[kept - 1].b == e.b) {
      edges[kept - 1].weight += e.weight;
    } else {
      edges[kept++] = e;
    }
  }
  const std::size_t folded = edges.size() - kept;
  edges.resize(kept);
  return folded;
}

// Reads every line, keeping the edges `keep` accepts (decided per line, so the others are never
// stored), duplicates folded. Folding whenever the kept lines have doubled keeps memory linear in
// the distinct edges, not the lines. A folded edge keeps its first line's number and its later
// lines come after it, so every sum is the one a single fold at the end would give, bit for bit.
std::vector<RawEdge> read_edges(const LineSource& lines, EdgeLineParser& parser,
                                const std::function<bool(const RawEdge&)>& keep, EdgeListReport& r) {
  constexpr std::size_t kFirstFold = std::size_t{1} << 16;
  std::vector<RawEdge> edges;
  std::size_t next_fold = kFirstFold;
  RawEdge edge{};
  lines([&](std::size_t line_number, std::string_view line) {
    if (!parser.parse(line_number, line, edge) || !keep(edge)) return;
    // Grown by a quarter, not doubled: the records are most of the reader's memory, and a doubled
    // vector is up to three times the records while it moves them.
    if (edges.size() == edges.capacity()) edges.reserve(edges.size() + edges.size() / 4 + 1024);
    edges.push_back(edge);
    if (edges.size() >= next_fold) {
      r.duplicates_merged += fold_duplicates(edges);
      next_fold = std::max(kFirstFold, 2 * edges.size());
    }
  });
  r.duplicates_merged += fold_duplicates(edges);
  return edges;
}

// Drops the edges whose summed weight is 0 (weights are >= 0: all their lines were 0).
void drop_zero_weights(std::vector<RawEdge>& edges, const std::vector<std::string>& names, const std::string& name,
                       EdgeListReport& r) {
  std::size_t kept = 0;
  for (const RawEdge& edge : edges) {
    if (edge.weight == 0) {
      ++r.zero_weight_dropped;
    } else if (edge.weight > std::numeric_limits<float>::max()) {
      throw DataError(name + ":" + std::to_string(edge.line) + ": the weights of edge " + quote_excerpt(names[edge.a]) +
                      " - " + quote_excerpt(names[edge.b]) + " sum to " + format_double(edge.weight) +
                      ", too large for a float");
    } else {
      edges[kept++] = edge;
    }
  }
  edges.resize(kept);
}

// The kept edge lines of a pass, merged: sorted by (a, b), weights summed, zero-weight edges dropped.
std::vector<RawEdge> read_merged_edges(const LineSource& lines, EdgeLineParser& parser,
                                       const std::function<bool(const RawEdge&)>& keep, const std::string& name,
                                       EdgeListReport& r) {
  std::vector<RawEdge> edges = read_edges(lines, parser, keep, r);
  drop_zero_weights(edges, parser.names(), name, r);
  return edges;
}

void require_edges(const EdgeLineParser& parser, const std::string& name, const EdgeListReport& r) {
  const std::vector<char>& weighted = parser.weighted();
  if (std::find(weighted.begin(), weighted.end(), 1) != weighted.end()) return;
  throw DataError(name + ": no edges (" + std::to_string(r.edge_lines) + " edge lines, " +
                  std::to_string(r.self_loops_dropped) + " self-loops dropped, " +
                  std::to_string(r.zero_weight_dropped) +
                  " zero-weight edges dropped); expected lines 'src dst [weight]'");
}

// Tokens follow first appearance among the nodes of kept edges, from 1. Moves the names into
// `vocab`; returns the token of each first-appearance id (0: not a node of the graph). The map is
// monotone, so edges sorted by first-appearance ids stay sorted in tokens.
std::vector<NodeId> make_vocabulary(EdgeLineParser& parser, Vocabulary& vocab) {
  std::vector<std::string>& names = parser.names();
  const std::vector<char>& weighted = parser.weighted();
  std::vector<NodeId> token(names.size(), 0);
  vocab.names.push_back("NA");
  for (std::size_t id = 0; id < names.size(); ++id) {
    if (!weighted[id]) continue;
    token[id] = static_cast<NodeId>(vocab.names.size());
    vocab.names.push_back(std::move(names[id]));
  }
  vocab.titles = vocab.names;
  vocab.movie_ids.assign(vocab.names.size(), -1);
  vocab.genres.assign(vocab.names.size(), "");
  return token;
}

Graph build_graph(const LineSource& lines, const std::string& name, const EdgeListOptions& options,
                  EdgeListReport* report) {
  EdgeListReport local;
  EdgeListReport& r = report ? *report : local;
  r = EdgeListReport{};
  EdgeLineParser parser(name, options, r);
  std::vector<RawEdge> merged = read_merged_edges(lines, parser, [](const RawEdge&) { return true; }, name, r);
  require_edges(parser, name, r);

  Graph result;
  const std::vector<NodeId> token = make_vocabulary(parser, result.vocabulary);
  result.edges.reserve(merged.size());
  for (const RawEdge& e : merged) result.edges.push_back({token[e.a], token[e.b], static_cast<float>(e.weight)});
  merged = {};
  result.graph = CsrGraph::from_edges(result.vocabulary.size(), result.edges, options.directed);
  GraphStats& stats = result.stats;
  stats.nodes = result.vocabulary.size() - 1;
  stats.edges = result.edges.size();
  stats.average_degree = static_cast<double>(options.directed ? 1 : 2) * static_cast<double>(stats.edges) /
                         static_cast<double>(stats.nodes);
  return result;
}

GraphShard build_shard(const LineSource& lines, const std::string& name, const EdgeListOptions& options, int rank,
                       int world_size, EdgeListReport* report) {
  GraphShard shard;
  shard.rank = rank;
  shard.world_size = world_size;
  shard.directed = options.directed;
  // assign_owners checks rank and world size; called now, a bad pair fails before reading the file.
  assign_owners({}, shard);

  EdgeListReport local;
  EdgeListReport& r = report ? *report : local;
  r = EdgeListReport{};
  EdgeLineParser parser(name, options, r);
  // A node's ownership key is its first-appearance id, known at its first line on every rank; every
  // line of an edge has the same endpoints, so a rank keeps all of an edge's duplicates or none.
  auto owned = [&](std::uint32_t id) { return shard_owner(id, world_size) == rank; };
  auto keep = [&](const RawEdge& e) { return owned(e.a) || (!options.directed && owned(e.b)); };
  std::vector<RawEdge> merged = read_merged_edges(lines, parser, keep, name, r);
  require_edges(parser, name, r);

  const std::vector<NodeId> token = make_vocabulary(parser, shard.vocabulary);
  std::vector<std::uint64_t> keys_by_token(shard.vocabulary.size(), 0);
  for (std::size_t id = 0; id < token.size(); ++id) {
    if (token[id]) keys_by_token[token[id]] = id;
  }
  const std::size_t owned_rows = assign_owners(keys_by_token, shard);

  std::vector<Edge> arcs;
  for (const RawEdge& e : merged) {
    const NodeId a = token[e.a], b = token[e.b];
    const float w = static_cast<float>(e.weight);
    if (shard.owns(a)) {
      arcs.push_back({a, b, w});
      ++shard.counted_edges;
    }
    if (!options.directed && shard.owns(b)) arcs.push_back({b, a, w});
  }
  merged = {};
  build_shard_rows(std::move(arcs), owned_rows, shard);

  shard.starts.resize(shard.vocabulary.size() - 1);
  std::iota(shard.starts.begin(), shard.starts.end(), kReservedToken + 1);
  shard.stats.nodes = shard.vocabulary.size() - 1;
  shard.stats.edges = shard.counted_edges;
  return shard;
}

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
  return build_graph(text_lines(text, name), name, options, report);
}

Graph read_edge_list(const std::filesystem::path& path, const EdgeListOptions& options, EdgeListReport* report) {
  const std::string name = path.string();
  return build_graph(file_lines(path, name), name, options, report);
}

GraphShard parse_edge_list_shard(std::string_view text, const std::string& name, const EdgeListOptions& options,
                                 int rank, int world_size, EdgeListReport* report) {
  return build_shard(text_lines(text, name), name, options, rank, world_size, report);
}

GraphShard read_edge_list_shard(const std::filesystem::path& path, const EdgeListOptions& options, int rank,
                                int world_size, EdgeListReport* report) {
  const std::string name = path.string();
  return build_shard(file_lines(path, name), name, options, rank, world_size, report);
}

}  // namespace n2v
