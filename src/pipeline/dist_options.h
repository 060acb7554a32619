#pragma once
// Who this process is in a data-parallel run (rank, world size, rendezvous address), from
// torchrun's environment and the command line. Torch-free: `n2v launch` and the command line need
// it without c10d (train/distributed.h is the c10d side).
#include <optional>
#include <string>

namespace n2v {

struct DistOptions {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  double timeout_s = 60;  // rendezvous and every collective
};

// torchrun's variables: RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT (unset ones keep
// the defaults above). Throws UsageError naming the variable when one is malformed.
DistOptions dist_options_from_env();
// "ADDR:PORT" into options.master_addr / master_port; UsageError when malformed.
void parse_master(const std::string& text, DistOptions& options);
// UsageError unless 0 <= rank < world_size and the port is in 1..65535.
void check_dist_options(const DistOptions& options);

// --rank, --world-size and --master ADDR:PORT: the command line's say over the environment.
struct DistOverrides {
  std::optional<int> rank, world_size;
  std::string master;
};
// torchrun's environment, then `overrides`, with `timeout_s`; checked as above.
DistOptions resolve_dist_options(const DistOverrides& overrides, double timeout_s);

}  // namespace n2v
