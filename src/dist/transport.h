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
  virtual std::vector<std::string> all_to_all(const std::vector<std::string>& outgoing) = 0;
  // Collective: the element-wise sum over the ranks, in place.
  virtual void allreduce_sum(std::uint64_t* data, std::size_t count) = 0;
};

}  // namespace n2v
