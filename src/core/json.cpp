#include "core/json.h"

#include <cmath>
#include <cstdint>

namespace n2v {

Json json_number(double value) {
  if (std::isnan(value)) return nullptr;
  // Below 2^53 the int64 holds the whole number exactly.
  if (std::fabs(value) < 9007199254740992.0 && std::floor(value) == value) return static_cast<std::int64_t>(value);
  return value;
}

Json json_rounded(double value, int digits) {
  const double scale = std::pow(10.0, digits);
  return json_number(std::round(value * scale) / scale);
}

std::string json_text(const Json& value, int indent) {
  std::string text = value.dump(indent, ' ', false, Json::error_handler_t::replace);
  if (indent >= 0) text += '\n';
  return text;
}

}  // namespace n2v
