#!/usr/bin/env bash
# Checks the README's tour: runs its ```sh block (under "## A tour") in a scratch folder laid out as
# the repository after the README's command 1 (build/, configs/, tools/, data/ml-latest-small), and
# checks that every line of the ```text blocks under it was printed, in order (a "..." line skips
# ahead). So the examples a reader sees are what this n2v prints. ctest runs it as tools.readme_tour.
#   tools/readme-check.sh [BUILD_DIR] [DATA_DIR]
# BUILD_DIR defaults to build/, DATA_DIR (holding ml-latest-small/) to ../shared/data. Exit 77
# (ctest's skip) without the data; the scratch folder is kept on failure.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$repo/build}" && pwd)
data=${2:-$repo/../shared/data}/ml-latest-small
say() { echo "readme-check: $*"; }
[[ -f $data/ratings.csv ]] || { say "skipped: no $data"; exit 77; }
data=$(cd "$data" && pwd)

# The tour's commands and expected lines, from the README itself.
tour=$(awk '/^## A tour$/ { on = 1; next } on && /^## / { exit } on' "$repo/README.md")
[[ -n $tour ]] || { say "no '## A tour' section in README.md" >&2; exit 1; }
commands=$(awk '/^```sh$/ { on = 1; next } /^```$/ { on = 0 } on' <<<"$tour")
expected=$(awk '/^```text$/ { on = 1; next } /^```$/ { on = 0 } on' <<<"$tour")
[[ -n $commands && -n $expected ]] || { say "the tour has no \`\`\`sh or no \`\`\`text block" >&2; exit 1; }

scratch=$(mktemp -d "${TMPDIR:-/tmp}/n2v-readme.XXXXXX")
mkdir -p "$scratch/data"
ln -s "$build" "$scratch/build"
ln -s "$repo/configs" "$scratch/configs"
ln -s "$repo/tools" "$scratch/tools"
ln -s "$data" "$scratch/data/ml-latest-small"
: >"$scratch/stdout"
while IFS= read -r command; do
  [[ -n ${command// } ]] || continue
  say "\$ $command"
  (cd "$scratch" && bash -c "$command") >>"$scratch/stdout" 2>>"$scratch/stderr" ||
    { say "FAILED: $command (exit $?; $scratch/stderr)" >&2; tail -n 20 "$scratch/stderr" >&2; exit 1; }
done <<<"$commands"

# Every expected line, in order; "..." lets the output run on to the next expected line.
line_number=0 checked=0
mapfile -t printed <"$scratch/stdout"
while IFS= read -r want; do
  [[ $want == "..." ]] && continue
  while ((line_number < ${#printed[@]})) && [[ ${printed[line_number]} != "$want" ]]; do ((++line_number)); done
  if ((line_number == ${#printed[@]})); then
    say "FAILED: the README shows a line the tour did not print (or not in this order):" >&2
    say "  $want" >&2
    say "what it printed: $scratch/stdout" >&2
    exit 1
  fi
  ((++line_number)); ((++checked))
done <<<"$expected"
rm -rf "$scratch"
say "the tour printed all $checked lines the README shows"
