#include "server/serve.h"

#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <thread>

#include "core/errors.h"
#include "core/progress.h"

namespace n2v {

void run_serve(const ServeOptions& options) {
  // The signals are taken by one thread with sigwait(), not by a handler: reloading and stopping
  // are ordinary code there. They are blocked before any thread starts, so every thread inherits
  // the mask and none of them is interrupted.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  ModelHolder models(options.model, options.index);
  log_line("serve: " + describe_model(*models.live()));
  HttpServer server(models, options.server);
  const int port = server.bind();
  log_line(fmt::format("serve: listening on http://{}:{}/ with {} workers (SIGHUP or POST /admin/reload from "
                       "loopback reloads the model; SIGINT or SIGTERM stops)",
                       options.server.host.find(':') != std::string::npos ? "[" + options.server.host + "]"
                                                                          : options.server.host,
                       port, server.threads()));
  std::atomic<bool> stopping{false};
  std::thread signal_thread([&] {
    for (;;) {
      int received = 0;
      if (sigwait(&signals, &received) != 0) continue;
      if (received == SIGHUP) {
        models.reload();
        continue;
      }
      log_line(fmt::format("serve: {} received, finishing the requests in service", received == SIGINT ? "SIGINT" : "SIGTERM"));
      stopping = true;
      server.stop();
      return;
    }
  });
  server.run();
  // The server ended by itself (its socket failed): the signal thread still waits; wake it.
  if (!stopping) pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  log_line("serve: stopped");
}

}  // namespace n2v
