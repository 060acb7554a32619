// Built instead of connect_ranks.cpp without LibTorch: c10d is LibTorch's.
#include "cli/cli.h"
#include "core/errors.h"

namespace n2v {

std::unique_ptr<Transport> connect_ranks(const DistOptions& options) {
  throw UsageError("rank " + std::to_string(options.rank) + " of " + std::to_string(options.world_size) +
                   ": this n2v was built without LibTorch (cmake -DN2V_WITH_TORCH=OFF), whose c10d connects the "
                   "ranks; run one process, or rebuild with it on");
}

}  // namespace n2v
