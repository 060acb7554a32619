#include "server/map_layout.h"

#include <gtest/gtest.h>

#include <cmath>

namespace n2v {
namespace {

// Points spread widely along axis 2, less along axis 0, not at all along axis 1: the map's x is
// axis 2 and its y axis 0 (up to sign), the reserved row 0 stays at the origin.
TEST(MapLayout, ThePlaneFollowsTheTwoLargestSpreads) {
  const std::int64_t dim = 3;
  std::vector<float> rows{0, 0, 0};
  for (int i = 0; i < 40; ++i) {
    const float a = static_cast<float>(i % 8) - 3.5f, b = static_cast<float>(i % 5) - 2.0f;
    rows.insert(rows.end(), {0.2f * b, 0.5f, 3.0f * a});
  }
  const std::size_t n = rows.size() / dim;
  const std::vector<float> plane = principal_plane(rows, n, dim);
  ASSERT_EQ(plane.size(), n * 2);
  EXPECT_EQ(plane[0], 0.0f);
  EXPECT_EQ(plane[1], 0.0f);
  for (std::size_t t = 1; t < n; ++t) {
    EXPECT_NEAR(std::abs(plane[t * 2]), std::abs(rows[t * dim + 2]), 1e-3) << t;
    EXPECT_NEAR(std::abs(plane[t * 2 + 1]), std::abs(rows[t * dim]), 1e-3) << t;
  }
}

}  // namespace
}  // namespace n2v
