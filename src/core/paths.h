#pragma once
// Questions about paths the user gave (data.dir, a data file, --run, --model), asked so that a
// path the system cannot follow (a link loop, a name over 255 bytes, a permission) is n2v's
// DataError naming the path and the system's reason, never std::filesystem's own exception.
#include <filesystem>
#include <string>
#include <system_error>

namespace n2v {

// The status of `path` (following links). A path that is not there, or under a file that is not a
// folder, is fs::file_type::not_found; any other failure throws DataError "cannot use 'PATH': reason".
std::filesystem::file_status checked_status(const std::filesystem::path& path);

inline bool path_exists(const std::filesystem::path& path) { return std::filesystem::exists(checked_status(path)); }
inline bool is_folder(const std::filesystem::path& path) { return std::filesystem::is_directory(checked_status(path)); }

// A message's "cannot use 'PATH' (and 'PATH2'): reason" for a failure of the system's on a path.
std::string cannot_use(const std::filesystem::path& path, const std::error_code& reason,
                       const std::filesystem::path& other = {});

}  // namespace n2v
