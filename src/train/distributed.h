#pragma once
// Data-parallel runs on torch.distributed's c10d (TCPStore rendezvous, Gloo collectives), behind a
// torch-free interface for the commands. World size 1 never touches c10d.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "dist/transport.h"
#include "models/row_sparse.h"
#include "pipeline/dist_options.h"
#include "walk/walks.h"

namespace n2v {

// One process of a world. Every call is collective: all ranks make the same calls in the same
// order. A rank that dies or does not arrive makes the others throw DistributedError within
// timeout_s.
class Communicator : public Transport {
 public:
  // Rank 0 serves the rendezvous store at master_addr:master_port; all ranks wait there until the
  // whole world has joined.
  explicit Communicator(const DistOptions& options);
  ~Communicator() override;
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;

  int rank() const override { return options_.rank; }
  int world_size() const override { return options_.world_size; }

  // In place: every rank ends with the element-wise sum over the ranks.
  void allreduce_sum(float* data, std::size_t count);
  void allreduce_sum(double* data, std::size_t count);
  void allreduce_sum(std::uint64_t* data, std::size_t count) override;
  // The walks across ranks' messages (dist/transport.h): one allgather of the sizes, one Gloo
  // all-to-all of the bytes.
  using Transport::all_to_all;
  void all_to_all(const std::vector<std::string>& outgoing, std::vector<std::string>& incoming) override;
  // A size message, then Gloo's send and recv on the buffers themselves.
  void send_receive(const void* send, std::size_t send_bytes, int to, void* receive, std::size_t receive_bytes,
                    int from) override;
  // Rank 0's `bytes` on every rank (the argument is ignored elsewhere).
  std::string broadcast_bytes(const std::string& bytes);
  // Every rank's walks, concatenated in rank order.
  Walks all_gather_walks(const Walks& mine);

  // How sum_rows moves the rows (`how`, dist.exchange): sparse (allgathers of every rank's ids and rows, padded to the
  // largest rank's), dense (one allreduce of a num_rows x dim matrix) or auto (per call, dense when
  // world x the largest rank's row count reaches kDenseRowFraction of num_rows; see docs/distributed.md).
  static constexpr double kDenseRowFraction = 4.0;
  struct RowSumStats {
    std::int64_t sparse_calls = 0, dense_calls = 0;
    double seconds = 0;  // spent in sum_rows
    double row_fraction = 0;  // world x the largest rank's rows / num_rows, summed over calls
  };
  // Every rank ends with the same `merged`: the sum of all ranks' `mine` (rows of a num_rows x dim
  // matrix), duplicates added in rank order; and the sum of the ranks' `count` is returned. With
  // one rank, merged = mine.
  std::int64_t sum_rows(const RowSparse& mine, std::int64_t count, std::int64_t num_rows, RowExchange how,
                        RowSparse& merged);
  const RowSumStats& row_sum_stats() const { return row_stats_; }

 private:
  struct Impl;
  DistOptions options_;
  std::unique_ptr<Impl> impl_;
  RowSumStats row_stats_;
};

}  // namespace n2v
