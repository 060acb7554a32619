#include "core/config.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/errors.h"
#include "test_util.h"

namespace n2v {
namespace {

std::string config_error(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(Config, MlSmallHoldsTheKerasHyperparameters) {
  Config c = Config::load(std::string(N2V_SOURCE_DIR) + "/configs/ml_small.yaml");
  c.validate();
  EXPECT_EQ(c.graph.min_rating, 5.0);
  EXPECT_EQ(c.graph.min_weight, 10.0);
  EXPECT_EQ(c.walk.p, 1.0);
  EXPECT_EQ(c.walk.q, 1.0);
  EXPECT_EQ(c.walk.num_walks, 5);
  EXPECT_EQ(c.walk.num_steps, 10);
  EXPECT_EQ(c.skipgram.window, 10);
  EXPECT_EQ(c.skipgram.negative_samples, 4.0);
  EXPECT_EQ(c.train.batch_size, 1024);
  EXPECT_EQ(c.train.embedding_dim, 50);
  EXPECT_EQ(c.train.epochs, 10);
  EXPECT_EQ(c.train.learning_rate, 0.001);
  EXPECT_EQ(c.train.l2, 1e-6);
  // The values above are the built-in defaults too: each must also have been read from the file,
  // on the line that names its key.
  const std::string file = std::string(N2V_SOURCE_DIR) + "/configs/ml_small.yaml";
  std::vector<std::string> lines;
  std::istringstream text(testing::read_text(file));
  for (std::string line; std::getline(text, line);) lines.push_back(line);
  for (const char* key : {"graph.min_rating", "graph.min_weight", "walk.p", "walk.q", "walk.num_walks",
                          "walk.num_steps", "skipgram.window", "skipgram.negative_samples", "train.batch_size",
                          "train.embedding_dim", "train.epochs", "train.learning_rate", "train.l2"}) {
    ASSERT_TRUE(c.origin.count(key)) << key << " is not set in " << file;
    const std::string& origin = c.origin.at(key);
    ASSERT_EQ(origin.rfind(file + ":", 0), 0u) << key << " comes from " << origin;
    const std::size_t line = std::stoul(origin.substr(file.size() + 1));
    ASSERT_TRUE(line >= 1 && line <= lines.size()) << origin;
    const std::string leaf = std::string(key).substr(std::string(key).find('.') + 1);
    EXPECT_EQ(lines[line - 1].rfind("  " + leaf + ":", 0), 0u) << key << " at " << origin << ": " << lines[line - 1];
  }
}

// threads: 0 is every core, shared between the local ranks of a distributed run (LOCAL_WORLD_SIZE);
// an explicit count is kept, and a value that is not a count leaves the cores undivided.
TEST(Config, ZeroThreadsAreTheCoresSharedBetweenTheLocalRanks) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  Config config;
  unsetenv("LOCAL_WORLD_SIZE");
  EXPECT_EQ(config.resolved_threads(), cores);
  setenv("LOCAL_WORLD_SIZE", "2", 1);
  EXPECT_EQ(config.resolved_threads(), std::max(1, cores / 2));
  setenv("LOCAL_WORLD_SIZE", "1000", 1);
  EXPECT_EQ(config.resolved_threads(), 1);
  setenv("LOCAL_WORLD_SIZE", "two", 1);
  EXPECT_EQ(config.resolved_threads(), cores);
  config.threads = 3;
  setenv("LOCAL_WORLD_SIZE", "2", 1);
  EXPECT_EQ(config.resolved_threads(), 3);
  unsetenv("LOCAL_WORLD_SIZE");
}

TEST(Config, UnknownKeyNamesItselfAndTheNearestKey) {
  testing::TempDir dir;
  testing::write_text(dir / "c.yaml", "walk:\n  p: 1\n  qq: 2\n");
  std::string message = config_error([&] { Config::load(dir / "c.yaml"); });
  EXPECT_NE(message.find("c.yaml:3"), std::string::npos) << message;
  EXPECT_NE(message.find("'walk.qq'"), std::string::npos) << message;
  EXPECT_NE(message.find("did you mean 'walk.q'"), std::string::npos) << message;
  Config c;
  message = config_error([&] { c.set("graph.min_wieght=5"); });
  EXPECT_NE(message.find("did you mean 'graph.min_weight'"), std::string::npos) << message;
  message = config_error([&] { c.set("trian.epochs=5"); });
  EXPECT_NE(message.find("did you mean 'train.epochs'"), std::string::npos) << message;
}

TEST(Config, OutOfRangeValuesNameKeyValueAndRange) {
  struct Case { const char* assignment; const char* key; const char* range; };
  for (const Case& c : {Case{"walk.p=0", "walk.p = 0", "[1e-100, 1e+100]"},
                        Case{"walk.q=-1", "walk.q = -1", "[1e-100, 1e+100]"},
                        Case{"graph.min_rating=6", "graph.min_rating = 6", "[0.5, 5]"},
                        Case{"graph.min_rating=0.25", "graph.min_rating = 0.25", "[0.5, 5]"},
                        Case{"train.embedding_dim=0", "train.embedding_dim = 0", "[1, 100000]"},
                        Case{"train.batch_size=0", "train.batch_size = 0", "[1, 100000000]"},
                        Case{"train.learning_rate=0", "train.learning_rate = 0", "[1e-30, 1e+30]"},
                        // Accepted by "> 0" once, where the arithmetic is no longer exact:
                        Case{"walk.p=1e-308", "walk.p = 1e-308", "[1e-100, 1e+100]"},
                        Case{"walk.q=1e101", "walk.q = 1e+101", "[1e-100, 1e+100]"},
                        Case{"train.learning_rate=1e-40", "train.learning_rate = 1e-40", "[1e-30, 1e+30]"},
                        Case{"train.stream_learning_rate=1e31", "train.stream_learning_rate = 1e+31", "[1e-30, 1e+30]"},
                        Case{"train.l2=1e-35", "train.l2 = 1e-35", "0 or [1e-30, 1e+30]"},
                        Case{"graph.min_weight=-1", "graph.min_weight = -1", ">= 0"},
                        Case{"dist.timeout_s=1e-9", "dist.timeout_s = 1e-09", "[0.001, 86400]"},
                        Case{"walk.num_walks=-1", "walk.num_walks = -1", "[1, 1000000]"}}) {
    Config config;
    config.set(c.assignment, "--set");
    std::string message = config_error([&] { config.validate(); });
    EXPECT_NE(message.find(c.key), std::string::npos) << message;
    EXPECT_NE(message.find(c.range), std::string::npos) << message;
    EXPECT_NE(message.find("--set"), std::string::npos) << message;
  }
}

TEST(Config, BadValuesAndChoices) {
  Config c;
  EXPECT_NE(config_error([&] { c.set("walk.p=abc"); }).find("'abc' is not a number"), std::string::npos);
  EXPECT_NE(config_error([&] { c.set("walk.num_walks=2.5"); }).find("not an integer"), std::string::npos);
  EXPECT_NE(config_error([&] { c.set("graph.directed=maybe"); }).find("true or false"), std::string::npos);
  EXPECT_NE(config_error([&] { c.set("nonsense"); }).find("KEY=VALUE"), std::string::npos);
  EXPECT_NE(config_error([&] { c.set("train.device=gpu"); }).find("cpu, cuda, auto"), std::string::npos);
}

// Every key with a fixed set of values and the names it accepts, in table order.
struct ChoiceKey {
  const char* key;
  std::vector<std::string> names;
};
const std::vector<ChoiceKey>& choice_keys() {
  static const std::vector<ChoiceKey> keys{{"data.format", {"movielens", "edgelist"}},
                                           {"graph.self_loops", {"drop", "error"}},
                                           {"skipgram.mode", {"aggregate", "stream"}},
                                           {"skipgram.negative_distribution", {"uniform", "unigram"}},
                                           {"train.stream_optimizer", {"adam", "sgd"}},
                                           {"train.device", {"cpu", "cuda", "auto"}},
                                           {"dist.exchange", {"auto", "sparse", "dense"}}};
  return keys;
}

// `leaf: "value"` as to_yaml writes the key.
std::string yaml_line(const std::string& key, const std::string& value) {
  return "  " + key.substr(key.find('.') + 1) + ": \"" + value + "\"\n";
}

TEST(Config, ChoiceKeysParseEveryNameIntoTheirEnum) {
  Config c;
  c.set("data.format=edgelist");
  EXPECT_EQ(c.data.format, DataFormat::EdgeList);
  c.set("graph.self_loops=error");
  EXPECT_EQ(c.graph.self_loops, SelfLoops::Error);
  c.set("skipgram.mode=stream");
  EXPECT_EQ(c.skipgram.mode, SkipGramMode::Stream);
  c.set("skipgram.negative_distribution=unigram");
  EXPECT_EQ(c.skipgram.negative_distribution, NegativeDistribution::Unigram);
  c.set("train.stream_optimizer=sgd");
  EXPECT_EQ(c.train.stream_optimizer, StreamOptimizer::Sgd);
  c.set("train.device=auto");
  EXPECT_EQ(c.train.device, TrainDevice::Auto);
  c.set("train.device=cuda");
  EXPECT_EQ(c.train.device, TrainDevice::Cuda);
  c.set("dist.exchange=sparse");
  EXPECT_EQ(c.dist.exchange, RowExchange::Sparse);
  c.set("dist.exchange=dense");
  EXPECT_EQ(c.dist.exchange, RowExchange::Dense);
  // And back to the first name of each.
  for (const auto& [key, names] : choice_keys()) c.set(std::string(key) + "=" + names.front());
  EXPECT_EQ(c.data.format, DataFormat::MovieLens);
  EXPECT_EQ(c.graph.self_loops, SelfLoops::Drop);
  EXPECT_EQ(c.skipgram.mode, SkipGramMode::Aggregate);
  EXPECT_EQ(c.skipgram.negative_distribution, NegativeDistribution::Uniform);
  EXPECT_EQ(c.train.stream_optimizer, StreamOptimizer::Adam);
  EXPECT_EQ(c.train.device, TrainDevice::Cpu);
  EXPECT_EQ(c.dist.exchange, RowExchange::Auto);
}

TEST(Config, ChoiceKeysRefuseOtherTextNamingKeyOriginAndTheNames) {
  for (const auto& [key, names] : choice_keys()) {
    std::string accepted;
    for (const auto& n : names) accepted += (accepted.empty() ? "" : ", ") + n;
    Config c;
    // Names are exact: no other case, no blanks around them.
    for (const std::string& bad : std::vector<std::string>{"streem", "", names.front() + " ", "X" + names.front()}) {
      const std::string message = config_error([&, key = key] { c.set(std::string(key) + "=" + bad, "--set"); });
      EXPECT_EQ(message, "--set: " + std::string(key) + ": '" + bad + "' is not one of: " + accepted);
    }
    std::string upper = names.front();
    for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    EXPECT_NE(config_error([&, key = key] { c.set(std::string(key) + "=" + upper); }), "") << key;
    EXPECT_EQ(c.to_yaml(), Config{}.to_yaml()) << "a refused value leaves the key as it was";
  }
  testing::TempDir dir;
  testing::write_text(dir / "c.yaml", "walk:\n  p: 1\nskipgram:\n  window: 5\n  mode: streem\n");
  const std::string message = config_error([&] { Config::load(dir / "c.yaml"); });
  EXPECT_EQ(message, (dir / "c.yaml").string() + ":5: skipgram.mode: 'streem' is not one of: aggregate, stream");
}

TEST(Config, ChoiceKeysWriteTheirNamesBackAndRoundTrip) {
  const std::string defaults = Config{}.to_yaml();
  for (const auto& [key, names] : choice_keys()) {
    EXPECT_NE(defaults.find(yaml_line(key, names.front())), std::string::npos) << key << "\n" << defaults;
    for (const auto& name : names) {
      Config a;
      a.set(key, name, "test");
      const std::string yaml = a.to_yaml();
      EXPECT_NE(yaml.find(yaml_line(key, name)), std::string::npos) << key << "=" << name << "\n" << yaml;
      testing::TempDir dir;
      testing::write_text(dir / "saved.yaml", yaml);
      EXPECT_EQ(Config::load(dir / "saved.yaml").to_yaml(), yaml) << key << "=" << name;
    }
  }
}

TEST(Config, ChoiceHelpersReadOneTable) {
  EXPECT_EQ(choice_name(SkipGramMode::Stream), "stream");
  EXPECT_EQ(parse_choice<SkipGramMode>("aggregate"), SkipGramMode::Aggregate);
  EXPECT_EQ(parse_choice<SkipGramMode>("Aggregate"), std::nullopt);
  EXPECT_EQ(choice_names<TrainDevice>(), (std::vector<std::string>{"cpu", "cuda", "auto"}));
  EXPECT_EQ(choice_list<RowExchange>(), "auto, sparse, dense");
}

TEST(Config, EdgeListHoldoutMessageNamesTheFormat) {
  Config c;
  c.set("data.format=edgelist");
  c.set("eval.holdout_latest=0.2");
  const std::string message = config_error([&] { c.validate(); });
  EXPECT_NE(message.find("--set: eval.holdout_latest needs rated data"), std::string::npos) << message;
  EXPECT_NE(message.find("not edgelist;"), std::string::npos) << message;
}

TEST(Config, YamlRoundTripKeepsEveryValue) {
  Config a;
  a.set("walk.p=0.25");
  a.set("walk.q=4");
  a.set("train.l2=1e-6");
  a.set("data.dir=some dir/with: colon");
  a.set("graph.directed=true");
  testing::TempDir dir;
  testing::write_text(dir / "saved.yaml", a.to_yaml());
  Config b = Config::load(dir / "saved.yaml");
  EXPECT_EQ(a.to_yaml(), b.to_yaml());
  EXPECT_EQ(b.walk.p, 0.25);
  EXPECT_EQ(b.data.dir, "some dir/with: colon");
  EXPECT_TRUE(b.graph.directed);
}

TEST(Config, InvalidYamlNamesTheLine) {
  testing::TempDir dir;
  testing::write_text(dir / "bad.yaml", "walk:\n  p: 1\n  q: a: b\n  num_walks: 5\n");
  std::string message = config_error([&] { Config::load(dir / "bad.yaml"); });
  EXPECT_EQ(message, (dir / "bad.yaml").string() + ":3: invalid YAML: illegal map value");
}

TEST(Config, RangeEndsAreAccepted) {
  Config c;
  for (const char* assignment : {"walk.p=1e-100", "walk.q=1e100", "train.l2=0", "train.l2=1e-30", "train.learning_rate=1e30",
                                 "graph.min_weight=0", "dist.timeout_s=0.001"}) {
    c.set(assignment, "--set");
    EXPECT_NO_THROW(c.validate()) << assignment;
  }
}

TEST(Config, ADuplicateKeyNamesBothLines) {
  testing::TempDir dir;
  testing::write_text(dir / "c.yaml", "walk:\n  p: 1\n  q: 2\n  p: 4\n");
  std::string message = config_error([&] { Config::load(dir / "c.yaml"); });
  EXPECT_EQ(message, (dir / "c.yaml").string() + ":4: 'walk.p' is set twice, on lines 2 and 4; keep one");
  // A section given twice is the same mistake one level up.
  testing::write_text(dir / "s.yaml", "walk:\n  p: 1\ntrain:\n  epochs: 2\nwalk:\n  q: 2\n");
  message = config_error([&] { Config::load(dir / "s.yaml"); });
  EXPECT_NE(message.find("s.yaml:5: 'walk' is set twice, on lines 1 and 5"), std::string::npos) << message;
}

TEST(Config, AKeyThatIsAListOrMapIsAConfigErrorNamingFileAndLine) {
  testing::TempDir dir;
  testing::write_text(dir / "c.yaml", "walk:\n  p: 1\n? [a, b]\n: 1\n");
  std::string message = config_error([&] { Config::load(dir / "c.yaml"); });
  EXPECT_EQ(message.rfind((dir / "c.yaml").string() + ":3: a config key must be a plain name, not a list", 0), 0u)
      << message;
  testing::write_text(dir / "m.yaml", "walk:\n  ? {a: 1}\n  : 2\n");
  message = config_error([&] { Config::load(dir / "m.yaml"); });
  EXPECT_NE(message.find("m.yaml:2: a config key must be a plain name, not a map"), std::string::npos) << message;
}

TEST(Config, AMapOrListWhereAValueBelongsSaysSo) {
  testing::TempDir dir;
  testing::write_text(dir / "c.yaml", "walk:\n  num_walks:\n    a: 1\n");
  std::string message = config_error([&] { Config::load(dir / "c.yaml"); });
  EXPECT_EQ(message, (dir / "c.yaml").string() + ":2: walk.num_walks takes a single value, not a map");
  testing::write_text(dir / "l.yaml", "seed: [1, 2]\n");
  message = config_error([&] { Config::load(dir / "l.yaml"); });
  EXPECT_EQ(message, (dir / "l.yaml").string() + ":1: seed takes a single value, not a list");
  testing::write_text(dir / "s.yaml", "walk: 5\n");
  message = config_error([&] { Config::load(dir / "s.yaml"); });
  EXPECT_EQ(message, (dir / "s.yaml").string() + ":1: walk is a section: it takes 'key: value' lines, not a single value");
  testing::write_text(dir / "e.yaml", "walk:\ntrain:\n  epochs: 3\n");  // an empty section keeps its defaults
  EXPECT_EQ(Config::load(dir / "e.yaml").train.epochs, 3);
}

TEST(Config, DeepNestingIsNamedNotABadFile) {
  testing::TempDir dir;
  testing::write_text(dir / "deep.yaml", "walk: " + std::string(100000, '[') + std::string(100000, ']') + "\n");
  std::string message = config_error([&] { Config::load(dir / "deep.yaml"); });
  EXPECT_NE(message.find("deep.yaml:1: invalid YAML: nested too deeply"), std::string::npos) << message;
  EXPECT_EQ(message.find("bad file"), std::string::npos) << message;
}

TEST(Config, AHugeValueIsQuotedAsAShortExcerpt) {
  testing::TempDir dir;
  const std::string huge(10 << 20, '7');
  testing::write_text(dir / "c.yaml", "walk:\n  p: \"x" + huge + "\"\n");
  std::string message = config_error([&] { Config::load(dir / "c.yaml"); });
  EXPECT_LT(message.size(), 200u) << message.substr(0, 300);
  EXPECT_NE(message.find("c.yaml:2: walk.p: 'x777"), std::string::npos) << message;
  EXPECT_NE(message.find("... (10485761 bytes) is not a number"), std::string::npos) << message;
  Config c;
  message = config_error([&] { c.set("walk.p=\x1b[31mred"); });
  EXPECT_NE(message.find("'\\x1B[31mred' is not a number"), std::string::npos) << message;
  message = config_error([&] { c.set(huge + "=1"); });
  EXPECT_LT(message.size(), 200u) << message.substr(0, 300);
  EXPECT_NE(message.find("unknown config key '777"), std::string::npos) << message;
}

TEST(Config, ANegativeSeedIsRefusedNotWrapped) {
  Config c;
  std::string message = config_error([&] { c.set("seed=-5"); });
  EXPECT_NE(message.find("seed: '-5' is not an integer from 0 to"), std::string::npos) << message;
}

// ---- The same rules seen from the command line (config errors exit 2). ----

TEST(ConfigCommand, YamlProblemsExitTwoNamingTheFile) {
  testing::TempDir dir;
  testing::write_text(dir / "list-key.yaml", "? [a, b]\n: 1\n");
  testing::write_text(dir / "twice.yaml", "walk:\n  p: 1\n  p: 2\n");
  for (const char* file : {"list-key.yaml", "twice.yaml"}) {
    auto result = testing::run_n2v("graph --config " + (dir / file).string() + " --out " + (dir / "out").string());
    EXPECT_EQ(result.exit_code, 2) << result.output;
    EXPECT_NE(result.output.find((dir / file).string() + ":"), std::string::npos) << result.output;
    EXPECT_EQ(result.output.find("yaml-cpp"), std::string::npos) << result.output;
    EXPECT_EQ(result.output.find("unexpected error"), std::string::npos) << result.output;
  }
}

TEST(ConfigCommand, NegativeNumbersForUnsignedOptionsAreRefusedNotWrapped) {
  testing::TempDir dir;
  const std::string out = " --out " + (dir / "out").string();
  struct Case { std::string arguments, expected; };
  for (const Case& c : {Case{"graph --seed -5" + out, "must be 0 or more, not '-5'"},
                        Case{"graph --threads -1" + out, "threads = -1 is out of range"},
                        Case{"graph --set walk.num_walks=-1" + out, "walk.num_walks = -1 is out of range"},
                        Case{"graph --set seed=-5" + out, "seed: '-5' is not an integer from 0 to"},
                        Case{"synth --users -3" + out, "must be 0 or more, not '-3'"},
                        Case{"synth --ratings -100" + out, "must be 0 or more, not '-100'"},
                        Case{"synth --users 9 --movies 9 --ratings 90 --threads -5" + out,
                             "--threads: threads = -5 is out of range: it must be [0, 1024]"},
                        Case{"synth --users 9 --movies 9 --ratings 90 --threads 100000" + out,
                             "--threads: threads = 100000 is out of range"}}) {
    auto result = testing::run_n2v(c.arguments);
    EXPECT_EQ(result.exit_code, 2) << c.arguments << "\n" << result.output;
    EXPECT_NE(result.output.find(c.expected), std::string::npos) << c.arguments << "\n" << result.output;
    EXPECT_EQ(result.output.find("18446744073709551"), std::string::npos) << result.output;
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "out"));
}

// std::filesystem's exceptions become n2v's one-line errors naming the path, never "internal error".
TEST(ConfigCommand, PathsTheSystemCannotFollowAreErrorsNotInternalErrors) {
  testing::TempDir dir;
  std::filesystem::create_symlink(dir / "b", dir / "a");
  std::filesystem::create_symlink(dir / "a", dir / "b");
  const std::string out = " --out " + (dir / "out").string();
  for (const std::string& data_dir : {(dir / "a").string(), (dir / std::string(300, 'x')).string()}) {
    auto result = testing::run_n2v("graph --data-dir " + data_dir + out);
    EXPECT_EQ(result.exit_code, 1) << result.output;
    EXPECT_NE(result.output.find("n2v: error: cannot use '"), std::string::npos) << result.output;
    EXPECT_EQ(result.output.find("internal error"), std::string::npos) << result.output;
    EXPECT_LT(result.output.size(), 400u) << "the path is shortened: " << result.output;
  }
}

TEST(ConfigCommand, HugeValuesAreQuotedShort) {
  testing::TempDir dir;
  const std::string huge(100000, '9');
  for (const std::string& arguments : {"graph --set walk.p=x" + huge, "graph --threads x" + huge,
                                       "graph --set " + huge + "=1"}) {
    auto result = testing::run_n2v(arguments + " --out " + (dir / "out").string());
    EXPECT_EQ(result.exit_code, 2) << result.output.substr(0, 500);
    EXPECT_LT(result.output.size(), 600u) << result.output.substr(0, 1000);
    EXPECT_NE(result.output.find("... (1000"), std::string::npos) << result.output.substr(0, 1000);  // the size
  }
}

TEST(ConfigCommand, WalksThatCannotFitAreRefusedUpFront) {
  testing::TempDir dir;
  testing::write_text(dir / "edges.tsv", "a b\nb c\nc a\n");
  auto result = testing::run_n2v("walk --set data.format=edgelist --data-dir " + dir.path().string() +
                                 " --set walk.num_walks=1000000 --set walk.num_steps=1000000 --out " +
                                 (dir / "out").string());
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("walking needs about 12 TB (3000000 walks of 1000000 nodes), more than the"),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("lower walk.num_walks or walk.num_steps"), std::string::npos) << result.output;
  EXPECT_EQ(result.output.find("bad_alloc"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace n2v
