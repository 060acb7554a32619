#pragma once
// n2v serve's HTTP/1.1 server (cpp-httplib): the /v1/ API (server/api.h), /healthz, /metrics, the
// web page compiled into the binary (server/web_assets.h), and the loopback-only reload route,
// with its bounds: a fixed worker pool and bounded queue (503 beyond), body, header and request-line
// sizes, read and write timeouts. Nothing is ever served from disk by path.
#include <cstddef>
#include <memory>
#include <string>

#include "server/api.h"
#include "server/model_holder.h"

namespace n2v {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (bind() says which)
  std::size_t threads = 0;  // workers; 0 = twice the cores, at least 8
  std::size_t max_queued = 256;  // connections waiting for a worker before 503s
  std::size_t max_body_bytes = 64 * 1024;  // larger bodies: 413
  std::size_t max_target_bytes = 2048;  // path and query string; longer: 414
  // All header lines together; more: 431. (httplib itself refuses a line over 8 KiB with 400.)
  std::size_t max_header_bytes = 16 * 1024;
  int timeout_seconds = 5;  // reading a request, writing a response, an idle keep-alive connection
  ApiLimits limits;
};

class HttpServer {
 public:
  HttpServer(ModelHolder& models, ServerOptions options);
  ~HttpServer();
  // Binds the address; returns the port. Throws UsageError when it cannot (in use, bad host).
  int bind();
  // Serves until stop(); the requests in service when stop() is called finish first.
  void run();
  void stop();
  std::size_t threads() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace n2v
