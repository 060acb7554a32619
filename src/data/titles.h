#pragma once
// Movie titles as people type them. MovieLens writes "Matrix, The (1999)"; a user types "The
// Matrix", "the matrix (1999)" or "matrix, the". A title's key is its lower-case name with a
// trailing article moved to the front ("the matrix") and its year apart, so all of these find it.
// Every command that takes a title looks it up here.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace n2v {

struct TitleKey {
  std::string name;  // lower case, blanks collapsed, "x, the" turned into "the x"
  std::optional<int> year;  // the trailing "(1999)", when there is one
};

TitleKey title_key(std::string_view title);

// The indices in `titles` (from `first`: token 0 is reserved) that `query` names: the titles equal
// to it, else those whose key has the query's name and, when the query gives one, its year.
// Several when titles share a name ("Hamlet" without a year).
std::vector<std::size_t> find_titles(const std::vector<std::string>& titles, std::string_view query,
                                     std::size_t first = 1);

// Up to `count` titles for a query that found none, best first: names starting with the query's,
// then names containing it (both by key: "matrix" lists the Matrix films, not "M (1931)"); when no
// name contains the query, the nearest names by edit distance ("the matrx" → "Matrix, The (1999)").
std::vector<std::size_t> suggest_titles(const std::vector<std::string>& titles, std::string_view query,
                                        std::size_t count, std::size_t first = 1);

}  // namespace n2v
