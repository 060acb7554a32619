#!/usr/bin/env bash
# Load test of n2v serve with wrk, beside the same requests to a Python numpy service
# (tools/numpy_service.py): similar-by-id and recommend with 20 liked movies, at 1, 16 and 64
# connections; prints req/s, p50/p99/p99.9 latency and errors per run, and n2v's req/s over
# Python's. Figures and the machine they came from: docs/serving.md.
#   tools/load-test.sh [--model runs/ml_small/model.pt] [--n2v build/n2v] [--duration 10]
#                      [--connections "1 16 64"] [--threads 64] [--index exact|hnsw]
#   tools/load-test.sh --soak 120 [--model M] [--index I]
# --soak S: similar-by-id at 16 connections for S seconds while the model is reloaded (SIGHUP)
# every 10 s; prints the requests, the errors (connect, read, write, timeout, non-2xx), the
# reloads the server logged, and n2v serve's resident memory at each reload.
# --threads is n2v serve's worker count: a worker serves one keep-alive connection at a time, so
# it should be at least the largest connection count. embeddings.npy and metadata.tsv must lie
# beside model.pt (n2v train writes them).
set -euo pipefail
model=runs/ml_small/model.pt n2v=build/n2v duration=10 connections="1 16 64" threads=64 index=exact soak=0
while (($#)); do
  case "$1" in
    --model) model=$2; shift 2 ;;
    --n2v) n2v=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --index) index=$2; shift 2 ;;
    --soak) soak=$2; shift 2 ;;
    *) echo "usage: $0 [--model M] [--n2v BIN] [--duration S] [--connections \"1 16 64\"] [--threads N] [--index exact|hnsw] [--soak S]" >&2; exit 2 ;;
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
  # Up to 10 minutes: an HNSW index over a large catalogue is built before the server listens.
  for _ in $(seq 1 6000); do
    port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$work/$name.log")
    [[ -n $port ]] && return
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "load-test.sh: $name did not start:" >&2
  cat "$work/$name.log" >&2
  exit 1
}
start n2v "$n2v" serve --model "$model" --port 0 --threads "$threads" --index "$index"
n2v_port=$port
n2v_pid=${pids[-1]}
tail -n +2 "$dir/metadata.tsv" | cut -f1 >"$work/ids"
export N2V_LOAD_IDS="$work/ids"

if ((soak > 0)); then
  rss() { sed -n 's/^VmRSS:[[:space:]]*//p' "/proc/$n2v_pid/status"; }
  echo "soak: similar-by-id, 16 connections, ${soak} s, SIGHUP every 10 s; $model ($(wc -l <"$work/ids") movies), index $index"
  N2V_LOAD_MODE=similar wrk -t 2 -c 16 -d "${soak}s" --timeout 5s -s "$here/load-test.lua" \
    "http://127.0.0.1:$n2v_port" >"$work/soak.out" &
  wrk_pid=$!
  echo "rss at start: $(rss)"
  for ((t = 10; t < soak; t += 10)); do
    sleep 10
    kill -HUP "$n2v_pid"
    echo "reload at ${t} s: rss $(rss)"
  done
  wait "$wrk_pid"
  read -r rps p50 p99 p999 errors requests <<<"$(sed -n 's/^RESULT //p' "$work/soak.out")"
  echo "requests $requests, errors $errors, ${rps} req/s, p50 ${p50} ms, p99 ${p99} ms, p99.9 ${p999} ms"
  echo "reloads logged: $(grep -c 'reloaded' "$work/n2v.log" || true), refused: $(grep -c 'refused' "$work/n2v.log" || true); rss at end: $(rss)"
  exit 0
fi
start numpy /usr/bin/python3 "$here/numpy_service.py" "$dir/embeddings.npy" --port 0
py_port=$port

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
