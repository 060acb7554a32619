// Who this process is in a distributed run: torchrun's environment and the command line's say.
#include "pipeline/dist_options.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "core/errors.h"

namespace n2v {
namespace {

TEST(DistOptions, EnvironmentLikeTorchrun) {
  setenv("RANK", "1", 1);
  setenv("WORLD_SIZE", "4", 1);
  setenv("LOCAL_RANK", "1", 1);
  setenv("MASTER_ADDR", "10.0.0.7", 1);
  setenv("MASTER_PORT", "1234", 1);
  DistOptions options = dist_options_from_env();
  EXPECT_EQ(options.rank, 1);
  EXPECT_EQ(options.world_size, 4);
  EXPECT_EQ(options.local_rank, 1);
  EXPECT_EQ(options.master_addr, "10.0.0.7");
  EXPECT_EQ(options.master_port, 1234);
  setenv("WORLD_SIZE", "two", 1);
  EXPECT_THROW(dist_options_from_env(), UsageError);
  for (const char* name : {"RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"}) unsetenv(name);
  EXPECT_EQ(dist_options_from_env().world_size, 1) << "no environment: one process, no c10d";
  parse_master("[::1]:29501", options);
  EXPECT_EQ(options.master_addr, "[::1]");
  EXPECT_EQ(options.master_port, 29501);
}

}  // namespace
}  // namespace n2v
