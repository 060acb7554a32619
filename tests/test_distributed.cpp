// Distributed training: n2v launch on loopback, the rendezvous and its failures.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>

#include "distributed.h"
#include "errors.h"
#include "keras_reference.h"
#include "loss_report.h"
#include "test_util.h"

namespace n2v {
namespace {

namespace fs = std::filesystem;

std::string train_args(const fs::path& out) {
  return "train --config " + std::string(N2V_SOURCE_DIR) + "/configs/ml_small.yaml --data-dir " +
         testing::shared_data("ml-latest-small").string() + " --out " + out.string();
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// A socket listening on a loopback port the kernel picked: that port is in use while it lives.
class Listener {
 public:
  Listener() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(listen(fd_, 1), 0);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~Listener() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// Free now (the listener is gone), for the tests that need a port nobody serves.
int free_port() { return Listener().port(); }

TEST(Distributed, TwoRanksOnLoopbackTrainTheSingleProcessModel) {
  N2V_REQUIRE_ML_SMALL();
  testing::TempDir dir;
  auto two = testing::run_n2v("launch --nproc 2 -- " + train_args(dir / "two"));
  ASSERT_EQ(two.exit_code, 0) << two.output;
  EXPECT_NE(two.output.find("[rank 0] Epoch 10/10"), std::string::npos) << two.output;
  EXPECT_NE(two.output.find("[rank 1] Epoch 10/10"), std::string::npos) << two.output;
  EXPECT_EQ(count_of(two.output, "] [n2v] export:"), 1u) << "only rank 0 writes the outputs\n" << two.output;
  EXPECT_NE(two.output.find("[rank 0] [n2v] walks: 3512 walks"), std::string::npos) << "each rank walks its half";
  EXPECT_NE(two.output.find("[rank 1] [n2v] walks: 3513 walks"), std::string::npos) << two.output;
  EXPECT_TRUE(fs::exists(dir / "two" / "model.pt"));
  EXPECT_TRUE(fs::exists(dir / "two" / "checkpoint.pt"));

  const std::vector<double> loss = read_loss_csv(dir / "two" / "loss.csv");
  ASSERT_EQ(loss.size(), kKerasReferenceLoss.size());
  for (std::size_t i = 0; i < loss.size(); ++i) {
    EXPECT_NEAR(loss[i], kKerasReferenceLoss[i], 0.01 * kKerasReferenceLoss[i]) << "epoch " << i + 1;
  }
  // The gathered walks, the split batches and the summed gradients make the single-process run,
  // up to the order of float additions.
  auto one = testing::run_n2v(train_args(dir / "one"));
  ASSERT_EQ(one.exit_code, 0) << one.output;
  const std::vector<double> single = read_loss_csv(dir / "one" / "loss.csv");
  ASSERT_EQ(single.size(), loss.size());
  for (std::size_t i = 0; i < loss.size(); ++i) EXPECT_NEAR(loss[i], single[i], 1e-4) << "epoch " << i + 1;
}

TEST(Distributed, AnAbsentRankStopsRankZeroWithinTheTimeoutNamingIt) {
  N2V_REQUIRE_ML_SMALL();
  testing::TempDir dir;
  auto result = testing::run_n2v("train --rank 0 --world-size 2 --master 127.0.0.1:" + std::to_string(free_port()) +
                                 " --set dist.timeout_s=3 " + train_args(dir / "run").substr(6));
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("1 of 2 ranks joined; missing rank(s) 1"), std::string::npos) << result.output;
  EXPECT_FALSE(fs::exists(dir / "run")) << "a failed rendezvous writes nothing";
}

TEST(Distributed, ARankKilledMidTrainingStopsTheOtherNamingIt) {
  N2V_REQUIRE_ML_SMALL();
  testing::TempDir dir;
  // Two ranks started by hand (as torchrun would); rank 1 is killed once rank 0 has trained an epoch.
  const std::string env = "WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(free_port()) + " ";
  const std::string run = std::string(N2V_BINARY) + " " + train_args(dir / "run") + " --epochs 50 --set dist.timeout_s=20";
  const std::string d = dir.path().string();
  const std::string script =
      "RANK=1 " + env + run + " > " + d + "/r1.log 2>&1 & P1=$!; RANK=0 " + env + run + " > " + d +
      "/r0.log 2>&1 & P0=$!; for i in $(seq 1200); do grep -q 'Epoch 1/' " + d +
      "/r0.log && break; sleep 0.05; done; kill -9 $P1; wait $P0; echo $? > " + d + "/r0.rc";
  ASSERT_EQ(std::system(script.c_str()), 0);
  const std::string log = testing::read_text(dir / "r0.log");
  ASSERT_NE(log.find("Epoch 1/50"), std::string::npos) << log;
  EXPECT_EQ(testing::read_text(dir / "r0.rc"), "1\n") << log;
  EXPECT_NE(log.find("n2v: error: rank 0: allreduce failed; rank 1 stopped or hung"), std::string::npos) << log;
  EXPECT_EQ(log.find("Epoch 50/50"), std::string::npos) << "rank 0 stopped early";

  // The last checkpoint survives the crash, and one process continues from it.
  const int done = static_cast<int>(read_loss_csv(dir / "run" / "loss.csv").size());
  ASSERT_GE(done, 1);
  auto resumed = testing::run_n2v(train_args(dir / "run") + " --resume --epochs " + std::to_string(done + 1));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resuming after epoch " + std::to_string(done)), std::string::npos) << resumed.output;
  EXPECT_EQ(read_loss_csv(dir / "run" / "loss.csv").size(), static_cast<std::size_t>(done + 1));
  EXPECT_TRUE(fs::exists(dir / "run" / "model.pt"));
}

TEST(Distributed, ResumeContinuesWithAnotherWorldSize) {
  N2V_REQUIRE_ML_SMALL();
  testing::TempDir dir;
  auto straight = testing::run_n2v(train_args(dir / "straight") + " --epochs 2");
  ASSERT_EQ(straight.exit_code, 0) << straight.output;
  const std::vector<double> expected = read_loss_csv(dir / "straight" / "loss.csv");
  ASSERT_EQ(expected.size(), 2u);
  // Two ranks then one, and one then two: the global batch does not depend on the world size, so
  // both end on the uninterrupted curve (up to the order of float additions).
  for (const auto& [first, second] : {std::pair<int, int>{2, 1}, std::pair<int, int>{1, 2}}) {
    const fs::path out = dir / ("from" + std::to_string(first) + "to" + std::to_string(second));
    auto start = [&](int world) { return world == 1 ? std::string() : "launch --nproc " + std::to_string(world) + " -- "; };
    auto one_epoch = testing::run_n2v(start(first) + train_args(out) + " --epochs 1");
    ASSERT_EQ(one_epoch.exit_code, 0) << one_epoch.output;
    auto resumed = testing::run_n2v(start(second) + train_args(out) + " --epochs 2 --resume");
    ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
    EXPECT_EQ(count_of(resumed.output, "resuming after epoch 1"), static_cast<std::size_t>(second)) << resumed.output;
    const std::vector<double> loss = read_loss_csv(out / "loss.csv");
    ASSERT_EQ(loss.size(), 2u) << out;
    for (std::size_t i = 0; i < loss.size(); ++i) EXPECT_NEAR(loss[i], expected[i], 1e-4) << out << " epoch " << i + 1;
  }
  // A missing checkpoint stops every rank with rank 0's message, and writes nothing.
  auto missing = testing::run_n2v("launch --nproc 2 -- " + train_args(dir / "none") + " --resume");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.output.find("[rank 0] n2v: error: --resume: no checkpoint at"), std::string::npos) << missing.output;
  EXPECT_FALSE(fs::exists(dir / "none"));
}

TEST(Distributed, APortInUseIsAClearErrorAndStopsTheOtherRanks) {
  N2V_REQUIRE_ML_SMALL();
  testing::TempDir dir;
  Listener taken;
  auto result = testing::run_n2v("launch --nproc 2 --master-port " + std::to_string(taken.port()) +
                                 " -- " + train_args(dir / "run") + " --set dist.timeout_s=20");
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("[rank 0] n2v: error: rank 0 cannot serve the rendezvous at 127.0.0.1:" +
                               std::to_string(taken.port())),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("Address already in use"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("rank 0 of 2 exited with code 1; the other ranks were stopped"), std::string::npos)
      << result.output;
}

TEST(Distributed, StreamModeAndBadRanksAreUsageErrors) {
  testing::TempDir dir;
  auto stream = testing::run_n2v("train --world-size 2 --rank 1 --set skipgram.mode=stream --out " +
                                 (dir / "run").string());
  EXPECT_EQ(stream.exit_code, 2) << stream.output;
  EXPECT_NE(stream.output.find("skipgram.mode stream trains in one process"), std::string::npos) << stream.output;
  auto rank = testing::run_n2v("train --world-size 2 --rank 2 --out " + (dir / "run").string());
  EXPECT_EQ(rank.exit_code, 2) << rank.output;
  EXPECT_NE(rank.output.find("rank 2 is outside the world of 2"), std::string::npos) << rank.output;
  auto master = testing::run_n2v("train --world-size 2 --master nowhere --out " + (dir / "run").string());
  EXPECT_EQ(master.exit_code, 2) << master.output;
  EXPECT_NE(master.output.find("expected ADDR:PORT"), std::string::npos) << master.output;
  auto launch = testing::run_n2v("launch --nproc 2 -- walk");
  EXPECT_EQ(launch.exit_code, 2) << launch.output;
  EXPECT_FALSE(fs::exists(dir / "run"));
}

TEST(Distributed, EnvironmentLikeTorchrun) {
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

TEST(Distributed, BenchCommTimesTheAllreduceOfEachSize) {
  auto result = testing::run_n2v("launch --nproc 2 -- bench-comm --rows 10 1000 --dim 8 --repeat 5 --warmup 1");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("[rank 0] allreduce (sum, float32) over 2 ranks at 127.0.0.1:"), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("[rank 0]         10      8       0.00"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("[rank 0]       1000      8       0.03"), std::string::npos) << result.output;
  EXPECT_EQ(result.output.find("[rank 1] allreduce"), std::string::npos) << "rank 0 reports";
  auto alone = testing::run_n2v("bench-comm");
  EXPECT_EQ(alone.exit_code, 2) << alone.output;
  EXPECT_NE(alone.output.find("bench-comm needs a world of 2 or more"), std::string::npos) << alone.output;
}

// Two network namespaces joined by a veth pair stand in for two hosts; needs root and iproute2,
// so it skips where the machine does not allow network namespaces.
TEST(Distributed, TwoHostsOverAVethPairTrainTheSameModel) {
  N2V_REQUIRE_ML_SMALL();
  const char* probe =
      "ip netns add n2v-probe && ip link add n2v-pa netns n2v-probe type veth peer name n2v-pb netns n2v-probe; "
      "rc=$?; ip netns del n2v-probe; exit $rc";
  if (testing::run_shell(probe).exit_code != 0) {
    GTEST_SKIP() << "network namespaces are not available here (need root and iproute2)";
  }
  testing::TempDir dir;
  const std::string script = std::string(N2V_SOURCE_DIR) + "/tools/two-hosts.sh --n2v " + N2V_BINARY + " -- ";
  auto result = testing::run_shell(script + train_args(dir / "run") + " --epochs 2");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("[host A] [n2v] rank 0 of 2 joined 10.77.0.1:29500"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("[host B] Epoch 2/2"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("[host A] [n2v] epoch 1: allreduce of the 0.28 MB gradient"), std::string::npos)
      << result.output;
  const std::vector<double> loss = read_loss_csv(dir / "run" / "loss.csv");
  ASSERT_EQ(loss.size(), 2u);
  for (std::size_t i = 0; i < loss.size(); ++i) {
    EXPECT_NEAR(loss[i], kKerasReferenceLoss[i], 0.01 * kKerasReferenceLoss[i]) << "epoch " << i + 1;
  }
  EXPECT_EQ(testing::run_shell("ip netns list | grep -c n2v-host").output, "0\n") << "the namespaces are removed";
}

}  // namespace
}  // namespace n2v
