#pragma once
// The 2-D map of the web page: every movie placed by the first two principal components of the
// unit rows, so that movies the model finds alike sit together. Computed once per model load.
#include <cstdint>
#include <vector>

namespace n2v {

// [rows x 2] row-major coordinates of the unit rows (row-major [rows x dim]); row 0, the reserved
// token, stays at the origin and takes no part in the components. Deterministic: power iteration
// from a fixed start, each component's sign chosen so that its largest coordinate is positive.
std::vector<float> principal_plane(const std::vector<float>& unit, std::size_t rows, std::int64_t dim);

}  // namespace n2v
