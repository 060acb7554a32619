#include "data/movielens.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <functional>

#include "core/errors.h"
#include "test_util.h"

namespace n2v {
namespace {

using testing::TempDir;
using testing::write_text;

std::string data_error(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const DataError& e) {
    return e.what();
  }
  return "";
}

TEST(MovieLens, LatestLayout) {
  TempDir dir;
  write_text(dir / "ratings.csv", "userId,movieId,rating,timestamp\r\n1,1,4.0,964982703\r\n1,11,5.0,964982931\r\n2,1,0.5,1\r\n");
  write_text(dir / "movies.csv",
             "movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\n"
             "11,\"American President, The (1995)\",Comedy|Drama|Romance\n"
             "12,\"Dracula: Dead and Loving It (1995)\",Comedy\n13,\"Am\xC3\xA9lie \"\"Le\"\" (2001)\",Comedy\n");
  EXPECT_EQ(detect_layout(dir.path()), Layout::Latest);
  MovieLensData data = load_movielens(dir.path());
  ASSERT_EQ(data.ratings.size(), 3u);
  EXPECT_EQ(data.ratings.user[1], 1);
  EXPECT_EQ(data.ratings.movie[1], 11);
  EXPECT_FLOAT_EQ(data.ratings.rating[2], 0.5f);
  EXPECT_EQ(data.ratings.timestamp[0], 964982703);
  ASSERT_EQ(data.movies.movies.size(), 4u);
  EXPECT_EQ(data.movies.find(11)->title, "American President, The (1995)");
  EXPECT_EQ(data.movies.find(11)->genres, "Comedy|Drama|Romance");
  EXPECT_EQ(data.movies.find(13)->title, "Am\xC3\xA9lie \"Le\" (2001)");
}

TEST(MovieLens, Ml1mLayoutWithLatin1Titles) {
  TempDir dir;
  write_text(dir / "ratings.dat", "1::1193::5::978300760\n1::661::3::978302109\n");
  write_text(dir / "movies.dat", "1193::One Flew Over the Cuckoo's Nest (1975)::Drama\n661::Caf\xE9 Society (1995)::Drama|Romance\n");
  EXPECT_EQ(detect_layout(dir.path()), Layout::Dat);
  MovieLensData data = load_movielens(dir.path());
  ASSERT_EQ(data.ratings.size(), 2u);
  EXPECT_EQ(data.ratings.movie[0], 1193);
  EXPECT_FLOAT_EQ(data.ratings.rating[0], 5.0f);
  EXPECT_EQ(data.movies.find(661)->title, "Caf\xC3\xA9 Society (1995)");
  EXPECT_EQ(data.movies.find(661)->genres, "Drama|Romance");
}

TEST(MovieLens, Ml100kLayout) {
  TempDir dir;
  write_text(dir / "u.data", "196\t242\t3\t881250949\n186\t302\t3\t891717742\n");
  write_text(dir / "u.item",
             "242|Kolya (1996)|24-Jan-1997||http://x|0|0|0|0|0|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n"
             "302|L.A. Confidential (1997)|01-Jan-1997||http://x|0|0|0|0|0|0|1|0|0|0|1|0|0|1|0|0|1|0|0\n");
  EXPECT_EQ(detect_layout(dir.path()), Layout::Ml100k);
  MovieLensData data = load_movielens(dir.path());
  ASSERT_EQ(data.ratings.size(), 2u);
  EXPECT_EQ(data.ratings.user[0], 196);
  EXPECT_EQ(data.movies.find(242)->genres, "Comedy");
  EXPECT_EQ(data.movies.find(302)->genres, "Crime|Film-Noir|Mystery|Thriller");
}

struct BadCase {
  const char* name;
  const char* ratings;
  const char* expected;  // substring of the message
};

TEST(MovieLens, MalformedInputNamesFileLineAndValue) {
  const char* movies = "movieId,title,genres\n1,A,Drama\n2,B,Drama\n";
  for (const BadCase& c : {
           BadCase{"wrong header", "user,movie,rating,timestamp\n1,1,5,0\n", "ratings.csv:1: wrong header"},
           BadCase{"short row", "userId,movieId,rating,timestamp\n1,1,5,0\n1,2\n", "ratings.csv:3: expected 4 columns, found 2"},
           BadCase{"non-numeric", "userId,movieId,rating,timestamp\n1,1,five,0\n", "ratings.csv:2: rating 'five' is not a number"},
           BadCase{"out of range", "userId,movieId,rating,timestamp\n1,1,5,0\n1,2,7.5,0\n", "ratings.csv:3: rating 7.5 is outside 0.5..5"},
           BadCase{"bad id", "userId,movieId,rating,timestamp\nx1,1,5,0\n", "ratings.csv:2: userId 'x1' is not a valid id"},
           BadCase{"empty", "userId,movieId,rating,timestamp\n", "no ratings"},
           BadCase{"zero bytes", "", "the file is empty"},
       }) {
    TempDir dir;
    write_text(dir / "ratings.csv", c.ratings);
    write_text(dir / "movies.csv", movies);
    std::string message = data_error([&] { load_movielens(dir.path()); });
    EXPECT_NE(message.find(c.expected), std::string::npos) << c.name << ": " << message;
  }
}

// Which of two rows for one movie is right is not for n2v to guess, in any layout.
TEST(MovieLens, AMovieListedTwiceIsAnError) {
  const std::string ratings = "userId,movieId,rating,timestamp\n1,1,5,0\n";
  EXPECT_EQ(data_error([&] { parse_movies_csv("movieId,title,genres\n1,A,Drama\n2,B,Drama\n1,C,Comedy\n", "movies.csv"); }),
            "movies.csv:4: movie id 1 is listed twice (first as 'A'); keep one row per movie");
  EXPECT_NE(data_error([&] { parse_movies_dat("1::A::Drama\n1::B::Drama\n", "movies.dat"); }).find("movies.dat:2: movie id 1"),
            std::string::npos);
  TempDir dir;
  write_text(dir / "ratings.csv", ratings);
  write_text(dir / "movies.csv", "movieId,title,genres\n1,A,Drama\n1,A,Drama\n");
  EXPECT_NE(data_error([&] { load_movielens(dir.path()); }).find("movies.csv:3: movie id 1 is listed twice"),
            std::string::npos) << "even when the rows are equal";
}

// A folder, a FIFO or a device in place of a data file is refused by name, never read.
TEST(MovieLens, DataFilesThatAreNotRegularFiles) {
  TempDir dir;
  write_text(dir / "movies.csv", "movieId,title,genres\n1,A,Drama\n");
  std::filesystem::create_directories(dir / "ratings.csv");
  EXPECT_NE(data_error([&] { load_movielens(dir.path()); }).find("ratings.csv: is a folder; n2v reads regular files only"),
            std::string::npos);
  std::filesystem::remove(dir / "ratings.csv");
  ASSERT_EQ(::mkfifo((dir / "ratings.csv").c_str(), 0644), 0);
  EXPECT_NE(data_error([&] { load_movielens(dir.path()); }).find("ratings.csv: is a FIFO (named pipe)"), std::string::npos);
  std::filesystem::remove(dir / "ratings.csv");
  std::filesystem::create_symlink("/dev/zero", dir / "ratings.csv");
  EXPECT_NE(data_error([&] { load_movielens(dir.path()); }).find("ratings.csv: is a character device"), std::string::npos);
}

TEST(MovieLens, MissingFolderOrFiles) {
  TempDir dir;
  EXPECT_NE(data_error([&] { load_movielens(dir / "nope"); }).find("data folder not found"), std::string::npos);
  write_text(dir / "ratings.csv", "userId,movieId,rating,timestamp\n");
  std::string message = data_error([&] { load_movielens(dir.path()); });
  EXPECT_NE(message.find("ratings.csv + movies.csv"), std::string::npos) << message;
}

TEST(MovieLens, RatingsOfUnknownMoviesAreCountedAndLeftOut) {
  TempDir dir;
  write_text(dir / "ratings.csv", "userId,movieId,rating,timestamp\n1,1,5,0\n1,999,5,0\n2,999,4,0\n2,1,3,0\n");
  write_text(dir / "movies.csv", "movieId,title,genres\n1,A,Drama\n");
  MovieLensData data = load_movielens(dir.path());
  EXPECT_EQ(data.rating_rows, 4u);
  EXPECT_EQ(data.ratings.size(), 2u);
  EXPECT_EQ(data.unknown_movie_ratings, 2u);
  EXPECT_NE(data.first_unknown_movie.find("movieId 999"), std::string::npos);
}

}  // namespace
}  // namespace n2v
