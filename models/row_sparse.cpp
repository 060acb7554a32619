#include "models/row_sparse.h"

namespace n2v {

void assign_slots(const std::int64_t* t, const std::int64_t* c, std::int64_t n, std::vector<std::int32_t>& slot_of_row,
                  std::vector<std::int64_t>& rows, std::vector<std::int32_t>& target_slot,
                  std::vector<std::int32_t>& context_slot) {
  auto slot = [&](std::int64_t row) {
    std::int32_t& s = slot_of_row[static_cast<std::size_t>(row)];
    if (s < 0) {
      s = static_cast<std::int32_t>(rows.size());
      rows.push_back(row);
    }
    return s;
  };
  target_slot.resize(static_cast<std::size_t>(n));
  context_slot.resize(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    target_slot[i] = slot(t[i]);
    context_slot[i] = slot(c[i]);
  }
  for (std::int64_t row : rows) slot_of_row[static_cast<std::size_t>(row)] = -1;
}

void merge_rows(const std::vector<RowSparseView>& parts, std::int64_t dim, std::vector<std::int32_t>& slot_of_row,
                RowSparse& out) {
  out.clear();
  out.dim = dim;
  const auto columns = static_cast<std::size_t>(dim);
  for (const RowSparseView& part : parts) {
    for (std::size_t i = 0; i < part.size; ++i) {
      const std::int32_t row = part.rows[i * part.row_stride];
      std::int32_t& slot = slot_of_row[static_cast<std::size_t>(row)];
      const float* value = part.values + i * part.value_stride;
      if (slot < 0) {
        slot = static_cast<std::int32_t>(out.rows.size());
        out.rows.push_back(row);
        out.values.insert(out.values.end(), value, value + columns);
      } else {
        float* sum = out.values.data() + static_cast<std::size_t>(slot) * columns;
        for (std::size_t k = 0; k < columns; ++k) sum[k] += value[k];
      }
    }
  }
  for (std::int64_t row : out.rows) slot_of_row[static_cast<std::size_t>(row)] = -1;
}

}  // namespace n2v
