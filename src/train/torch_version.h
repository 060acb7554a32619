#pragma once
// The LibTorch versions n2v builds against (bookworm's 1.13.1, trixie's 2.6, the 2.x of CUDA builds)
// differ in a few APIs. Each difference is named here once, so code says what it needs
// (#if N2V_TCPSTORE_DEFAULTS_TO_LIBUV), not which version it is on.
#include <torch/version.h>

#define N2V_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

// c10d::TCPStoreOptions::useLibUV is true by default since 2.4 (false, where it exists, before):
// builds without libuv (Debian's) then refuse to serve a store unless it is set to false.
#define N2V_TCPSTORE_DEFAULTS_TO_LIBUV N2V_TORCH_AT_LEAST(2, 4)

#include <sstream>
#include <string>
#include <type_traits>

namespace n2v {

// The key of a parameter in torch::optim::Optimizer::state(): its TensorImpl's address, printed as
// a string up to LibTorch 2.0 (c10::guts::to_string), the pointer itself in later versions. Read
// off the map's key type, so it holds whichever version this is.
template <typename Optimizer, typename Tensor>
auto optimizer_state_key(const Optimizer& optimizer, const Tensor& parameter) {
  using Key = typename std::decay_t<decltype(optimizer.state())>::key_type;
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream text;
    text << parameter.unsafeGetTensorImpl();
    return text.str();
  } else {
    return static_cast<Key>(parameter.unsafeGetTensorImpl());
  }
}

}  // namespace n2v
