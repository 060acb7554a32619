#include "serve/embedding_files.h"

#include <cstdio>
#include <cstring>

#include "core/atomic_file.h"
#include "core/csv.h"
#include "core/errors.h"
#include "core/text.h"

namespace n2v {
namespace {

// Tabs or line breaks inside a title would shift the Projector's columns and rows.
std::string tsv_field(const std::string& s) {
  std::string out = s;
  for (char& c : out)
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  return out;
}

// %.9g: enough digits for every float to read back bit for bit.
void write_row(std::ostream& out, const float* row, std::int64_t dim, char separator) {
  char buffer[32];
  for (std::int64_t j = 0; j < dim; ++j) {
    int n = std::snprintf(buffer, sizeof buffer, "%.9g", static_cast<double>(row[j]));
    if (j > 0) out << separator;
    out.write(buffer, n);
  }
  out << '\n';
}

std::string first_column(const Vocabulary& vocabulary, std::size_t token) {
  return vocabulary.movie_ids[token] >= 0 ? std::to_string(vocabulary.movie_ids[token]) : vocabulary.names[token];
}

}  // namespace

bool has_movie_ids(const Vocabulary& vocabulary) {
  for (std::size_t t = 1; t < vocabulary.movie_ids.size(); ++t)
    if (vocabulary.movie_ids[t] >= 0) return true;
  return false;
}

void check_embedding_shape(const std::vector<float>& embeddings, std::int64_t dim, const Vocabulary& vocabulary) {
  const std::size_t v = vocabulary.size();
  if (dim < 1 || embeddings.size() != v * static_cast<std::size_t>(dim) || vocabulary.movie_ids.size() != v ||
      vocabulary.titles.size() != v || vocabulary.genres.size() != v) {
    throw Error("cannot export: " + std::to_string(embeddings.size()) + " embedding values for " + std::to_string(v) +
                " tokens of dimension " + std::to_string(dim) + " (vocabulary columns: " +
                std::to_string(vocabulary.movie_ids.size()) + " movie ids, " + std::to_string(vocabulary.titles.size()) +
                " titles, " + std::to_string(vocabulary.genres.size()) + " genres)");
  }
}

void write_projector_files(const std::vector<float>& embeddings, std::int64_t dim, const Vocabulary& vocabulary,
                           const std::filesystem::path& embeddings_tsv, const std::filesystem::path& metadata_tsv) {
  check_embedding_shape(embeddings, dim, vocabulary);
  AtomicFile vectors(embeddings_tsv);
  AtomicFile metadata(metadata_tsv);
  metadata.stream() << (has_movie_ids(vocabulary) ? "movieId" : "node") << "\ttitle\tgenres\n";
  // Row r is token r + 1 in both files (the Keras example writes vector r beside token r + 1).
  for (std::size_t token = 1; token < vocabulary.size(); ++token) {
    write_row(vectors.stream(), embeddings.data() + token * dim, dim, '\t');
    metadata.stream() << tsv_field(first_column(vocabulary, token)) << '\t' << tsv_field(vocabulary.titles[token])
                      << '\t' << tsv_field(vocabulary.genres[token]) << '\n';
  }
  vectors.commit();
  metadata.commit();
}

void write_word2vec_text(const std::vector<float>& embeddings, std::int64_t dim, const Vocabulary& vocabulary,
                         const std::filesystem::path& path) {
  check_embedding_shape(embeddings, dim, vocabulary);
  std::vector<std::size_t> tokens(vocabulary.size() - 1);
  for (std::size_t i = 0; i < tokens.size(); ++i) tokens[i] = i + 1;
  write_word2vec_rows(embeddings.data() + dim, dim, tokens, vocabulary, path);
}

// The .npy header: magic, version 1.0, a little-endian uint16 length, then a Python dict literal
// padded with spaces and ended by '\n' so that the data starts at a multiple of 64 bytes.
std::string numpy_header(std::size_t rows, std::int64_t dim) {
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(rows) + ", " +
                     std::to_string(dim) + "), }";
  const std::size_t prefix = 10;  // magic (6) + version (2) + length (2)
  const std::size_t unpadded = prefix + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  const std::size_t length = dict.size();
  std::string header = "\x93NUMPY";
  header += '\x01';
  header += '\x00';
  header += static_cast<char>(length & 0xFF);
  header += static_cast<char>(length >> 8);
  return header + dict;
}

void write_numpy_matrix(const std::vector<float>& embeddings, std::int64_t dim, const Vocabulary& vocabulary,
                        const std::filesystem::path& path) {
  check_embedding_shape(embeddings, dim, vocabulary);
  AtomicFile file(path, /*binary=*/true);
  auto& out = file.stream();
  out << numpy_header(vocabulary.size() - 1, dim);
  // Little-endian bytes whatever the host's order.
  std::string bytes;
  bytes.reserve(static_cast<std::size_t>(dim) * 4);
  for (std::size_t token = 1; token < vocabulary.size(); ++token) {
    bytes.clear();
    for (std::int64_t j = 0; j < dim; ++j) {
      std::uint32_t bits;
      std::memcpy(&bits, &embeddings[token * dim + j], sizeof bits);
      for (int shift = 0; shift < 32; shift += 8) bytes += static_cast<char>((bits >> shift) & 0xFF);
    }
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  file.commit();
}

void write_word2vec_rows(const float* rows, std::int64_t dim, const std::vector<std::size_t>& tokens,
                         const Vocabulary& vocabulary, const std::filesystem::path& path) {
  AtomicFile file(path);
  auto& out = file.stream();
  out << tokens.size() << ' ' << dim << '\n';
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    out << word2vec_key(vocabulary, tokens[i]) << ' ';
    write_row(out, rows + i * static_cast<std::size_t>(dim), dim, ' ');
  }
  file.commit();
}

void write_vocabulary_tsv(const Vocabulary& vocabulary, const std::filesystem::path& path) {
  AtomicFile file(path);
  auto& out = file.stream();
  out << "token\tmovieId\ttitle\tgenres\n";
  for (std::size_t token = 0; token < vocabulary.size(); ++token) {
    std::int64_t movie_id = token < vocabulary.movie_ids.size() ? vocabulary.movie_ids[token] : -1;
    out << token << '\t' << movie_id << '\t' << tsv_field(vocabulary.titles[token]) << '\t'
        << tsv_field(token < vocabulary.genres.size() ? vocabulary.genres[token] : std::string()) << '\n';
  }
  file.commit();
}

Vocabulary read_vocabulary_tsv(const std::filesystem::path& path) {
  const std::string text = read_file(path);
  Vocabulary vocabulary;
  std::vector<std::string_view> fields;
  for_each_line(text, path.string(), [&](std::size_t line_number, std::string_view line) {
    if (line_number == 1) return;  // the header
    split_line(line, "\t", fields);
    long long token = -1, movie_id = -1;
    if (fields.size() < 3 || !parse_int64(fields[0], token) || !parse_int64(fields[1], movie_id) ||
        token != static_cast<long long>(vocabulary.size()))
      throw DataError(path.string() + ":" + std::to_string(line_number) +
                      ": expected \"token<TAB>movieId<TAB>title[<TAB>genres]\" with token " +
                      std::to_string(vocabulary.size()) + ", got " + quote_excerpt(line));
    const std::string title(fields[2]);
    // Token 0 is "NA"; a movie's name is its id; an edge-list node's is its title.
    vocabulary.names.push_back(token == 0 ? std::string("NA") : movie_id >= 0 ? std::to_string(movie_id) : title);
    vocabulary.movie_ids.push_back(static_cast<std::int64_t>(movie_id));
    vocabulary.titles.push_back(title);
    vocabulary.genres.emplace_back(fields.size() > 3 ? fields[3] : std::string_view());
  });
  if (vocabulary.size() < 2) throw DataError(path.string() + ": no tokens besides the reserved token 0");
  return vocabulary;
}

}  // namespace n2v
