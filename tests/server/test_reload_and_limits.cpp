// The server's behaviour under change and load: reloading the model (atomically, refusing a
// damaged file), a saturated worker pool answering 503, and the HNSW index's measured recall.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "serve_fixture.h"

namespace n2v {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::get;
using testing::JsonReply;
using testing::post;
using testing::RunningServer;

class ServeReload : public ::testing::Test {
 protected:
  void SetUp() override {
    N2V_REQUIRE_ML_SMALL();
    model_ = dir_ / "model.pt";
    fs::copy_file(testing::trained_model(), model_);
  }
  testing::TempDir dir_;
  fs::path model_;
};

TEST_F(ServeReload, TheAdminRouteReloadsAndTheModelRouteShowsTheLiveGeneration) {
  RunningServer server(model_);
  auto reply = post(server, "/admin/reload", "");
  ASSERT_EQ(reply.status, 200) << reply.text;
  EXPECT_EQ(reply.body["reloaded"], true);
  EXPECT_EQ(reply.body["generation"], 2);
  EXPECT_EQ(get(server, "/v1/model").body["generation"], 2);
  EXPECT_NE(get(server, "/metrics").text.find("n2v_model_generation 2\n"), std::string::npos);
}

TEST_F(ServeReload, ADamagedFileIsRefusedAndTheOldModelKeepsServing) {
  RunningServer server(model_);
  const json before = get(server, "/v1/similar?id=2571").body;
  testing::write_text(model_, "PK\x03\x04 this is not a TorchScript archive");
  auto reply = post(server, "/admin/reload", "");
  EXPECT_EQ(reply.status, 422) << reply.text;
  EXPECT_EQ(reply.body["reloaded"], false);
  EXPECT_EQ(reply.body["generation"], 1);
  EXPECT_NE(reply.body["message"].get<std::string>().find("reload refused, generation 1 keeps serving: " +
                                                          model_.string()),
            std::string::npos)
      << reply.body["message"];
  EXPECT_EQ(get(server, "/v1/model").body["generation"], 1);
  EXPECT_EQ(get(server, "/v1/similar?id=2571").body, before);
  // A checkpoint is a torch archive too, but not a model: refused by name.
  fs::copy_file(testing::trained_model().parent_path() / "checkpoint.pt", model_, fs::copy_options::overwrite_existing);
  auto mixed_up = post(server, "/admin/reload", "");
  EXPECT_EQ(mixed_up.status, 422) << mixed_up.text;
  EXPECT_NE(mixed_up.body["message"].get<std::string>().find("checkpoint"), std::string::npos) << mixed_up.text;
  fs::remove(model_);
  EXPECT_EQ(post(server, "/admin/reload", "").status, 422) << "a missing file too";
  EXPECT_EQ(get(server, "/v1/similar?id=2571").body, before);
}

// Clients keep asking while the model is reloaded again and again: every request is answered,
// each from one whole model (the same answer, since the file is the same).
TEST_F(ServeReload, RequestsDuringReloadsAreAllAnswered) {
  ServerOptions options;
  options.threads = 4;
  RunningServer server(model_, options);
  const json expected = get(server, "/v1/similar?id=2571&k=5").body;
  std::atomic<int> failures{0}, answered{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 3; ++c)
    clients.emplace_back([&] {
      auto client = server.client();
      for (int i = 0; i < 150; ++i) {
        auto result = client.Get("/v1/similar?id=2571&k=5");
        if (!result || result->status != 200 || json::parse(result->body) != expected) ++failures;
        ++answered;
      }
    });
  int reloads = 0;
  while (answered < 450 && reloads < 200) {
    ASSERT_EQ(server.models().reload().loaded, true);
    ++reloads;
  }
  for (auto& c : clients) c.join();
  EXPECT_EQ(failures, 0);
  EXPECT_GE(reloads, 1);
  EXPECT_EQ(get(server, "/healthz").body["generation"], reloads + 1);
}

// A connection that holds the only worker (it sends nothing) and an empty queue: the next
// request is answered 503 at once by the rejecting thread, in JSON, asking to retry.
TEST(ServeLimits, ASaturatedServerAnswers503) {
  N2V_REQUIRE_ML_SMALL();
  ServerOptions options;
  options.threads = 1;
  options.max_queued = 0;
  RunningServer server(testing::trained_model(), options);
  const int idle = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(server.port()));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(idle, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  auto client = server.client();
  auto result = client.Get("/v1/similar?id=2571");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 503);
  EXPECT_EQ(json::parse(result->body)["error"], "the server is saturated; retry later");
  EXPECT_EQ(result->get_header_value("Retry-After"), "1");
  close(idle);
  // The worker is free again once the idle connection is gone. It is asked for /metrics
  // itself: the worker that closed the last connection may still count as busy a moment
  // later, so a second request could be the one refused.
  JsonReply metrics;
  for (int attempt = 0; attempt < 100 && metrics.status != 200; ++attempt) {
    metrics = get(server, "/metrics");
    if (metrics.status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.text.find("n2v_http_requests_total{route=\"saturated\",status=\"503\"}"), std::string::npos);
}

// The reload route answers the machine itself only: asked through another address of this
// machine (the server listening on all of them), it is 403 and nothing is reloaded.
TEST(ServeLimits, TheReloadRouteRefusesOtherAddresses) {
  N2V_REQUIRE_ML_SMALL();
  std::string other;
  ifaddrs* addresses = nullptr;
  if (getifaddrs(&addresses) == 0) {
    for (ifaddrs* a = addresses; a && other.empty(); a = a->ifa_next) {
      if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET) continue;
      char text[INET_ADDRSTRLEN];
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr, text, sizeof text);
      if (std::string(text).rfind("127.", 0) != 0) other = text;
    }
    freeifaddrs(addresses);
  }
  if (other.empty()) GTEST_SKIP() << "this machine has no IPv4 address besides loopback";
  ServerOptions options;
  options.host = "0.0.0.0";
  RunningServer server(testing::trained_model(), options);
  httplib::Client client(other, server.port());
  auto result = client.Post("/admin/reload", "", "application/json");
  ASSERT_TRUE(result) << "no answer through " << other;
  EXPECT_EQ(result->status, 403);
  EXPECT_EQ(json::parse(result->body)["error"], "/admin/reload answers only on the loopback address");
  EXPECT_EQ(get(server, "/healthz").body["generation"], 1);
  EXPECT_EQ(post(server, "/admin/reload", "").status, 200) << "loopback may";
}

// A model of an edge list has no movieIds: its nodes are named, in requests and answers.
TEST(ServeEdgeList, NodesAreNamedByTheirNames) {
  testing::TempDir dir;
  testing::write_text(dir / "data/edges.tsv", "a b 1\nb c 1\nc a 1\nc d 1\nd e 1\ne c 1\nd f 1\nf e 1\n");
  auto train = testing::run_n2v("train --set data.format=edgelist --data-dir " + (dir / "data").string() +
                                " --set walk.num_walks=2 --set train.batch_size=8 --set train.embedding_dim=4 --epochs 1"
                                " --set export.onnx=false --out " + (dir / "run").string());
  ASSERT_EQ(train.exit_code, 0) << train.output;
  RunningServer server(dir / "run/model.pt");
  auto reply = get(server, "/v1/similar?id=c&k=5");
  ASSERT_EQ(reply.status, 200) << reply.text;
  EXPECT_EQ(reply.body["query"], json({{"id", "c"}, {"title", "c"}, {"genres", json::array()}}));
  std::vector<std::string> names;
  for (const json& n : reply.body["neighbors"]) names.push_back(n["id"]);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "d", "e", "f"}));
  EXPECT_EQ(get(server, "/v1/model").body["ids"], "node name");
  EXPECT_EQ(get(server, "/v1/similar?id=zz").body["error"], "node 'zz' is not in the model's vocabulary");
}

// The ranks' files of a run whose sgns tables were written per rank (dist.tables per_rank) serve
// through their manifest as the same run's gathered model.pt does.
TEST(ServeManifest, TheRanksFilesServeAsTheGatheredModel) {
  if (!N2V_WITH_DISTRIBUTED) GTEST_SKIP() << "n2v was built without distributed training (Gloo)";
  testing::TempDir dir;
  testing::write_text(dir / "data/edges.tsv", "a b 1\nb c 1\nc a 1\nc d 1\nd e 1\ne c 1\nd f 1\nf e 1\n");
  for (const char* tables : {"gather", "per_rank"}) {
    auto train = testing::run_n2v("launch --nproc 2 -- train --config " + std::string(N2V_SOURCE_DIR) +
                                  "/configs/graph.yaml --data-dir " + (dir / "data").string() +
                                  " --set threads=1 --set dist.partition=shard --set export.onnx=false --epochs 1"
                                  " --set dist.tables=" + tables + " --out " + (dir / tables).string());
    ASSERT_EQ(train.exit_code, 0) << train.output;
  }
  RunningServer whole(dir / "gather/model.pt"), shards(dir / "per_rank/embeddings.manifest.json");
  for (const char* query : {"/v1/similar?id=c&k=5", "/v1/similar?id=f&k=3"}) {
    auto expected = get(whole, query), served = get(shards, query);
    ASSERT_EQ(served.status, 200) << served.text;
    EXPECT_EQ(served.body, expected.body) << query;
  }
  EXPECT_EQ(get(shards, "/v1/model").body["ids"], "node name");
}

TEST(ServeIndex, HnswFindsTheExactNeighboursAndReportsItsRecall) {
  N2V_REQUIRE_ML_SMALL();
  RunningServer exact(testing::trained_model());
  RunningServer hnsw(testing::trained_model(), {}, IndexKind::Hnsw);
  auto facts = get(hnsw, "/v1/model").body;
  EXPECT_EQ(facts["index"]["kind"], "hnsw");
  ASSERT_TRUE(facts["index"].contains("recall_at_10"));
  EXPECT_GE(facts["index"]["recall_at_10"].get<double>(), 0.95);
  EXPECT_LE(facts["index"]["recall_at_10"].get<double>(), 1.0);
  auto a = get(exact, "/v1/similar?id=2571&k=5").body["neighbors"];
  auto b = get(hnsw, "/v1/similar?id=2571&k=5").body["neighbors"];
  ASSERT_EQ(b.size(), 5u);
  EXPECT_EQ(a[0]["id"], b[0]["id"]);
  EXPECT_NEAR(a[0]["score"].get<double>(), b[0]["score"].get<double>(), 1e-5);
}

}  // namespace
}  // namespace n2v
