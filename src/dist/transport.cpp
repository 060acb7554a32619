#include "dist/transport.h"

#include <cstring>

#include "core/errors.h"

namespace n2v {

std::vector<std::string> Transport::all_to_all(const std::vector<std::string>& outgoing) {
  std::vector<std::string> incoming;
  all_to_all(outgoing, incoming);
  return incoming;
}

void Transport::send_receive(const void* send, std::size_t send_bytes, int to, void* receive,
                             std::size_t receive_bytes, int from) {
  std::vector<std::string> outgoing(static_cast<std::size_t>(world_size()));
  outgoing[static_cast<std::size_t>(to)].assign(static_cast<const char*>(send), send_bytes);
  const std::vector<std::string> incoming = all_to_all(outgoing);
  const std::string& message = incoming[static_cast<std::size_t>(from)];
  if (message.size() != receive_bytes) {
    throw DistributedError("rank " + std::to_string(from) + " sent rank " + std::to_string(rank()) + " " +
                           std::to_string(message.size()) + " bytes where " + std::to_string(receive_bytes) +
                           " were expected");
  }
  std::memcpy(receive, message.data(), receive_bytes);
}

}  // namespace n2v
