#include "core/config.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <limits>
#include <optional>
#include <sstream>
#include <thread>
#include <type_traits>
#include <variant>

#include "core/csv.h"
#include "core/errors.h"
#include "core/text.h"

namespace n2v {
namespace {

struct Range {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool lo_open = false;  // true: value must be > lo
  bool hi_open = false;
  bool zero_too = false;  // 0 (= off) is accepted besides [lo, hi]

  bool contains(double v) const {
    if (zero_too && v == 0) return true;
    return std::isfinite(v) && (lo_open ? v > lo : v >= lo) && (hi_open ? v < hi : v <= hi);
  }
  std::string describe() const {
    bool has_lo = std::isfinite(lo), has_hi = std::isfinite(hi);
    std::string a = format_double(lo), b = format_double(hi);
    std::string zero = zero_too ? "0 or " : "";
    if (has_lo && has_hi) return zero + (lo_open ? "(" : "[") + a + ", " + b + (hi_open ? ")" : "]");
    if (has_lo) return zero + (lo_open ? "> " : ">= ") + a;
    if (has_hi) return zero + (hi_open ? "< " : "<= ") + b;
    return "any finite number";
  }
};

// A key with a fixed set of values: its enum, read and written through the enum's Choices table.
struct ChoiceTarget {
  std::function<bool(const std::string&)> parse;  // false when the text names no value
  std::function<std::string()> name;
  std::string accepted;  // "a, b, c"
};

template <class E>
ChoiceTarget choice(E* target) {
  return {[target](const std::string& text) {
            const std::optional<E> value = parse_choice<E>(text);
            if (value) *target = *value;
            return value.has_value();
          },
          [target] { return choice_name(*target); }, choice_list<E>()};
}

using Target = std::variant<double*, int*, std::uint64_t*, std::string*, bool*, ChoiceTarget>;

struct Field {
  std::string key;
  Target target;
  Range range;
};

Range at_least(double lo) { return Range{lo}; }
Range between(double lo, double hi) { return Range{lo, hi}; }
Range below_one() { Range r{0, 1}; r.hi_open = true; return r; }  // a fraction: [0, 1)
Range zero_or_between(double lo, double hi) { Range r{lo, hi}; r.zero_too = true; return r; }
// Learning rates and l2 are applied in float32 arithmetic (the updates, the decay factor 2 x l2):
// below 1e-30 they would round to 0 or denormals, above 1e30 they overflow once multiplied.
constexpr double kFloatFactorMin = 1e-30, kFloatFactorMax = 1e30;

// The one table of keys: loading, --set, validation and saving all go through it.
std::vector<Field> fields(Config& c) {
  return {
      {"seed", &c.seed, at_least(0)},
      {"threads", &c.threads, between(0, 1024)},
      {"data.format", choice(&c.data.format), {}},
      {"data.dir", &c.data.dir, {}},
      {"data.url", &c.data.url, {}},
      {"data.md5", &c.data.md5, {}},
      {"data.sha256", &c.data.sha256, {}},
      {"data.edges", &c.data.edges, {}},
      {"graph.min_rating", &c.graph.min_rating, between(0.5, 5.0)},
      // A negative bound would keep edges of negative PMI, which no sampler can weigh.
      {"graph.min_weight", &c.graph.min_weight, at_least(0)},
      {"graph.directed", &c.graph.directed, {}},
      {"graph.self_loops", choice(&c.graph.self_loops), {}},
      {"walk.p", &c.walk.p, between(kWalkParameterMin, kWalkParameterMax)},
      {"walk.q", &c.walk.q, between(kWalkParameterMin, kWalkParameterMax)},
      {"walk.num_walks", &c.walk.num_walks, between(1, 1e6)},
      {"walk.num_steps", &c.walk.num_steps, between(1, 1e6)},
      {"skipgram.window", &c.skipgram.window, between(1, 1e6)},
      {"skipgram.negative_samples", &c.skipgram.negative_samples, between(0, 1000)},
      {"skipgram.mode", choice(&c.skipgram.mode), {}},
      {"skipgram.negative_distribution", choice(&c.skipgram.negative_distribution), {}},
      {"skipgram.model", choice(&c.skipgram.model), {}},
      {"skipgram.subsample", &c.skipgram.subsample, between(0, 1)},
      {"train.batch_size", &c.train.batch_size, between(1, 1e8)},
      {"train.embedding_dim", &c.train.embedding_dim, between(1, 100000)},
      {"train.epochs", &c.train.epochs, between(1, 1e6)},
      {"train.learning_rate", &c.train.learning_rate, between(kFloatFactorMin, kFloatFactorMax)},
      {"train.l2", &c.train.l2, zero_or_between(kFloatFactorMin, kFloatFactorMax)},
      {"train.stream_learning_rate", &c.train.stream_learning_rate, between(kFloatFactorMin, kFloatFactorMax)},
      {"train.stream_optimizer", choice(&c.train.stream_optimizer), {}},
      {"train.device", choice(&c.train.device), {}},
      {"train.kernel", choice(&c.train.kernel), {}},
      {"export.torchscript", &c.export_.torchscript, {}},
      {"export.projector", &c.export_.projector, {}},
      {"export.word2vec", &c.export_.word2vec, {}},
      {"export.numpy", &c.export_.numpy, {}},
      {"export.onnx", &c.export_.onnx, {}},
      {"eval.holdout_edges", &c.eval.holdout_edges, below_one()},
      {"eval.holdout_latest", &c.eval.holdout_latest, below_one()},
      // Whole milliseconds reach c10d, where 0 would mean no timeout at all.
      {"dist.timeout_s", &c.dist.timeout_s, between(0.001, 86400)},
      {"dist.exchange", choice(&c.dist.exchange), {}},
      {"dist.partition", choice(&c.dist.partition), {}},
      {"dist.walks_file", choice(&c.dist.walks_file), {}},
      {"dist.tables", choice(&c.dist.tables), {}},
  };
}

Field* find_field(std::vector<Field>& table, const std::string& key) {
  for (auto& f : table)
    if (f.key == key) return &f;
  return nullptr;
}

std::string unknown_key_message(const std::string& key) {
  return "unknown config key " + quote_excerpt(key) + "; did you mean '" + nearest_key(key.substr(0, 100)) + "'?";
}

void assign(Field& field, const std::string& value, const std::string& where) {
  auto fail = [&](const std::string& what) {
    throw ConfigError(where + ": " + field.key + ": " + quote_excerpt(value) + " is not " + what);
  };
  std::visit(
      [&](auto& ptr) {  // a pointer to the value, or the ChoiceTarget
        using T = std::remove_pointer_t<std::decay_t<decltype(ptr)>>;
        if constexpr (std::is_same_v<T, ChoiceTarget>) {
          if (!ptr.parse(value)) fail("one of: " + ptr.accepted);
        } else if constexpr (std::is_same_v<T, double>) {
          double v;
          if (!parse_double(trim(value), v)) fail("a number");
          *ptr = v;
        } else if constexpr (std::is_same_v<T, int>) {
          long long v;
          if (!parse_int64(trim(value), v) || v < std::numeric_limits<int>::min() ||
              v > std::numeric_limits<int>::max())
            fail("an integer");
          *ptr = static_cast<int>(v);
        } else if constexpr (std::is_same_v<T, std::uint64_t>) {
          long long v;
          if (!parse_int64(trim(value), v) || v < 0) fail("an integer from 0 to 9223372036854775807");
          *ptr = static_cast<std::uint64_t>(v);
        } else if constexpr (std::is_same_v<T, bool>) {
          std::string v = to_lower(trim(value));
          if (v == "true" || v == "yes" || v == "on" || v == "1") *ptr = true;
          else if (v == "false" || v == "no" || v == "off" || v == "0") *ptr = false;
          else fail("true or false");
        } else {
          *ptr = value;
        }
      },
      field.target);
}

std::string value_text(const Field& field) {
  return std::visit(
      [](const auto& ptr) -> std::string {  // a pointer to the value, or the ChoiceTarget
        using T = std::remove_pointer_t<std::decay_t<decltype(ptr)>>;
        if constexpr (std::is_same_v<T, ChoiceTarget>) return ptr.name();
        else if constexpr (std::is_same_v<T, double>) return format_double(*ptr);
        else if constexpr (std::is_same_v<T, bool>) return *ptr ? "true" : "false";
        else if constexpr (std::is_same_v<T, std::string>) return *ptr;
        else return std::to_string(*ptr);
      },
      field.target);
}

const char* node_kind(const YAML::Node& node) {
  return node.IsSequence() ? "a list" : node.IsMap() ? "a map" : node.IsNull() ? "empty" : "a single value";
}

bool is_key(const std::string& key) {
  const auto keys = config_keys();
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

bool is_section(const std::string& name) {
  for (const auto& key : config_keys())
    if (key.compare(0, name.size() + 1, name + ".") == 0) return true;
  return false;
}

// One level of the YAML: sections at the top, `key: value` inside a section. Every refusal names
// the file and line; yaml-cpp's own exceptions never get past here.
void load_node(Config& config, const YAML::Node& node, const std::string& prefix, const std::string& file) {
  std::map<std::string, int> line_of;  // the names seen at this level: a repeated one is an error
  for (const auto& item : node) {
    const int line = item.first.Mark().line + 1;
    const std::string where = file + ":" + std::to_string(line);
    if (!item.first.IsScalar()) {
      throw ConfigError(where + ": a config key must be a plain name, not " + std::string(node_kind(item.first)) +
                        "; expected 'section:' then 'key: value' lines");
    }
    const std::string name = item.first.Scalar();
    const std::string key = prefix.empty() ? name : prefix + "." + name;
    if (auto [seen, inserted] = line_of.emplace(name, line); !inserted) {
      throw ConfigError(where + ": " + quote_excerpt(key) + " is set twice, on lines " + std::to_string(seen->second) +
                        " and " + std::to_string(line) + "; keep one");
    }
    const YAML::Node& value = item.second;
    if (prefix.empty() && is_section(name) && !value.IsMap()) {
      if (value.IsNull()) continue;  // an empty section leaves its defaults
      throw ConfigError(where + ": " + name + " is a section: it takes 'key: value' lines, not " + node_kind(value));
    }
    if (value.IsScalar() || value.IsNull()) {
      config.set(key, value.IsNull() ? std::string() : value.Scalar(), where);
    } else if (is_key(key)) {
      throw ConfigError(where + ": " + key + " takes a single value, not " + node_kind(value));
    } else if (value.IsMap() && prefix.empty()) {
      load_node(config, value, key, file);
    } else {
      throw ConfigError(where + ": " + unknown_key_message(key));
    }
  }
}

}  // namespace

std::vector<std::string> config_keys() {
  Config scratch;
  std::vector<std::string> keys;
  for (const auto& f : fields(scratch)) keys.push_back(f.key);
  return keys;
}

std::string nearest_key(const std::string& key) {
  std::string best;
  std::size_t best_distance = std::numeric_limits<std::size_t>::max();
  for (const auto& candidate : config_keys()) {
    // Prefer keys that share the section or the leaf name, then the smallest edit distance.
    std::size_t d = edit_distance(key, candidate);
    auto leaf = [](const std::string& k) { return k.substr(k.find('.') + 1); };
    if (leaf(candidate) == leaf(key)) d = std::min<std::size_t>(d, 1);
    if (d < best_distance) best_distance = d, best = candidate;
  }
  return best;
}

Config Config::load(const std::filesystem::path& yaml_file) {
  Config config;
  config.source = yaml_file;
  std::error_code ec;
  if (!std::filesystem::exists(yaml_file, ec)) {
    throw ConfigError("config file not found: " + yaml_file.string());
  }
  if (!std::filesystem::is_regular_file(yaml_file, ec)) {
    throw ConfigError(yaml_file.string() + ": not a regular file; expected a YAML config file");
  }
  std::string text;
  try {
    text = read_file(yaml_file);
  } catch (const DataError& e) {
    throw ConfigError(e.what());
  }
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp's nesting limit (about 500 levels); its message says "bad file".
    throw ConfigError(yaml_file.string() + ":" + std::to_string(e.mark.line + 1) +
                      ": invalid YAML: nested too deeply; a config has two levels, 'section:' then 'key: value' lines");
  } catch (const YAML::Exception& e) {
    throw ConfigError(yaml_file.string() + ":" + std::to_string(e.mark.line + 1) + ": invalid YAML: " + e.msg);
  }
  if (root.IsNull()) return config;  // an empty file means all defaults
  if (!root.IsMap()) throw ConfigError(yaml_file.string() + ": the config must be a map of sections");
  load_node(config, root, "", yaml_file.string());
  return config;
}

void Config::set(const std::string& assignment, const std::string& where) {
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw ConfigError(where + ": expected KEY=VALUE (e.g. graph.min_weight=5), got " + quote_excerpt(assignment));
  }
  set(trim(assignment.substr(0, eq)), assignment.substr(eq + 1), where);
}

void Config::set(const std::string& key, const std::string& value, const std::string& where) {
  auto table = fields(*this);
  Field* field = find_field(table, key);
  if (!field) throw ConfigError(where + ": " + unknown_key_message(key));
  assign(*field, value, where);
  origin[key] = where;
}

void Config::validate() const {
  auto table = fields(const_cast<Config&>(*this));
  for (const auto& field : table) {
    std::string where = origin.count(field.key) ? origin.at(field.key) + ": " : "";
    double numeric;
    if (auto d = std::get_if<double*>(&field.target)) numeric = **d;
    else if (auto i = std::get_if<int*>(&field.target)) numeric = **i;
    else if (auto u = std::get_if<std::uint64_t*>(&field.target)) numeric = static_cast<double>(**u);
    else continue;
    if (!field.range.contains(numeric)) {
      throw ConfigError(where + field.key + " = " + value_text(field) + " is out of range: it must be " +
                        field.range.describe());
    }
  }
  if (data.format == DataFormat::MovieLens && data.dir.empty()) throw ConfigError("data.dir must not be empty");
  if (train.kernel != TrainKernel::Auto &&
      (skipgram.model != SkipGramModel::Keras || skipgram.mode != SkipGramMode::Aggregate)) {
    std::string where = origin.count("train.kernel") ? origin.at("train.kernel") + ": " : "";
    throw ConfigError(where + "train.kernel " + choice_name(train.kernel) +
                      " picks the loss of skipgram.model keras in skipgram.mode aggregate; this run uses skipgram.model " +
                      choice_name(skipgram.model) + ", skipgram.mode " + choice_name(skipgram.mode) +
                      " (CPU loops of their own): leave train.kernel at auto");
  }
  if (eval.holdout_latest > 0 && data.format != DataFormat::MovieLens) {
    std::string where = origin.count("eval.holdout_latest") ? origin.at("eval.holdout_latest") + ": " : "";
    throw ConfigError(where + "eval.holdout_latest needs rated data with timestamps (data.format movielens), not " +
                      choice_name(data.format) + "; use eval.holdout_edges for edge lists");
  }
}

std::string Config::to_yaml() const {
  auto table = fields(const_cast<Config&>(*this));
  YAML::Emitter out;
  out << YAML::BeginMap;
  std::string section;
  for (const auto& field : table) {
    auto dot = field.key.find('.');
    std::string this_section = dot == std::string::npos ? "" : field.key.substr(0, dot);
    std::string leaf = dot == std::string::npos ? field.key : field.key.substr(dot + 1);
    if (this_section != section) {
      if (!section.empty()) out << YAML::EndMap;
      section = this_section;
      if (!section.empty()) out << YAML::Key << section << YAML::Value << YAML::BeginMap;
    }
    out << YAML::Key << leaf << YAML::Value;
    // Text and choice names quoted: a name such as "on" or "1" must not read back as a bool or number.
    if (std::holds_alternative<std::string*>(field.target) || std::holds_alternative<ChoiceTarget>(field.target))
      out << YAML::DoubleQuoted << value_text(field);
    else out << value_text(field);
  }
  if (!section.empty()) out << YAML::EndMap;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

int Config::resolved_threads() const {
  if (threads > 0) return threads;
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  // The ranks of a distributed run on one machine (n2v launch, torchrun: LOCAL_WORLD_SIZE) share its
  // cores; each taking them all would put several spinning workers on every core.
  unsigned local_ranks = 1;
  if (const char* env = std::getenv("LOCAL_WORLD_SIZE")) {
    char* end = nullptr;
    const unsigned long value = std::strtoul(env, &end, 10);
    if (end != env && *end == '\0' && value > 1) {
      local_ranks = static_cast<unsigned>(std::min<unsigned long>(value, cores));
    }
  }
  return static_cast<int>(std::max(1u, cores / local_ranks));
}

}  // namespace n2v
