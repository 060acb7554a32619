#!/bin/sh
# ctest tools.install_deps_detects_packages: `tools/install-deps.sh --has PKG`, the check that
# decides which optional packages install, says yes for packages this release is known to have
# and no for one no release has. Exit 77 (ctest's skip) off Debian (no apt-cache).
#   tests/test_install_deps.sh SOURCE_DIR
set -u
script="$1/tools/install-deps.sh"
command -v apt-cache >/dev/null || { echo "skipped: no apt-cache (not Debian)"; exit 77; }
status=0
expect() {  # expect yes|no PACKAGE
  if "$script" --has "$2"; then answer=yes; else answer=no; fi
  if [ "$answer" = "$1" ]; then echo "ok: --has $2: $answer"; else echo "FAIL: --has $2 said $answer, expected $1"; status=1; fi
}
# Every supported release has these (the first is required by n2v, the second by apt itself).
expect yes libtorch-dev
expect yes coreutils
expect no n2v-no-such-package
# Optional packages that a release is known to offer.
codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
[ "$codename" = bookworm ] && expect yes python3-gensim
exit "$status"
