#include "server/api.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>

#include "core/text.h"
#include "data/titles.h"
#include "server/api_error.h"

namespace n2v {
namespace {

using nlohmann::json;

// How much of a client's text an error quotes.
constexpr std::size_t kExcerpt = 40;

json genres_of(const std::string& genres) {
  json out = json::array();
  std::size_t start = 0;
  while (start <= genres.size() && !genres.empty()) {
    std::size_t bar = genres.find('|', start);
    std::string genre = genres.substr(start, bar == std::string::npos ? std::string::npos : bar - start);
    if (!genre.empty() && genre != "(no genres listed)") out.push_back(genre);
    if (bar == std::string::npos) break;
    start = bar + 1;
  }
  return out;
}

json id_of(const ServedModel& model, std::int64_t token) {
  const Vocabulary& v = model.vocabulary();
  return model.has_movie_ids() ? json(v.movie_ids[token]) : json(v.names[token]);
}

json movie_json(const ServedModel& model, std::int64_t token) {
  const Vocabulary& v = model.vocabulary();
  return {{"id", id_of(model, token)}, {"title", v.titles[token]}, {"genres", genres_of(v.genres[token])}};
}

json neighbors_json(const ServedModel& model, const std::vector<Neighbor>& neighbors) {
  json out = json::array();
  for (const Neighbor& n : neighbors) {
    json movie = movie_json(model, n.token);
    movie["score"] = std::round(static_cast<double>(n.score) * 1e6) / 1e6;
    out.push_back(std::move(movie));
  }
  return out;
}

std::string checked_text(const std::string& text, const std::string& field, const ApiLimits& limits) {
  if (text.size() > limits.max_text)
    throw ApiError(400, fmt::format("{} is {} bytes, more than the {} allowed", field, text.size(), limits.max_text),
                   field);
  if (!is_valid_utf8(text)) throw ApiError(400, field + " " + quote_excerpt(text, kExcerpt) + " is not UTF-8", field);
  return text;
}

// A movie by id (movieId or node name, as text) or by title; 404 with suggestions when unknown.
std::int64_t resolve(const ServedModel& model, const std::string* id, const std::string* title,
                     const std::string& field, const ApiLimits& limits) {
  if (id) {
    const std::string text = checked_text(*id, field + "id", limits);
    if (auto token = model.token_of_name(text)) return *token;
    throw ApiError(404, fmt::format("{} {} is not in the model's vocabulary", model.has_movie_ids() ? "movieId" : "node",
                                    quote_excerpt(text, kExcerpt)),
                   field + "id", json::array());
  }
  const std::string text = checked_text(*title, field + "title", limits);
  const auto& titles = model.vocabulary().titles;
  const auto found = find_titles(titles, text);
  if (!found.empty()) return static_cast<std::int64_t>(found.front());
  json suggestions = json::array();
  for (std::size_t t : suggest_titles(titles, text, 5)) suggestions.push_back(movie_json(model, static_cast<std::int64_t>(t)));
  throw ApiError(404, "title " + quote_excerpt(text, kExcerpt) + " is not in the model's vocabulary", field + "title",
                 std::move(suggestions));
}

const std::string* param(const QueryParams& params, const std::string& name) {
  auto it = params.find(name);
  return it == params.end() ? nullptr : &it->second;
}

std::int64_t resolve_params(const ServedModel& model, const QueryParams& params, const ApiLimits& limits) {
  const std::string *id = param(params, "id"), *title = param(params, "title");
  if ((id == nullptr) == (title == nullptr)) throw ApiError(400, "give one of id or title", id ? "title" : "id");
  return resolve(model, id, title, "", limits);
}

// {"id": N or "N"} or {"title": T}, or a bare id; `field` names it in errors ("queries[2].").
std::int64_t resolve_json(const ServedModel& model, const json& ref, const std::string& field, const ApiLimits& limits) {
  std::string id_text;
  if (ref.is_number_integer()) id_text = std::to_string(ref.get<std::int64_t>());
  else if (ref.is_string()) id_text = ref.get<std::string>();
  else if (ref.is_object() && ref.size() == 1 && ref.contains("id")) return resolve_json(model, ref["id"], field, limits);
  else if (ref.is_object() && ref.size() == 1 && ref.contains("title") && ref["title"].is_string()) {
    const std::string title = ref["title"].get<std::string>();
    return resolve(model, nullptr, &title, field + ".", limits);
  } else {
    throw ApiError(400, field + " must be an id (number or string), {\"id\": ...} or {\"title\": \"...\"}", field);
  }
  return resolve(model, &id_text, nullptr, field + ".", limits);
}

std::size_t parse_count(const std::string* text, const std::string& field, std::size_t fallback, std::size_t max) {
  if (!text) return fallback;
  long long value = 0;
  if (!parse_int64(*text, value) || value < 1 || static_cast<unsigned long long>(value) > max)
    throw ApiError(400, fmt::format("{} must be an integer from 1 to {}, not {}", field, max, quote_excerpt(*text, kExcerpt)),
                   field);
  return static_cast<std::size_t>(value);
}

std::size_t json_count(const json& body, const std::string& field, std::size_t fallback, std::size_t max) {
  if (!body.contains(field)) return fallback;
  const json& value = body[field];
  if (!value.is_number_integer() || value.get<long long>() < 1 || value.get<unsigned long long>() > max)
    throw ApiError(400, fmt::format("{} must be an integer from 1 to {}", field, max), field);
  return value.get<std::size_t>();
}

float parse_min_score(const std::string* text) {
  if (!text) return -2.0f;
  double value = 0;
  if (!parse_double(*text, value) || !(value >= -1.0 && value <= 1.0))
    throw ApiError(400, "min_score must be a number from -1 to 1, not " + quote_excerpt(*text, kExcerpt), "min_score");
  return static_cast<float>(value);
}

float json_min_score(const json& body) {
  if (!body.contains("min_score")) return -2.0f;
  const json& value = body["min_score"];
  if (!value.is_number() || !(value.get<double>() >= -1.0 && value.get<double>() <= 1.0))
    throw ApiError(400, "min_score must be a number from -1 to 1", "min_score");
  return value.get<float>();
}

json parse_body(const std::string& body, const std::vector<std::string>& fields) {
  json parsed = json::parse(body, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) throw ApiError(400, "the body must be a JSON object", "body");
  for (const auto& [key, value] : parsed.items())
    if (std::find(fields.begin(), fields.end(), key) == fields.end())
      throw ApiError(400, "unknown field " + quote_excerpt(key, kExcerpt), key);
  return parsed;
}

// The body's array `field` of movies, 1 to `max` of them.
const json& movie_list(const json& request, const std::string& field, std::size_t max) {
  if (!request.contains(field) || !request[field].is_array() || request[field].empty())
    throw ApiError(400, field + " must be a non-empty array", field);
  const json& list = request[field];
  if (list.size() > max)
    throw ApiError(400, fmt::format("{} holds {}, more than the {} allowed", field, list.size(), max), field);
  return list;
}

json similar_result(const ServedModel& model, std::int64_t token, std::size_t k, float min_score) {
  return {{"query", movie_json(model, token)},
          {"neighbors", neighbors_json(model, model.nearest(model.unit_row(token), k, {token}, min_score))}};
}

std::string iso_utc(std::chrono::system_clock::time_point time) {
  const std::time_t t = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

}  // namespace

json api_similar(const ServedModel& model, const QueryParams& params, const ApiLimits& limits) {
  const std::size_t k = parse_count(param(params, "k"), "k", 10, limits.max_k);
  const float min_score = parse_min_score(param(params, "min_score"));
  return similar_result(model, resolve_params(model, params, limits), k, min_score);
}

json api_similar_batch(const ServedModel& model, const std::string& body, const ApiLimits& limits) {
  const json request = parse_body(body, {"queries", "k", "min_score"});
  const json& queries = movie_list(request, "queries", limits.max_batch);
  const std::size_t k = json_count(request, "k", 10, limits.max_k);
  const float min_score = json_min_score(request);
  json results = json::array();
  for (std::size_t i = 0; i < queries.size(); ++i) {
    try {
      results.push_back(similar_result(model, resolve_json(model, queries[i], fmt::format("queries[{}]", i), limits), k,
                                       min_score));
    } catch (const ApiError& e) {
      if (e.status() != 404) throw;  // a malformed query fails the request; an unknown movie only its result
      results.push_back(e.body());
    }
  }
  return {{"results", std::move(results)}};
}

json api_recommend(const ServedModel& model, const std::string& body, const ApiLimits& limits) {
  const json request = parse_body(body, {"liked", "k", "min_score"});
  const json& liked = movie_list(request, "liked", limits.max_liked);
  const std::size_t k = json_count(request, "k", 10, limits.max_k);
  const float min_score = json_min_score(request);
  std::vector<std::int64_t> tokens;
  json liked_movies = json::array();
  for (std::size_t i = 0; i < liked.size(); ++i) {
    const std::int64_t token = resolve_json(model, liked[i], fmt::format("liked[{}]", i), limits);
    if (std::find(tokens.begin(), tokens.end(), token) != tokens.end()) continue;
    tokens.push_back(token);
    liked_movies.push_back(movie_json(model, token));
  }
  const std::vector<float> direction = model.profile_direction(tokens);
  return {{"liked", std::move(liked_movies)},
          {"recommendations", neighbors_json(model, model.nearest(direction.data(), k, tokens, min_score))}};
}

json api_search(const ServedModel& model, const QueryParams& params, const ApiLimits& limits) {
  const std::string* q = param(params, "q");
  if (!q) throw ApiError(400, "give the text to search as q", "q");
  const std::string text = checked_text(*q, "q", limits);
  const std::size_t limit = parse_count(param(params, "limit"), "limit", 10, limits.max_search);
  json results = json::array();
  for (std::size_t t : model.titles().find(text, limit)) results.push_back(movie_json(model, static_cast<std::int64_t>(t)));
  return {{"results", std::move(results)}};
}

json api_vector(const ServedModel& model, const QueryParams& params, const ApiLimits& limits) {
  const std::int64_t token = resolve_params(model, params, limits);
  json movie = movie_json(model, token);
  movie["vector"] = model.raw_row(token);
  return movie;
}

json api_model(const ServedModel& model) {
  json index{{"kind", model.index_kind() == IndexKind::Hnsw ? "hnsw" : "exact"}};
  if (model.recall_at_10()) index["recall_at_10"] = *model.recall_at_10();
  return {{"file", model.path().string()},
          {"format_version", model.format_version()},
          {"movies", model.num_movies()},
          {"ids", model.has_movie_ids() ? "movieId" : "node name"},
          {"dim", model.dim()},
          {"index", std::move(index)},
          {"generation", model.generation()},
          {"loaded_at", iso_utc(model.loaded_at())},
          {"load_seconds", model.load_seconds()}};
}

json api_map(const ServedModel& model) {
  const Vocabulary& v = model.vocabulary();
  json genres = json::array(), ids = json::array(), titles = json::array(), genre = json::array(), x = json::array(),
       y = json::array();
  std::map<std::string, std::size_t> genre_index;
  for (std::size_t t = 1; t < v.size(); ++t) {
    const std::string& g = model.main_genre(static_cast<std::int64_t>(t));
    auto [it, added] = genre_index.emplace(g, genre_index.size());
    if (added) genres.push_back(g);
    ids.push_back(id_of(model, static_cast<std::int64_t>(t)));
    titles.push_back(v.titles[t]);
    genre.push_back(it->second);
    x.push_back(std::round(model.map()[t * 2] * 1e4) / 1e4);
    y.push_back(std::round(model.map()[t * 2 + 1] * 1e4) / 1e4);
  }
  return {{"genres", genres}, {"id", ids}, {"title", titles}, {"genre", genre}, {"x", x}, {"y", y}};
}

}  // namespace n2v
