#include "data/synth.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/errors.h"
#include "core/progress.h"
#include "data/movielens.h"
#include "graph/cooccurrence.h"
#include "pipeline/pipeline.h"
#include "test_util.h"

namespace n2v {
namespace {

using testing::read_text;
using testing::run_n2v;
using testing::TempDir;

SynthOptions small_options(std::uint64_t seed = 7, int threads = 2) {
  SynthOptions o;
  o.users = 150;
  o.movies = 400;
  o.ratings = 24000;
  o.seed = seed;
  o.threads = threads;
  return o;
}

TEST(Synth, LoadsAsMovieLensWithExactCounts) {
  TempDir dir;
  const SynthOptions o = small_options();
  const SynthSummary summary = write_synthetic_movielens(o, dir.path());
  const MovieLensData data = load_movielens(dir.path());
  EXPECT_EQ(data.layout, Layout::Latest);
  ASSERT_EQ(data.rating_rows, o.ratings);
  EXPECT_EQ(data.unknown_movie_ratings, 0u) << "every rated movie is in movies.csv";
  EXPECT_EQ(data.movies.movies.size(), o.movies);

  const Ratings& r = data.ratings;
  std::map<std::int32_t, std::size_t> per_user;
  std::set<std::int32_t> movies;
  std::set<std::pair<std::int32_t, std::int32_t>> pairs;
  std::array<std::uint64_t, 10> histogram{};
  for (std::size_t i = 0; i < r.size(); ++i) {
    ++per_user[r.user[i]];
    movies.insert(r.movie[i]);
    EXPECT_TRUE(pairs.emplace(r.user[i], r.movie[i]).second) << "duplicate (user, movie) at row " << i + 1;
    const float twice = r.rating[i] * 2;
    ASSERT_EQ(twice, std::round(twice)) << "half steps";
    ASSERT_GE(r.rating[i], 0.5f);
    ASSERT_LE(r.rating[i], 5.0f);
    ++histogram[static_cast<std::size_t>(twice) - 1];
    if (i > 0) {
      ASSERT_GE(r.user[i], r.user[i - 1]) << "users in id order";
      if (r.user[i] == r.user[i - 1]) ASSERT_GT(r.timestamp[i], r.timestamp[i - 1]) << "row " << i + 1;
    }
  }
  ASSERT_EQ(per_user.size(), o.users);
  EXPECT_EQ(per_user.begin()->first, 1);
  EXPECT_EQ(per_user.rbegin()->first, static_cast<std::int32_t>(o.users));
  for (const auto& [user, count] : per_user) {
    EXPECT_GE(count, o.min_user_ratings) << "user " << user;
    EXPECT_LE(count, o.movies) << "user " << user;
  }
  EXPECT_LE(movies.size(), o.movies);
  EXPECT_EQ(summary.rated_movies, movies.size());
  EXPECT_EQ(summary.histogram, histogram);
  EXPECT_EQ(summary.users, o.users);
  EXPECT_EQ(summary.bytes, read_text(dir / "ratings.csv").size() + read_text(dir / "movies.csv").size());
  for (const Movie& m : data.movies.movies) EXPECT_FALSE(m.genres.empty());
}

TEST(Synth, LikedTogetherGivesAGraphWithManyEdges) {
  set_quiet(true);
  TempDir dir;
  SynthOptions o = small_options();
  o.users = 300;  // a user rates ~4% of the movies, so favourites are not used up
  o.movies = 3000;
  o.ratings = 36000;
  write_synthetic_movielens(o, dir.path());
  CooccurrenceOptions options = cooccurrence_options_from(Config{});
  options.min_rating = 4.0;
  options.min_weight = 1.0;
  const Graph g = build_movie_graph(load_movielens(dir.path()), options);
  EXPECT_GT(g.stats.nodes, 200u);
  EXPECT_GT(g.stats.edges, 2000u);

  // Taste clusters (each with a main genre) make the heaviest edges join movies of a common genre
  // far more often than two movies picked at random do.
  auto share_genre = [&](NodeId a, NodeId b) {
    std::set<std::string> genres;
    for (const std::string* list : {&g.vocabulary.genres[a], &g.vocabulary.genres[b]}) {
      std::size_t start = 0;
      while (start <= list->size()) {
        std::size_t end = std::min(list->find('|', start), list->size());
        if (!genres.insert(list->substr(start, end - start)).second) return true;
        start = end + 1;
      }
    }
    return false;
  };
  std::vector<Edge> heaviest = g.edges;
  std::sort(heaviest.begin(), heaviest.end(), [](const Edge& x, const Edge& y) { return x.weight > y.weight; });
  heaviest.resize(200);
  double top = 0, random = 0;
  for (const Edge& e : heaviest) top += share_genre(e.src, e.dst);
  const auto nodes = static_cast<NodeId>(g.vocabulary.size() - 1);
  int pairs = 0;
  for (NodeId a = 1; a <= nodes; a += 3) {
    for (NodeId b = a + 1; b <= nodes; b += 7, ++pairs) random += share_genre(a, b);
  }
  top /= 200.0;
  random /= pairs;
  EXPECT_GT(top, 3.0 * random) << "heaviest edges " << top << ", random pairs " << random;
}

TEST(Synth, SameSeedSameBytesWithAnyThreadCount) {
  TempDir a, b, c;
  write_synthetic_movielens(small_options(7, 1), a.path());
  write_synthetic_movielens(small_options(7, 3), b.path());
  write_synthetic_movielens(small_options(8, 2), c.path());
  const std::string ratings = read_text(a / "ratings.csv");
  EXPECT_EQ(ratings, read_text(b / "ratings.csv"));
  EXPECT_EQ(read_text(a / "movies.csv"), read_text(b / "movies.csv"));
  EXPECT_NE(ratings, read_text(c / "ratings.csv"));
  EXPECT_NE(read_text(a / "movies.csv"), read_text(c / "movies.csv"));
}

TEST(Synth, RatingHistogramFollowsMovieLens25M) {
  TempDir dir;
  SynthOptions o;
  o.users = 800;
  o.movies = 2000;
  o.ratings = 120000;
  const SynthSummary s = write_synthetic_movielens(o, dir.path());
  const auto& shares = movielens_rating_shares();
  double mean = 0.0;
  for (std::size_t k = 0; k < shares.size(); ++k) {
    mean += 0.5 * static_cast<double>(k + 1) * shares[k];
    EXPECT_NEAR(static_cast<double>(s.histogram[k]) / static_cast<double>(s.ratings), shares[k], 0.01)
        << "rating " << 0.5 * static_cast<double>(k + 1);
  }
  EXPECT_NEAR(mean, 3.53, 0.01);
  EXPECT_NEAR(s.mean_rating(), mean, 0.05);
}

TEST(Synth, ActivityAndPopularityHaveLongTails) {
  SynthOptions o;  // 1M ratings in MovieLens 25M's proportions
  o.users = 6480;
  o.movies = 2360;
  o.ratings = 1000000;
  std::vector<std::uint64_t> counts = user_rating_counts(o);
  std::uint64_t sum = 0;
  for (auto n : counts) sum += n;
  EXPECT_EQ(sum, o.ratings);
  std::sort(counts.begin(), counts.end());
  EXPECT_EQ(counts.front(), 20u);
  EXPECT_LE(counts.back(), o.movies);
  const std::uint64_t median = counts[counts.size() / 2];
  EXPECT_LT(median, sum / counts.size()) << "right-skewed: median below mean";
  EXPECT_GT(counts.back(), 10 * median);

  TempDir dir;
  SynthOptions sparse = small_options();  // a user rates ~3% of the movies, as in ml-latest-small
  sparse.users = 300;
  sparse.movies = 5000;
  sparse.ratings = 40000;
  write_synthetic_movielens(sparse, dir.path());
  const MovieLensData data = load_movielens(dir.path());
  std::map<std::int32_t, std::size_t> per_movie;
  for (std::int32_t m : data.ratings.movie) ++per_movie[m];
  std::vector<std::size_t> popularity;
  for (const auto& [movie, n] : per_movie) popularity.push_back(n);
  std::sort(popularity.begin(), popularity.end());
  EXPECT_GT(popularity.back(), 20 * popularity[popularity.size() / 2]);
}

TEST(Synth, CountsMeetTheMinimumAndTheCap) {
  SynthOptions o;
  o.users = 10;
  o.movies = 30;
  o.ratings = 290;  // all but 10 of the 300 possible
  std::vector<std::uint64_t> counts = user_rating_counts(o);
  std::uint64_t sum = 0;
  for (auto n : counts) {
    EXPECT_GE(n, 20u);
    EXPECT_LE(n, 30u);
    sum += n;
  }
  EXPECT_EQ(sum, 290u);
  o.ratings = 300;  // every user rates every movie
  for (auto n : user_rating_counts(o)) EXPECT_EQ(n, 30u);
  TempDir dir;
  o.threads = 2;
  write_synthetic_movielens(o, dir.path());
  EXPECT_EQ(load_movielens(dir.path()).ratings.size(), 300u);
}

TEST(Synth, ImpossibleCountsAreUsageErrors) {
  SynthOptions o;
  o.users = 100;
  o.movies = 50;
  o.ratings = 1999;  // < 100 x 20
  EXPECT_THROW(check_synth_options(o), UsageError);
  o.ratings = 5001;  // > 100 x 50
  EXPECT_THROW(check_synth_options(o), UsageError);
  o.ratings = 5000;
  EXPECT_NO_THROW(check_synth_options(o));
  o.users = 0;
  EXPECT_THROW(check_synth_options(o), UsageError);
  o.users = 100;
  o.min_user_ratings = 51;
  EXPECT_THROW(check_synth_options(o), UsageError);
  TempDir dir;
  o.min_user_ratings = 20;
  o.ratings = 10;
  EXPECT_THROW(write_synthetic_movielens(o, dir / "out"), UsageError);
  EXPECT_FALSE(std::filesystem::exists(dir / "out")) << "nothing written for impossible counts";
}

TEST(Synth, TitlesAreQuotedWhereNeededAndUnique) {
  TempDir dir;
  SynthOptions o = small_options();
  o.movies = 3000;  // enough movies for every title style
  write_synthetic_movielens(o, dir.path());
  const std::string text = read_text(dir / "movies.csv");
  EXPECT_NE(text.find(", The ("), std::string::npos);
  EXPECT_NE(text.find("\"\""), std::string::npos) << "a title with quotes inside, doubled";
  const MovieTable table = load_movielens(dir.path()).movies;
  std::set<std::string> titles;
  bool comma = false, quote = false;
  for (const Movie& m : table.movies) {
    titles.insert(m.title);
    comma = comma || m.title.find(", The") != std::string::npos;
    quote = quote || m.title.find('"') != std::string::npos;
    EXPECT_EQ(m.title.back(), ')') << m.title;
  }
  EXPECT_TRUE(comma);
  EXPECT_TRUE(quote);
  EXPECT_EQ(titles.size(), table.movies.size());
}

TEST(SynthCli, WritesTheFilesAndRejectsImpossibleCounts) {
  TempDir dir;
  auto ok = run_n2v("synth --users 30 --movies 80 --ratings 1500 --seed 3 --threads 2 --out " + (dir / "data").string());
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  const std::string ratings = read_text(dir / "data" / "ratings.csv");
  EXPECT_EQ(std::count(ratings.begin(), ratings.end(), '\n'), 1501);
  EXPECT_EQ(ratings.rfind("userId,movieId,rating,timestamp\n", 0), 0u);
  EXPECT_TRUE(std::filesystem::exists(dir / "data" / "movies.csv"));
  EXPECT_NE(ok.output.find("ratings                  1500"), std::string::npos) << ok.output;

  auto bad = run_n2v("synth --users 30 --movies 80 --ratings 100 --out " + (dir / "bad").string());
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("--ratings 100"), std::string::npos) << bad.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "bad"));
}

}  // namespace
}  // namespace n2v
