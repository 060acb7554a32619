#include "pipeline.h"

#include "download.h"
#include "progress.h"

namespace n2v {

MovieGraph load_graph(const Config& config) {
  ensure_dataset(config.data);
  Progress loading("data: " + config.data.dir, 0, "ratings");
  MovieLensData data = load_movielens(config.data.dir);
  loading.advance(data.rating_rows);
  loading.finish(layout_name(data.layout) + ", " + std::to_string(data.movies.movies.size()) + " movies");
  if (data.unknown_movie_ratings > 0) {
    log_line("warning: " + std::to_string(data.unknown_movie_ratings) + " ratings name movies that " +
             data.movies_file.string() + " lacks (first: " + data.first_unknown_movie +
             "); they are left out of the graph");
  }
  CooccurrenceOptions options;
  options.min_rating = config.graph.min_rating;
  options.min_weight = config.graph.min_weight;
  options.threads = config.resolved_threads();
  return build_movie_graph(data, options);
}

}  // namespace n2v
