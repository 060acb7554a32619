#pragma once
// The vector math of a taste profile, shared by evaluate's recommend task and n2v serve's
// recommendations, so both rank "movies like these" the same way: every row made a unit vector,
// and a profile's direction the sum of its movies' unit rows (each liked movie weighs the same).
#include <cmath>
#include <cstdint>
#include <vector>

namespace n2v {

// The rows of a row-major [rows x dim] matrix scaled to unit length (norms summed in double);
// row 0 (the reserved token) and all-zero rows stay zero.
template <class T>
std::vector<T> unit_rows(const std::vector<float>& matrix, std::size_t rows, std::int64_t dim) {
  std::vector<T> unit(rows * dim, T(0));
  for (std::size_t t = 1; t < rows; ++t) {
    double norm = 0;
    for (std::int64_t j = 0; j < dim; ++j) norm += double(matrix[t * dim + j]) * matrix[t * dim + j];
    norm = std::sqrt(norm);
    if (norm > 0)
      for (std::int64_t j = 0; j < dim; ++j) unit[t * dim + j] = static_cast<T>(matrix[t * dim + j] / norm);
  }
  return unit;
}

// The sum of the unit rows `tokens` into `sum` (resized to dim, zeroed first): the profile's
// direction, whose norm the caller divides by (cosine similarity to the mean).
template <class T, class Tokens>
void sum_rows(const std::vector<T>& unit, std::int64_t dim, const Tokens& tokens, std::vector<T>& sum) {
  sum.assign(static_cast<std::size_t>(dim), T(0));
  for (std::int64_t t : tokens)
    for (std::int64_t j = 0; j < dim; ++j) sum[j] += unit[t * dim + j];
}

}  // namespace n2v
