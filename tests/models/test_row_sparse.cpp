// Row-sparse updates: the slots of a batch's rows, and the rank-ordered sum of several ranks' rows.
#include "models/row_sparse.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "test_util.h"

namespace n2v {
namespace {

using testing::view_of;

TEST(AssignSlots, EachDistinctRowGetsOneSlotInExampleOrder) {
  // Order t0, c0, t1, c1, ...: 4, 2, (2), 9, (4), 0, 7, (4).
  const std::vector<std::int64_t> t{4, 2, 4, 7}, c{2, 9, 0, 4};
  std::vector<std::int32_t> slot_of_row(10, -1), target_slot(7, 99), context_slot;
  std::vector<std::int64_t> rows;
  assign_slots(t.data(), c.data(), 4, slot_of_row, rows, target_slot, context_slot);
  EXPECT_EQ(rows, (std::vector<std::int64_t>{4, 2, 9, 0, 7}));
  EXPECT_EQ(target_slot, (std::vector<std::int32_t>{0, 1, 0, 4}));
  EXPECT_EQ(context_slot, (std::vector<std::int32_t>{1, 2, 3, 0}));
  for (std::size_t i = 0; i < t.size(); ++i) {
    EXPECT_EQ(rows[target_slot[i]], t[i]);
    EXPECT_EQ(rows[context_slot[i]], c[i]);
  }
  EXPECT_EQ(slot_of_row, std::vector<std::int32_t>(10, -1)) << "the scratch is left clean";

  rows.clear();
  assign_slots(t.data(), c.data(), 0, slot_of_row, rows, target_slot, context_slot);
  EXPECT_TRUE(rows.empty());
  EXPECT_TRUE(target_slot.empty());
  EXPECT_TRUE(context_slot.empty());
}

RowSparse rows_of(std::vector<std::int64_t> ids, std::vector<float> values) {
  RowSparse r;
  r.dim = 2;
  r.rows = std::move(ids);
  r.values = std::move(values);
  return r;
}

// One float buffer of [row id bits, dim values] per row, as the ranks exchange them (distributed.cpp).
RowSparseView packed_view_of(const RowSparse& r, std::vector<float>& buffer) {
  const std::size_t stride = static_cast<std::size_t>(r.dim) + 1;
  buffer.assign(r.size() * stride, 0.0f);
  for (std::size_t i = 0; i < r.size(); ++i) {
    const auto id = static_cast<std::int32_t>(r.rows[i]);
    std::memcpy(&buffer[i * stride], &id, sizeof id);
    std::copy_n(r.values.begin() + i * r.dim, r.dim, buffer.begin() + i * stride + 1);
  }
  RowSparseView v;
  v.rows = reinterpret_cast<const std::int32_t*>(buffer.data());
  v.row_stride = stride;
  v.values = buffer.data() + 1;
  v.value_stride = stride;
  v.size = r.size();
  return v;
}

TEST(MergeRows, SumsRowsSharedByRanksInRankOrder) {
  const RowSparse rank0 = rows_of({5, 2}, {1, 2, 3, 4});
  const RowSparse rank1 = rows_of({7, 5}, {10, 20, 0.5f, 0.25f});
  const RowSparse rank2 = rows_of({2, 0, 5}, {-3, -4, 9, 9, 1e8f, 0});
  std::vector<std::int32_t> ids0, ids1, ids2;
  std::vector<std::int32_t> slots(8, -1);
  RowSparse merged;
  merge_rows({view_of(rank0, ids0), view_of(rank1, ids1), view_of(rank2, ids2)}, 2, slots, merged);
  EXPECT_EQ(merged.dim, 2);
  EXPECT_EQ(merged.rows, (std::vector<std::int64_t>{5, 2, 7, 0})) << "first appearance, in rank order";
  // Row 5: (1 + 0.5) + 1e8 and (2 + 0.25) + 0, added in rank order.
  EXPECT_EQ(merged.values, (std::vector<float>{(1.0f + 0.5f) + 1e8f, 2.25f, 0, 0, 10, 20, 9, 9}));
  EXPECT_EQ(slots, std::vector<std::int32_t>(8, -1)) << "the scratch is left clean";

  // The exchanged layout gives the same bits; the previous result is replaced, not added to.
  std::vector<float> b0, b1, b2;
  RowSparse packed = rows_of({1}, {123, 456});
  merge_rows({packed_view_of(rank0, b0), packed_view_of(rank1, b1), packed_view_of(rank2, b2)}, 2, slots, packed);
  EXPECT_EQ(packed.rows, merged.rows);
  EXPECT_EQ(packed.values, merged.values);
  EXPECT_EQ(slots, std::vector<std::int32_t>(8, -1));

  merge_rows({}, 2, slots, merged);
  EXPECT_TRUE(merged.rows.empty());
  EXPECT_TRUE(merged.values.empty());
}

}  // namespace
}  // namespace n2v
