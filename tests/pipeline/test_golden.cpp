// Golden outputs (gapbs style): the walks and the Keras examples that configs/ml_small.yaml makes
// with seed 7 on ml-latest-small, hashed. Refactors keep them bit for bit, with any thread count; a
// change that means to alter them updates the hashes and says why in its commit.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "core/config.h"
#include "core/progress.h"
#include "pipeline/pipeline.h"
#include "test_util.h"

namespace n2v {
namespace {

// FNV-1a over the bytes of each vector in turn.
class Fnv {
 public:
  template <typename T>
  Fnv& add(const std::vector<T>& values) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(values.data());
    for (std::size_t i = 0; i < values.size() * sizeof(T); ++i) hash_ = (hash_ ^ bytes[i]) * 1099511628211ull;
    return *this;
  }
  std::uint64_t value() const { return hash_; }

 private:
  std::uint64_t hash_ = 1469598103934665603ull;
};

TEST(Golden, MlSmallSeed7WalksAndExamples) {
  N2V_REQUIRE_ML_SMALL();
  set_quiet(true);
  for (const char* threads : {"1", "2"}) {
    Config config = Config::load(std::string(N2V_SOURCE_DIR) + "/configs/ml_small.yaml");
    config.set("data.dir", testing::shared_data("ml-latest-small").string(), "test");
    config.set("seed", "7", "test");
    config.set("threads", threads, "test");
    config.validate();
    PrepareOptions options;
    options.progress = false;
    const TrainingData data = prepare_training_data(config, options);
    const Walks& walks = data.walks;
    const Examples& examples = data.examples;
    EXPECT_EQ(walks.size(), 7025u) << threads << " threads";
    EXPECT_EQ(Fnv().add(walks.nodes).add(walks.offsets).value(), 0x579ea7aa3c40220cull) << threads << " threads";
    EXPECT_EQ(examples.size(), 882234u) << threads << " threads";
    EXPECT_EQ(Fnv().add(examples.targets).add(examples.contexts).add(examples.labels).add(examples.weights).value(),
              0xb74a695b53d41b83ull)
        << threads << " threads";
  }
}

}  // namespace
}  // namespace n2v
