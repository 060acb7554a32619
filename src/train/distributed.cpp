// c10d for n2v: TCPStore rendezvous with an explicit join barrier (LibTorch 1.13's built-in
// wait for workers gives up silently), Gloo collectives with the same timeout.
#include "train/distributed.h"

#include <torch/torch.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "core/errors.h"
#include "core/text.h"
#include "train/torch_version.h"

namespace n2v {

namespace {

using Clock = std::chrono::steady_clock;

// c10::Error's what() carries a C++ backtrace; users need the message.
std::string message_of(const std::exception& e) {
  if (const auto* c10_error = dynamic_cast<const c10::Error*>(&e)) return c10_error->what_without_backtrace();
  return e.what();
}

}  // namespace

struct Communicator::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
  std::vector<std::int32_t> slot_of_row;  // sum_rows' merge scratch, all -1
  at::Tensor dense_rows;  // sum_rows' dense matrix, kept: a fresh one every step costs page faults
};

Communicator::Communicator(const DistOptions& options) : options_(options), impl_(std::make_unique<Impl>()) {
  check_dist_options(options_);
  const std::string where = options_.master_addr + ":" + std::to_string(options_.master_port);
  const std::string me = "rank " + std::to_string(options_.rank);
  const auto timeout = std::chrono::milliseconds(static_cast<std::int64_t>(options_.timeout_s * 1000));
  const std::string timeout_text = format_double(options_.timeout_s) + " s (dist.timeout_s)";

  // Under torchrun the agent already serves a TCPStore at MASTER_ADDR:MASTER_PORT and says so in
  // TORCHELASTIC_USE_AGENT_STORE; every rank is then its client, under the attempt's prefix (as
  // torch.distributed's own rendezvous does), so a restarted attempt does not see stale keys.
  const char* agent_store = std::getenv("TORCHELASTIC_USE_AGENT_STORE");
  const bool use_agent_store = agent_store && std::string(agent_store) == "True";
  std::string prefix = "n2v";
  if (use_agent_store) {
    const char* attempt = std::getenv("TORCHELASTIC_RESTART_COUNT");
    prefix = "/worker/attempt_" + std::string(attempt && *attempt ? attempt : "0") + "/n2v";
  }
  c10d::TCPStoreOptions store_options;
  store_options.port = static_cast<std::uint16_t>(options_.master_port);
  store_options.isServer = options_.rank == 0 && !use_agent_store;
  store_options.numWorkers = options_.world_size;
  store_options.waitWorkers = false;  // the join barrier below waits, and names who is missing
  store_options.timeout = timeout;
#if N2V_TCPSTORE_DEFAULTS_TO_LIBUV
  // The classic backend is in every build; libuv's is not (Debian's LibTorch has none).
  store_options.useLibUV = false;
#endif
  c10::intrusive_ptr<c10d::Store> store;
  try {
    store = c10::make_intrusive<c10d::PrefixStore>(
        prefix, c10::make_intrusive<c10d::TCPStore>(options_.master_addr, store_options));
  } catch (const std::exception& e) {
    if (store_options.isServer) {
      throw DistributedError("rank 0 cannot serve the rendezvous at " + where + ": " + message_of(e) +
                             "; is the port in use? pick another (n2v launch --master-port, MASTER_PORT or --master)");
    }
    throw DistributedError(me + " cannot reach rank 0's rendezvous at " + where + " within " + timeout_text + ": " +
                           message_of(e));
  }

  // Join barrier: every rank sets its key, then waits for all of them.
  const auto deadline = Clock::now() + timeout;
  try {
    store->set("join/" + std::to_string(options_.rank), std::vector<std::uint8_t>{1});
    for (;;) {
      std::vector<int> missing;
      for (int r = 0; r < options_.world_size; ++r) {
        if (!store->check({"join/" + std::to_string(r)})) missing.push_back(r);
      }
      if (missing.empty()) break;
      if (Clock::now() > deadline) {
        std::string list;
        for (int r : missing) list += (list.empty() ? "" : ", ") + std::to_string(r);
        throw DistributedError(me + ": rendezvous at " + where + " timed out after " + timeout_text + ": " +
                               std::to_string(options_.world_size - static_cast<int>(missing.size())) + " of " +
                               std::to_string(options_.world_size) + " ranks joined; missing rank(s) " + list);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  } catch (const DistributedError&) {
    throw;
  } catch (const std::exception& e) {
    throw DistributedError(me + ": rendezvous at " + where + " failed (did rank 0 stop?): " + message_of(e));
  }

  try {
    auto group_options = c10d::ProcessGroupGloo::Options::create(timeout);
    // GLOO_SOCKET_IFNAME picks the interface as in PyTorch; a loopback master means one machine.
    const char* interface = std::getenv("GLOO_SOCKET_IFNAME");
    const bool loopback = options_.master_addr == "localhost" || options_.master_addr.rfind("127.", 0) == 0;
    group_options->devices.push_back(
        interface && *interface ? c10d::ProcessGroupGloo::createDeviceForInterface(interface)
        : loopback              ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
                                : c10d::ProcessGroupGloo::createDefaultDevice());
    impl_->store = store;
    impl_->group = c10::make_intrusive<c10d::ProcessGroupGloo>(c10::make_intrusive<c10d::PrefixStore>("gloo", store),
                                                               options_.rank, options_.world_size, group_options);
  } catch (const std::exception& e) {
    throw DistributedError(me + ": connecting the Gloo process group failed: " + message_of(e));
  }
}

Communicator::~Communicator() = default;

namespace {

template <typename F>
void collective(const DistOptions& options, const char* what, F&& run) {
  try {
    run();
  } catch (const std::exception& e) {
    // Gloo names the peer by address only; in a world of two the peer is the other rank.
    const std::string who = options.world_size == 2 ? "rank " + std::to_string(1 - options.rank)
                                                    : "another rank";
    throw DistributedError("rank " + std::to_string(options.rank) + ": " + what + " failed; " + who +
                           " stopped or hung (world of " + std::to_string(options.world_size) +
                           ", dist.timeout_s = " + format_double(options.timeout_s) + "): " + message_of(e));
  }
}

// Every rank's `input` (the same shape everywhere), in rank order.
std::vector<at::Tensor> all_gather(const DistOptions& options, c10d::ProcessGroupGloo& group, const at::Tensor& input) {
  std::vector<std::vector<at::Tensor>> outputs(1);
  for (int r = 0; r < options.world_size; ++r) outputs[0].push_back(torch::empty_like(input));
  std::vector<at::Tensor> inputs{input};
  collective(options, "allgather", [&] { group.allgather(outputs, inputs)->wait(); });
  return std::move(outputs[0]);
}

}  // namespace

void Communicator::allreduce_sum(float* data, std::size_t count) {
  std::vector<at::Tensor> tensors{torch::from_blob(data, {static_cast<std::int64_t>(count)}, torch::kFloat)};
  collective(options_, "allreduce", [&] { impl_->group->allreduce(tensors)->wait(); });
}

void Communicator::allreduce_sum(double* data, std::size_t count) {
  std::vector<at::Tensor> tensors{torch::from_blob(data, {static_cast<std::int64_t>(count)}, torch::kDouble)};
  collective(options_, "allreduce", [&] { impl_->group->allreduce(tensors)->wait(); });
}

void Communicator::allreduce_sum(std::uint64_t* data, std::size_t count) {
  static_assert(sizeof(std::uint64_t) == sizeof(std::int64_t), "counts travel as int64");
  std::vector<at::Tensor> tensors{torch::from_blob(data, {static_cast<std::int64_t>(count)}, torch::kLong)};
  collective(options_, "allreduce", [&] { impl_->group->allreduce(tensors)->wait(); });
}

void Communicator::all_to_all(const std::vector<std::string>& outgoing, std::vector<std::string>& incoming) {
  const int world = options_.world_size, me = options_.rank;
  if (outgoing.size() != static_cast<std::size_t>(world)) throw Error("all_to_all needs one message per rank");
  // The sizes first (an allgather of every rank's row of the size matrix), then a send and a
  // receive per pair of ranks with something to say; Gloo's own all-to-all corrupted its output
  // tensor under LibTorch 1.13.
  at::Tensor sizes = torch::empty({world}, torch::kLong);
  for (int r = 0; r < world; ++r) sizes.data_ptr<std::int64_t>()[r] = static_cast<std::int64_t>(outgoing[r].size());
  const std::vector<at::Tensor> all_sizes = all_gather(options_, *impl_->group, sizes);
  incoming.resize(static_cast<std::size_t>(world));
  incoming[me] = outgoing[me];
  std::vector<std::vector<at::Tensor>> sends(static_cast<std::size_t>(world)), receives(sends.size());
  std::vector<c10::intrusive_ptr<c10d::Work>> works;
  const auto timeout = std::chrono::milliseconds(static_cast<std::int64_t>(options_.timeout_s * 1000));
  collective(options_, "all-to-all", [&] {
    constexpr int kTag = 77;
    for (int r = 0; r < world; ++r) {
      if (r == me) continue;
      const std::int64_t count = all_sizes[r].data_ptr<std::int64_t>()[me];
      // Straight into the caller's string, whose memory serves again at its next exchange.
      incoming[r].resize(static_cast<std::size_t>(count));
      if (count == 0) continue;
      receives[r].push_back(torch::from_blob(incoming[r].data(), {count}, torch::kUInt8));
      works.push_back(impl_->group->recv(receives[r], r, kTag));
    }
    for (int r = 0; r < world; ++r) {
      if (r == me || outgoing[r].empty()) continue;
      // The message itself, not a copy: `outgoing` outlives the sends, which are waited for below.
      sends[r].push_back(torch::from_blob(const_cast<char*>(outgoing[r].data()),
                                          {static_cast<std::int64_t>(outgoing[r].size())}, torch::kUInt8));
      works.push_back(impl_->group->send(sends[r], r, kTag));
    }
    for (auto& work : works) {
      if (!work->wait(timeout)) throw DistributedError("timed out");
    }
  });
}

void Communicator::send_receive(const void* send, std::size_t send_bytes, int to, void* receive,
                                std::size_t receive_bytes, int from) {
  // The size first, so that a block of another shape is an error naming it, not a hang or a
  // truncated block; then the buffers themselves, neither copied.
  std::int64_t sent_size = static_cast<std::int64_t>(send_bytes), arriving_size = -1;
  auto bytes_of = [](const void* data, std::size_t size) {
    return torch::from_blob(const_cast<void*>(data), {static_cast<std::int64_t>(size)}, torch::kUInt8);
  };
  const auto timeout = std::chrono::milliseconds(static_cast<std::int64_t>(options_.timeout_s * 1000));
  auto exchange = [&](const void* out, std::size_t out_size, void* in, std::size_t in_size, int tag) {
    std::vector<at::Tensor> sends{bytes_of(out, out_size)}, receives{bytes_of(in, in_size)};
    auto received = impl_->group->recv(receives, from, tag);
    auto sent = impl_->group->send(sends, to, tag);
    if (!received->wait(timeout) || !sent->wait(timeout)) throw DistributedError("timed out");
  };
  collective(options_, "passing a block", [&] {
    constexpr int kSizeTag = 78, kBytesTag = 79;
    exchange(&sent_size, sizeof sent_size, &arriving_size, sizeof arriving_size, kSizeTag);
    if (arriving_size != static_cast<std::int64_t>(receive_bytes)) {
      throw DistributedError("rank " + std::to_string(from) + " sent " + std::to_string(arriving_size) +
                             " bytes where " + std::to_string(receive_bytes) + " were expected");
    }
    if (send_bytes > 0 || receive_bytes > 0) exchange(send, send_bytes, receive, receive_bytes, kBytesTag);
  });
}

std::string Communicator::broadcast_bytes(const std::string& bytes) {
  auto broadcast = [&](at::Tensor& tensor) {
    std::vector<at::Tensor> tensors{tensor};
    c10d::BroadcastOptions root;
    root.rootRank = 0;
    collective(options_, "broadcast", [&] { impl_->group->broadcast(tensors, root)->wait(); });
  };
  at::Tensor size = torch::tensor({static_cast<std::int64_t>(bytes.size())});
  broadcast(size);
  at::Tensor data = torch::empty({size.item<std::int64_t>()}, torch::kUInt8);
  if (options_.rank == 0) std::copy(bytes.begin(), bytes.end(), data.data_ptr<std::uint8_t>());
  broadcast(data);
  const auto* begin = reinterpret_cast<const char*>(data.data_ptr<std::uint8_t>());
  return std::string(begin, begin + data.numel());
}

Walks Communicator::all_gather_walks(const Walks& mine) {
  const int world = options_.world_size;
  auto gather = [&](const at::Tensor& input) { return all_gather(options_, *impl_->group, input); };
  // Sizes first, then lengths and nodes padded to the largest rank's (allgather wants one shape).
  auto sizes = gather(torch::tensor({static_cast<std::int64_t>(mine.size()), static_cast<std::int64_t>(mine.nodes.size())}));
  std::int64_t max_walks = 0, max_nodes = 0;
  for (const auto& s : sizes) {
    max_walks = std::max(max_walks, s[0].item<std::int64_t>());
    max_nodes = std::max(max_nodes, s[1].item<std::int64_t>());
  }
  at::Tensor lengths = torch::zeros({max_walks}, torch::kLong);
  for (std::size_t i = 0; i < mine.size(); ++i) lengths.data_ptr<std::int64_t>()[i] = static_cast<std::int64_t>(mine.length(i));
  at::Tensor nodes = torch::zeros({max_nodes}, torch::kInt);
  static_assert(sizeof(NodeId) == sizeof(std::int32_t), "walk nodes travel as int32");
  std::copy(mine.nodes.begin(), mine.nodes.end(), reinterpret_cast<NodeId*>(nodes.data_ptr<std::int32_t>()));
  auto all_lengths = gather(lengths);
  auto all_nodes = gather(nodes);

  Walks all;
  for (int r = 0; r < world; ++r) {
    const std::int64_t walks = sizes[r][0].item<std::int64_t>(), count = sizes[r][1].item<std::int64_t>();
    const auto* l = all_lengths[r].data_ptr<std::int64_t>();
    const auto* n = reinterpret_cast<const NodeId*>(all_nodes[r].data_ptr<std::int32_t>());
    all.nodes.insert(all.nodes.end(), n, n + count);
    for (std::int64_t i = 0; i < walks; ++i) all.offsets.push_back(all.offsets.back() + static_cast<std::uint64_t>(l[i]));
  }
  return all;
}

std::int64_t Communicator::sum_rows(const RowSparse& mine, std::int64_t count, std::int64_t num_rows,
                                    RowExchange how, RowSparse& merged) {
  const auto start = Clock::now();
  const int world = options_.world_size;
  const std::int64_t dim = mine.dim;
  if (world == 1) {
    merged = mine;
    return count;
  }
  auto gather = [&](const at::Tensor& input) { return all_gather(options_, *impl_->group, input); };
  // Sizes first: every rank then knows the padding, the total count and which way to go.
  std::int64_t size_and_count[2] = {static_cast<std::int64_t>(mine.size()), count};
  const auto sizes = gather(torch::from_blob(size_and_count, {2}, torch::kLong));
  std::int64_t max_rows = 0, total = 0;
  for (const auto& s : sizes) {
    max_rows = std::max(max_rows, s.data_ptr<std::int64_t>()[0]);
    total += s.data_ptr<std::int64_t>()[1];
  }
  if (impl_->slot_of_row.size() < static_cast<std::size_t>(num_rows)) {
    impl_->slot_of_row.assign(static_cast<std::size_t>(num_rows), -1);
  }
  const double row_fraction = static_cast<double>(world) * static_cast<double>(max_rows) / static_cast<double>(num_rows);
  row_stats_.row_fraction += row_fraction;
  const bool dense = how == RowExchange::Dense || (how == RowExchange::Auto && row_fraction >= kDenseRowFraction);
  const auto columns = static_cast<std::size_t>(dim);
  if (dense) {
    // The rows scattered into a num_rows x dim matrix, and a last column of touch counts, so that
    // a row every rank touched with a zero gradient is still updated (lazy Adam decays it).
    at::Tensor& matrix = impl_->dense_rows;
    if (!matrix.defined() || matrix.size(0) != num_rows || matrix.size(1) != dim + 1) {
      matrix = torch::zeros({num_rows, dim + 1}, torch::kFloat);
    } else {
      matrix.zero_();
    }
    float* m = matrix.data_ptr<float>();
    for (std::size_t i = 0; i < mine.size(); ++i) {
      float* row = m + static_cast<std::size_t>(mine.rows[i]) * (columns + 1);
      std::copy_n(mine.values.data() + i * columns, columns, row);
      row[columns] = 1.0f;
    }
    std::vector<at::Tensor> tensors{matrix};
    collective(options_, "allreduce", [&] { impl_->group->allreduce(tensors)->wait(); });
    merged.clear();
    merged.dim = dim;
    for (std::int64_t r = 0; r < num_rows; ++r) {
      const float* row = m + static_cast<std::size_t>(r) * (columns + 1);
      if (row[columns] == 0.0f) continue;
      merged.rows.push_back(r);
      merged.values.insert(merged.values.end(), row, row + columns);
    }
    ++row_stats_.dense_calls;
  } else {
    // One allgather of [max_rows x (1 + dim)] floats per rank: the row id's int32 bits, then the row.
    // Gloo copies the bytes, so the id travels intact.
    const std::size_t stride = columns + 1;
    at::Tensor packed = torch::zeros({max_rows * static_cast<std::int64_t>(stride)}, torch::kFloat);
    float* p = packed.data_ptr<float>();
    for (std::size_t i = 0; i < mine.size(); ++i) {
      const auto id = static_cast<std::int32_t>(mine.rows[i]);
      std::memcpy(p + i * stride, &id, sizeof id);
      std::copy_n(mine.values.data() + i * columns, columns, p + i * stride + 1);
    }
    const auto all = gather(packed);
    std::vector<RowSparseView> parts(static_cast<std::size_t>(world));
    for (int r = 0; r < world; ++r) {
      const float* q = all[r].data_ptr<float>();
      parts[r].rows = reinterpret_cast<const std::int32_t*>(q);
      parts[r].row_stride = stride;
      parts[r].values = q + 1;
      parts[r].value_stride = stride;
      parts[r].size = static_cast<std::size_t>(sizes[r].data_ptr<std::int64_t>()[0]);
    }
    merge_rows(parts, dim, impl_->slot_of_row, merged);
    ++row_stats_.sparse_calls;
  }
  row_stats_.seconds += std::chrono::duration<double>(Clock::now() - start).count();
  return total;
}

}  // namespace n2v
