#include "core/config.h"

#include <gtest/gtest.h>

#include <cctype>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
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
  for (const Case& c : {Case{"walk.p=0", "walk.p = 0", "> 0"}, Case{"walk.q=-1", "walk.q = -1", "> 0"},
                        Case{"graph.min_rating=6", "graph.min_rating = 6", "[0.5, 5]"},
                        Case{"graph.min_rating=0.25", "graph.min_rating = 0.25", "[0.5, 5]"},
                        Case{"train.embedding_dim=0", "train.embedding_dim = 0", "[1, 100000]"},
                        Case{"train.batch_size=0", "train.batch_size = 0", "[1, 100000000]"},
                        Case{"train.learning_rate=0", "train.learning_rate = 0", "> 0"}}) {
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

}  // namespace
}  // namespace n2v
