#include "server/map_layout.h"

#include <algorithm>
#include <cmath>

namespace n2v {
namespace {

// The dominant eigenvector of the symmetric [dim x dim] matrix `cov` (power iteration; 200 rounds
// are far more than the spectra of embedding covariances need).
std::vector<double> dominant_direction(const std::vector<double>& cov, std::size_t dim) {
  std::vector<double> v(dim), next(dim);
  for (std::size_t i = 0; i < dim; ++i) v[i] = 1.0 + 0.01 * static_cast<double>(i);
  for (int round = 0; round < 200; ++round) {
    double norm = 0;
    for (std::size_t i = 0; i < dim; ++i) {
      next[i] = 0;
      for (std::size_t j = 0; j < dim; ++j) next[i] += cov[i * dim + j] * v[j];
      norm += next[i] * next[i];
    }
    norm = std::sqrt(norm);
    if (norm == 0) break;
    for (std::size_t i = 0; i < dim; ++i) v[i] = next[i] / norm;
  }
  return v;
}

}  // namespace

std::vector<float> principal_plane(const std::vector<float>& unit, std::size_t rows, std::int64_t dim_signed) {
  const auto dim = static_cast<std::size_t>(dim_signed);
  std::vector<float> plane(rows * 2, 0.0f);
  if (rows < 2 || dim == 0) return plane;
  std::vector<double> mean(dim, 0.0);
  for (std::size_t t = 1; t < rows; ++t)
    for (std::size_t j = 0; j < dim; ++j) mean[j] += unit[t * dim + j];
  for (double& m : mean) m /= static_cast<double>(rows - 1);
  std::vector<double> cov(dim * dim, 0.0), centred(dim);
  for (std::size_t t = 1; t < rows; ++t) {
    for (std::size_t j = 0; j < dim; ++j) centred[j] = unit[t * dim + j] - mean[j];
    for (std::size_t i = 0; i < dim; ++i)
      for (std::size_t j = 0; j < dim; ++j) cov[i * dim + j] += centred[i] * centred[j];
  }
  for (int axis = 0; axis < 2; ++axis) {
    std::vector<double> v = dominant_direction(cov, dim);
    // Deflate, so that the second round finds the next component.
    double lambda = 0;
    for (std::size_t i = 0; i < dim; ++i)
      for (std::size_t j = 0; j < dim; ++j) lambda += v[i] * cov[i * dim + j] * v[j];
    for (std::size_t i = 0; i < dim; ++i)
      for (std::size_t j = 0; j < dim; ++j) cov[i * dim + j] -= lambda * v[i] * v[j];
    double largest = 0;
    for (std::size_t t = 1; t < rows; ++t) {
      double x = 0;
      for (std::size_t j = 0; j < dim; ++j) x += (unit[t * dim + j] - mean[j]) * v[j];
      plane[t * 2 + axis] = static_cast<float>(x);
      if (std::abs(x) > std::abs(largest)) largest = x;
    }
    if (largest < 0)
      for (std::size_t t = 1; t < rows; ++t) plane[t * 2 + axis] = -plane[t * 2 + axis];
  }
  return plane;
}

}  // namespace n2v
