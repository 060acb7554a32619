// Distributed training: n2v launch on loopback, the rendezvous and its failures.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>

#include "core/errors.h"
#include "eval/keras_reference.h"
#include "eval/loss_report.h"
#include "models/row_sparse.h"
#include "models/skipgram_loss.h"
#include "models/sparse_optimizers.h"
#include "test_util.h"
#include "train/distributed.h"

namespace n2v {
namespace {

using testing::view_of;

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
  EXPECT_EQ(two.output.find("[rank 1] Epoch"), std::string::npos) << "rank 0 alone prints the epochs\n" << two.output;
  EXPECT_EQ(count_of(two.output, "% of the epoch"), 10u) << "one exchange line an epoch, rank 0's\n" << two.output;
  EXPECT_EQ(count_of(two.output, "] [n2v] export:"), 1u) << "only rank 0 writes the outputs\n" << two.output;
  EXPECT_NE(two.output.find("[rank 0] [n2v] walks: 3512 walks"), std::string::npos) << "each rank walks its half";
  EXPECT_NE(two.output.find("[rank 1] [n2v] walks: 3513 walks"), std::string::npos) << two.output;
  EXPECT_TRUE(fs::exists(dir / "two" / "checkpoint.pt"));
  // The exported model loads like any other.
  auto similar = testing::run_n2v("similar --model " + (dir / "two" / "model.pt").string() +
                                  " --title 'Matrix, The (1999)' -k 5");
  ASSERT_EQ(similar.exit_code, 0) << similar.output;
  EXPECT_NE(similar.output.find("Star Wars"), std::string::npos) << similar.output;

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
  // Stream mode: the lazy Adam moments travel in the checkpoint too.
  const std::string stream = " --set skipgram.mode=stream";
  auto stream_straight = testing::run_n2v(train_args(dir / "stream_straight") + stream + " --epochs 2");
  ASSERT_EQ(stream_straight.exit_code, 0) << stream_straight.output;
  auto stream_first = testing::run_n2v("launch --nproc 2 -- " + train_args(dir / "stream") + stream + " --epochs 1");
  ASSERT_EQ(stream_first.exit_code, 0) << stream_first.output;
  auto stream_resumed = testing::run_n2v(train_args(dir / "stream") + stream + " --epochs 2 --resume");
  ASSERT_EQ(stream_resumed.exit_code, 0) << stream_resumed.output;
  const std::vector<double> stream_expected = read_loss_csv(dir / "stream_straight" / "loss.csv");
  const std::vector<double> stream_loss = read_loss_csv(dir / "stream" / "loss.csv");
  ASSERT_EQ(stream_loss.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) EXPECT_NEAR(stream_loss[i], stream_expected[i], 1e-4) << "stream epoch " << i + 1;

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

TEST(Distributed, BadRanksAndMastersAreUsageErrors) {
  testing::TempDir dir;
  auto rank = testing::run_n2v("train --world-size 2 --rank 2 --out " + (dir / "run").string());
  EXPECT_EQ(rank.exit_code, 2) << rank.output;
  EXPECT_NE(rank.output.find("rank 2 is outside the world of 2"), std::string::npos) << rank.output;
  auto master = testing::run_n2v("train --world-size 2 --master nowhere --out " + (dir / "run").string());
  EXPECT_EQ(master.exit_code, 2) << master.output;
  EXPECT_NE(master.output.find("expected ADDR:PORT"), std::string::npos) << master.output;
  auto launch = testing::run_n2v("launch --nproc 2 -- graph");
  EXPECT_EQ(launch.exit_code, 2) << launch.output;
  EXPECT_FALSE(fs::exists(dir / "run"));
}

std::string stream_args(const fs::path& out, const std::string& optimizer, int epochs = 2) {
  return train_args(out) + " --epochs " + std::to_string(epochs) +
         " --set skipgram.mode=stream --set train.stream_optimizer=" + optimizer + " --set export.onnx=false";
}

TEST(Distributed, StreamModeTwoRanksTrainTheSingleProcessModel) {
  N2V_REQUIRE_ML_SMALL();
  for (const std::string optimizer : {"adam", "sgd"}) {
    SCOPED_TRACE(optimizer);
    testing::TempDir dir;
    auto two = testing::run_n2v("launch --nproc 2 -- " + stream_args(dir / "two", optimizer));
    ASSERT_EQ(two.exit_code, 0) << two.output;
    EXPECT_NE(two.output.find("[rank 0] Epoch 2/2 - 3513 steps"), std::string::npos) << two.output;
    EXPECT_EQ(two.output.find("[rank 1] Epoch"), std::string::npos) << "rank 0 alone prints the epochs\n" << two.output;
    // On ml-latest-small a step touches under half the vocabulary per rank: auto sends the rows.
    EXPECT_NE(two.output.find("[rank 0] [n2v] stream exchange: 7026 row sums (7026 sparse, 0 dense)"),
              std::string::npos)
        << two.output;
    EXPECT_EQ(count_of(two.output, "] [n2v] export:"), 1u) << "only rank 0 writes the outputs\n" << two.output;
    EXPECT_TRUE(fs::exists(dir / "two" / "checkpoint.pt"));

    // The ranks' shares of each batch of walks make the single-process batch, and the summed
    // gradients (adam) or row updates (sgd) the single-process step, up to float order (and for
    // sgd, each rank's sequential pass not seeing the other's updates within a step).
    auto one = testing::run_n2v(stream_args(dir / "one", optimizer));
    ASSERT_EQ(one.exit_code, 0) << one.output;
    const std::vector<double> loss = read_loss_csv(dir / "two" / "loss.csv");
    const std::vector<double> single = read_loss_csv(dir / "one" / "loss.csv");
    ASSERT_EQ(loss.size(), 2u);
    ASSERT_EQ(single.size(), 2u);
    for (std::size_t i = 0; i < loss.size(); ++i) EXPECT_NEAR(loss[i], single[i], 1e-4 * single[i]) << "epoch " << i + 1;
    EXPECT_LT(loss[1], loss[0]);
  }
}

TEST(Distributed, StreamModeDenseAndSparseExchangesTakeTheSameSteps) {
  N2V_REQUIRE_ML_SMALL();
  testing::TempDir dir;
  for (const std::string how : {"sparse", "dense"}) {
    auto run = testing::run_n2v("launch --nproc 2 -- " + stream_args(dir / how, "adam", 1) +
                                " --set dist.exchange=" + how);
    ASSERT_EQ(run.exit_code, 0) << run.output;
    EXPECT_NE(run.output.find(how == "sparse" ? "(3513 sparse, 0 dense)" : "(0 sparse, 3513 dense)"), std::string::npos)
        << run.output;
  }
  // With two ranks both add the same two float rows (a + b), so the weights are bit for bit the same.
  EXPECT_EQ(read_loss_csv(dir / "sparse" / "loss.csv"), read_loss_csv(dir / "dense" / "loss.csv"));
  EXPECT_EQ(testing::read_text(dir / "sparse" / "embeddings.w2v.txt"), testing::read_text(dir / "dense" / "embeddings.w2v.txt"));
}

TEST(Distributed, AggregateModeSparseExchangeTrainsTheSingleProcessModel) {
  N2V_REQUIRE_ML_SMALL();
  testing::TempDir dir;
  // A strong L2 (the Keras 1e-6 hardly moves the loss), so that the test sees the L2 term handled.
  const std::string settings = " --epochs 2 --set train.l2=0.001";
  auto one = testing::run_n2v(train_args(dir / "one") + settings);
  ASSERT_EQ(one.exit_code, 0) << one.output;
  // The touched rows summed, then the L2 term added: the same gradient as the dense allreduce's.
  auto two = testing::run_n2v("launch --nproc 2 -- " + train_args(dir / "sparse") + settings + " --set dist.exchange=sparse");
  ASSERT_EQ(two.exit_code, 0) << two.output;
  EXPECT_NE(two.output.find("[rank 0] [n2v] epoch 2: touched gradient rows summed (dist.exchange sparse: sparse)"),
            std::string::npos)
      << two.output;
  const std::vector<double> single = read_loss_csv(dir / "one" / "loss.csv"), loss = read_loss_csv(dir / "sparse" / "loss.csv");
  ASSERT_EQ(loss.size(), 2u);
  ASSERT_EQ(single.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) EXPECT_NEAR(loss[i], single[i], 1e-4) << "epoch " << i + 1;
}

// What two ranks do with one batch, without processes: each half's gradient, merged, one Adam step.
TEST(Distributed, SplitStreamStepsMatchTheSingleProcessStep) {
  torch::manual_seed(3);
  const std::int64_t vocabulary = 40, dim = 8, n = 300;
  const torch::Tensor start = torch::randn({vocabulary, dim}) * 0.3;
  const torch::Tensor target = torch::randint(1, vocabulary, {n}, torch::kLong);
  const torch::Tensor context = (target + torch::randint(1, vocabulary - 1, {n}, torch::kLong)) % vocabulary;
  const torch::Tensor labels = (torch::rand({n}) < 0.2).to(torch::kFloat);
  const std::int64_t half = 140;
  auto first = [&](const torch::Tensor& t) { return t.narrow(0, 0, half); };
  auto second = [&](const torch::Tensor& t) { return t.narrow(0, half, n - half); };
  std::vector<std::int32_t> slots(vocabulary, -1), ids0, ids1;

  for (int steps = 1; steps <= 3; ++steps) {
    torch::Tensor one = start.clone(), two = start.clone();
    LazyAdamState one_state, two_state;
    one_state.reset(vocabulary, dim);
    two_state.reset(vocabulary, dim);
    double one_loss = 0, two_loss = 0;
    for (int s = 0; s < steps; ++s) {
      one_loss = lazy_adam_step(one, one_state, target, context, labels, 0.01, 1e-3);
      RowSparse a, b, merged;
      two_loss = skipgram_row_gradient(two, first(target), first(context), first(labels), 1.0, slots, a);
      two_loss += skipgram_row_gradient(two, second(target), second(context), second(labels), 1.0, slots, b);
      merge_rows({view_of(a, ids0), view_of(b, ids1)}, dim, slots, merged);
      lazy_adam_apply(two, two_state, merged, 1.0f / n, 0.01, 1e-3);
      two_loss /= n;
    }
    EXPECT_NEAR(two_loss, one_loss, 1e-6);
    EXPECT_TRUE(torch::allclose(two, one, 0, 1e-5)) << (two - one).abs().max();
    EXPECT_TRUE(torch::allclose(two_state.m, one_state.m, 0, 1e-6));
    EXPECT_TRUE(torch::allclose(two_state.v, one_state.v, 0, 1e-7));
    EXPECT_EQ(two_state.step, steps);
  }
  EXPECT_EQ(slots, std::vector<std::int32_t>(vocabulary, -1));

  // SGD: one rank's delta, added, is the in-place sequential step.
  torch::Tensor in_place = start.clone(), via_delta = start.clone();
  const double loss = sparse_sgd_step(in_place, target, context, labels, 0.05, 1e-3);
  RowSparse delta;
  const double delta_loss = sparse_sgd_delta(via_delta, target, context, labels, 0.05, 1e-3, slots, delta);
  EXPECT_TRUE(torch::equal(via_delta, start)) << "the delta leaves the weights alone";
  add_rows(via_delta, delta);
  EXPECT_NEAR(delta_loss / n, loss, 1e-12);
  EXPECT_TRUE(torch::allclose(via_delta, in_place, 0, 1e-6)) << (via_delta - in_place).abs().max();
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
  // --timeout obeys dist.timeout_s' rule: no NaN, infinity or zero reaches Gloo.
  for (const char* timeout : {"nan", "inf", "-1", "0", "1e30"}) {
    auto bad = testing::run_n2v(std::string("bench-comm --timeout ") + timeout);
    EXPECT_EQ(bad.exit_code, 2) << timeout << "\n" << bad.output;
    EXPECT_NE(bad.output.find("--timeout: dist.timeout_s = "), std::string::npos) << bad.output;
  }
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
  EXPECT_NE(result.output.find("[host A] Epoch 2/2"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("[host A] [n2v] epoch 1: allreduce of the 0.28 MB gradient"), std::string::npos)
      << result.output;
  const std::vector<double> loss = read_loss_csv(dir / "run" / "loss.csv");
  ASSERT_EQ(loss.size(), 2u);
  for (std::size_t i = 0; i < loss.size(); ++i) {
    EXPECT_NEAR(loss[i], kKerasReferenceLoss[i], 0.01 * kKerasReferenceLoss[i]) << "epoch " << i + 1;
  }
  EXPECT_EQ(testing::run_shell("ip netns list | grep -c n2v-host").output, "0\n") << "the namespaces are removed";
}

// torchrun's agent serves the store itself (TORCHELASTIC_USE_AGENT_STORE): every rank is its client.
TEST(Distributed, RunsUnderTorchrun) {
  N2V_REQUIRE_ML_SMALL();
  if (testing::run_shell("/usr/bin/python3 -c 'import torch.distributed.run'").exit_code != 0) {
    GTEST_SKIP() << "no torchrun (python3-torch) here";
  }
  testing::TempDir dir;
  auto result = testing::run_shell(std::string(N2V_SOURCE_DIR) + "/tools/torchrun.py --nproc_per_node 2 --master_port " +
                                   std::to_string(free_port()) + " --no_python " + N2V_BINARY + " " +
                                   train_args(dir / "run") + " --epochs 1");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(count_of(result.output, "[n2v] rank 1 of 2 joined"), 1u) << result.output;
  EXPECT_EQ(count_of(result.output, "[n2v] export:"), 1u) << "only rank 0 writes\n" << result.output;
  const std::vector<double> loss = read_loss_csv(dir / "run" / "loss.csv");
  ASSERT_EQ(loss.size(), 1u);
  EXPECT_NEAR(loss[0], kKerasReferenceLoss[0], 0.01 * kKerasReferenceLoss[0]);
}

struct LaunchEnd {
  std::string log, rc, ranks_left;
};

// Runs `n2v launch --nproc 2 -- train ...` in the background and, once rank 0 has trained an epoch,
// the shell `action` ($P is the launcher's pid, $RANKS the ranks' pids in rank order). Returns the
// launcher's log, its exit code ("hung" when it has not ended 60 s later) and how many ranks still
// run a second after it ended.
LaunchEnd launch_then(const testing::TempDir& dir, const std::string& settings, const std::string& action) {
  const std::string d = dir.path().string();
  const std::string ranks = "pgrep -f -- '^n2v train .*--out " + (dir.path() / "run").string() + "'";
  const std::string script =
      std::string(N2V_BINARY) + " launch --nproc 2 -- " + train_args(dir.path() / "run") + " --epochs 50 " + settings +
      " > " + d + "/launch.log 2>&1 & P=$!; for i in $(seq 1200); do grep -q 'Epoch 1/' " + d +
      "/launch.log && break; sleep 0.05; done; RANKS=$(" + ranks + " | sort -n); " + action +
      "; for i in $(seq 600); do kill -0 $P 2>/dev/null || break; sleep 0.1; done; "
      "if kill -0 $P 2>/dev/null; then echo hung > " + d + "/rc; kill -9 $P $RANKS; else wait $P; echo $? > " + d +
      "/rc; fi; sleep 1; " + ranks + " | wc -l > " + d + "/left";
  EXPECT_EQ(std::system(script.c_str()), 0);
  return {testing::read_text(dir.path() / "launch.log"), testing::read_text(dir.path() / "rc"),
          testing::read_text(dir.path() / "left")};
}

TEST(Distributed, StoppingTheLauncherStopsEveryRank) {
  N2V_REQUIRE_ML_SMALL();
  testing::TempDir dir;
  auto end = launch_then(dir, "", "kill -TERM $P");  // a scheduler, or kill
  EXPECT_EQ(end.rc, "1\n") << end.log;
  EXPECT_NE(end.log.find("n2v: error: launch stopped by signal 15 (Terminated); all 2 ranks were stopped"),
            std::string::npos)
      << end.log;
  EXPECT_EQ(end.ranks_left, "0\n") << "no rank outlives the launcher";
}

TEST(Distributed, KillingTheLauncherKillsEveryRank) {
  N2V_REQUIRE_ML_SMALL();
  testing::TempDir dir;
  auto end = launch_then(dir, "", "kill -KILL $P");
  EXPECT_EQ(end.rc, "137\n") << end.log;
  EXPECT_EQ(end.ranks_left, "0\n") << "the ranks die with a launcher killed outright";
}

TEST(Distributed, AStoppedRankNeverHangsTheLauncher) {
  N2V_REQUIRE_ML_SMALL();
  testing::TempDir dir;
  // Rank 1 stopped (SIGSTOP, as a debugger or a frozen host would): rank 0 fails after
  // dist.timeout_s, and the launcher must then end rank 1 too, which ignores SIGTERM while stopped.
  auto end = launch_then(dir, "--set dist.timeout_s=3", "kill -STOP $(echo $RANKS | cut -d' ' -f2)");
  EXPECT_EQ(end.rc, "1\n") << end.log;
  EXPECT_NE(end.log.find("n2v: error: rank 0 of 2 exited with code 1; the other ranks were stopped"), std::string::npos)
      << end.log;
  EXPECT_EQ(end.ranks_left, "0\n") << end.log;
}

}  // namespace
}  // namespace n2v
