#pragma once
// The web page's files, compiled into the binary from src/server/web/ (CMake embeds them), so the
// page works offline and no request ever reads the disk.
#include <string_view>

namespace n2v {

struct WebAsset {
  std::string_view path;  // "/", "/app.js", ...
  std::string_view content_type;
  std::string_view body;
};

// nullptr when `path` is not one of the page's files.
const WebAsset* find_web_asset(std::string_view path);

}  // namespace n2v
