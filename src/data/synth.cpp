#include "data/synth.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "core/alias_table.h"
#include "core/atomic_file.h"
#include "core/csv.h"
#include "core/errors.h"
#include "core/memory.h"
#include "core/parallel.h"
#include "core/progress.h"
#include "core/rng.h"

namespace n2v {
namespace {

// Parts of RngStream::Synth, kept apart by the top bits of the item index.
enum class Part : std::uint64_t { Activity = 1, User = 2, Movie = 3, Layout = 4 };

Rng part_rng(std::uint64_t seed, Part part, std::uint64_t index) {
  return Rng::for_item(seed, RngStream::Synth, (static_cast<std::uint64_t>(part) << 48) | index);
}

double normal(Rng& rng) {  // Box-Muller, one value per pair of draws
  const double u1 = 1.0 - rng.uniform();  // (0, 1], so the log is finite
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * rng.uniform());
}

constexpr std::int64_t kFirstTimestamp = 789652009;  // 1995-01-09, MovieLens' first rating
constexpr std::int64_t kLastTimestamp = 1574327703;  // 2019-11-21, MovieLens 25M's last
// Log-normal sd of a user's ratings above the minimum: at 25M's shape (154 a user) the median
// user has ~70 and the busiest tens of thousands, as in MovieLens 25M.
constexpr double kActivitySigma = 1.4;
constexpr std::uint64_t kClusterSize = 300;  // movies per taste cluster (at least 20 clusters)
constexpr int kFavourites = 3;  // clusters a user favours
constexpr double kFavouriteShare = 0.7;  // picks made inside the favourite clusters
// Latent score z = user bias + movie quality + affinity (favourite cluster) + noise; the rating is
// the one whose MovieLens quantile range holds z, so the histogram follows MovieLens'.
constexpr double kUserSd = 0.5, kQualitySd = 0.5, kNoiseSd = 0.8, kAffinity = 1.0;
constexpr int kMaxTrials = 16;  // rejected picks (already rated) before the fallback scan

const char* const kRatingText[10] = {"0.5", "1.0", "1.5", "2.0", "2.5", "3.0", "3.5", "4.0", "4.5", "5.0"};

// MovieLens 25M's genres, alphabetical as movies.csv lists them.
const char* const kGenres[] = {"Action",  "Adventure", "Animation", "Children", "Comedy",  "Crime",    "Documentary",
                               "Drama",   "Fantasy",   "Film-Noir", "Horror",   "IMAX",    "Musical",  "Mystery",
                               "Romance", "Sci-Fi",    "Thriller",  "War",      "Western"};
constexpr std::uint32_t kNumGenres = sizeof kGenres / sizeof kGenres[0];
constexpr std::uint32_t kImax = 11;  // never a cluster's main genre

const char* const kAdjectives[] = {
    "Silent", "Broken", "Golden", "Last", "Hidden", "Dark", "Endless", "Lost", "Crimson", "Wild",
    "Frozen", "Burning", "Secret", "Distant", "Electric", "Quiet", "Savage", "Gentle", "Hollow", "Bright",
    "Midnight", "Iron", "Paper", "Velvet", "Naïve", "Restless", "Forgotten", "Little", "Eternal", "Strange",
    "Bitter", "Sweet", "Northern", "Southern", "Neon", "Scarlet", "Lonely", "Rising", "Fallen", "Blue"};
const char* const kNouns[] = {
    "River", "Empire", "Garden", "Witness", "Horizon", "Stranger", "Kingdom", "Station", "Harbor", "Promise",
    "Mirror", "Storm", "Journey", "Island", "Shadow", "Dream", "Road", "Castle", "Letter", "Machine",
    "Summer", "Winter", "Frontier", "Circus", "Orchard", "Café", "Lighthouse", "Planet", "Detective", "Symphony",
    "Valley", "Signal", "Legacy", "Voyage", "Carnival", "Desert", "Forest", "Bridge", "Hunter", "Ghost",
    "Canyon", "Academy", "Heist", "Galaxy", "Ballad", "Outpost", "Tide", "Labyrinth", "Engine", "Crown"};
constexpr std::uint64_t kNumAdjectives = sizeof kAdjectives / sizeof kAdjectives[0];
constexpr std::uint64_t kNumNouns = sizeof kNouns / sizeof kNouns[0];

struct Catalogue {
  std::vector<std::int32_t> ids;  // ascending, with MovieLens-like gaps
  std::vector<std::uint32_t> cluster;
  std::vector<float> quality;
  std::vector<std::uint32_t> genre_mask;
  std::vector<std::uint16_t> year;
  std::vector<std::uint32_t> title_index;  // a permutation: (adjective, noun, sequel) unique per movie
  std::vector<std::uint8_t> title_style;  // 0 plain, 1 "Name, The" (quoted in CSV), 2 with quotes inside
  std::vector<AliasTable> in_cluster;  // draws a member index of the cluster
  std::vector<std::vector<std::uint32_t>> members;
  AliasTable all;  // over every movie
};

std::uint64_t num_clusters(std::uint64_t movies) {
  return std::max<std::uint64_t>(std::min<std::uint64_t>(20, movies), movies / kClusterSize);
}

Catalogue build_catalogue(const SynthOptions& o) {
  const std::uint64_t m_count = o.movies;
  const std::uint64_t clusters = num_clusters(m_count);
  Catalogue c;
  Rng layout = part_rng(o.seed, Part::Layout, 0);
  c.ids.resize(m_count);
  std::int64_t id = 0;
  for (auto& v : c.ids) {  // mostly consecutive ids, now and then a gap, as in ml-latest
    id += 1 + (layout.below(4) == 0 ? static_cast<std::int64_t>(layout.below(8)) : 0);
    v = static_cast<std::int32_t>(id);
  }
  auto permutation = [&] {
    std::vector<std::uint32_t> p(m_count);
    for (std::uint32_t i = 0; i < m_count; ++i) p[i] = i;
    shuffle_in_place(p.begin(), p.end(), layout);
    return p;
  };
  const std::vector<std::uint32_t> rank = permutation();
  c.title_index = permutation();

  // Zipf-Mandelbrot popularity 1 / (rank + q)^2 with q = the mean ratings per user: the favourite
  // movie is then rated by ~40% of the users (MovieLens 25M: 50%, ml-latest-small: 54%).
  const double q = static_cast<double>(o.ratings) / static_cast<double>(o.users);
  std::vector<double> weight(m_count);
  for (std::uint64_t m = 0; m < m_count; ++m) weight[m] = 1.0 / std::pow(rank[m] + 1.0 + q, 2.0);

  c.cluster.resize(m_count);
  c.quality.resize(m_count);
  c.genre_mask.resize(m_count);
  c.year.resize(m_count);
  c.title_style.resize(m_count);
  c.members.resize(clusters);
  for (std::uint64_t m = 0; m < m_count; ++m) {
    Rng rng = part_rng(o.seed, Part::Movie, m);
    const auto k = static_cast<std::uint32_t>(rng.below(clusters));
    c.cluster[m] = k;
    c.members[k].push_back(static_cast<std::uint32_t>(m));
    c.quality[m] = static_cast<float>(kQualitySd * normal(rng));
    std::uint32_t main_genre = k % (kNumGenres - 1);
    if (main_genre >= kImax) ++main_genre;
    std::uint32_t mask = 1u << main_genre;
    if (rng.below(2) == 0) mask |= 1u << rng.below(kNumGenres);
    if (rng.below(5) == 0) mask |= 1u << rng.below(kNumGenres);
    if (rng.below(100) == 0) mask = 0;  // "(no genres listed)"
    c.genre_mask[m] = mask;
    const double u = rng.uniform();
    c.year[m] = static_cast<std::uint16_t>(2019 - static_cast<int>(117.0 * u * u));  // recent years dominate
    const std::uint64_t style = rng.below(100);
    c.title_style[m] = style < 15 ? 1 : style < 16 ? 2 : 0;
  }
  c.all = AliasTable(weight);
  for (const auto& members : c.members) {
    std::vector<double> w;
    for (std::uint32_t m : members) w.push_back(weight[m]);
    if (w.empty()) w.push_back(1.0);  // an empty cluster is never a favourite (see draw_picks)
    c.in_cluster.emplace_back(w);
  }
  return c;
}

struct Scratch {
  std::vector<std::uint8_t> taken;  // per movie, reset after each user
  std::vector<std::uint8_t> rated;  // per movie, for the summary
  std::vector<std::uint32_t> picks;
  std::vector<double> gaps;
  std::array<std::uint64_t, 10> histogram{};
  explicit Scratch(std::uint64_t movies) : taken(movies, 0), rated(movies, 0) {}
};

struct Favourites {
  std::uint32_t cluster[kFavourites];
  int count = 0;
  bool contains(std::uint32_t k) const { return std::find(cluster, cluster + count, k) != cluster + count; }
};

// A user's first draws: the favourite clusters, then `count` distinct movies in rating order
// (into s.picks, marked in s.taken). Replayed exactly by the threshold calibration.
Favourites draw_picks(Rng& rng, std::uint64_t count, const Catalogue& c, Scratch& s) {
  Favourites f;
  for (int tries = 0; f.count < kFavourites && tries < 64; ++tries) {
    const auto k = static_cast<std::uint32_t>(rng.below(c.members.size()));
    if (!c.members[k].empty() && !f.contains(k)) f.cluster[f.count++] = k;
  }
  const std::uint64_t m_count = c.ids.size();
  s.picks.clear();
  for (std::uint64_t i = 0; i < count; ++i) {
    std::uint32_t m = std::numeric_limits<std::uint32_t>::max();
    for (int trial = 0; trial < kMaxTrials; ++trial) {
      std::uint32_t candidate;
      if (f.count > 0 && rng.uniform() < kFavouriteShare) {
        const std::uint32_t k = f.cluster[rng.below(f.count)];
        candidate = c.members[k][c.in_cluster[k].draw(rng)];
      } else {
        candidate = c.all.draw(rng);
      }
      if (!s.taken[candidate]) {
        m = candidate;
        break;
      }
    }
    if (m == std::numeric_limits<std::uint32_t>::max()) {
      // The tables keep offering rated movies (a very busy user): the next free one after a random one.
      std::uint64_t next = rng.below(m_count);
      while (s.taken[next]) next = next + 1 == m_count ? 0 : next + 1;
      m = static_cast<std::uint32_t>(next);
    }
    s.taken[m] = 1;
    s.picks.push_back(m);
  }
  return f;
}

void release_picks(Scratch& s) {
  for (std::uint32_t m : s.picks) s.taken[m] = 0;
}

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

// thresholds[k] is the score at which z's CDF reaches MovieLens' share of ratings up to
// kRatingText[k]. z = (user bias + quality + affinity) + noise: a normal around each pick's mean
// score, whose distribution (favourite share, popular movies' qualities, busy users running out of
// favourites, a busy user's bias weighing more) is measured on the exact draws of a sample of users.
std::array<double, 9> score_thresholds(const std::vector<std::uint64_t>& counts, const SynthOptions& o,
                                       const Catalogue& c) {
  constexpr double kLow = -8.0, kWidth = 0.01;
  std::vector<double> mass(static_cast<std::size_t>(2 * -kLow / kWidth) + 1, 0.0);
  Scratch s(c.ids.size());
  const std::uint64_t step = std::max<std::uint64_t>(1, o.ratings / 200'000);  // ~200,000 picks
  for (std::uint64_t u = 0; u < counts.size(); u += step) {
    Rng rng = part_rng(o.seed, Part::User, u);
    const Favourites f = draw_picks(rng, counts[u], c, s);
    const double bias = kUserSd * normal(rng);
    for (std::uint32_t m : s.picks) {
      const double mean = bias + c.quality[m] + (f.contains(c.cluster[m]) ? kAffinity : 0.0);
      const auto bin = static_cast<std::size_t>(std::clamp((mean - kLow) / kWidth, 0.0, mass.size() - 1.0));
      mass[bin] += 1.0;
    }
    release_picks(s);
  }
  std::vector<std::pair<double, double>> atoms;  // (mean score, share)
  double total = 0.0;
  for (double w : mass) total += w;
  for (std::size_t b = 0; b < mass.size(); ++b) {
    if (mass[b] > 0) atoms.emplace_back(kLow + (static_cast<double>(b) + 0.5) * kWidth, mass[b] / total);
  }
  const double sd = kNoiseSd;
  auto cdf = [&](double z) {
    double p = 0.0;
    for (const auto& [mean, share] : atoms) p += share * normal_cdf((z - mean) / sd);
    return p;
  };
  std::array<double, 9> thresholds{};
  double cumulative = 0.0;
  for (int k = 0; k < 9; ++k) {
    cumulative += movielens_rating_shares()[k];
    double lo = -20.0, hi = 20.0;
    for (int i = 0; i < 60; ++i) {
      const double mid = 0.5 * (lo + hi);
      (cdf(mid) < cumulative ? lo : hi) = mid;
    }
    thresholds[k] = 0.5 * (lo + hi);
  }
  return thresholds;
}

char* put(char* p, std::int64_t v) { return std::to_chars(p, p + 20, v).ptr; }

constexpr std::size_t kMaxLineBytes = 48;  // 10 + 10 + 3 + 19 digits, 3 commas, newline

// Appends user u's rows to out.
void generate_user(std::uint64_t u, std::uint64_t count, const SynthOptions& o, const Catalogue& c,
                   const std::array<double, 9>& thresholds, Scratch& s, std::string& out) {
  Rng rng = part_rng(o.seed, Part::User, u);
  const Favourites favourites = draw_picks(rng, count, c, s);
  const double bias = kUserSd * normal(rng);

  // Timestamps: a span (median a day, some users for years), pauses between ratings heavy-tailed
  // (mostly seconds, now and then weeks), scaled into the span; +i keeps them strictly increasing.
  const auto range = static_cast<std::uint64_t>(kLastTimestamp - kFirstTimestamp);
  const double span_draw = 86400.0 * std::exp(3.0 * normal(rng));
  const std::uint64_t span = std::clamp<std::uint64_t>(
      static_cast<std::uint64_t>(std::min(span_draw, static_cast<double>(range))), count, range);
  const std::int64_t start = kFirstTimestamp + static_cast<std::int64_t>(rng.below(range - span + 1));
  s.gaps.resize(count);
  double total_gap = 0.0;
  s.gaps[0] = 0.0;
  for (std::uint64_t i = 1; i < count; ++i) {
    const double e = -std::log(1.0 - rng.uniform());
    total_gap += e * e * e;
    s.gaps[i] = total_gap;
  }
  const double gap_scale = total_gap > 0.0 ? static_cast<double>(span - count) / total_gap : 0.0;

  char user_text[24];
  const std::size_t user_length = static_cast<std::size_t>(put(user_text, static_cast<std::int64_t>(u + 1)) - user_text);
  const std::size_t old_size = out.size();
  out.resize(old_size + count * kMaxLineBytes);
  char* p = out.data() + old_size;
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::uint32_t m = s.picks[i];
    s.rated[m] = 1;
    const double z = bias + c.quality[m] + (favourites.contains(c.cluster[m]) ? kAffinity : 0.0) + kNoiseSd * normal(rng);
    const auto bin = static_cast<std::size_t>(std::upper_bound(thresholds.begin(), thresholds.end(), z) - thresholds.begin());
    ++s.histogram[bin];
    const std::int64_t timestamp = start + static_cast<std::int64_t>(i) + static_cast<std::int64_t>(s.gaps[i] * gap_scale);

    std::memcpy(p, user_text, user_length);
    p += user_length;
    *p++ = ',';
    p = put(p, c.ids[m]);
    *p++ = ',';
    std::memcpy(p, kRatingText[bin], 3);
    p += 3;
    *p++ = ',';
    p = put(p, timestamp);
    *p++ = '\n';
  }
  out.resize(static_cast<std::size_t>(p - out.data()));
  release_picks(s);
}

std::string movies_csv(const Catalogue& c) {
  std::string text = "movieId,title,genres\n";
  for (std::size_t m = 0; m < c.ids.size(); ++m) {
    const std::uint64_t t = c.title_index[m];
    std::string name = std::string(kAdjectives[t % kNumAdjectives]) + " " + kNouns[(t / kNumAdjectives) % kNumNouns];
    if (const std::uint64_t sequel = t / (kNumAdjectives * kNumNouns); sequel > 0) name += " " + std::to_string(sequel + 1);
    if (c.title_style[m] == 1) name += ", The";  // MovieLens moves leading articles to the end
    if (c.title_style[m] == 2) name = "\"" + name + "\" Live";
    std::string genres;
    for (std::uint32_t g = 0; g < kNumGenres; ++g) {
      if (c.genre_mask[m] & (1u << g)) genres += (genres.empty() ? "" : "|") + std::string(kGenres[g]);
    }
    if (genres.empty()) genres = "(no genres listed)";
    const std::string title = name + " (" + std::to_string(c.year[m]) + ")";
    text += std::to_string(c.ids[m]) + "," + quote_field(title) + "," + genres + "\n";
  }
  return text;
}

}  // namespace

double SynthSummary::mean_rating() const {
  double sum = 0.0, n = 0.0;
  for (std::size_t k = 0; k < histogram.size(); ++k) {
    sum += 0.5 * static_cast<double>(k + 1) * static_cast<double>(histogram[k]);
    n += static_cast<double>(histogram[k]);
  }
  return n > 0 ? sum / n : 0.0;
}

const std::array<double, 10>& movielens_rating_shares() {
  // Rating counts of MovieLens 25M (25,000,095 ratings).
  static const std::array<double, 10> shares = [] {
    const std::array<double, 10> counts{393068, 776815, 399490, 1640868, 1262797,
                                        4896928, 3177318, 6639798, 2200539, 3612474};
    double total = 0.0;
    for (double v : counts) total += v;
    std::array<double, 10> s{};
    for (std::size_t k = 0; k < counts.size(); ++k) s[k] = counts[k] / total;
    return s;
  }();
  return shares;
}

void check_synth_options(const SynthOptions& o) {
  auto n = [](std::uint64_t v) { return std::to_string(v); };
  if (o.users == 0 || o.movies == 0 || o.ratings == 0) {
    throw UsageError("--users, --movies and --ratings must be positive (got " + n(o.users) + ", " + n(o.movies) + ", " +
                     n(o.ratings) + ")");
  }
  if (o.users > 1'000'000'000 || o.movies > 100'000'000) {
    throw UsageError("--users " + n(o.users) + " / --movies " + n(o.movies) +
                     ": at most 1,000,000,000 users and 100,000,000 movies (ids are 32-bit)");
  }
  if (o.min_user_ratings == 0 || o.min_user_ratings > o.movies) {
    throw UsageError("--min-user-ratings " + n(o.min_user_ratings) + " must be between 1 and --movies " + n(o.movies));
  }
  if (o.ratings / o.users < o.min_user_ratings) {
    throw UsageError("--ratings " + n(o.ratings) + " is fewer than --users " + n(o.users) + " x " +
                     n(o.min_user_ratings) + " (every user rates at least --min-user-ratings movies); raise --ratings "
                     "to at least " + n(o.users * o.min_user_ratings) + " or lower --users");
  }
  if (o.ratings / o.users > o.movies || (o.ratings / o.users == o.movies && o.ratings % o.users != 0)) {
    throw UsageError("--ratings " + n(o.ratings) + " is more than --users " + n(o.users) + " x --movies " + n(o.movies) +
                     " (a user rates a movie at most once); lower --ratings or raise --movies");
  }  // The catalogue's arrays and alias tables (~64 bytes a movie) and the per-user counts and
  // weights (~32 bytes a user); the ratings themselves are streamed to the file.
  check_fits_in_memory("synth", 32.0 * static_cast<double>(o.users) + 64.0 * static_cast<double>(o.movies),
                       "--users " + n(o.users) + ", --movies " + n(o.movies), "--users or --movies");
}

std::vector<std::uint64_t> user_rating_counts(const SynthOptions& o) {
  check_synth_options(o);
  const std::uint64_t users = o.users;
  const std::uint64_t extra_cap = o.movies - o.min_user_ratings;  // a user rates each movie at most once
  std::vector<double> weight(users);
  for (std::uint64_t u = 0; u < users; ++u) {
    Rng rng = part_rng(o.seed, Part::Activity, u);
    weight[u] = std::exp(kActivitySigma * normal(rng));
  }
  // Water-filling: users whose share would pass the cap get the cap, the rest share what is left
  // in proportion to their weights (shares only grow as users are capped, so this ends).
  std::vector<std::uint64_t> extra(users, 0);
  std::vector<std::uint8_t> capped(users, 0);
  std::uint64_t left = o.ratings - users * o.min_user_ratings;
  double open_weight = 0.0;
  for (double w : weight) open_weight += w;
  for (bool changed = true; changed && left > 0;) {
    changed = false;
    const double per_weight = static_cast<double>(left) / open_weight;
    for (std::uint64_t u = 0; u < users; ++u) {
      if (capped[u] || left < extra_cap || weight[u] * per_weight < static_cast<double>(extra_cap)) continue;
      capped[u] = 1;
      extra[u] = extra_cap;
      left -= extra_cap;
      open_weight -= weight[u];
      changed = true;
    }
  }
  if (left > 0 && open_weight > 0.0) {
    const double per_weight = static_cast<double>(left) / open_weight;
    std::vector<std::pair<double, std::uint64_t>> remainders;  // (fraction lost to the floor, user)
    std::uint64_t given = 0;
    for (std::uint64_t u = 0; u < users; ++u) {
      if (capped[u]) continue;
      const double share = weight[u] * per_weight;
      extra[u] = std::min<std::uint64_t>(static_cast<std::uint64_t>(share), extra_cap);
      given += extra[u];
      remainders.emplace_back(-(share - std::floor(share)), u);
    }
    std::sort(remainders.begin(), remainders.end());
    // The floors lost less than one rating per open user; hand those out, largest fraction first.
    for (std::size_t i = 0; given < left && !remainders.empty(); i = (i + 1) % remainders.size()) {
      const std::uint64_t u = remainders[i].second;
      if (extra[u] < extra_cap) {
        ++extra[u];
        ++given;
      }
    }
  }
  std::vector<std::uint64_t> counts(users);
  for (std::uint64_t u = 0; u < users; ++u) counts[u] = o.min_user_ratings + extra[u];
  return counts;
}

SynthSummary write_synthetic_movielens(const SynthOptions& o, const std::filesystem::path& dir, Progress* progress) {
  const std::vector<std::uint64_t> counts = user_rating_counts(o);  // checks the options
  const Catalogue catalogue = build_catalogue(o);
  const std::array<double, 9> thresholds = score_thresholds(counts, o, catalogue);
  const int threads = std::max(1, o.threads);

  ensure_directory(dir);
  AtomicFile ratings_file(dir / "ratings.csv", true);
  auto& out = ratings_file.stream();
  const std::string header = "userId,movieId,rating,timestamp\n";
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  SynthSummary summary;
  summary.bytes = header.size();

  // Rounds of chunks: the threads fill a round's buffers, then they are written in user order.
  constexpr std::uint64_t kChunkUsers = 256;
  const std::uint64_t chunks = (o.users + kChunkUsers - 1) / kChunkUsers;
  const std::uint64_t per_round = static_cast<std::uint64_t>(threads) * 4;
  std::vector<std::string> buffers(per_round);
  std::vector<Scratch> scratch(threads, Scratch(o.movies));
  for (std::uint64_t first = 0; first < chunks; first += per_round) {
    const std::uint64_t last = std::min(chunks, first + per_round);
    parallel_chunks(last - first, 1, threads, [&](std::uint64_t begin, std::uint64_t end, int t) {
      for (std::uint64_t chunk = first + begin; chunk < first + end; ++chunk) {
        std::string& buffer = buffers[chunk - first];
        buffer.clear();
        std::uint64_t rows = 0;
        for (std::uint64_t u = chunk * kChunkUsers; u < std::min(o.users, (chunk + 1) * kChunkUsers); ++u) {
          generate_user(u, counts[u], o, catalogue, thresholds, scratch[t], buffer);
          rows += counts[u];
        }
        if (progress) progress->advance(rows);
      }
    });
    for (std::uint64_t chunk = first; chunk < last; ++chunk) {
      const std::string& buffer = buffers[chunk - first];
      out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      summary.bytes += buffer.size();
    }
  }

  std::vector<std::uint8_t> rated(o.movies, 0);
  for (const auto& s : scratch) {
    for (std::size_t k = 0; k < s.histogram.size(); ++k) summary.histogram[k] += s.histogram[k];
    for (std::uint64_t m = 0; m < o.movies; ++m) rated[m] |= s.rated[m];
  }
  summary.users = o.users;
  summary.movies = o.movies;
  summary.ratings = o.ratings;
  summary.rated_movies = static_cast<std::uint64_t>(std::count(rated.begin(), rated.end(), 1));
  summary.max_user_ratings = *std::max_element(counts.begin(), counts.end());

  const std::string movies = movies_csv(catalogue);
  summary.bytes += movies.size();
  AtomicFile movies_file(dir / "movies.csv", true);
  movies_file.stream().write(movies.data(), static_cast<std::streamsize>(movies.size()));
  ratings_file.commit();
  movies_file.commit();
  return summary;
}

}  // namespace n2v
