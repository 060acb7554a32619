#!/usr/bin/env bash
# On a machine with an NVIDIA GPU, a CUDA PyTorch 2.x for Python and no package registry: builds n2v
# against that PyTorch's LibTorch with the optional parts off, runs the Keras job
# (configs/ml_small.yaml) on the GPU and on the CPU, prints both loss curves against Keras with the
# epoch times, and runs the CUDA tests. About 5 minutes on 16 cores; never more than 10.
#   tools/gpu-deps.sh       first, where Debian's registry is reachable: fills gpu-deps/
#   tools/gpu-check.sh      there, with gpu-deps/ carried beside the checkout
# Environment: PYTHON (default python3), N2V_TORCH_PREFIX (default: that PyTorch's cmake_prefix_path),
# N2V_GPU_DEPS (gpu-deps/), N2V_GPU_BUILD (build-gpu/),
# OUT (when set, the logs and loss files are copied there).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
deps=${N2V_GPU_DEPS:-$repo/gpu-deps}
build=${N2V_GPU_BUILD:-$repo/build-gpu}
python=${PYTHON:-python3}
data=$deps/ml-latest-small
t0=$(date +%s)
step() { printf '\n== %s (%d s)\n' "$*" $(($(date +%s) - t0)); }
fail() { echo "gpu-check: $*" >&2; exit 1; }
[[ -d $deps ]] || fail "no $deps: run tools/gpu-deps.sh where Debian's registry is reachable, and carry gpu-deps/"
[[ -f $data/ratings.csv ]] || fail "no $data/ratings.csv (tools/gpu-deps.sh copies ml-latest-small there)"

step "PyTorch and the GPU"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
"$python" -c 'import torch; print("torch", torch.__version__, "| CUDA", torch.version.cuda, "| GPU:", torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none usable")'
torch_prefix=${N2V_TORCH_PREFIX:-$("$python" -c 'import torch; print(torch.utils.cmake_prefix_path)')}
cuda=$("$python" -c 'import torch; print(int(torch.cuda.is_available()))')
abi=$("$python" -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')
# Debian builds yaml-cpp, fmt and GoogleTest with the C++11 string ABI; a LibTorch without it cannot
# link with them.
((abi == 1)) || fail "this PyTorch uses the pre-C++11 string ABI (_GLIBCXX_USE_CXX11_ABI=0); use a PyTorch >= 2.7"

prefix=$build/prefix
step "unpacking $(ls "$deps"/*.deb | wc -l) Debian packages into $prefix"
rm -rf "$prefix"
mkdir -p "$prefix"
for deb in "$deps"/*.deb; do
  if command -v dpkg-deb >/dev/null; then
    dpkg-deb -x "$deb" "$prefix"
  else
    member=$(ar t "$deb" | grep '^data\.tar')
    case $member in *.xz) z=-J ;; *.zst) z=--zstd ;; *.gz) z=-z ;; *) z= ;; esac
    ar p "$deb" "$member" | tar -x $z -C "$prefix" -f -
  fi
done

rm -f "$build/CMakeCache.txt"  # found packages are cached: a fresh configure finds the prefix's
step "configure (LibTorch from $torch_prefix; download, ONNX, distributed and benchmarks off)"
cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix/usr;$torch_prefix" \
  -DN2V_WITH_DOWNLOAD=OFF -DN2V_WITH_ONNX=OFF -DN2V_WITH_DISTRIBUTED=OFF -DN2V_WITH_BENCHMARKS=OFF \
  -DN2V_SHARED_DATA="$deps" >"$build/configure.log" 2>&1 || { tail -n 40 "$build/configure.log"; fail "cmake failed"; }
grep -E '^(Torch|yaml-cpp|fmt|CLI11|GTest|nlohmann_json)_DIR:' "$build/CMakeCache.txt" || true
step "build"
cmake --build "$build" -j"$(nproc)" --target n2v torch_tests >"$build/build.log" 2>&1 ||
  { grep -E 'error|Error' "$build/build.log" | head -n 40; fail "the build failed (log: $build/build.log)"; }
export LD_LIBRARY_PATH=$prefix/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
n2v=$build/n2v

runs=$build/runs
rm -rf "$runs"
for device in cuda cpu; do
  if [[ $device == cuda ]] && ((cuda == 0)); then
    step "no usable CUDA device: --device cuda must fail with exit 2"
    status=0
    "$n2v" train --config "$repo/configs/ml_small.yaml" --device cuda --data-dir "$data" --out "$runs/cuda" || status=$?
    echo "exit $status"
    ((status == 2)) || fail "--device cuda without a usable device exited $status, not 2"
    continue
  fi
  step "n2v train --config configs/ml_small.yaml --device $device"
  begin=$(date +%s.%N)
  "$n2v" train --config "$repo/configs/ml_small.yaml" --device "$device" --data-dir "$data" --out "$runs/$device" \
    >"$build/train-$device.log" 2>&1 ||
    { tail -n 20 "$build/train-$device.log"; fail "train --device $device failed (log: $build/train-$device.log)"; }
  grep -E '^Epoch|outputs in' "$build/train-$device.log" || true
  echo "wall $("$python" -c "print(round($(date +%s.%N) - $begin, 2))") s end to end"
done

step "loss curves against Keras"
for device in cuda cpu; do
  [[ -f $runs/$device/loss.csv ]] || continue
  echo "-- $device"
  "$n2v" compare-loss "$runs/$device" | tail -n 14
done
step "epoch seconds (loss.csv)"
for device in cuda cpu; do
  [[ -f $runs/$device/loss.csv ]] || continue
  awk -F, -v d="$device" 'NR > 1 { s += $3; n++; if (NR == 2) first = $3; else rest += $3 }
    END { printf "%-5s epoch 1 %.3f s, epochs 2-%d mean %.3f s, all %.2f s\n", d, first, n, rest / (n - 1), s }' \
    "$runs/$device/loss.csv"
done

step "CUDA tests"
status=0
"$build/tests/torch_tests" --gtest_filter='Cuda.*:Train.Cuda*:SkipGram.*' 2>&1 | tee "$build/cuda-tests.log" | tail -n 25 ||
  status=$?
if [[ -n ${OUT:-} ]]; then
  mkdir -p "$OUT"
  cp "$build"/*.log "$OUT"/ 2>/dev/null || true
  for device in cuda cpu; do [[ -f $runs/$device/loss.csv ]] && cp "$runs/$device/loss.csv" "$OUT/loss-$device.csv"; done
fi
step "done"
exit "$status"
