#include "server/http_server.h"

#include <fmt/format.h>
#include <httplib.h>

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "core/errors.h"
#include "core/progress.h"
#include "core/text.h"
#include "server/api_error.h"
#include "server/metrics.h"
#include "server/web_assets.h"
#include "server/worker_pool.h"

namespace n2v {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kJson = "application/json";

std::string dump(const json& value) {
  // Titles come from files: an invalid byte is replaced rather than failing the response.
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

void send_error(httplib::Response& res, const ApiError& error) {
  res.status = error.status();
  res.set_content(dump(error.body()), kJson);
}

bool is_loopback(const std::string& address) {
  return address == "127.0.0.1" || address == "::1" || address == "::ffff:127.0.0.1";
}

// httplib's own Params type changed over versions (std::multimap, later with another comparator):
// the API takes a plain std::multimap.
QueryParams query_params(const httplib::Request& req) { return QueryParams(req.params.begin(), req.params.end()); }

std::size_t default_threads() {
  return std::max<std::size_t>(8, 2 * std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace

struct HttpServer::Impl {
  ModelHolder& models;
  ServerOptions options;
  httplib::Server server;
  Metrics metrics;
  // The listening socket, seen through httplib's socket-options hook while bind() runs.
  std::atomic<int> listen_socket{-1};
  std::atomic<bool> binding{false};

  // One route: the live model taken once (a reload never changes it under the request), the
  // answer or the ApiError as JSON, the status and latency counted under the route's name.
  using Answer = std::function<std::string(const ServedModel&, const httplib::Request&, httplib::Response&)>;
  httplib::Server::Handler handler(std::string name, Answer answer) {
    return [this, name = std::move(name), answer = std::move(answer)](const httplib::Request& req,
                                                                        httplib::Response& res) {
      const auto start = Clock::now();
      const std::shared_ptr<const ServedModel> model = models.live();
      try {
        res.status = 200;
        std::string body = answer(*model, req, res);
        if (res.get_header_value("Content-Type").empty()) res.set_content(std::move(body), kJson);
      } catch (const ApiError& e) {
        send_error(res, e);
      } catch (const std::exception& e) {
        log_line(fmt::format("serve: {} failed: {}", name, printable_excerpt(e.what(), 300)));
        send_error(res, ApiError(500, "internal error; the server log has the details"));
      }
      metrics.record(name, res.status, std::chrono::duration<double>(Clock::now() - start).count());
    };
  }

  std::size_t target_bytes(const httplib::Request& req) const {
    std::size_t bytes = req.path.size();
    for (const auto& [key, value] : req.params) bytes += key.size() + value.size() + 2;
    return bytes;
  }

  void add_routes() {
    const ApiLimits& limits = options.limits;
    server.Get("/v1/similar", handler("/v1/similar", [&limits](const ServedModel& m, const httplib::Request& req,
                                                                httplib::Response&) {
                 return dump(api_similar(m, query_params(req), limits));
               }));
    server.Post("/v1/similar/batch",
                handler("/v1/similar/batch", [&limits](const ServedModel& m, const httplib::Request& req,
                                                       httplib::Response&) {
                  return dump(api_similar_batch(m, req.body, limits));
                }));
    server.Post("/v1/recommend", handler("/v1/recommend", [&limits](const ServedModel& m, const httplib::Request& req,
                                                                     httplib::Response&) {
                  return dump(api_recommend(m, req.body, limits));
                }));
    server.Get("/v1/search", handler("/v1/search", [&limits](const ServedModel& m, const httplib::Request& req,
                                                              httplib::Response&) {
                 return dump(api_search(m, query_params(req), limits));
               }));
    server.Get("/v1/vector", handler("/v1/vector", [&limits](const ServedModel& m, const httplib::Request& req,
                                                              httplib::Response&) {
                 return dump(api_vector(m, query_params(req), limits));
               }));
    server.Get("/v1/model", handler("/v1/model", [](const ServedModel& m, const httplib::Request&, httplib::Response&) {
                 return dump(api_model(m));
               }));
    server.Get("/v1/map", handler("/v1/map", [](const ServedModel& m, const httplib::Request&, httplib::Response&) {
                 return dump(api_map(m));
               }));
    server.Get("/healthz", handler("/healthz", [](const ServedModel& m, const httplib::Request&, httplib::Response&) {
                 return dump(json{{"status", "ok"}, {"generation", m.generation()}});
               }));
    server.Get("/metrics", handler("/metrics", [this](const ServedModel& m, const httplib::Request&,
                                                      httplib::Response& res) {
                 res.set_content(metrics.render(m.generation()), "text/plain; version=0.0.4");
                 return std::string();
               }));
    // Reloading is for the machine's operator: refused to any other address, whatever --host is.
    server.Post("/admin/reload", handler("/admin/reload", [this](const ServedModel&, const httplib::Request& req,
                                                                 httplib::Response& res) {
                  if (!is_loopback(req.remote_addr))
                    throw ApiError(403, "/admin/reload answers only on the loopback address");
                  const ReloadResult result = models.reload();
                  res.status = result.loaded ? 200 : 422;
                  return dump(json{{"reloaded", result.loaded}, {"generation", result.generation},
                                   {"message", result.message}});
                }));
    server.Get("/(|app\\.js|style\\.css)", handler("/page", [](const ServedModel&, const httplib::Request& req,
                                                               httplib::Response& res) {
                 const WebAsset* asset = find_web_asset(req.path);
                 if (!asset) throw ApiError(404, "no such page");
                 res.set_content(std::string(asset->body), std::string(asset->content_type).c_str());
                 return std::string();
               }));
  }

  void add_guards() {
    server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (WorkerPool::is_rejecting_thread()) {
        send_error(res, ApiError(503, "the server is saturated; retry later"));
        res.set_header("Connection", "close");
        res.set_header("Retry-After", "1");
        metrics.record("saturated", 503, 0.0);
        return httplib::Server::HandlerResponse::Handled;
      }
      if (target_bytes(req) > options.max_target_bytes) {
        send_error(res, ApiError(414, fmt::format("the request target is longer than {} bytes", options.max_target_bytes)));
        metrics.record("too long", 414, 0.0);
        return httplib::Server::HandlerResponse::Handled;
      }
      std::size_t header_bytes = 0;
      for (const auto& [name, value] : req.headers) header_bytes += name.size() + value.size() + 4;
      if (header_bytes > options.max_header_bytes) {
        send_error(res, ApiError(431, fmt::format("the request headers are larger than {} bytes", options.max_header_bytes)));
        res.set_header("Connection", "close");
        metrics.record("too long", 431, 0.0);
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    // The errors httplib answers itself (no route, a body over the limit, a malformed request)
    // get a JSON body too; the routes' own errors already have one.
    server.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;
      std::string message;
      if (res.status == 404) message = "no route " + req.method + " " + quote_excerpt(req.path, 60);
      else if (res.status == 413) message = fmt::format("the body is larger than {} bytes", options.max_body_bytes);
      else message = fmt::format("request refused (HTTP {})", res.status);
      res.set_content(dump(json{{"error", message}, {"status", res.status}}), kJson);
      metrics.record(res.status == 404 ? "unmatched" : "rejected", res.status, 0.0);
    });
  }
};

HttpServer::HttpServer(ModelHolder& models, ServerOptions options) : impl_(new Impl{models, std::move(options), {}, {}}) {
  Impl& s = *impl_;
  if (s.options.threads == 0) s.options.threads = default_threads();
  const std::size_t threads = s.options.threads, queued = s.options.max_queued;
  s.server.new_task_queue = [threads, queued] { return new WorkerPool(threads, queued); };
  s.server.set_payload_max_length(s.options.max_body_bytes);
  s.server.set_read_timeout(s.options.timeout_seconds, 0);
  s.server.set_write_timeout(s.options.timeout_seconds, 0);
  s.server.set_keep_alive_timeout(s.options.timeout_seconds);
  s.server.set_keep_alive_max_count(1000);
  // httplib writes a response's headers and body apart: with Nagle's algorithm the body would
  // wait for the client's delayed ACK (40 ms on Linux).
  s.server.set_tcp_nodelay(true);
  s.server.set_socket_options([&s](auto sock) {  // socket_t: int on POSIX
    httplib::default_socket_options(sock);
    if (s.binding) s.listen_socket = static_cast<int>(sock);
  });
  s.add_routes();
  s.add_guards();
}

HttpServer::~HttpServer() = default;

int HttpServer::bind() {
  Impl& s = *impl_;
  int port = s.options.port;
  s.binding = true;
  if (port == 0) port = s.server.bind_to_any_port(s.options.host);
  else if (!s.server.bind_to_port(s.options.host, port)) port = -1;
  s.binding = false;
  if (port > 0) {
    // httplib 0.11 listens with a backlog of 5 (later ones 128): beyond it a connecting client's
    // SYN is dropped and retried after 1 s, then 3 s. listen() again on the bound socket raises it
    // to the system's limit, so connection bursts queue in the kernel instead.
    if (s.listen_socket >= 0) ::listen(s.listen_socket, SOMAXCONN);
    return port;
  }
  throw UsageError(fmt::format("cannot listen on {}:{} (address in use, or not an address of this machine); "
                               "choose another with --host / --port",
                               s.options.host, s.options.port));
}

void HttpServer::run() { impl_->server.listen_after_bind(); }

void HttpServer::stop() { impl_->server.stop(); }

std::size_t HttpServer::threads() const { return impl_->options.threads; }

}  // namespace n2v
