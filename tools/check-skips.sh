#!/usr/bin/env bash
# After the README's test command: lists, loudly, every test that ctest skipped (its log, LOG), and
# fails when one skipped that this release is expected to run. What may skip:
#   everywhere:   Cuda.* (CI has no GPU; tools/gpu-check.sh runs them on one)
#   trixie:       the gensim checks (trixie has no python3-gensim)
# Anything else that skips (ONNX Runtime, namespaces, the real data, gensim on bookworm) means a
# promised check did not run, so CI fails rather than pass quietly.
#   tools/check-skips.sh RELEASE LOG
set -euo pipefail
release=${1:?usage: $0 RELEASE LOG} log=${2:?usage: $0 RELEASE LOG}
allowed='^Cuda\.'
case $release in
  trixie) allowed+='|^tools\.compare_gensim$|^ExportTest\.GensimReadsTheWord2vecFile$' ;;
esac
mapfile -t skipped < <(sed -nE 's/^ *[0-9]+\/[0-9]+ Test +#[0-9]+: ([^ ]+) .*\*\*\*Skipped.*/\1/p' "$log" | sort -u)
((${#skipped[@]})) || { echo "check-skips ($release): no test skipped"; exit 0; }
unexpected=()
echo "################################################################################"
echo "# check-skips ($release): ${#skipped[@]} test(s) SKIPPED:"
for name in "${skipped[@]}"; do
  if [[ $name =~ $allowed ]]; then echo "#   $name (expected here)"; else echo "#   $name   <-- SHOULD HAVE RUN"; unexpected+=("$name"); fi
done
echo "################################################################################"
if ((${#unexpected[@]})); then
  echo "check-skips ($release): FAILED: ${#unexpected[@]} test(s) that $release should run were skipped; their reasons are in $log" >&2
  exit 1
fi
