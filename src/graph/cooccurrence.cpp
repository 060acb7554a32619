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

// The liked (user, movie) pairs both ways, movies as dense indices in ascending movieId order.
struct LikedMatrix {
  std::vector<std::int32_t> movie_ids;  // dense index -> movieId
  std::vector<std::uint64_t> user_offsets{0}, movie_offsets;
  std::vector<std::uint32_t> user_movies, movie_users;  // a user's movies ascending; a movie's users
  double log_total = 0;
  std::size_t num_movies() const { return movie_ids.size(); }
  std::uint64_t frequency(std::uint32_t m) const { return movie_offsets[m + 1] - movie_offsets[m]; }
};

// Also fills the data's counts into `stats`.
LikedMatrix liked_matrix(const MovieLensData& data, double min_rating, GraphStats& stats) {
  const Ratings& ratings = data.ratings;
  stats.ratings = data.rating_rows;
  stats.movies = data.movies.movies.size();
  stats.unknown_movie_ratings = data.unknown_movie_ratings;

  // Liked (user, movie) keys, sorted and deduplicated: each user counts a movie once.
  std::vector<std::uint64_t> liked;
  for (std::size_t i = 0; i < ratings.size(); ++i) {
    if (ratings.rating[i] >= min_rating) {
      liked.push_back((static_cast<std::uint64_t>(ratings.user[i]) << 32) | static_cast<std::uint32_t>(ratings.movie[i]));
    }
  }
  std::sort(liked.begin(), liked.end());
  liked.erase(std::unique(liked.begin(), liked.end()), liked.end());
  stats.liked_ratings = liked.size();

  LikedMatrix m;
  m.movie_ids.reserve(liked.size());
  for (auto key : liked) m.movie_ids.push_back(static_cast<std::int32_t>(key & 0xffffffffu));
  std::sort(m.movie_ids.begin(), m.movie_ids.end());
  m.movie_ids.erase(std::unique(m.movie_ids.begin(), m.movie_ids.end()), m.movie_ids.end());
  const std::size_t num_movies = m.num_movies();
  std::vector<std::uint32_t> dense_of_id(m.movie_ids.empty() ? 0 : m.movie_ids.back() + 1);
  for (std::size_t i = 0; i < num_movies; ++i) dense_of_id[m.movie_ids[i]] = static_cast<std::uint32_t>(i);

  // user -> movies (sorted, since keys are) and movie -> users, both CSR.
  m.user_movies.resize(liked.size());
  m.movie_offsets.assign(num_movies + 1, 0);
  for (std::size_t i = 0; i < liked.size(); ++i) {
    if (i > 0 && (liked[i] >> 32) != (liked[i - 1] >> 32)) m.user_offsets.push_back(i);
    std::uint32_t movie = dense_of_id[liked[i] & 0xffffffffu];
    m.user_movies[i] = movie;
    ++m.movie_offsets[movie + 1];
  }
  if (!liked.empty()) m.user_offsets.push_back(liked.size());
  const std::size_t num_users = m.user_offsets.size() - 1;
  stats.users_with_likes = liked.empty() ? 0 : num_users;
  for (std::size_t i = 0; i < num_movies; ++i) m.movie_offsets[i + 1] += m.movie_offsets[i];
  m.movie_users.resize(liked.size());
  std::vector<std::uint64_t> cursor(m.movie_offsets.begin(), m.movie_offsets.end() - 1);
  for (std::size_t u = 0; u < num_users; ++u) {
    for (std::uint64_t i = m.user_offsets[u]; i < m.user_offsets[u + 1]; ++i) {
      m.movie_users[cursor[m.user_movies[i]]++] = static_cast<std::uint32_t>(u);
    }
  }
  m.log_total = std::log(static_cast<double>(liked.size()));
  return m;
}

// One thread's share of the rows.
struct CountedEdges {
  std::vector<Edge> edges;  // in dense movie indices
  std::size_t co_rated_pairs = 0;  // pairs (a, b) with b > a
  std::vector<std::uint32_t> count, touched;  // work space: pair counts of the current row, by movie
};

// Rows `rows` of A^T A (dense movie indices), each kept edge (a, b) with its weight: only b > a
// (each pair once, for the whole graph), or with `whole_rows` every b != a (a rank's own rows).
// The weight of a pair is computed with its smaller index first either way, so it is the same
// double, and the same float, whichever row finds it.
std::vector<CountedEdges> count_rows(const LikedMatrix& m, const std::vector<std::uint32_t>& rows, bool whole_rows,
                                     const CooccurrenceOptions& options, const std::string& what) {
  const std::size_t num_movies = m.num_movies();
  const int threads =
      std::max(1, std::min<int>(options.threads, static_cast<int>(std::max<std::size_t>(1, rows.size() / 64))));
  std::vector<CountedEdges> per_thread(threads);
  Progress progress(what, rows.size(), "movies");
  parallel_chunks(rows.size(), 16, threads, [&](std::uint64_t first, std::uint64_t last, int t) {
    CountedEdges& out = per_thread[t];
    std::vector<std::uint32_t>& count = out.count;
    std::vector<std::uint32_t>& touched = out.touched;
    if (count.empty()) count.assign(num_movies, 0);
    for (std::size_t k = first; k < last; ++k) {
      const std::uint32_t a = rows[k];
      for (std::uint64_t i = m.movie_offsets[a]; i < m.movie_offsets[a + 1]; ++i) {
        std::uint32_t u = m.movie_users[i];
        const std::uint32_t* begin = m.user_movies.data() + m.user_offsets[u];
        const std::uint32_t* end = m.user_movies.data() + m.user_offsets[u + 1];
        for (const std::uint32_t* b = whole_rows ? begin : std::upper_bound(begin, end, a); b != end; ++b) {
          if (*b != a && count[*b]++ == 0) touched.push_back(*b);
        }
      }
      std::sort(touched.begin(), touched.end());
      for (std::uint32_t b : touched) {
        out.co_rated_pairs += b > a ? 1 : 0;
        const std::uint32_t low = std::min(a, b), high = std::max(a, b);
        double w = pmi_weight(count[b], m.frequency(low), m.frequency(high), m.log_total);
        if (w >= options.min_weight) out.edges.push_back(Edge{static_cast<NodeId>(a), b, static_cast<float>(w)});
        count[b] = 0;
      }
      touched.clear();
    }
    progress.advance(last - first);
  });
  std::size_t pairs = 0, edges = 0;
  for (const auto& part : per_thread) {
    pairs += part.co_rated_pairs;
    edges += part.edges.size();
  }
  progress.finish(std::to_string(pairs) + " co-rated pairs, " + std::to_string(edges) +
                  (whole_rows ? " arcs kept" : " edges kept"));
  return per_thread;
}

// Tokens: the movies flagged in `token_of_dense` (non-zero: it has a kept edge), in ascending
// movieId order from 1; the flags become the tokens (0: none).
Vocabulary movie_vocabulary(const MovieLensData& data, const LikedMatrix& m, std::vector<NodeId>& token_of_dense) {
  Vocabulary vocab;
  vocab.names.push_back("NA");
  vocab.movie_ids.push_back(-1);
  vocab.titles.push_back("NA");
  vocab.genres.push_back("");
  for (std::size_t i = 0; i < m.num_movies(); ++i) {
    if (!token_of_dense[i]) continue;
    token_of_dense[i] = static_cast<NodeId>(vocab.names.size());
    vocab.names.push_back(std::to_string(m.movie_ids[i]));
    vocab.movie_ids.push_back(m.movie_ids[i]);
    const Movie* movie = data.movies.find(m.movie_ids[i]);
    vocab.titles.push_back(movie ? movie->title : "");
    vocab.genres.push_back(movie ? movie->genres : "");
  }
  return vocab;
}

}  // namespace

Graph build_movie_graph(const MovieLensData& data, const CooccurrenceOptions& options) {
  Graph result;
  GraphStats& stats = result.stats;
  const LikedMatrix m = liked_matrix(data, options.min_rating, stats);
  const std::size_t num_movies = m.num_movies();
  std::vector<std::uint32_t> rows(num_movies);
  for (std::size_t i = 0; i < num_movies; ++i) rows[i] = static_cast<std::uint32_t>(i);
  std::vector<CountedEdges> per_thread = count_rows(m, rows, /*whole_rows=*/false, options, "graph: co-rating counts");

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

  std::vector<NodeId> token_of_dense(num_movies, 0);
  for (const Edge& e : dense_edges) token_of_dense[e.src] = token_of_dense[e.dst] = 1;
  result.vocabulary = movie_vocabulary(data, m, token_of_dense);
  // Tokens grow with the dense index, so the renumbered list stays sorted.
  for (Edge& e : dense_edges) e = Edge{token_of_dense[e.src], token_of_dense[e.dst], e.weight};
  result.edges = std::move(dense_edges);
  result.graph = CsrGraph::from_edges(result.vocabulary.size(), result.edges, /*directed=*/false);
  stats.nodes = result.vocabulary.size() - 1;
  stats.edges = result.edges.size();
  stats.average_degree = stats.nodes == 0 ? 0.0 : 2.0 * static_cast<double>(stats.edges) / static_cast<double>(stats.nodes);
  return result;
}

GraphShard build_movie_graph_shard(const MovieLensData& data, const CooccurrenceOptions& options, int rank,
                                   int world_size, const SumAcrossRanks& sum_across_ranks) {
  GraphShard shard;
  shard.rank = rank;
  shard.world_size = world_size;
  shard.directed = false;
  const LikedMatrix m = liked_matrix(data, options.min_rating, shard.stats);
  const std::size_t num_movies = m.num_movies();
  std::vector<std::uint32_t> rows;
  for (std::size_t i = 0; i < num_movies; ++i)
    if (shard_owner(i, world_size) == rank) rows.push_back(static_cast<std::uint32_t>(i));
  std::vector<CountedEdges> per_thread =
      count_rows(m, rows, /*whole_rows=*/true, options, "graph: co-rating counts of this rank's movies");

  // Which movies have a kept edge, and the co-rated pairs, summed over the ranks: every rank then
  // numbers the tokens as one process does.
  std::vector<std::uint64_t> sums(num_movies + 1, 0);
  for (const CountedEdges& part : per_thread) {
    sums[num_movies] += part.co_rated_pairs;
    for (const Edge& e : part.edges) {
      sums[e.src] = sums[e.dst] = 1;
      if (e.dst > e.src) ++shard.counted_edges;
    }
  }
  sum_across_ranks(sums);
  std::vector<NodeId> token_of_dense(num_movies, 0);
  for (std::size_t i = 0; i < num_movies; ++i) token_of_dense[i] = sums[i] > 0 ? 1 : 0;
  shard.vocabulary = movie_vocabulary(data, m, token_of_dense);
  const std::size_t tokens = shard.vocabulary.size();

  // A movie belongs to the rank that counted its row.
  std::vector<std::uint64_t> keys(tokens, 0);
  for (std::size_t i = 0; i < num_movies; ++i)
    if (token_of_dense[i]) keys[token_of_dense[i]] = i;
  const std::size_t owned = assign_owners(keys, shard);
  // Renumbered in place and joined one part at a time, each freed once copied: the arcs are the
  // biggest thing a rank builds here.
  std::vector<Edge> arcs;
  for (CountedEdges& part : per_thread) {
    for (Edge& e : part.edges) e = Edge{token_of_dense[e.src], token_of_dense[e.dst], e.weight};
    if (arcs.empty()) {
      arcs.swap(part.edges);
    } else {
      arcs.insert(arcs.end(), part.edges.begin(), part.edges.end());
      std::vector<Edge>().swap(part.edges);
    }
  }
  for (NodeId v = kReservedToken + 1; v < tokens; ++v) shard.starts.push_back(v);
  shard.stats.co_rated_pairs = sums[num_movies];
  shard.stats.nodes = tokens - 1;
  shard.stats.edges = shard.counted_edges;  // this rank's share, as slice_graph's
  build_shard_rows(std::move(arcs), owned, shard);
  return shard;
}

}  // namespace n2v
