#!/usr/bin/env bash
# Runs the README's test command (command 2) in a chroot of another Debian release:
#   trixie: LibTorch 2.6, GCC 14, yaml-cpp 0.8, CLI11 2.4, ONNX 1.17
#   sid:    LibTorch 2.14 (needs C++20), GCC 16, CMake 4.3, Python 3.14, gensim 4.3 on numpy 2
# .ci/run calls it for both after the bookworm tests, so a change that breaks a LibTorch we support
# does not land. Run as root from anywhere in the checkout:
#   tools/debian-check.sh trixie|sid [--shell | --run COMMAND]
# --shell: an interactive shell in the chroot instead; --run: COMMAND instead of the README's (it
# runs in the fresh copy, e.g. --run 'tools/gpu-deps.sh && tools/gpu-check.sh').
# The chroot is made once with debootstrap and kept (N2V_CHROOT_DIR, default /var/tmp/n2v-RELEASE);
# the packages that the README command installs stay in it, so later runs only build and test.
# Each run tests a fresh copy of the checkout's files (tracked and untracked, not ignored) with
# ../shared beside it, and always unmounts what it mounted, also when interrupted.
set -euo pipefail
release=${1:-}
case $release in
  trixie | sid) shift ;;
  *) echo "usage: $0 trixie|sid [--shell | --run COMMAND]" >&2; exit 2 ;;
esac
repo=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
say() { echo "debian-check $release: $*"; }
shared=$(cd "$repo/../shared" 2>/dev/null && pwd -P) || { say "no ../shared beside $repo" >&2; exit 1; }
root=${N2V_CHROOT_DIR:-/var/tmp/n2v-$release}
mirror=${N2V_DEBIAN_MIRROR:-http://deb.debian.org/debian}
start=$(date +%s)

if [[ ! -e $root/.n2v-chroot-ready ]]; then
  command -v debootstrap >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap; }
  say "making the chroot in $root (debootstrap, once)"
  rm -rf "$root.partial"
  debootstrap --variant=minbase "$release" "$root.partial" "$mirror"
  # An unstable suite's Release file can be served past its Valid-Until date by a mirror that
  # lags; apt would then refuse every update. Only the chroot's apt is told to accept it.
  echo 'Acquire::Check-Valid-Until "false";' >"$root.partial/etc/apt/apt.conf.d/99n2v-valid-until"
  touch "$root.partial/.n2v-chroot-ready"
  rm -rf "$root"
  mv "$root.partial" "$root"
fi

mounted=()
cleanup() {
  local status=$?
  # What the tests mounted inside (ip netns binds /run/netns), deepest first, then ours in reverse.
  local inner
  inner=$(awk -v root="$root/" 'index($2, root) == 1 { print $2 }' /proc/self/mounts | sort -r)
  for path in $inner; do
    [[ " ${mounted[*]} " == *" $path "* ]] || umount "$path" 2>/dev/null || umount -l "$path" 2>/dev/null || true
  done
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}" 2>/dev/null || say "warning: could not unmount ${mounted[i]}"
  done
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
bind() {  # bind <host path> <path in the chroot> [read-only]
  mkdir -p "$root$2"
  mount --bind "$1" "$root$2"
  mounted+=("$root$2")
  if [[ ${3:-} == ro ]]; then mount -o remount,bind,ro "$root$2"; fi
}
# The chroot's / is a mount point of its own, as a system's is (ip netns exec remounts it).
mount --bind "$root" "$root" && mounted+=("$root")
mkdir -p "$root/proc" "$root/sys"
mount -t proc proc "$root/proc" && mounted+=("$root/proc")
mount -t sysfs sysfs "$root/sys" && mounted+=("$root/sys")
bind /dev /dev
mount -t devpts devpts "$root/dev/pts" -o newinstance,ptmxmode=0666 2>/dev/null && mounted+=("$root/dev/pts") || true
mkdir -p "$root/dev/shm" && mount -t tmpfs shm "$root/dev/shm" && mounted+=("$root/dev/shm")
cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
# The host's own CAs (a proxy's or a company's), so that https from the chroot (npm's registry) is
# trusted as on the host; ca-certificates adds them to the bundle when it is installed or updated.
if compgen -G "/usr/local/share/ca-certificates/*" >/dev/null; then
  mkdir -p "$root/usr/local/share/ca-certificates"
  cp -a /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"
  chroot "$root" sh -c 'command -v update-ca-certificates >/dev/null && update-ca-certificates' >/dev/null 2>&1 || true
fi

# A fresh copy of the checkout and of ../shared, as CI lays them out.
work=/work
rm -rf "${root:?}$work"
mkdir -p "$root$work/n2v"
(cd "$repo" && git ls-files -z --cached --others --exclude-standard | tar --null -T - -c) | tar -x -C "$root$work/n2v"
mkdir -p "$root$work/shared"
cp -a "$shared/." "$root$work/shared/"  # the contents, also when ../shared is a link
test_command=$(grep -A1 '^# 2\. ' "$repo/README.md" | tail -n 1)
[[ $test_command == *ctest* ]] || { say "cannot find the README's test command (the line after '# 2. ...')" >&2; exit 1; }
if [[ ${1:-} == --run ]]; then
  test_command=${2:?--run needs a command}
fi

if [[ ${1:-} == --shell ]]; then
  chroot "$root" /usr/bin/env -i HOME=/root TERM="${TERM:-xterm}" PATH=/usr/sbin:/usr/bin:/sbin:/bin bash -c "cd $work/n2v && exec bash"
  exit 0
fi
# ccache, kept in the chroot, makes a warm run rebuild only what changed (CMake takes the launcher
# from the environment, so the README's command stays as it is). Without it, everything builds.
launcher=()
if chroot "$root" sh -c 'command -v ccache >/dev/null || { apt-get update -q && apt-get install -y -q ccache; }' >/dev/null 2>&1; then
  launcher=(CMAKE_CXX_COMPILER_LAUNCHER=ccache CCACHE_DIR=/var/cache/n2v-ccache
            CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime)
fi
say "running in $root: $test_command"
status=0
log=$work/ctest.log
chroot "$root" /usr/bin/env -i HOME=/root CI="${CI:-}" LANG=C.UTF-8 PATH=/usr/sbin:/usr/bin:/sbin:/bin "${launcher[@]}" \
  NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
  bash -c "set -o pipefail; cd $work/n2v && { $test_command; } 2>&1 | tee $log" || status=$?
if [[ ${1:-} != --run ]] && ((status == 0)); then
  "$repo/tools/check-skips.sh" "$release" "$root$log" || status=$?
fi
say "$( ((status == 0)) && echo passed || echo "FAILED (exit $status)") in $(( $(date +%s) - start )) s"
exit "$status"
