#include "download.h"

#include "errors.h"
#include "movielens.h"

namespace n2v {

void ensure_dataset(const DataConfig& data) {
  if (data.format != "movielens" || has_movielens_files(data.dir)) return;
  throw DownloadError("no MovieLens files in " + data.dir + " and downloading is not built yet; use --data-dir");
}

}  // namespace n2v
