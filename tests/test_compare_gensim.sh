#!/bin/sh
# ctest tools.compare_gensim: tools/compare-gensim.sh on ml-latest-small with one round of walks
# and one epoch prints a row for gensim and a row for n2v, each with a time and scores. Exit 77
# (ctest's skip) where gensim or the data is missing.
#   tests/test_compare_gensim.sh SOURCE_DIR N2V_BINARY SHARED_DATA OUT_DIR
set -u
source_dir="$1" n2v="$2" data="$3/ml-latest-small" out="$4"
if [ ! -f "$data/ratings.csv" ]; then
  echo "skipped: no $data (the tests' ml-latest-small)"
  exit 77
fi
rm -rf "$out"
log="$("$source_dir/tools/compare-gensim.sh" --n2v "$n2v" --data-dir "$data" --out "$out" \
  --set walk.num_walks=1 --set train.epochs=1 --set threads=2 2>&1)"
status=$?
echo "$log"
[ "$status" = 0 ] || { echo "FAIL: compare-gensim.sh exited $status"; exit 1; }
case "$log" in skipped:*) exit 77 ;; esac
number='[0-9]+\.[0-9]+'
for learner in gensim "n2v[^ ]*"; do
  echo "$log" | grep -Eq "^$learner +$number +$number M +$number +$number +$number +$number" ||
    { echo "FAIL: no row of times and scores for $learner"; exit 1; }
done
echo "both rows present"
