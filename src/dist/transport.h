#pragma once
// What the walks across ranks need from the ranks' connection, torch-free: train/distributed.h's
// Communicator carries it over c10d (Gloo), dist/local_world.h between threads of one process.
#include <cstdint>
#include <string>
#include <vector>

namespace n2v {

class Transport {
 public:
  virtual ~Transport() = default;
  virtual int rank() const = 0;
  virtual int world_size() const = 0;
  // Collective: every rank sends outgoing[r] to rank r and gets back incoming[r], what rank r sent it.
  std::vector<std::string> all_to_all(const std::vector<std::string>& outgoing);
  // The same into `incoming` (resized to world_size() messages): a caller that exchanges again and
  // again keeps the strings' memory from one exchange to the next.
  virtual void all_to_all(const std::vector<std::string>& outgoing, std::vector<std::string>& incoming) = 0;
  // Collective: the element-wise sum over the ranks, in place.
  virtual void allreduce_sum(std::uint64_t* data, std::size_t count) = 0;
  // Collective: sends send_bytes from `send` to rank `to` and receives exactly receive_bytes from
  // rank `from` into `receive` (a ring pass: every rank sends one buffer and receives one). No
  // copy of either buffer where the connection allows; throws DistributedError when `from` sends
  // another size. This default goes through all_to_all.
  virtual void send_receive(const void* send, std::size_t send_bytes, int to, void* receive, std::size_t receive_bytes,
                            int from);
};

}  // namespace n2v
