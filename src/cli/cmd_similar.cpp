// n2v similar --model model.pt --title T [--movie-id N] [-k K]: nearest movies by cosine
// similarity, printed as the Keras example prints them, with the scores added.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>

#include "cli/cli.h"
#include "core/csv.h"
#include "core/errors.h"
#include "core/text.h"
#include "data/movielens.h"
#include "data/titles.h"
#include "serve/model_file.h"

namespace n2v {
namespace {

namespace fs = std::filesystem;

struct SimilarOptions {
  std::string model;
  std::vector<std::string> titles;
  std::vector<std::int64_t> movie_ids;
  int k = 5;
  std::string data_dir;
  std::string config_file;
};

struct Query {
  std::string label;  // what the user asked for, as printed above the dashes
  std::vector<std::int64_t> tokens;  // several when movies share a title
  std::string title;  // for --title queries
  std::optional<std::int64_t> movie_id;  // for --movie-id queries
};

// Python's len() counts code points, so the Keras underline does too.
std::size_t display_width(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// The movies file, read only when a query is not in the vocabulary: from --data-dir, else the
// config's data.dir, else the folder recorded in model.pt when it still exists.
std::optional<MovieTable> load_movies(const SimilarOptions& options, const ModelFile& model, fs::path& file) {
  fs::path dir;
  if (!options.data_dir.empty()) dir = options.data_dir;
  else if (!options.config_file.empty()) dir = Config::load(options.config_file).data_dir();
  else if (!model.data_dir().empty() && has_movielens_files(model.data_dir())) dir = model.data_dir();
  else return std::nullopt;
  switch (detect_layout(dir)) {
    case Layout::Latest: file = dir / "movies.csv"; return parse_movies_csv(read_file(file), file.string());
    case Layout::Dat: file = dir / "movies.dat"; return parse_movies_dat(read_file(file), file.string());
    case Layout::Ml100k: file = dir / "u.item"; return parse_u_item(read_file(file), file.string());
  }
  return std::nullopt;
}

void explain_missing(const Query& query, const ModelFile& model, const std::optional<MovieTable>& movies,
                     const fs::path& movies_file) {
  const Movie* movie = nullptr;
  if (movies) {
    if (query.movie_id) {
      movie = movies->find(static_cast<std::int32_t>(*query.movie_id));
    } else {
      std::vector<std::string> titles;
      for (const Movie& m : movies->movies) titles.push_back(m.title);
      const auto found = find_titles(titles, query.title, 0);
      if (!found.empty()) movie = &movies->movies[found.front()];
    }
  }
  if (movie) {
    std::printf("%s (movieId %d) is in %s but not in the model's graph: too few ratings at graph.min_rating "
                "or no edge reaching graph.min_weight\n",
                movie->title.c_str(), movie->id, movies_file.string().c_str());
  } else if (query.movie_id) {
    std::printf("movieId %lld is not in the model's vocabulary%s\n", static_cast<long long>(*query.movie_id),
                movies ? (" nor in " + movies_file.string()).c_str() : "");
  } else {
    std::printf("not in the model's vocabulary%s; closest titles:\n",
                movies ? (" nor in " + movies_file.string()).c_str() : "");
    const auto& titles = model.vocabulary().titles;
    for (std::size_t t : suggest_titles(titles, query.title, 5)) std::printf("  ? %s\n", titles[t].c_str());
  }
}

void run_similar(const SimilarOptions& options) {
  if (options.titles.empty() && options.movie_ids.empty())
    throw UsageError("similar: give at least one --title or --movie-id");
  if (options.k < 1) throw UsageError("-k " + std::to_string(options.k) + " is out of range: k must be at least 1");
  ModelFile model = ModelFile::load(options.model);
  const Vocabulary& vocabulary = model.vocabulary();
  if (static_cast<std::size_t>(options.k) > model.num_movies())
    throw UsageError("-k " + std::to_string(options.k) + " is out of range: " + options.model + " has " +
                     std::to_string(model.num_movies()) + " movies");

  std::vector<Query> queries;
  for (const auto& title : options.titles) {
    Query q{title, {}, title, std::nullopt};
    for (std::size_t t : find_titles(vocabulary.titles, title)) q.tokens.push_back(static_cast<std::int64_t>(t));
    // A title typed another way is printed as the model spells it.
    if (q.tokens.size() == 1) q.label = vocabulary.titles[q.tokens.front()];
    queries.push_back(q);
  }
  for (std::int64_t id : options.movie_ids) {
    Query q{"movieId " + std::to_string(id), {}, "", id};
    std::int64_t token = model.token_of(id);
    if (token > 0) {
      q.label = vocabulary.titles[token];
      q.tokens.push_back(token);
    }
    queries.push_back(q);
  }

  std::vector<std::int64_t> tokens;
  for (const auto& q : queries) tokens.insert(tokens.end(), q.tokens.begin(), q.tokens.end());
  auto neighbors = model.similar(tokens, options.k);

  std::optional<MovieTable> movies;
  fs::path movies_file;
  bool movies_loaded = false;
  std::size_t next = 0, missing = 0;
  for (const auto& q : queries) {
    for (std::int64_t token : q.tokens) {
      std::string label = q.tokens.size() > 1
                              ? vocabulary.titles[token] + " [movieId " + std::to_string(vocabulary.movie_ids[token]) + "]"
                              : q.label;
      std::printf("%s\n%s\n", label.c_str(), std::string(display_width(label), '-').c_str());
      for (const Neighbor& n : neighbors[next++]) std::printf("- %s  %.4f\n", vocabulary.titles[n.token].c_str(), n.score);
      std::printf("\n");
    }
    if (q.tokens.empty()) {
      ++missing;
      if (!movies_loaded) {
        movies = load_movies(options, model, movies_file);
        movies_loaded = true;
      }
      std::printf("%s\n%s\n", q.label.c_str(), std::string(display_width(q.label), '-').c_str());
      explain_missing(q, model, movies, movies_file);
      std::printf("\n");
    }
  }
  std::fflush(stdout);
  if (missing > 0)
    throw DataError(std::to_string(missing) + " of " + std::to_string(queries.size()) +
                    " queries not found in the vocabulary of " + options.model);
}

}  // namespace

void add_similar_command(CLI::App& app) {
  auto options = std::make_shared<SimilarOptions>();
  CLI::App* command = app.add_subcommand("similar", "Print the movies nearest to the given ones (cosine similarity)");
  command->add_option("-m,--model", options->model, "model.pt written by n2v train")->required();
  command->add_option("-t,--title", options->titles, "movie title: as in movies.csv, or as people type it (\"The Matrix\", year optional; repeatable)");
  command->add_option("--movie-id", options->movie_ids, "MovieLens movieId (repeatable)");
  command->add_option("-k", options->k, "neighbours per query, the query itself included (default 5)");
  command->add_option("--data-dir", options->data_dir,
                      "MovieLens folder, to tell a movie missing from the graph from an unknown one "
                      "(default: the folder recorded in the model, when it exists)");
  command->add_option("-c,--config", options->config_file, "config whose data.dir to use like --data-dir")
      ->check(CLI::ExistingFile);
  command->callback([options] { run_similar(*options); });
}

}  // namespace n2v
