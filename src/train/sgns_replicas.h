#pragma once
// Data-parallel sgns (dist.partition replicate), pWord2Vec's MPI scheme: every rank holds both
// tables whole, trains its share of each batch of walks on them with Hogwild threads, and then
// the ranks sum the changes of the rows any of them touched, so that all ranks leave the exchange
// with the same tables (the same bits: Communicator::sum_rows adds in rank order everywhere).
#include <cstdint>
#include <vector>

#include "core/config.h"
#include "models/row_sparse.h"
#include "models/sgns_step.h"
#include "walk/walks.h"

namespace n2v {

class Communicator;

class SgnsReplicas {
 public:
  // `tables` (rows x stride each) must hold the same values on every rank; they are the
  // reference the first exchange measures changes from. Sets tables.touched_output.
  SgnsReplicas(SgnsTables& tables, std::int64_t rows, Communicator& comm, RowExchange how);

  // The nodes of the walks this rank trained since the last exchange: their input and output rows.
  void touched(const std::vector<NodeId>& nodes);
  // Collective: sums every rank's changes of its touched rows since the last exchange and applies
  // the sum to every rank's tables.
  void exchange();

  std::int64_t exchanges() const { return exchanges_; }
  double seconds() const { return seconds_; }  // in exchange(), waiting for the slower ranks included
  double rows_sent() const { return rows_sent_; }  // this rank's rows over all exchanges

 private:
  float* row(std::int64_t r) const;  // r < rows_: input row r; else output row r - rows_

  SgnsTables tables_;
  std::int64_t rows_;
  Communicator& comm_;
  RowExchange how_;
  std::vector<float> reference_;  // 2 rows_ x dim: both tables as the last exchange left them
  std::vector<std::uint8_t> flags_;  // 2 rows_: input rows, then output rows; 1 = touched
  RowSparse mine_, merged_;
  std::int64_t exchanges_ = 0;
  double seconds_ = 0, rows_sent_ = 0;
};

}  // namespace n2v
