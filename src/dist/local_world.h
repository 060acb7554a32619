#pragma once
// A world of ranks as threads of one process, joined by shared memory: the walks across ranks
// run on it in tests and benchmarks exactly as over c10d, without sockets.
#include <functional>
#include <memory>

#include "dist/transport.h"

namespace n2v {

class LocalWorld {
 public:
  explicit LocalWorld(int world_size);
  ~LocalWorld();
  // Runs body(rank's transport) on world_size threads, one a rank, and rethrows the first
  // exception a rank threw; the other ranks' collectives then throw instead of waiting forever.
  void run(const std::function<void(Transport&)>& body);

 private:
  struct Shared;
  class Rank;
  std::shared_ptr<Shared> shared_;
};

}  // namespace n2v
