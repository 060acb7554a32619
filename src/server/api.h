#pragma once
// The /v1/ JSON API as plain functions of a model and a request's parameters or body (no HTTP
// here: server/http_server.cpp routes to them). Each returns the response body or throws ApiError
// (server/api_error.h) with the status, the field at fault and, for an unknown movie, suggestions.
// Movies are named by "id" (the movieId, or the node name of an edge-list model) or "title" (as
// people type it: data/titles.h). The routes and examples: docs/serving.md.
#include <nlohmann/json.hpp>

#include <map>
#include <string>

#include "server/served_model.h"

namespace n2v {

// Query parameters by name.
using QueryParams = std::multimap<std::string, std::string>;

// Bounds on what one request may ask for; beyond them a 400 names the field.
struct ApiLimits {
  std::size_t max_k = 100;  // neighbours per query
  std::size_t max_batch = 100;  // queries in one batch
  std::size_t max_liked = 100;  // liked movies in one recommendation
  std::size_t max_text = 200;  // bytes of a title, id or search text
  std::size_t max_search = 50;  // search results
};

// GET /v1/similar?id=N|title=T[&k=10][&min_score=S]: the query's nearest movies, itself left out.
nlohmann::json api_similar(const ServedModel& model, const QueryParams& params, const ApiLimits& limits);
// POST /v1/similar/batch {"queries": [{"id": N} | {"title": T}, ...], "k": 10, "min_score": S}:
// one result per query, in order; an unknown movie is a result with its error and suggestions.
nlohmann::json api_similar_batch(const ServedModel& model, const std::string& body, const ApiLimits& limits);
// POST /v1/recommend {"liked": [N, {"title": T}, ...], "k": 10}: the movies nearest the mean of the
// liked movies' unit vectors (as n2v evaluate's recommend task scores a profile), the liked ones
// left out.
nlohmann::json api_recommend(const ServedModel& model, const std::string& body, const ApiLimits& limits);
// GET /v1/search?q=TEXT[&limit=10]: titles for autocomplete (data/title_search.h).
nlohmann::json api_search(const ServedModel& model, const QueryParams& params, const ApiLimits& limits);
// GET /v1/vector?id=N|title=T: the movie and its vector as stored in model.pt (not normalised).
nlohmann::json api_vector(const ServedModel& model, const QueryParams& params, const ApiLimits& limits);
// GET /v1/model: file, format version, vocabulary, dimension, index, generation, when loaded.
nlohmann::json api_model(const ServedModel& model);
// GET /v1/map: every movie's 2-D position, title and main genre, for the page's map.
nlohmann::json api_map(const ServedModel& model);

}  // namespace n2v
