#!/usr/bin/env bash
# Installs the Debian packages n2v needs, only those that are missing (so it is quick and works
# offline once everything is there). Run as root on Debian bookworm.
set -euo pipefail
packages=(
  cmake g++ make pkg-config
  libtorch-dev libcli11-dev libyaml-cpp-dev libfmt-dev nlohmann-json3-dev
  libcurl4-openssl-dev libzip-dev libssl-dev
  libgtest-dev googletest libbenchmark-dev
  python3-torch
  libonnx-dev libprotobuf-dev python3-onnx  # ONNX export; the tests run onnx.checker on it
  nodejs  # the ONNX Runtime test (tools/onnx-check, onnxruntime-node from the npm registry)
  python3-gensim  # optional: the test that gensim reads embeddings.w2v.txt skips without it
  libgloo-dev  # c10d Gloo headers for distributed training (LibTorch ships the library, not the headers)
  iproute2  # tools/two-hosts.sh: two network namespaces as two hosts (its test skips where namespaces are not allowed)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Debian's npm, unless the installed nodejs brings its own (NodeSource's conflicts with Debian's npm).
command -v npm >/dev/null 2>&1 || missing+=(npm)
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
