#include "data/titles.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <tuple>

#include "core/text.h"

namespace n2v {

namespace {

// The articles MovieLens moves behind a title ("Matrix, The", "Grande illusion, La", "Boot, Das").
constexpr std::array<std::string_view, 19> kArticles{"the", "a",   "an",  "les", "le",  "la", "l'",
                                                     "il",  "lo",  "gli", "die", "der", "das", "el",
                                                     "los", "las", "un",  "une", "det"};

std::string collapse_blanks(std::string_view s) {
  std::string out;
  for (char c : s) {
    const bool blank = std::isspace(static_cast<unsigned char>(c)) != 0;
    if (blank && (out.empty() || out.back() == ' ')) continue;
    out += blank ? ' ' : c;
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace

TitleKey title_key(std::string_view title) {
  std::string name = collapse_blanks(to_lower(title));
  TitleKey key;
  const std::size_t n = name.size();
  if (n >= 6 && name[n - 1] == ')' && name[n - 6] == '(' &&
      std::all_of(name.begin() + static_cast<std::ptrdiff_t>(n - 5), name.end() - 1,
                  [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; })) {
    key.year = std::stoi(name.substr(n - 5, 4));
    name = trim(std::string_view(name).substr(0, n - 6));
  }
  const std::size_t comma = name.rfind(", ");
  if (comma != std::string::npos) {
    const std::string_view article = std::string_view(name).substr(comma + 2);
    if (std::find(kArticles.begin(), kArticles.end(), article) != kArticles.end()) {
      name = std::string(article) + (article.back() == '\'' ? "" : " ") + name.substr(0, comma);
    }
  }
  key.name = std::move(name);
  return key;
}

std::vector<std::size_t> find_titles(const std::vector<std::string>& titles, std::string_view query,
                                     std::size_t first) {
  std::vector<std::size_t> found;
  for (std::size_t i = first; i < titles.size(); ++i)
    if (titles[i] == query) found.push_back(i);
  if (!found.empty()) return found;
  const TitleKey wanted = title_key(query);
  if (wanted.name.empty()) return found;
  for (std::size_t i = first; i < titles.size(); ++i) {
    const TitleKey key = title_key(titles[i]);
    if (key.name == wanted.name && (!wanted.year || key.year == wanted.year)) found.push_back(i);
  }
  return found;
}

std::vector<std::size_t> suggest_titles(const std::vector<std::string>& titles, std::string_view query,
                                        std::size_t count, std::size_t first) {
  const std::string wanted = title_key(query).name;
  // (how it matches: 0 prefix, 1 contains, 2 neither; edit distance; index)
  std::vector<std::tuple<int, std::size_t, std::size_t>> ranked;
  std::size_t matching = 0;
  for (std::size_t i = first; i < titles.size(); ++i) {
    const std::string name = title_key(titles[i]).name;
    const std::size_t at = wanted.empty() ? std::string::npos : name.find(wanted);
    const int match = at == 0 ? 0 : at != std::string::npos ? 1 : 2;
    matching += match < 2;
    ranked.emplace_back(match, edit_distance(wanted, name), i);
  }
  count = std::min({count, ranked.size(), matching > 0 ? matching : ranked.size()});
  std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(count), ranked.end());
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < count; ++i) out.push_back(std::get<2>(ranked[i]));
  return out;
}

}  // namespace n2v
