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
