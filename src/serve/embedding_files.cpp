#include "serve/embedding_files.h"

#include <cstdio>

#include "core/atomic_file.h"
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

std::string word2vec_key(const Vocabulary& vocabulary, std::size_t token) {
  if (vocabulary.movie_ids[token] >= 0) return "movie_" + std::to_string(vocabulary.movie_ids[token]);
  // gensim splits each line on spaces, so a key must be one word (the edge-list reader refuses two
  // names that become the same word).
  return one_word(vocabulary.names[token]);
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
  AtomicFile file(path);
  auto& out = file.stream();
  out << vocabulary.size() - 1 << ' ' << dim << '\n';
  for (std::size_t token = 1; token < vocabulary.size(); ++token) {
    out << word2vec_key(vocabulary, token) << ' ';
    write_row(out, embeddings.data() + token * dim, dim, ' ');
  }
  file.commit();
}

void write_vocabulary_tsv(const Vocabulary& vocabulary, const std::filesystem::path& path) {
  AtomicFile file(path);
  auto& out = file.stream();
  out << "token\tmovieId\ttitle\n";
  for (std::size_t token = 0; token < vocabulary.size(); ++token) {
    std::int64_t movie_id = token < vocabulary.movie_ids.size() ? vocabulary.movie_ids[token] : -1;
    out << token << '\t' << movie_id << '\t' << tsv_field(vocabulary.titles[token]) << '\n';
  }
  file.commit();
}

}  // namespace n2v
