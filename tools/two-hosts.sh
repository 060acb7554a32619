#!/bin/sh
# Two "hosts" on one machine: network namespaces joined by a veth pair, each running one rank of
# an n2v command, so distributed runs cross a real (virtual) Ethernet link instead of loopback.
#
#   tools/two-hosts.sh [--rate RATE] [--n2v PATH] -- bench-comm [options]
#   tools/two-hosts.sh --rate 1gbit -- train --config configs/ml_small.yaml --data-dir DIR --out runs/two-hosts
#
# --rate shapes both directions with a token bucket (tc tbf), e.g. 1gbit or 10gbit; without it the
# link runs at veth speed. Needs root (ip netns, tc). Output lines are prefixed [host A] / [host B];
# the exit status is host A's (rank 0), or host B's when A succeeded and B failed.
# One run at a time: the namespaces (n2v-host-a, n2v-host-b) and port 29500 are fixed, and a new run
# removes namespaces an earlier, killed run left behind.
set -eu

rate=""
n2v="$(dirname "$0")/../build/n2v"
while [ $# -gt 0 ]; do
  case "$1" in
    --rate) rate="$2"; shift 2 ;;
    --n2v) n2v="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "usage: $0 [--rate RATE] [--n2v PATH] -- COMMAND [options]" >&2; exit 2 ;;
  esac
done
[ $# -gt 0 ] || { echo "usage: $0 [--rate RATE] [--n2v PATH] -- COMMAND [options]" >&2; exit 2; }
[ -x "$n2v" ] || { echo "$0: no n2v binary at $n2v (build first, or pass --n2v PATH)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "$0: needs root for ip netns and tc" >&2; exit 2; }
command -v ip > /dev/null || { echo "$0: needs iproute2 (apt-get install iproute2)" >&2; exit 2; }
n2v="$(cd "$(dirname "$n2v")" && pwd)/$(basename "$n2v")"

a=n2v-host-a b=n2v-host-b
addr_a=10.77.0.1 addr_b=10.77.0.2 port=29500
# Stops what runs in namespace $1 as n2v launch stops its ranks: SIGTERM and SIGCONT (a stopped
# rank gets it too), SIGKILL after 5 s.
stop_host() {
  local pids
  pids=$(ip netns pids "$1" 2> /dev/null) || return 0
  [ -n "$pids" ] || return 0
  kill -TERM $pids 2> /dev/null || true
  kill -CONT $pids 2> /dev/null || true
  for _ in $(seq 50); do
    pids=$(ip netns pids "$1" 2> /dev/null) || return 0
    [ -n "$pids" ] || return 0
    sleep 0.1
  done
  kill -KILL $pids 2> /dev/null || true
}
cleanup() {
  stop_host "$a"
  stop_host "$b"
  ip netns del "$a" 2> /dev/null || true
  ip netns del "$b" 2> /dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
cleanup  # a killed earlier run may have left them

ip netns add "$a"
ip netns add "$b"
ip link add veth-a netns "$a" type veth peer name veth-b netns "$b"
ip -n "$a" addr add "$addr_a/24" dev veth-a
ip -n "$b" addr add "$addr_b/24" dev veth-b
for ns in "$a" "$b"; do ip -n "$ns" link set lo up; done
ip -n "$a" link set veth-a up
ip -n "$b" link set veth-b up
if [ -n "$rate" ]; then
  ip netns exec "$a" tc qdisc add dev veth-a root tbf rate "$rate" burst 256kb latency 50ms
  ip netns exec "$b" tc qdisc add dev veth-b root tbf rate "$rate" burst 256kb latency 50ms
fi
echo "host A $addr_a (rank 0), host B $addr_b (rank 1), veth${rate:+ shaped to $rate}"

tmp=$(mktemp -d)
trap 'cleanup; rm -rf "$tmp"' EXIT
run_rank() {  # namespace rank interface label command...
  ns=$1 rank=$2 dev=$3 label=$4
  shift 4
  { ip netns exec "$ns" env RANK="$rank" WORLD_SIZE=2 LOCAL_RANK=0 MASTER_ADDR="$addr_a" MASTER_PORT="$port" \
      GLOO_SOCKET_IFNAME="$dev" "$n2v" "$@" 2>&1 && echo 0 > "$tmp/rc$rank" || echo $? > "$tmp/rc$rank"; } |
    sed -u "s/^/[$label] /"  # (under set -e, a bare failing command would end the group before its status is kept)
}
run_rank "$b" 1 veth-b "host B" "$@" &
host_b=$!
run_rank "$a" 0 veth-a "host A" "$@"
# Rank 1 never outlives rank 0 for long: stopped at once when rank 0 failed, after 60 s otherwise
# (a stopped or hung rank 1 would make `wait` wait forever).
if [ "$(cat "$tmp/rc0")" -ne 0 ]; then
  stop_host "$b"
else
  for _ in $(seq 600); do kill -0 "$host_b" 2> /dev/null || break; sleep 0.1; done
  stop_host "$b"
fi
wait
[ -s "$tmp/rc1" ] || echo 137 > "$tmp/rc1"
status_a=$(cat "$tmp/rc0") status_b=$(cat "$tmp/rc1")
[ "$status_a" -ne 0 ] && exit "$status_a"
exit "$status_b"
