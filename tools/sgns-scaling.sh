#!/bin/sh
# sgns across ranks against one process on the same walks: pairs per second (the mean over the
# epochs after the first), its ratio to one process, the exchanges' share of the epoch, the table
# memory a rank holds and its peak memory, for the tables on every rank (dist.partition replicate)
# and in blocks (shard).
#
#   tools/sgns-scaling.sh [--ranks N] [--modes "replicate shard"] [--two-hosts] [--rate RATE]
#                         [--n2v PATH] OUT_DIR -- TRAIN_OPTIONS...
#
# TRAIN_OPTIONS are n2v train's (--config, --data-dir, --set ...; not --out), given to every run
# with `--set threads=1`: one process with one thread, then N ranks (`n2v launch --nproc N`), one
# thread each, or with --two-hosts two ranks in two network namespaces (tools/two-hosts.sh, root;
# --rate shapes the link). Runs and logs go to OUT_DIR.
set -eu
ranks=2 modes="replicate shard" two_hosts="" rate="" n2v="$(dirname "$0")/../build/n2v"
while [ $# -gt 0 ]; do
  case "$1" in
    --ranks) ranks="$2"; shift 2 ;;
    --modes) modes="$2"; shift 2 ;;
    --two-hosts) two_hosts=1; shift ;;
    --rate) rate="$2"; shift 2 ;;
    --n2v) n2v="$2"; shift 2 ;;
    --) shift; break ;;
    *) [ -z "${out:-}" ] || break; out="$1"; shift ;;
  esac
done
[ -n "${out:-}" ] && [ $# -gt 0 ] || { echo "usage: $0 [options] OUT_DIR -- TRAIN_OPTIONS..." >&2; exit 2; }
[ -z "$two_hosts" ] || [ "$ranks" = 2 ] || { echo "$0: --two-hosts runs 2 ranks" >&2; exit 2; }
tools="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$out"
printf '%-10s %-6s %-10s %11s %7s %9s %14s %12s\n' mode ranks link "M pairs/s" ratio exchange "table MB/rank" "peak MB/rank"
one=""
for mode in one $modes; do
  run="$out/$mode" log="$out/$mode.log" n=$ranks link=loopback
  rm -rf "$run"
  if [ "$mode" = one ]; then
    n=1 link=-
    "$n2v" train "$@" --set threads=1 --out "$run" > "$log" 2>&1
  elif [ -n "$two_hosts" ]; then
    link=veth${rate:+-$rate}
    "$tools/two-hosts.sh" ${rate:+--rate "$rate"} --n2v "$n2v" -- train "$@" --set threads=1 \
      --set dist.partition="$mode" --out "$run" > "$log" 2>&1
  else
    "$n2v" launch --nproc "$n" -- train "$@" --set threads=1 --set dist.partition="$mode" --out "$run" > "$log" 2>&1
  fi
  line=$(awk -v mode="$mode" -v n="$n" -v link="$link" -v one="$one" '
    /(^|\] )Epoch [0-9]+\/[0-9]+ - / { e++; if (e > 1) { match($0, /[0-9.]+ M pairs\/s/); rate += substr($0, RSTART) + 0; k++ }
                                 else { match($0, /[0-9.]+ M pairs\/s/); first = substr($0, RSTART) + 0 } }
    /of the epoch/ { match($0, /[0-9]+% of the epoch/); share += substr($0, RSTART) + 0; s++ }
    /tables [0-9.]+ MB/ { match($0, /tables [0-9.]+ MB/); table = substr($0, RSTART + 7) + 0 }
    /tables in [0-9]+ blocks \(/ { match($0, /\([0-9.]+ MB/); table = substr($0, RSTART + 1) + 0 }
    /peak memory [0-9]+ MB/ { for (i = 1; i <= NF; ++i) if ($i == "memory") { m = $(i + 1) + 0; if (m > peak) peak = m } }
    END {
      r = k ? rate / k : first
      ratio = one > 0 ? sprintf("%.2fx", r / one) : "-"
      ex = s ? sprintf("%.0f%%", share / s) : "-"
      printf "%-10s %-6s %-10s %11.2f %7s %9s %14s %12s\n", mode, n, link, r, ratio, ex, table ? table : "-", peak ? peak : "-"
    }' "$log")
  echo "$line"
  [ "$mode" != one ] || one=$(echo "$line" | awk '{ print $4 }')
done
