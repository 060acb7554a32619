#pragma once
// A row-sparse update of an embedding matrix: the ids of the rows a batch touches and one value
// row per id. Stream mode's data-parallel ranks each make one and sum them (distributed.h).
#include <cstdint>
#include <vector>

namespace n2v {

struct RowSparse {
  std::int64_t dim = 0;
  std::vector<std::int64_t> rows;  // distinct row ids
  std::vector<float> values;  // rows.size() x dim, row-major
  std::size_t size() const { return rows.size(); }
  void clear() {
    rows.clear();
    values.clear();
  }
};

// A part to merge, where the ids and the rows lie apart (a received buffer): row i's values start at
// values + i * stride.
struct RowSparseView {
  const std::int32_t* rows = nullptr;
  std::size_t row_stride = 1;  // in int32s
  const float* values = nullptr;
  std::size_t value_stride = 0;  // in floats
  std::size_t size = 0;
};

// Gives every distinct row of n (target t[i], context c[i]) examples a slot, in example order
// (t0, c0, t1, c1, ...): `rows` (empty on entry) lists them, target_slot / context_slot (n each) give
// each example's. `slot_of_row`: scratch of at least max row id + 1 entries, all -1, and left so.
void assign_slots(const std::int64_t* t, const std::int64_t* c, std::int64_t n, std::vector<std::int32_t>& slot_of_row,
                  std::vector<std::int64_t>& rows, std::vector<std::int32_t>& target_slot,
                  std::vector<std::int32_t>& context_slot);

// Sums `parts` row by row into `out` (dim columns): a row held by several parts is added in part
// order (rank order), and rows appear in order of first appearance. Every rank merging the same
// parts gets the same bits. `slot_of_row` is scratch of at least max row id + 1 entries, all -1,
// and is left so.
void merge_rows(const std::vector<RowSparseView>& parts, std::int64_t dim, std::vector<std::int32_t>& slot_of_row,
                RowSparse& out);

}  // namespace n2v
