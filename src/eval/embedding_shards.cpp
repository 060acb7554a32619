#include "eval/embedding_shards.h"

#include "core/atomic_file.h"
#include "core/csv.h"
#include "core/errors.h"
#include "core/json.h"
#include "core/text.h"

namespace n2v {
namespace fs = std::filesystem;

namespace {

constexpr const char* kManifestFormat = "n2v embedding shards";
constexpr int kManifestVersion = 1;

[[noreturn]] void bad_manifest(const fs::path& path, const std::string& why) {
  throw DataError(path.string() + " is not an n2v embedding manifest: " + why);
}

}  // namespace

std::string shard_vectors_file(int rank) { return "embeddings.rank-" + std::to_string(rank) + ".w2v.txt"; }

bool is_shard_manifest(const fs::path& path) { return path.extension() == ".json"; }

void write_shard_manifest(const ShardManifest& manifest, const fs::path& path) {
  Json files = Json::array();
  for (std::size_t rank = 0; rank < manifest.rows.size(); ++rank)
    files.push_back(Json{{"file", shard_vectors_file(static_cast<int>(rank))}, {"rows", manifest.rows[rank]}});
  const Json json{{"format", kManifestFormat},
                  {"version", kManifestVersion},
                  {"dim", manifest.dim},
                  {"tokens", manifest.tokens},
                  {"rule", "token t is in the file of rank t mod shards; token 0 is reserved and in none"},
                  {"shards", manifest.rows.size()},
                  {"epochs", manifest.epochs},
                  {"data_dir", manifest.data_dir},
                  {"files", files}};
  write_file_atomic(path, json_text(json));
}

ShardManifest read_shard_manifest(const fs::path& path) {
  require_regular_file(path);
  Json json;
  try {
    json = Json::parse(read_file(path));
  } catch (const Json::exception& e) {
    bad_manifest(path, std::string("not JSON (") + e.what() + ")");
  }
  ShardManifest manifest;
  try {
    if (!json.is_object() || json.value("format", "") != kManifestFormat)
      bad_manifest(path, std::string("no \"format\": \"") + kManifestFormat + "\"");
    if (json.at("version").get<int>() > kManifestVersion)
      bad_manifest(path, "version " + std::to_string(json.at("version").get<int>()) +
                             " is newer than this n2v reads (" + std::to_string(kManifestVersion) + ")");
    manifest.dim = json.at("dim").get<std::int64_t>();
    manifest.tokens = json.at("tokens").get<std::uint64_t>();
    manifest.epochs = json.value("epochs", 0);
    manifest.data_dir = json.value("data_dir", "");
    const Json& files = json.at("files");
    if (!files.is_array() || files.empty()) bad_manifest(path, "\"files\" is not a list of the ranks' files");
    for (std::size_t rank = 0; rank < files.size(); ++rank) {
      if (files[rank].at("file").get<std::string>() != shard_vectors_file(static_cast<int>(rank)))
        bad_manifest(path, "file " + std::to_string(rank) + " is not " + shard_vectors_file(static_cast<int>(rank)));
      manifest.rows.push_back(files[rank].at("rows").get<std::uint64_t>());
    }
  } catch (const Json::exception& e) {
    bad_manifest(path, e.what());
  }
  if (manifest.dim < 1) bad_manifest(path, "\"dim\" is " + std::to_string(manifest.dim));
  std::uint64_t rows = 0;
  for (std::uint64_t r : manifest.rows) rows += r;
  if (manifest.tokens < 1 || rows > manifest.tokens - 1)
    bad_manifest(path, std::to_string(rows) + " vectors for " + std::to_string(manifest.tokens) + " tokens");
  return manifest;
}

Word2VecText read_embedding_shards(const fs::path& path) {
  const ShardManifest manifest = read_shard_manifest(path);
  Word2VecText all;
  all.dim = manifest.dim;
  for (std::size_t rank = 0; rank < manifest.rows.size(); ++rank) {
    if (manifest.rows[rank] == 0) continue;
    const fs::path file = path.parent_path() / shard_vectors_file(static_cast<int>(rank));
    if (!fs::exists(file))
      throw DataError(path.string() + " lists " + file.filename().string() + ", which is not in " +
                      (path.parent_path().empty() ? fs::path(".") : path.parent_path()).string() + ": rank " +
                      std::to_string(rank) + " wrote it in its --out folder on its own host; copy every rank's "
                      "file beside the manifest");
    Word2VecText shard = read_word2vec_text(file);
    if (shard.dim != manifest.dim || shard.keys.size() != manifest.rows[rank])
      throw DataError(file.string() + " holds " + std::to_string(shard.keys.size()) + " vectors of dimension " +
                      std::to_string(shard.dim) + ", " + path.filename().string() + " says " +
                      std::to_string(manifest.rows[rank]) + " of dimension " + std::to_string(manifest.dim) +
                      ": a file of another run; copy this run's");
    all.keys.insert(all.keys.end(), shard.keys.begin(), shard.keys.end());
    all.lines.insert(all.lines.end(), shard.lines.begin(), shard.lines.end());
    all.values.insert(all.values.end(), shard.values.begin(), shard.values.end());
  }
  return all;
}

Word2VecText read_vectors_file(const fs::path& path) {
  return is_shard_manifest(path) ? read_embedding_shards(path) : read_word2vec_text(path);
}

}  // namespace n2v
