// Built instead of download.cpp with -DN2V_WITH_DOWNLOAD=OFF (no libcurl, libzip, OpenSSL): a
// missing data set is an error that says how to provide it.
#include "core/errors.h"
#include "data/download.h"
#include "data/movielens.h"

namespace n2v {

void ensure_dataset(const DataConfig& data) {
  if (data.format != DataFormat::MovieLens || has_movielens_files(data.dir)) return;
  throw DownloadError("no MovieLens files in " + data.dir +
                      " and this n2v was built without downloads (cmake -DN2V_WITH_DOWNLOAD=OFF); put the "
                      "MovieLens files in a folder and pass --data-dir DIR (or set data.dir)");
}

}  // namespace n2v
