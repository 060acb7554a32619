#pragma once
// Title search as people type it into a search box, for autocomplete: case- and accent-insensitive
// substring matches ("amel" finds "Amélie (2001)"), matched against the title as written and as
// people say it ("the matr" finds "Matrix, The (1999)", data/titles.h's key). Titles that start
// with the query come first, then those containing it; each group in vocabulary (token) order.
// The folded forms are computed once, so a query costs one pass of substring searches.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace n2v {

class TitleSearch {
 public:
  // `titles` indexed by token; tokens below `first` (the reserved token 0) are never returned.
  explicit TitleSearch(const std::vector<std::string>& titles, std::size_t first = 1);
  // Up to `limit` tokens, best first; none for a query that is blank once folded.
  std::vector<std::size_t> find(std::string_view query, std::size_t limit) const;

 private:
  std::size_t first_;
  std::vector<std::string> written_;  // the folded title as written: "matrix, the (1999)"
  std::vector<std::string> spoken_;  // the folded key name: "the matrix"
};

}  // namespace n2v
