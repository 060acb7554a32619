#include "train/sgns_replicas.h"

#include <algorithm>
#include <chrono>

#include "train/distributed.h"

namespace n2v {

SgnsReplicas::SgnsReplicas(SgnsTables& tables, std::int64_t rows, Communicator& comm, RowExchange how)
    : tables_(tables), rows_(rows), comm_(comm), how_(how) {
  const auto dim = static_cast<std::size_t>(tables.dim);
  reference_.resize(2 * static_cast<std::size_t>(rows) * dim);
  for (std::int64_t r = 0; r < 2 * rows; ++r) std::copy_n(row(r), dim, reference_.data() + r * dim);
  flags_.assign(2 * static_cast<std::size_t>(rows), 0);
  tables.touched_output = flags_.data() + rows;
  tables_.touched_output = tables.touched_output;
}

float* SgnsReplicas::row(std::int64_t r) const {
  return r < rows_ ? tables_.input + r * tables_.stride : tables_.output + (r - rows_) * tables_.stride;
}

void SgnsReplicas::touched(const std::vector<NodeId>& nodes) {
  for (NodeId v : nodes) {
    flags_[v] = 1;
    flags_[static_cast<std::size_t>(rows_) + v] = 1;
  }
}

void SgnsReplicas::exchange() {
  const auto start = std::chrono::steady_clock::now();
  const auto dim = static_cast<std::size_t>(tables_.dim);
  mine_.clear();
  mine_.dim = tables_.dim;
  // A scan of 2 x rows bytes: a batch's pair steps cost far more than that.
  for (std::int64_t r = 0; r < 2 * rows_; ++r) {
    if (!flags_[r]) continue;
    flags_[r] = 0;
    mine_.rows.push_back(r);
    const float* now = row(r);
    const float* before = reference_.data() + r * dim;
    for (std::size_t i = 0; i < dim; ++i) mine_.values.push_back(now[i] - before[i]);
  }
  rows_sent_ += static_cast<double>(mine_.size());
  comm_.sum_rows(mine_, 0, 2 * rows_, how_, merged_);
  for (std::size_t i = 0; i < merged_.size(); ++i) {
    float* before = reference_.data() + merged_.rows[i] * dim;
    const float* sum = merged_.values.data() + i * dim;
    for (std::size_t k = 0; k < dim; ++k) before[k] += sum[k];
    std::copy_n(before, dim, row(merged_.rows[i]));
  }
  ++exchanges_;
  seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace n2v
