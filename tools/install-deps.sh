#!/usr/bin/env bash
# Installs the Debian packages n2v needs, only those that are missing (so it is quick and works
# offline once everything is there). Run as root on Debian bookworm, trixie or sid. With
# --sanitizers, only what tools/sanitize-check.sh adds. `--has PKG` only answers whether this
# release offers PKG (exit 0) or not (exit 1), the check that decides which optional packages install.
set -euo pipefail
required=(
  cmake g++ make pkg-config
  libtorch-dev libcli11-dev libyaml-cpp-dev libfmt-dev nlohmann-json3-dev
  libcurl4-openssl-dev libzip-dev libssl-dev
  libgtest-dev googletest libbenchmark-dev
  python3-torch
  libonnx-dev libprotobuf-dev python3-onnx  # ONNX export; the tests run onnx.checker on it
  nodejs  # the ONNX Runtime test (tools/onnx-check, onnxruntime-node from the npm registry)
  libgloo-dev  # c10d Gloo headers for distributed training (LibTorch ships the library, not the headers)
  libcpp-httplib-dev libhnswlib-dev  # n2v serve (N2V_WITH_SERVE): the HTTP server and the HNSW index
  iproute2  # tools/two-hosts.sh: two network namespaces as two hosts (its test skips where namespaces are not allowed)
)
# Optional: installed where the release has them (trixie has no python3-gensim); what needs them skips without.
optional=(
  python3-gensim  # the test that gensim reads embeddings.w2v.txt
  chromium  # the test of n2v serve's web page in a headless browser
  wrk  # tools/load-test.sh, the HTTP load test of n2v serve
)
# Outputs are captured, never piped into `grep -q`: under pipefail, grep -q closing the pipe early
# kills the writer with SIGPIPE (exit 141) and turns a yes into a no.
missing() {
  local status
  for p in "$@"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) || true
    [[ $status == "install ok installed" ]] || echo "$p"
  done
}
release_has() {
  local policy
  policy=$(apt-cache policy "$1" 2>/dev/null) || return 1
  [[ $policy =~ Candidate:\ [^\(] ]]
}
if [[ "${1:-}" == "--has" ]]; then
  [[ -n "${2:-}" ]] || { echo "usage: $0 --has PACKAGE" >&2; exit 2; }
  release_has "$2"
  exit
fi
# tools/sanitize-check.sh (--sanitizers): clang with its sanitizer and libFuzzer runtimes.
if [[ "${1:-}" == "--sanitizers" ]]; then
  required=(clang libclang-rt-dev)
  optional=()
fi
mapfile -t need < <(missing "${required[@]}")
mapfile -t want < <(missing "${optional[@]}")
# Debian's npm, unless the installed nodejs brings its own (NodeSource's conflicts with Debian's npm).
[[ "${1:-}" == "--sanitizers" ]] || command -v npm >/dev/null 2>&1 || need+=(npm)
((${#need[@]} + ${#want[@]})) || exit 0
apt-get update -q
install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"; }
if ((${#need[@]})); then
  echo "installing: ${need[*]}"
  install "${need[@]}"
fi
for p in "${want[@]}"; do
  if release_has "$p"; then
    echo "installing (optional): $p"
    install "$p" || echo "warning: optional package $p failed to install; the checks that need it will skip" >&2
  else
    echo "note: optional package $p is not in this release; the checks that need it will skip" >&2
  fi
done
