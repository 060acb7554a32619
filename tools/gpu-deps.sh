#!/usr/bin/env bash
# Here, on Debian with its package registry: puts into gpu-deps/ (git-ignored) what tools/gpu-check.sh
# needs on a GPU machine that has a CUDA PyTorch but no registry: the Debian packages of yaml-cpp,
# CLI11, fmt, nlohmann-json and GoogleTest (apt-get download: the files only, nothing installed),
# and a copy of ml-latest-small from ../shared. Carry gpu-deps/ to that machine with the checkout.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$repo/gpu-deps}
mkdir -p "$out"
cd "$out"
dev=(libyaml-cpp-dev libcli11-dev libfmt-dev nlohmann-json3-dev libgtest-dev)
# The shared libraries the -dev packages point at (libyaml-cpp0.7 and libfmt9 on bookworm).
runtime=$(apt-cache depends "${dev[@]}" | awk '/Depends: lib(yaml-cpp|fmt)[0-9]/ {print $2}' | sort -u)
rm -f ./*.deb
apt-get download "${dev[@]}" $runtime
data=$repo/../shared/data/ml-latest-small
if [[ -f $data/ratings.csv ]]; then
  rm -rf ml-latest-small && cp -r "$data" ml-latest-small
else
  echo "gpu-deps: no $data; gpu-check.sh will need --data-dir" >&2
fi
ls -la "$out"
echo "gpu-deps: $(du -sh "$out" | cut -f1) in $out"
