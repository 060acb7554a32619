#include "data/movielens.h"

#include <cmath>
#include <limits>

#include "core/paths.h"
#include "core/csv.h"
#include "core/errors.h"
#include "core/text.h"

namespace n2v {
namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail_at(const std::string& name, std::size_t line, const std::string& what) {
  throw DataError(name + ":" + std::to_string(line) + ": " + what);
}

std::int32_t parse_id(std::string_view s, const char* column, const std::string& name, std::size_t line) {
  long long v;
  if (!parse_int64(s, v) || v < 0 || v > std::numeric_limits<std::int32_t>::max()) {
    fail_at(name, line, std::string(column) + " " + quote_excerpt(s) + " is not a valid id");
  }
  return static_cast<std::int32_t>(v);
}

float parse_rating(std::string_view s, const std::string& name, std::size_t line) {
  double v;
  if (!parse_double(s, v)) fail_at(name, line, "rating " + quote_excerpt(s) + " is not a number");
  if (!(v >= 0.5 && v <= 5.0)) fail_at(name, line, "rating " + printable_excerpt(s, 60) + " is outside 0.5..5");
  return static_cast<float>(v);
}

std::int64_t parse_timestamp(std::string_view s, const std::string& name, std::size_t line) {
  long long v;
  if (!parse_int64(s, v)) fail_at(name, line, "timestamp " + quote_excerpt(s) + " is not an integer");
  return v;
}

void expect_header(const std::vector<std::string_view>& got, const std::vector<std::string>& want,
                   const std::string& name) {
  bool ok = got.size() >= want.size();
  for (std::size_t i = 0; ok && i < want.size(); ++i) ok = trim(got[i]) == want[i];
  if (!ok) {
    std::string expected, seen;
    for (const auto& w : want) expected += (expected.empty() ? "" : ",") + w;
    for (const auto& g : got) seen += (seen.empty() ? "" : ",") + std::string(g);
    throw DataError(name + ":1: wrong header " + quote_excerpt(seen) + "; expected '" + expected + "'");
  }
}

void check_not_empty(const Ratings& ratings, const std::string& name) {
  if (ratings.size() == 0) throw DataError(name + ": no ratings (the file is empty or has only a header)");
}

std::string utf8_text(const std::string& text) { return is_valid_utf8(text) ? text : latin1_to_utf8(text); }

}  // namespace

std::string layout_name(Layout layout) {
  switch (layout) {
    case Layout::Latest: return "ml-latest (ratings.csv, movies.csv)";
    case Layout::Dat: return "ml-1m/ml-10m (ratings.dat, movies.dat)";
    case Layout::Ml100k: return "ml-100k (u.data, u.item)";
  }
  return "?";
}

void Ratings::reserve(std::size_t n) {
  user.reserve(n);
  movie.reserve(n);
  rating.reserve(n);
  timestamp.reserve(n);
}

void Ratings::push_back(std::int32_t u, std::int32_t m, float r, std::int64_t t) {
  user.push_back(u);
  movie.push_back(m);
  rating.push_back(r);
  timestamp.push_back(t);
}

const Movie* MovieTable::find(std::int32_t id) const {
  auto it = index_of_id.find(id);
  return it == index_of_id.end() ? nullptr : &movies[it->second];
}

void MovieTable::add(Movie movie, const std::string& file, std::size_t line) {
  const auto [it, fresh] = index_of_id.try_emplace(movie.id, movies.size());
  if (!fresh) {
    fail_at(file, line, "movie id " + std::to_string(movie.id) + " is listed twice (first as '" +
                            movies[it->second].title + "'); keep one row per movie");
  }
  movies.push_back(std::move(movie));
}

Ratings parse_ratings_csv(std::string text, const std::string& name) {
  Ratings ratings;
  ratings.reserve(text.size() / 24);
  CsvReader reader(std::move(text), name);
  std::vector<std::string_view> f;
  if (!reader.next(f)) throw DataError(name + ": the file is empty; expected a header userId,movieId,rating,timestamp");
  expect_header(f, {"userId", "movieId", "rating"}, name);
  bool has_timestamp = f.size() >= 4;
  while (reader.next(f)) {
    std::size_t line = reader.line();
    if (f.size() != (has_timestamp ? 4u : 3u)) {
      reader.fail("expected " + std::to_string(has_timestamp ? 4 : 3) + " columns, found " + std::to_string(f.size()));
    }
    ratings.push_back(parse_id(f[0], "userId", name, line), parse_id(f[1], "movieId", name, line),
                      parse_rating(f[2], name, line), has_timestamp ? parse_timestamp(f[3], name, line) : 0);
  }
  check_not_empty(ratings, name);
  return ratings;
}

MovieTable parse_movies_csv(std::string text, const std::string& name) {
  MovieTable table;
  CsvReader reader(std::move(text), name);
  std::vector<std::string_view> f;
  if (!reader.next(f)) throw DataError(name + ": the file is empty; expected a header movieId,title,genres");
  expect_header(f, {"movieId", "title", "genres"}, name);
  while (reader.next(f)) {
    if (f.size() != 3) reader.fail("expected 3 columns (movieId,title,genres), found " + std::to_string(f.size()));
    table.add(Movie{parse_id(f[0], "movieId", name, reader.line()), std::string(f[1]), std::string(f[2])}, name,
              reader.line());
  }
  return table;
}

Ratings parse_ratings_dat(const std::string& text, const std::string& name) {
  Ratings ratings;
  ratings.reserve(text.size() / 20);
  std::vector<std::string_view> f;
  for_each_line(text, name, [&](std::size_t line, std::string_view row) {
    split_line(row, "::", f);
    if (f.size() != 4) fail_at(name, line, "expected UserID::MovieID::Rating::Timestamp, found " + std::to_string(f.size()) + " fields");
    ratings.push_back(parse_id(f[0], "UserID", name, line), parse_id(f[1], "MovieID", name, line),
                      parse_rating(f[2], name, line), parse_timestamp(f[3], name, line));
  });
  check_not_empty(ratings, name);
  return ratings;
}

MovieTable parse_movies_dat(const std::string& raw, const std::string& name) {
  MovieTable table;
  std::string text = utf8_text(raw);
  std::vector<std::string_view> f;
  for_each_line(text, name, [&](std::size_t line, std::string_view row) {
    split_line(row, "::", f);
    if (f.size() != 3) fail_at(name, line, "expected MovieID::Title::Genres, found " + std::to_string(f.size()) + " fields");
    table.add(Movie{parse_id(f[0], "MovieID", name, line), std::string(f[1]), std::string(f[2])}, name, line);
  });
  return table;
}

Ratings parse_u_data(const std::string& text, const std::string& name) {
  Ratings ratings;
  std::vector<std::string_view> f;
  for_each_line(text, name, [&](std::size_t line, std::string_view row) {
    split_line(row, "\t", f);
    if (f.size() != 4) fail_at(name, line, "expected 4 tab-separated fields (user item rating timestamp), found " + std::to_string(f.size()));
    ratings.push_back(parse_id(f[0], "user id", name, line), parse_id(f[1], "item id", name, line),
                      parse_rating(f[2], name, line), parse_timestamp(f[3], name, line));
  });
  check_not_empty(ratings, name);
  return ratings;
}

MovieTable parse_u_item(const std::string& raw, const std::string& name) {
  static const char* kGenres[] = {"unknown", "Action", "Adventure", "Animation", "Children's", "Comedy",
                                  "Crime", "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror",
                                  "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"};
  MovieTable table;
  std::string text = utf8_text(raw);
  std::vector<std::string_view> f;
  for_each_line(text, name, [&](std::size_t line, std::string_view row) {
    split_line(row, "|", f);
    if (f.size() != 24) fail_at(name, line, "expected 24 '|'-separated fields, found " + std::to_string(f.size()));
    std::string genres;
    for (int g = 0; g < 19; ++g) {
      if (f[5 + g] == "1") genres += (genres.empty() ? "" : "|") + std::string(kGenres[g]);
    }
    table.add(Movie{parse_id(f[0], "movie id", name, line), std::string(f[1]),
                    genres.empty() ? "(no genres listed)" : genres},
              name, line);
  });
  return table;
}

bool has_movielens_files(const fs::path& dir) {
  auto both = [&](const char* a, const char* b) { return path_exists(dir / a) && path_exists(dir / b); };
  return both("ratings.csv", "movies.csv") || both("ratings.dat", "movies.dat") || both("u.data", "u.item");
}

Layout detect_layout(const fs::path& dir) {
  if (!is_folder(dir)) throw DataError("data folder not found: " + dir.string());
  if (path_exists(dir / "ratings.csv") && path_exists(dir / "movies.csv")) return Layout::Latest;
  if (path_exists(dir / "ratings.dat") && path_exists(dir / "movies.dat")) return Layout::Dat;
  if (path_exists(dir / "u.data") && path_exists(dir / "u.item")) return Layout::Ml100k;
  throw DataError(dir.string() + ": no MovieLens files found; expected ratings.csv + movies.csv "
                  "(ml-latest, ml-25m), ratings.dat + movies.dat (ml-1m, ml-10m) or u.data + u.item (ml-100k)");
}

MovieLensData load_movielens(const fs::path& dir) {
  MovieLensData data;
  data.layout = detect_layout(dir);
  switch (data.layout) {
    case Layout::Latest:
      data.ratings_file = dir / "ratings.csv";
      data.movies_file = dir / "movies.csv";
      data.ratings = parse_ratings_csv(read_file(data.ratings_file), data.ratings_file.string());
      data.movies = parse_movies_csv(read_file(data.movies_file), data.movies_file.string());
      break;
    case Layout::Dat:
      data.ratings_file = dir / "ratings.dat";
      data.movies_file = dir / "movies.dat";
      data.ratings = parse_ratings_dat(read_file(data.ratings_file), data.ratings_file.string());
      data.movies = parse_movies_dat(read_file(data.movies_file), data.movies_file.string());
      break;
    case Layout::Ml100k:
      data.ratings_file = dir / "u.data";
      data.movies_file = dir / "u.item";
      data.ratings = parse_u_data(read_file(data.ratings_file), data.ratings_file.string());
      data.movies = parse_u_item(read_file(data.movies_file), data.movies_file.string());
      break;
  }
  data.rating_rows = data.ratings.size();
  // Keep going without ratings of movies the movies file lacks; the caller reports the count.
  Ratings& r = data.ratings;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < r.size(); ++i) {
    if (!data.movies.find(r.movie[i])) {
      if (data.unknown_movie_ratings++ == 0) {
        data.first_unknown_movie = "rating row " + std::to_string(i + 1) + " (movieId " + std::to_string(r.movie[i]) + ")";
      }
      continue;
    }
    r.user[kept] = r.user[i];
    r.movie[kept] = r.movie[i];
    r.rating[kept] = r.rating[i];
    r.timestamp[kept] = r.timestamp[i];
    ++kept;
  }
  r.user.resize(kept);
  r.movie.resize(kept);
  r.rating.resize(kept);
  r.timestamp.resize(kept);
  return data;
}

}  // namespace n2v
