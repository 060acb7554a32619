#include "graph/cooccurrence.h"

#include <algorithm>
#include <cmath>

#include "core/parallel.h"
#include "core/progress.h"
#include "core/text.h"

namespace n2v {

double pmi_weight(std::size_t xy, std::size_t x, std::size_t y, double log_total) {
  // Same operation order as the example, in double precision, so thresholds match exactly.
  double pmi = std::log(static_cast<double>(xy)) - std::log(static_cast<double>(x)) -
               std::log(static_cast<double>(y)) + log_total;
  return pmi * static_cast<double>(xy);
}

namespace {

// One thread's share of the rows.
struct CountedEdges {
  std::vector<Edge> edges;  // in dense movie indices
  std::size_t co_rated_pairs = 0;
  std::vector<std::uint32_t> count, touched;  // work space: pair counts of the current row, by movie
};

}  // namespace

Graph build_movie_graph(const MovieLensData& data, const CooccurrenceOptions& options) {
  const Ratings& ratings = data.ratings;
  Graph result;
  GraphStats& stats = result.stats;
  stats.ratings = data.rating_rows;
  stats.movies = data.movies.movies.size();
  stats.unknown_movie_ratings = data.unknown_movie_ratings;

  // Liked (user, movie) keys, sorted and deduplicated: each user counts a movie once.
  std::vector<std::uint64_t> liked;
  for (std::size_t i = 0; i < ratings.size(); ++i) {
    if (ratings.rating[i] >= options.min_rating) {
      liked.push_back((static_cast<std::uint64_t>(ratings.user[i]) << 32) | static_cast<std::uint32_t>(ratings.movie[i]));
    }
  }
  std::sort(liked.begin(), liked.end());
  liked.erase(std::unique(liked.begin(), liked.end()), liked.end());
  stats.liked_ratings = liked.size();

  // Dense movie indices in ascending movieId order.
  std::vector<std::int32_t> movie_ids;
  movie_ids.reserve(liked.size());
  for (auto key : liked) movie_ids.push_back(static_cast<std::int32_t>(key & 0xffffffffu));
  std::sort(movie_ids.begin(), movie_ids.end());
  movie_ids.erase(std::unique(movie_ids.begin(), movie_ids.end()), movie_ids.end());
  const std::size_t num_movies = movie_ids.size();
  std::vector<std::uint32_t> dense_of_id(movie_ids.empty() ? 0 : movie_ids.back() + 1);
  for (std::size_t m = 0; m < num_movies; ++m) dense_of_id[movie_ids[m]] = static_cast<std::uint32_t>(m);

  // user -> movies (sorted, since keys are) and movie -> users, both CSR.
  std::vector<std::uint64_t> user_offsets{0};
  std::vector<std::uint32_t> user_movies(liked.size());
  std::vector<std::uint64_t> movie_offsets(num_movies + 1, 0);
  for (std::size_t i = 0; i < liked.size(); ++i) {
    if (i > 0 && (liked[i] >> 32) != (liked[i - 1] >> 32)) user_offsets.push_back(i);
    std::uint32_t m = dense_of_id[liked[i] & 0xffffffffu];
    user_movies[i] = m;
    ++movie_offsets[m + 1];
  }
  if (!liked.empty()) user_offsets.push_back(liked.size());
  const std::size_t num_users = user_offsets.size() - 1;
  stats.users_with_likes = liked.empty() ? 0 : num_users;
  for (std::size_t m = 0; m < num_movies; ++m) movie_offsets[m + 1] += movie_offsets[m];
  std::vector<std::uint32_t> movie_users(liked.size());
  {
    std::vector<std::uint64_t> cursor(movie_offsets.begin(), movie_offsets.end() - 1);
    for (std::size_t u = 0; u < num_users; ++u) {
      for (std::uint64_t i = user_offsets[u]; i < user_offsets[u + 1]; ++i) {
        movie_users[cursor[user_movies[i]]++] = static_cast<std::uint32_t>(u);
      }
    }
  }
  const double log_total = std::log(static_cast<double>(liked.size()));
  auto item_frequency = [&](std::uint32_t m) { return movie_offsets[m + 1] - movie_offsets[m]; };

  // Row a of A^T A: for every user who liked a, count each of their movies b > a.
  const int threads = std::max(1, std::min<int>(options.threads, static_cast<int>(std::max<std::size_t>(1, num_movies / 64))));
  std::vector<CountedEdges> per_thread(threads);
  Progress progress("graph: co-rating counts", num_movies, "movies");
  parallel_chunks(num_movies, 16, threads, [&](std::uint64_t first, std::uint64_t last, int t) {
    CountedEdges& out = per_thread[t];
    std::vector<std::uint32_t>& count = out.count;
    std::vector<std::uint32_t>& touched = out.touched;
    if (count.empty()) count.assign(num_movies, 0);
    for (std::size_t a = first; a < last; ++a) {
      for (std::uint64_t i = movie_offsets[a]; i < movie_offsets[a + 1]; ++i) {
        std::uint32_t u = movie_users[i];
        const std::uint32_t* begin = user_movies.data() + user_offsets[u];
        const std::uint32_t* end = user_movies.data() + user_offsets[u + 1];
        for (const std::uint32_t* b = std::upper_bound(begin, end, static_cast<std::uint32_t>(a)); b != end; ++b) {
          if (count[*b]++ == 0) touched.push_back(*b);
        }
      }
      out.co_rated_pairs += touched.size();
      std::sort(touched.begin(), touched.end());
      for (std::uint32_t b : touched) {
        double w = pmi_weight(count[b], item_frequency(static_cast<std::uint32_t>(a)), item_frequency(b), log_total);
        if (w >= options.min_weight) {
          out.edges.push_back(Edge{static_cast<NodeId>(a), b, static_cast<float>(w)});
        }
        count[b] = 0;
      }
      touched.clear();
    }
    progress.advance(last - first);
  });

  // The edges are the biggest thing built here (107 M of them at MovieLens-25M scale, 12 bytes
  // each): one list of them at a time, so each thread's part is freed once copied and the list is
  // renumbered in place.
  std::vector<Edge> dense_edges;
  {
    std::size_t total = 0;
    for (const auto& part : per_thread) total += part.edges.size();
    dense_edges.reserve(total);
  }
  for (auto& part : per_thread) {
    stats.co_rated_pairs += part.co_rated_pairs;
    dense_edges.insert(dense_edges.end(), part.edges.begin(), part.edges.end());
    std::vector<Edge>().swap(part.edges);
  }
  std::sort(dense_edges.begin(), dense_edges.end(),
            [](const Edge& x, const Edge& y) { return x.src != y.src ? x.src < y.src : x.dst < y.dst; });

  // Tokens: movies with at least one kept edge, in ascending movieId order, from 1.
  std::vector<NodeId> token_of_dense(num_movies, 0);
  for (const Edge& e : dense_edges) token_of_dense[e.src] = token_of_dense[e.dst] = 1;
  Vocabulary& vocab = result.vocabulary;
  vocab.names.push_back("NA");
  vocab.movie_ids.push_back(-1);
  vocab.titles.push_back("NA");
  vocab.genres.push_back("");
  for (std::size_t m = 0; m < num_movies; ++m) {
    if (!token_of_dense[m]) continue;
    token_of_dense[m] = static_cast<NodeId>(vocab.names.size());
    vocab.names.push_back(std::to_string(movie_ids[m]));
    vocab.movie_ids.push_back(movie_ids[m]);
    const Movie* movie = data.movies.find(movie_ids[m]);
    vocab.titles.push_back(movie ? movie->title : "");
    vocab.genres.push_back(movie ? movie->genres : "");
  }
  // Tokens grow with the dense index, so the renumbered list stays sorted.
  for (Edge& e : dense_edges) e = Edge{token_of_dense[e.src], token_of_dense[e.dst], e.weight};
  result.edges = std::move(dense_edges);
  result.graph = CsrGraph::from_edges(vocab.size(), result.edges, /*directed=*/false);
  stats.nodes = vocab.size() - 1;
  stats.edges = result.edges.size();
  stats.average_degree = stats.nodes == 0 ? 0.0 : 2.0 * static_cast<double>(stats.edges) / static_cast<double>(stats.nodes);
  progress.finish(std::to_string(stats.co_rated_pairs) + " co-rated pairs, " + std::to_string(stats.edges) + " edges kept");
  return result;
}

}  // namespace n2v
