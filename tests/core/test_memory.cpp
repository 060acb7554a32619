// The up-front memory check: work that cannot fit is refused with the estimate and the keys.
#include "core/memory.h"

#include <gtest/gtest.h>

#include "core/errors.h"

namespace n2v {
namespace {

TEST(Memory, AvailableMemoryIsReadFromProcMeminfo) {
  EXPECT_GT(available_memory_bytes(), 1u << 20) << "Linux has /proc/meminfo's MemAvailable";
}

TEST(Memory, FormatBytesUsesDecimalUnits) {
  EXPECT_EQ(format_bytes(512), "512 bytes");
  EXPECT_EQ(format_bytes(1500), "1.5 kB");
  EXPECT_EQ(format_bytes(3.2e9), "3.2 GB");
  EXPECT_EQ(format_bytes(1e20), "100 EB");
}

TEST(Memory, WorkThatCannotFitIsRefusedWithTheEstimateAndTheKeys) {
  try {
    check_fits_in_memory("the walks", 2e19, "1e+12 walks of 10 nodes", "walk.num_walks or walk.num_steps");
    ADD_FAILURE() << "20 EB accepted";
  } catch (const UsageError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind("the walks needs about 20 EB (1e+12 walks of 10 nodes), more than the ", 0), 0u) << message;
    EXPECT_NE(message.find(" of memory available; lower walk.num_walks or walk.num_steps"), std::string::npos) << message;
  }
  EXPECT_NO_THROW(check_fits_in_memory("a little", 1000, "1 kB", "nothing"));
}

}  // namespace
}  // namespace n2v
