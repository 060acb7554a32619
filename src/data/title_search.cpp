#include "data/title_search.h"

#include "core/text.h"
#include "data/titles.h"

namespace n2v {

TitleSearch::TitleSearch(const std::vector<std::string>& titles, std::size_t first)
    : first_(first), written_(titles.size()), spoken_(titles.size()) {
  for (std::size_t t = first; t < titles.size(); ++t) {
    written_[t] = fold_for_search(titles[t]);
    spoken_[t] = fold_for_search(title_key(titles[t]).name);
  }
}

std::vector<std::size_t> TitleSearch::find(std::string_view query, std::size_t limit) const {
  const std::string wanted = fold_for_search(trim(query));
  std::vector<std::size_t> prefix, inside;
  if (wanted.empty() || limit == 0) return prefix;
  for (std::size_t t = first_; t < written_.size() && prefix.size() < limit; ++t) {
    if (written_[t].rfind(wanted, 0) == 0 || spoken_[t].rfind(wanted, 0) == 0) prefix.push_back(t);
    else if (inside.size() < limit && (written_[t].find(wanted) != std::string::npos ||
                                       spoken_[t].find(wanted) != std::string::npos))
      inside.push_back(t);
  }
  for (std::size_t t : inside) {
    if (prefix.size() >= limit) break;
    prefix.push_back(t);
  }
  return prefix;
}

}  // namespace n2v
