#pragma once
// `n2v serve`: load model.pt, log what is served, answer HTTP until SIGINT or SIGTERM (the requests
// in service finish first); SIGHUP reloads the model file (server/model_holder.h). Built only with
// N2V_WITH_SERVE; without it run_serve() throws UsageError saying so (serve_unavailable.cpp).
#include <filesystem>

#include "server/http_server.h"

namespace n2v {

struct ServeOptions {
  std::filesystem::path model;
  IndexKind index = IndexKind::Exact;
  ServerOptions server;
};

void run_serve(const ServeOptions& options);

}  // namespace n2v
