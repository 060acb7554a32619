// libFuzzer target: the MovieLens readers (src/data/movielens). The first byte picks the reader
// ('0'..'5' in the corpus: ratings.csv, movies.csv, ratings.dat, movies.dat, u.data, u.item); the
// rest is the file's text.
#include <cstddef>
#include <cstdint>
#include <string>

#include "data/movielens.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const int reader = data[0] % 6;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  n2v::fuzz::expect_clean([&] {
    switch (reader) {
      case 0: n2v::parse_ratings_csv(text, "ratings.csv"); break;
      case 1: n2v::parse_movies_csv(text, "movies.csv"); break;
      case 2: n2v::parse_ratings_dat(text, "ratings.dat"); break;
      case 3: n2v::parse_movies_dat(text, "movies.dat"); break;
      case 4: n2v::parse_u_data(text, "u.data"); break;
      default: n2v::parse_u_item(text, "u.item"); break;
    }
  });
  return 0;
}
