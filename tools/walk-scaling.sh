#!/bin/sh
# Walks across ranks against one process on the same graph: steps per second, per core, bytes sent
# per step, time in the exchanges and memory per rank, for each world size and (p, q).
#
#   tools/walk-scaling.sh [--ranks "1 2 4"] [--pq "1,1 2,0.5"] [--walks 1] [--steps 80] [--repeat 1]
#                         [--two-hosts] [--rate RATE] [--n2v PATH] DATA_DIR
#
# DATA_DIR holds edges.tsv (n2v synth --graph rmat ... --out DATA_DIR). One rank is one process
# (`n2v walk --threads 1`); N ranks are `n2v launch --nproc N -- walk --set dist.partition=shard`,
# one thread each, or with --two-hosts two ranks in two network namespaces (tools/two-hosts.sh,
# root; --rate shapes the link). Every run's walks are compared with the one-process walks, byte
# for byte. --repeat K runs the list of world sizes K times in turn (a row each), so that a shared,
# noisy machine's drift hits every world size alike. The work folder is DATA_DIR/scaling/.
set -eu
ranks="1 2 4" pqs="1,1 2,0.5" walks=1 steps=80 repeat=1 two_hosts="" rate="" n2v="$(dirname "$0")/../build/n2v"
while [ $# -gt 1 ]; do
  case "$1" in
    --ranks) ranks="$2"; shift 2 ;;
    --pq) pqs="$2"; shift 2 ;;
    --walks) walks="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --repeat) repeat="$2"; shift 2 ;;
    --two-hosts) two_hosts=1; shift ;;
    --rate) rate="$2"; shift 2 ;;
    --n2v) n2v="$2"; shift 2 ;;
    *) break ;;
  esac
done
[ $# -eq 1 ] && [ -f "$1/edges.tsv" ] || { echo "usage: $0 [options] DATA_DIR (with DATA_DIR/edges.tsv)" >&2; exit 2; }
data="$(cd "$1" && pwd)"
tools="$(cd "$(dirname "$0")" && pwd)"
work="$data/scaling"
mkdir -p "$work"
echo "graph $data/edges.tsv; $walks walk(s) of $steps nodes from every node; one thread a rank"
printf '%-5s %-7s %-6s %12s %12s %11s %10s %12s %12s %s\n' p,q ranks link "M steps/s" "per core" "bytes/step" exchange \
  "graph MB/rk" "peak MB/rk" walks
for pq in $pqs; do
  p=${pq%,*} q=${pq#*,}
  base="--set data.format=edgelist --data-dir $data --set walk.num_walks=$walks --set walk.num_steps=$steps \
--set walk.p=$p --set walk.q=$q --threads 1"
  reference="$work/one-$p-$q"
  for n in $(i=0; while [ $i -lt "$repeat" ]; do echo $ranks; i=$((i + 1)); done); do
    out="$work/run-$n-$p-$q" log="$work/run-$n-$p-$q.log" link=loopback
    rm -rf "$out"
    if [ "$n" = 1 ]; then
      link=-
      "$n2v" walk $base --out "$out" > "$log" 2>&1
      rm -rf "$reference" && cp -r "$out" "$reference"
    elif [ -n "$two_hosts" ]; then
      [ "$n" = 2 ] || { echo "$0: --two-hosts runs 2 ranks" >&2; exit 2; }
      link=veth${rate:+-$rate}
      "$tools/two-hosts.sh" ${rate:+--rate "$rate"} --n2v "$n2v" -- walk $base --set dist.partition=shard \
        --out "$out" > "$log" 2>&1
    else
      "$n2v" launch --nproc "$n" -- walk $base --set dist.partition=shard --out "$out" > "$log" 2>&1
    fi
    same="-"
    if [ -f "$reference/walks.txt" ]; then
      if [ "$n" = 1 ]; then same=reference
      elif cat $(i=0; while [ $i -lt "$n" ]; do echo "$out/walks.rank-$i.txt"; i=$((i + 1)); done) |
           cmp -s - "$reference/walks.txt"; then same=identical
      else same=DIFFERENT; fi
    fi
    # The walk stage's seconds: the slowest rank's; steps: the run's; bytes, exchange and memory per rank.
    awk -v n="$n" -v pq="$pq" -v link="$link" -v same="$same" '
      / walks: [0-9]+ walks in / { for (i = 1; i <= NF; ++i) if ($i == "in") { s = $(i + 1) + 0; if (s > secs) secs = s } }
      /steps   *[0-9]+$/ { total = $NF + 0 }
      /walks across ranks:/ { match($0, /[0-9.]+ bytes a step/); bps += substr($0, RSTART) + 0
                              match($0, /, ([0-9.]+) s of it in the exchanges/); ex += substr($0, RSTART + 2) + 0; ranks++ }
      /MB with its samplers/ { match($0, /[0-9.]+ MB with its samplers/); g = substr($0, RSTART) + 0; if (g > graph) graph = g }
      /peak memory [0-9]+ MB/ { for (i = 1; i <= NF; ++i) if ($i == "memory") { m = $(i + 1) + 0; if (m > peak) peak = m } }
      END {
        rate = secs > 0 ? total / secs / 1e6 : 0
        bytes = "-"; exchange = "-"; g = "-"; p = "-"
        if (ranks) bytes = sprintf("%.1f", bps / ranks)
        if (ranks && secs > 0) exchange = sprintf("%.0f%%", 100 * ex / ranks / secs)
        if (graph) g = graph
        if (peak) p = peak
        printf "%-5s %-7s %-6s %12.2f %12.2f %11s %10s %12s %12s %s\n", pq, n, link, rate, rate / n, bytes, exchange, g, p, same
      }' "$log"
  done
done
