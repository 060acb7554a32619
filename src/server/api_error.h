#pragma once
// An API request the server cannot answer, as the HTTP error it becomes: a status, a message that
// quotes at most a short escaped excerpt of the input (core/text.h's quote_excerpt), the request
// field at fault, and for an unknown movie the titles it may have meant.
#include <nlohmann/json.hpp>

#include <string>

#include "core/errors.h"

namespace n2v {

class ApiError : public Error {
 public:
  ApiError(int status, std::string message, std::string field = "", nlohmann::json suggestions = nullptr)
      : Error(message), status_(status), field_(std::move(field)), suggestions_(std::move(suggestions)) {}
  int status() const { return status_; }
  // {"error": message, "status": status, "field": field (when one), "suggestions": [...] (when any)}
  nlohmann::json body() const {
    nlohmann::json out{{"error", what()}, {"status", status_}};
    if (!field_.empty()) out["field"] = field_;
    if (!suggestions_.is_null()) out["suggestions"] = suggestions_;
    return out;
  }

 private:
  int status_;
  std::string field_;
  nlohmann::json suggestions_;
};

}  // namespace n2v
