// Built instead of distributed.cpp with -DN2V_WITH_DISTRIBUTED=OFF (no Gloo headers): a world of
// more than one process is refused, saying why; one process never makes a Communicator.
#include "core/errors.h"
#include "train/distributed.h"

namespace n2v {

struct Communicator::Impl {};

Communicator::Communicator(const DistOptions& options) : options_(options) {
  throw UsageError("rank " + std::to_string(options.rank) + " of " + std::to_string(options.world_size) +
                   ": this n2v was built without distributed training (cmake -DN2V_WITH_DISTRIBUTED=OFF); run "
                   "one process, or rebuild with it on (Debian's libgloo-dev)");
}

Communicator::~Communicator() = default;

// Unreachable: the constructor always throws.
void Communicator::allreduce_sum(float*, std::size_t) {}
void Communicator::allreduce_sum(double*, std::size_t) {}
void Communicator::allreduce_sum(std::uint64_t*, std::size_t) {}
void Communicator::all_to_all(const std::vector<std::string>& outgoing, std::vector<std::string>& incoming) {
  incoming = outgoing;
}
void Communicator::send_receive(const void*, std::size_t, int, void*, std::size_t, int) {}
std::string Communicator::broadcast_bytes(const std::string& bytes) { return bytes; }
Walks Communicator::all_gather_walks(const Walks& mine) { return mine; }
std::int64_t Communicator::sum_rows(const RowSparse& mine, std::int64_t count, std::int64_t, RowExchange,
                                    RowSparse& merged) {
  merged = mine;
  return count;
}

}  // namespace n2v
