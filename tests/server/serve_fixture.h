#pragma once
// What the server tests share: one model.pt trained on ml-latest-small per test process (the
// Keras config, 3 epochs: about a second), and a server on an ephemeral port of 127.0.0.1,
// started per test and stopped (in-flight requests finished) at its end.
#include <httplib.h>

#include <fmt/format.h>

#include <cctype>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "server/http_server.h"
#include "test_util.h"

namespace n2v::testing {

// The model trained once for this process; skips (or fails in CI) without ml-latest-small.
inline const fs::path& trained_model() {
  static TempDir dir;
  static const fs::path model = [] {
    const fs::path run = dir / "run";
    auto train = run_n2v("train --data-dir '" + shared_data("ml-latest-small").string() + "' --out '" + run.string() +
                         "' --epochs 3 --set export.onnx=false");
    if (train.exit_code != 0) ADD_FAILURE() << train.output;
    return run / "model.pt";
  }();
  return model;
}

class RunningServer {
 public:
  RunningServer(const fs::path& model, ServerOptions options = {}, IndexKind index = IndexKind::Exact)
      : models_(model, index) {
    options.port = 0;
    server_ = std::make_unique<HttpServer>(models_, options);
    port_ = server_->bind();
    thread_ = std::thread([this] { server_->run(); });
  }
  ~RunningServer() {
    server_->stop();
    thread_.join();
  }
  int port() const { return port_; }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(30, 0);
    return c;
  }
  ModelHolder& models() { return models_; }

 private:
  ModelHolder models_;
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
  std::thread thread_;
};

// GET or POST, the body parsed as JSON (null when it is not JSON); status -1 when no response came.
struct JsonReply {
  int status = -1;
  nlohmann::json body;
  std::string text;
  std::string content_type;
};

inline JsonReply reply_of(const httplib::Result& result) {
  JsonReply reply;
  if (!result) return reply;
  reply.status = result->status;
  reply.text = result->body;
  reply.content_type = result->get_header_value("Content-Type");
  reply.body = nlohmann::json::parse(result->body, nullptr, false);
  return reply;
}

inline JsonReply get(const RunningServer& server, const std::string& target) {
  auto client = server.client();
  return reply_of(client.Get(target));
}

inline JsonReply post(const RunningServer& server, const std::string& target, const std::string& body) {
  auto client = server.client();
  return reply_of(client.Post(target, body, "application/json"));
}

}  // namespace n2v::testing

namespace n2v::testing {

// `text` percent-encoded for a query string.
inline std::string url_encoded(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') out += static_cast<char>(c);
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

}  // namespace n2v::testing
