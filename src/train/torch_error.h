#pragma once
// What a torch error says, for one-line messages: its first line, without the C++ backtrace c10
// appends, and bounded (a hostile TorchScript file chooses its own error text).
#include <c10/util/Exception.h>

#include <exception>
#include <string>

namespace n2v {

inline std::string torch_error_reason(const std::exception& e) {
  const auto* c10_error = dynamic_cast<const c10::Error*>(&e);
  const std::string text = c10_error ? c10_error->what_without_backtrace() : e.what();
  const std::string line = text.substr(0, text.find('\n'));
  return line.size() > 160 ? line.substr(0, 160) + "..." : line;
}

}  // namespace n2v
