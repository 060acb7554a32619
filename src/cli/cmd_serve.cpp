// n2v serve --model M [--host H] [--port P] [--threads N] [--index exact|hnsw]: the similar-movies
// HTTP service and web page on an exported model.pt, or on the ranks' files of a run whose tables
// were written per rank (src/server/, docs/serving.md).
#include <memory>

#include "cli/cli.h"
#include "server/serve.h"

namespace n2v {

void add_serve_command(CLI::App& app) {
  auto options = std::make_shared<ServeOptions>();
  auto index = std::make_shared<std::string>("exact");
  CLI::App* command =
      app.add_subcommand("serve", "Serve similar movies, recommendations and a web page over HTTP from a model.pt");
  command
      ->add_option("-m,--model", options->model,
                   "model.pt written by n2v train, or embeddings.manifest.json with the ranks' files of "
                   "dist.tables per_rank and vocabulary.tsv beside it")
      ->required();
  command->add_option("--host", options->server.host, "address to listen on (default 127.0.0.1: this machine only)");
  command->add_option("--port", options->server.port, "TCP port (default 8080; 0 = any free port, logged)")
      ->check(CLI::Range(0, 65535));
  command->add_option("--threads", options->server.threads,
                      "worker threads, each serving one connection at a time (default 0 = twice the cores, at least 8)");
  command->add_option("--queue", options->server.max_queued,
                      "connections waiting for a worker beyond which requests get 503 (default 256)");
  command->add_option("--index", *index,
                      "exact (cosine over every movie, the default) or hnsw (approximate, for 10^5+ movies; "
                      "recall@10 against exact is logged at start-up)")
      ->check(CLI::IsMember({"exact", "hnsw"}));
  command->callback([options, index] {
    options->index = *index == "hnsw" ? IndexKind::Hnsw : IndexKind::Exact;
    run_serve(*options);
  });
}

}  // namespace n2v
