#include "data/download.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "core/paths.h"
#include "core/atomic_file.h"
#include "core/errors.h"
#include "core/progress.h"
#include "core/text.h"
#include "data/movielens.h"

namespace n2v {
namespace fs = std::filesystem;

namespace {

const char* const kLayouts =
    "ratings.csv + movies.csv (ml-latest, ml-25m), ratings.dat + movies.dat (ml-1m, ml-10m) or u.data + u.item (ml-100k)";

// Removes a temporary file or folder on every way out unless release() ran, so a failed
// download or a corrupt archive leaves nothing beside the data folder.
// fopen(path, "wb") on a new file, never through a link (open_new_file).
std::FILE* open_new_stream(const fs::path& path) {
  const int fd = open_new_file(path);
  if (fd < 0) return nullptr;
  std::FILE* stream = ::fdopen(fd, "wb");
  if (!stream) ::close(fd);
  return stream;
}

class TempPath {
 public:
  explicit TempPath(fs::path path) : path_(std::move(path)) {
    std::error_code ignored;
    fs::remove_all(path_, ignored);  // a leftover of an earlier process with the same pid
  }
  ~TempPath() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempPath(const TempPath&) = delete;
  TempPath& operator=(const TempPath&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string no_network_hint() { return "; put the MovieLens files in a folder and pass --data-dir DIR (or set data.dir)"; }

// ---- download ------------------------------------------------------------------------------

void init_curl_once() {
  static std::once_flag once;
  static CURLcode code = CURLE_OK;
  std::call_once(once, [] { code = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (code != CURLE_OK) throw DownloadError(std::string("cannot initialise libcurl: ") + curl_easy_strerror(code));
}

struct Transfer {
  CURL* curl = nullptr;
  std::FILE* file = nullptr;
  std::string url;
  std::optional<Progress> progress;  // created on the first bytes, once the content length is known
  std::uint64_t bytes = 0;
  bool write_failed = false;
};

std::size_t on_data(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::size_t n = size * count;
  if (!t->progress) {
    curl_off_t length = -1;
    curl_easy_getinfo(t->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
    t->progress.emplace("download " + t->url, length > 0 ? static_cast<std::uint64_t>(length) : 0, "bytes");
  }
  if (std::fwrite(data, 1, n, t->file) != n) {
    t->write_failed = true;
    return 0;  // makes curl stop with CURLE_WRITE_ERROR
  }
  t->bytes += n;
  t->progress->advance(n);
  return n;
}

void download(const std::string& url, const fs::path& file) {
  init_curl_once();
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) throw DownloadError("cannot download " + url + ": libcurl failed to start" + no_network_hint());
  auto close = [](std::FILE* f) { std::fclose(f); };
  std::unique_ptr<std::FILE, decltype(close)> out(open_new_stream(file), close);
  if (!out) throw DownloadError("cannot create " + file.string() + " for the download of " + url + ": " + std::strerror(errno));

  Transfer t;
  t.curl = curl.get();
  t.file = out.get();
  t.url = url;
  char error[CURL_ERROR_SIZE] = "";
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);  // an HTTP 404 page must not pass as the archive
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
  // No overall timeout (ml-25m is 250 MB), but a stalled connection must not hang forever.
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "n2v/" N2V_VERSION);
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,ftp,file");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");  // a redirect must not reach file://
#else
  curl_easy_setopt(c, CURLOPT_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS | CURLPROTO_FTP | CURLPROTO_FILE);
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS);
#endif

  CURLcode code = curl_easy_perform(c);
  if (t.write_failed) throw DownloadError("cannot write " + file.string() + " while downloading " + url + " (disk full?)");
  if (code != CURLE_OK) {
    std::string reason = error[0] ? trim(error) : curl_easy_strerror(code);
    throw DownloadError("cannot download " + url + ": " + reason + no_network_hint());
  }
  if (std::fflush(out.get()) != 0 || std::fclose(out.release()) != 0) {
    throw DownloadError("cannot write " + file.string() + " while downloading " + url + " (disk full?)");
  }
  if (!t.progress) t.progress.emplace("download " + url, 0, "bytes");
  t.progress->finish();
}

// ---- checksums -----------------------------------------------------------------------------

struct Digests {
  std::string md5, sha256;
};

std::string hex(const unsigned char* bytes, unsigned n) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (unsigned i = 0; i < n; ++i) {
    s += digits[bytes[i] >> 4];
    s += digits[bytes[i] & 15];
  }
  return s;
}

Digests file_digests(const fs::path& file) {
  using Ctx = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;
  Ctx md5(EVP_MD_CTX_new(), &EVP_MD_CTX_free), sha(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!md5 || !sha || EVP_DigestInit_ex(md5.get(), EVP_md5(), nullptr) != 1 ||
      EVP_DigestInit_ex(sha.get(), EVP_sha256(), nullptr) != 1) {
    throw DownloadError("cannot start OpenSSL's MD5 / SHA-256 to check " + file.string());
  }
  std::ifstream in(file, std::ios::binary);
  std::vector<char> buffer(1 << 16);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    auto n = static_cast<std::size_t>(in.gcount());
    EVP_DigestUpdate(md5.get(), buffer.data(), n);
    EVP_DigestUpdate(sha.get(), buffer.data(), n);
  }
  if (in.bad()) throw DownloadError("cannot read " + file.string() + " to check its checksum");
  unsigned char value[EVP_MAX_MD_SIZE];
  unsigned length = 0;
  Digests d;
  EVP_DigestFinal_ex(md5.get(), value, &length);
  d.md5 = hex(value, length);
  EVP_DigestFinal_ex(sha.get(), value, &length);
  d.sha256 = hex(value, length);
  return d;
}

void check_digests(const DataConfig& data, const fs::path& file) {
  Digests actual = file_digests(file);
  auto check = [&](const char* key, const std::string& expected, const std::string& got) {
    if (expected.empty()) return;
    if (to_lower(trim(expected)) != got) {
      throw DownloadError(data.url + ": " + key + " mismatch: expected " + trim(expected) + ", got " + got +
                          " (a damaged download, or data.url and " + key + " name different files)");
    }
  };
  check("data.md5", data.md5, actual.md5);
  check("data.sha256", data.sha256, actual.sha256);
  if (data.md5.empty() && data.sha256.empty()) {
    log_line("checksum not checked (data.md5 and data.sha256 are empty); sha256 of the download: " + actual.sha256);
  } else {
    log_line("checksum ok: " + (data.sha256.empty() ? "md5 " + actual.md5 : "sha256 " + actual.sha256));
  }
}

// ---- extraction ----------------------------------------------------------------------------

std::vector<std::string> split_path(const std::string& name) {
  std::vector<std::string> parts(1);
  for (char ch : name) {
    if (ch == '/' || ch == '\\') parts.emplace_back();
    else parts.back() += ch;
  }
  return parts;
}

// Zip-slip: an entry must not climb out of the folder it is extracted into.
void check_entry_name(const std::string& name, const std::string& url) {
  bool drive = name.size() > 1 && std::isalpha(static_cast<unsigned char>(name[0])) && name[1] == ':';
  bool absolute = !name.empty() && (name[0] == '/' || name[0] == '\\' || drive);
  bool climbs = false;
  for (const std::string& part : split_path(name)) climbs = climbs || part == "..";
  if (absolute || climbs) {
    throw DownloadError(url + ": the archive holds an entry that points outside its folder ('" + name +
                        "'); refusing to extract it");
  }
}

struct Entry {
  zip_uint64_t index;
  std::string name;  // relative to the extraction folder, top folder stripped
  zip_uint64_t size;
  bool directory;
};

// GroupLens archives hold one top folder (ml-latest-small/...); its contents become data.dir.
std::vector<Entry> list_entries(zip_t* archive, const std::string& url) {
  std::vector<Entry> entries;
  zip_int64_t count = zip_get_num_entries(archive, 0);
  for (zip_int64_t i = 0; i < count; ++i) {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(archive, static_cast<zip_uint64_t>(i), 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME)) {
      throw DownloadError(url + ": cannot read entry " + std::to_string(i) + " of the archive: " +
                          zip_strerror(archive));
    }
    std::string name = st.name;
    check_entry_name(name, url);
    if (name.rfind("__MACOSX/", 0) == 0) continue;  // resource forks added by macOS's zip
    bool directory = !name.empty() && name.back() == '/';
    entries.push_back(Entry{static_cast<zip_uint64_t>(i), name, (st.valid & ZIP_STAT_SIZE) ? st.size : 0, directory});
  }
  std::string top;
  bool single_top = !entries.empty();
  for (const Entry& e : entries) {
    auto slash = e.name.find('/');
    if (slash == std::string::npos) single_top = false;  // a file at the top level
    else if (top.empty()) top = e.name.substr(0, slash + 1);
    else if (e.name.compare(0, top.size(), top) != 0) single_top = false;
    if (!single_top) break;
  }
  if (single_top) {
    for (Entry& e : entries) e.name = e.name.substr(top.size());
  }
  return entries;
}

void extract(const fs::path& zip_file, const std::string& url, const fs::path& dir) {
  int code = 0;
  std::unique_ptr<zip_t, decltype(&zip_discard)> archive(zip_open(zip_file.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &code),
                                                         &zip_discard);
  if (!archive) {
    zip_error_t error;
    zip_error_init_with_code(&error, code);
    std::string reason = zip_error_strerror(&error);
    zip_error_fini(&error);
    throw DownloadError("the download of " + url + " (" + zip_file.string() + ") is not a readable zip archive: " +
                        reason);
  }
  std::vector<Entry> entries = list_entries(archive.get(), url);
  std::uint64_t total = 0;
  for (const Entry& e : entries) total += e.size;
  Progress progress("extract", total, "bytes");
  std::vector<char> buffer(1 << 16);
  for (const Entry& e : entries) {
    if (e.name.empty()) continue;  // the stripped top folder itself
    fs::path target = dir / e.name;
    std::error_code ec;
    fs::create_directories(e.directory ? target : target.parent_path(), ec);
    if (ec) throw DownloadError("cannot create " + target.string() + " while extracting " + url + ": " + ec.message());
    if (e.directory) continue;
    std::unique_ptr<zip_file_t, decltype(&zip_fclose)> in(zip_fopen_index(archive.get(), e.index, 0), &zip_fclose);
    if (!in) {
      throw DownloadError(url + ": cannot read '" + e.name + "' from the archive: " + zip_strerror(archive.get()));
    }
    std::unique_ptr<std::FILE, decltype(&std::fclose)> out(open_new_stream(target), &std::fclose);
    if (!out) throw DownloadError("cannot create " + target.string() + " while extracting " + url + ": " + std::strerror(errno));
    zip_int64_t n;
    while ((n = zip_fread(in.get(), buffer.data(), buffer.size())) > 0) {
      if (std::fwrite(buffer.data(), 1, static_cast<std::size_t>(n), out.get()) != static_cast<std::size_t>(n))
        throw DownloadError("cannot write " + target.string() + " while extracting " + url + ": " + std::strerror(errno));
      progress.advance(static_cast<std::uint64_t>(n));
    }
    if (n < 0) {  // a damaged archive shows here: CRC or inflate errors come from zip_fread
      throw DownloadError("the download of " + url + " (" + zip_file.string() + ") is damaged: cannot read '" +
                          e.name + "': " + zip_file_strerror(in.get()));
    }
    if (std::fclose(out.release()) != 0)
      throw DownloadError("cannot write " + target.string() + " while extracting " + url + ": " + std::strerror(errno));
  }
  progress.finish(std::to_string(entries.size()) + " entries");
}

// ---- placing the data folder ---------------------------------------------------------------

// data.dir may exist if it is empty; a folder holding other files is never replaced.
void check_target(const fs::path& target, const std::string& shown) {
  std::error_code ec;
  const fs::file_status st = checked_status(target);
  if (!fs::exists(st)) return;
  if (!fs::is_directory(st)) {
    throw DownloadError(shown + " exists and is not a folder; pass --data-dir with a folder holding the MovieLens files");
  }
  if (fs::is_empty(target, ec)) return;
  std::string hint;
  for (const auto& entry : fs::directory_iterator(target, ec)) {
    if (entry.is_directory() && has_movielens_files(entry.path())) {
      hint = " (did you mean --data-dir " + entry.path().string() + "?)";
      break;
    }
  }
  throw DownloadError(shown + " holds other files but no MovieLens data (looked for " + kLayouts +
                      "); not downloading into it so as not to touch those files" + hint +
                      ". Pass --data-dir with a folder that holds the files, or a new or empty one to download into");
}

}  // namespace

void ensure_dataset(const DataConfig& data) {
  if (data.format != DataFormat::MovieLens || has_movielens_files(data.dir)) return;
  if (data.url.empty()) {
    throw DownloadError("no MovieLens files in " + data.dir + " and data.url is empty" + no_network_hint());
  }
  fs::path target = fs::absolute(data.dir).lexically_normal();
  if (!target.has_filename()) target = target.parent_path();  // "data/ml/" names the same folder as "data/ml"
  check_target(target, data.dir);
  fs::path parent = target.parent_path();
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec) throw DownloadError("cannot create " + parent.string() + " to download " + data.url + " into: " + ec.message());

  log_line("no MovieLens files in " + data.dir + "; downloading " + data.url);
  // AtomicFile's temporary names, so that what a killed download left is removed by the next one.
  remove_stale_temp_files(parent);
  TempPath zip_file(temp_path_for(parent / (target.filename().string() + ".zip")));
  download(data.url, zip_file.path());
  check_digests(data, zip_file.path());

  TempPath folder(temp_path_for(target));
  // A new folder (mkdir fails on one that is there, which could hold planted links).
  if (::mkdir(folder.path().c_str(), 0755) != 0)
    throw DownloadError("cannot create " + folder.path().string() + ": " + std::strerror(errno));
  extract(zip_file.path(), data.url, folder.path());
  if (!has_movielens_files(folder.path())) {
    throw DownloadError(data.url + ": the archive holds no MovieLens files (expected " + kLayouts +
                        ", at the top or under one top folder)");
  }
  // rename(2) replaces an empty folder and refuses a non-empty one, so user files stay safe even
  // if something wrote into data.dir while we downloaded.
  fs::rename(folder.path(), target, ec);
  if (ec) {
    if (has_movielens_files(target)) return;  // another n2v process got there first
    throw DownloadError("cannot move the extracted files from " + folder.path().string() + " to " + data.dir + ": " +
                        ec.message());
  }
  log_line("extracted " + data.url + " into " + data.dir);
}

}  // namespace n2v
