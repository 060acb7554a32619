#pragma once
// Fetches a MovieLens zip when the data folder lacks the files: libcurl with progress, an MD5 or
// SHA-256 check, libzip extraction into a temporary folder renamed into place atomically.
#include <filesystem>
#include <string>

#include "core/config.h"

namespace n2v {

// Does nothing when data.dir already holds a MovieLens layout (or data.format is not movielens).
// Otherwise downloads data.url and extracts it so that data.dir holds the files.
// Throws DownloadError (URL, reason, and a hint to use --data-dir) on any failure.
void ensure_dataset(const DataConfig& data);

}  // namespace n2v
