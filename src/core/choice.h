#pragma once
// Settings with a fixed set of values (config keys such as skipgram.mode, command options such as
// evaluate --task) are enum classes, parsed once where they are set. Each enum has one table of
// its names, the only place a name is spelt: parsing and writing back both read it.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace n2v {

// Specialised once per enum, beside it:
//   template <> struct Choices<E> { static constexpr std::pair<E, const char*> names[]{{E::A, "a"}, ...}; };
template <class E>
struct Choices;

template <class E>
std::string choice_name(E value) {
  for (const auto& [v, name] : Choices<E>::names)
    if (v == value) return name;
  return std::to_string(static_cast<int>(value));  // only a value cast from outside the table gets here
}

// The value named `name` (exactly as spelt in the table), nullopt for any other text.
template <class E>
std::optional<E> parse_choice(std::string_view name) {
  for (const auto& [v, n] : Choices<E>::names)
    if (name == n) return v;
  return std::nullopt;
}

// Every name, in table order.
template <class E>
std::vector<std::string> choice_names() {
  std::vector<std::string> names;
  for (const auto& entry : Choices<E>::names) names.emplace_back(entry.second);
  return names;
}

// "a, b, c", for messages.
template <class E>
std::string choice_list() {
  std::string list;
  for (const auto& name : choice_names<E>()) list += (list.empty() ? "" : ", ") + name;
  return list;
}

}  // namespace n2v
