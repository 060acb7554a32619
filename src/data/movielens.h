#pragma once
// MovieLens ratings and movies in the layouts GroupLens ships:
//   ml-latest / ml-20m / ml-25m / ml-32m: ratings.csv + movies.csv (RFC 4180, UTF-8)
//   ml-1m / ml-10m: ratings.dat + movies.dat ("::" separated; ml-1m's movies.dat is Latin-1)
//   ml-100k: u.data (tab separated) + u.item ("|" separated, Latin-1, 19 genre flags)
// The layout is detected from the files present.
#include <cstdint>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

namespace n2v {

enum class Layout { Latest, Dat, Ml100k };
std::string layout_name(Layout layout);

// Column arrays: 20 bytes per rating, so ml-25m's 25 million rows fit in 500 MB.
struct Ratings {
  std::vector<std::int32_t> user;
  std::vector<std::int32_t> movie;
  std::vector<float> rating;
  std::vector<std::int64_t> timestamp;
  std::size_t size() const { return user.size(); }
  void reserve(std::size_t n);
  void push_back(std::int32_t u, std::int32_t m, float r, std::int64_t t);
};

struct Movie {
  std::int32_t id = 0;
  std::string title;
  std::string genres;  // "Adventure|Animation", as in movies.csv
};

struct MovieTable {
  std::vector<Movie> movies;
  std::unordered_map<std::int32_t, std::size_t> index_of_id;
  const Movie* find(std::int32_t id) const;
  // Throws DataError naming `file`:`line` when the id is already in the table: which of two rows
  // for one movie is right is not n2v's to guess.
  void add(Movie movie, const std::string& file = "movies", std::size_t line = 0);
};

struct MovieLensData {
  Layout layout = Layout::Latest;
  std::filesystem::path ratings_file, movies_file;
  std::size_t rating_rows = 0;  // every row read, before dropping unknown movies
  Ratings ratings;  // rows whose movie is in the movies file
  MovieTable movies;
  // Ratings of movies the movies file lacks: counted, reported, and left out of the graph.
  std::size_t unknown_movie_ratings = 0;
  std::string first_unknown_movie;  // "ratings.csv:17 (movieId 999999)"
};

// Throws DataError naming the folder and the files looked for when no layout matches.
Layout detect_layout(const std::filesystem::path& dir);
bool has_movielens_files(const std::filesystem::path& dir);
MovieLensData load_movielens(const std::filesystem::path& dir);

// The individual readers, exposed for tests. `name` is used in error messages.
Ratings parse_ratings_csv(std::string text, const std::string& name);
MovieTable parse_movies_csv(std::string text, const std::string& name);
Ratings parse_ratings_dat(const std::string& text, const std::string& name);
MovieTable parse_movies_dat(const std::string& text, const std::string& name);
Ratings parse_u_data(const std::string& text, const std::string& name);
MovieTable parse_u_item(const std::string& text, const std::string& name);

}  // namespace n2v
