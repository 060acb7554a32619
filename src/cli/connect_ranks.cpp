#include "cli/cli.h"
#include "train/distributed.h"

namespace n2v {

std::unique_ptr<Transport> connect_ranks(const DistOptions& options) { return std::make_unique<Communicator>(options); }

}  // namespace n2v
