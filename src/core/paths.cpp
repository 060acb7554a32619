#include "core/paths.h"

#include "core/errors.h"
#include "core/text.h"

namespace n2v {

namespace fs = std::filesystem;

fs::file_status checked_status(const fs::path& path) {
  std::error_code ec;
  fs::file_status status = fs::status(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory && ec != std::errc::not_a_directory)
    throw DataError(cannot_use(path, ec));
  return status;
}

std::string cannot_use(const fs::path& path, const std::error_code& reason, const fs::path& other) {
  std::string paths = quote_excerpt(path.string());
  if (!other.empty()) paths += " and " + quote_excerpt(other.string());
  return "cannot use " + paths + ": " + reason.message();
}

}  // namespace n2v
