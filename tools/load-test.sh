#!/usr/bin/env bash
# Load test of n2v serve with wrk, beside the same requests to a Python numpy service
# (tools/numpy_service.py): similar-by-id and recommend with 20 liked movies, at 1, 16 and 64
# connections; prints req/s, p50/p99/p99.9 latency and errors per run, and n2v's req/s over
# Python's. Figures and the machine they came from: docs/serving.md.
#   tools/load-test.sh [--model runs/ml_small/model.pt] [--n2v build/n2v] [--duration 10]
#                      [--connections "1 16 64"] [--threads 64]
# --threads is n2v serve's worker count: a worker serves one keep-alive connection at a time, so
# it should be at least the largest connection count. embeddings.npy and metadata.tsv must lie
# beside model.pt (n2v train writes them).
set -euo pipefail
model=runs/ml_small/model.pt n2v=build/n2v duration=10 connections="1 16 64" threads=64
while (($#)); do
  case "$1" in
    --model) model=$2; shift 2 ;;
    --n2v) n2v=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    *) echo "usage: $0 [--model M] [--n2v BIN] [--duration S] [--connections \"1 16 64\"] [--threads N]" >&2; exit 2 ;;
  esac
done
here=$(cd "$(dirname "$0")" && pwd)
dir=$(dirname "$model")
command -v wrk >/dev/null || { echo "load-test.sh: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
for f in "$model" "$dir/embeddings.npy" "$dir/metadata.tsv"; do
  [[ -f $f ]] || { echo "load-test.sh: $f not found (n2v train writes it)" >&2; exit 1; }
done
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Starts a server in the background (its log in $work/NAME.log) and sets $port once it logs it.
# (Not in a $(...) subshell: the cleanup must see the pid.)
start() {
  local name=$1; shift
  "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 300); do
    port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$work/$name.log")
    [[ -n $port ]] && return
    sleep 0.1
  done
  echo "load-test.sh: $name did not start:" >&2
  cat "$work/$name.log" >&2
  exit 1
}
start n2v "$n2v" serve --model "$model" --port 0 --threads "$threads"
n2v_port=$port
start numpy /usr/bin/python3 "$here/numpy_service.py" "$dir/embeddings.npy" --port 0
py_port=$port
tail -n +2 "$dir/metadata.tsv" | cut -f1 >"$work/ids"
export N2V_LOAD_IDS="$work/ids"

echo "machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1); wrk and both servers share it"
echo "model: $model ($(wc -l <"$work/ids") movies); n2v serve --threads $threads; ${duration} s a run"
printf '%-8s %-10s %5s %10s %9s %9s %9s %7s\n' server request conns req/s p50_ms p99_ms p99.9_ms errors
declare -A rate
for mode in similar recommend; do
  for c in $connections; do
    for server in n2v numpy; do
      port=$n2v_port
      [[ $server == numpy ]] && port=$py_port
      result=$(N2V_LOAD_MODE=$mode wrk -t $((c < 2 ? c : 2)) -c "$c" -d "${duration}s" --timeout 5s \
                 -s "$here/load-test.lua" "http://127.0.0.1:$port" | sed -n 's/^RESULT //p')
      read -r rps p50 p99 p999 errors _ <<<"$result"
      rate[$server-$mode-$c]=$rps
      printf '%-8s %-10s %5s %10s %9s %9s %9s %7s\n' "$server" "$mode" "$c" "$rps" "$p50" "$p99" "$p999" "$errors"
    done
  done
done
echo "n2v serve's req/s over the numpy service's:"
for mode in similar recommend; do
  for c in $connections; do
    awk -v m="$mode" -v c="$c" -v a="${rate[n2v-$mode-$c]}" -v b="${rate[numpy-$mode-$c]}" \
      'BEGIN { printf "  %-10s %3s connections: %.1fx\n", m, c, (b > 0 ? a / b : 0) }'
  done
done
