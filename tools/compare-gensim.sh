#!/bin/sh
# n2v against gensim on the same walks: makes n2v's walks for a config (n2v walk), trains gensim
# Word2Vec(sg=1) on exactly those walks with the config's dimension, window, negatives, epochs,
# seed and thread count, trains n2v on the same config (n2v train makes the same walks: walk i
# depends on (seed, i) only, tests/pipeline/test_pipeline.cpp checks it), scores both with
# n2v evaluate (gensim's file through --vectors, on n2v's run and its held-out data) and prints
# both training times, pairs per second and scores side by side.
#
#   tools/compare-gensim.sh [--config FILE] [--data-dir DIR] [--out DIR] [--n2v PATH] [--set KEY=VALUE]...
#
# Default config configs/ml_small.yaml, output runs/compare-gensim/ (walks/, gensim/, n2v/).
# Holds out 10% of the edges and each user's latest 20% of ratings so that links AUC and HR@10
# mean something (--set eval.holdout_edges=... overrides). Needs /usr/bin/python3 with gensim
# (Debian bookworm: apt-get install python3-gensim python3-yaml); without it prints "skipped: ..."
# and exits 0. N2V_PYTHON names another python (default /usr/bin/python3).
set -eu

here="$(cd "$(dirname "$0")" && pwd)"
config="$here/../configs/ml_small.yaml"
out="runs/compare-gensim"
n2v="$here/../build/n2v"
data_dir=""
sets=""
while [ $# -gt 0 ]; do
  case "$1" in
    --config) config="$2"; shift 2 ;;
    --data-dir) data_dir="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --n2v) n2v="$2"; shift 2 ;;
    --set) sets="$sets --set $2"; shift 2 ;;
    *) echo "usage: $0 [--config FILE] [--data-dir DIR] [--out DIR] [--n2v PATH] [--set KEY=VALUE]..." >&2; exit 2 ;;
  esac
done
[ -x "$n2v" ] || { echo "$0: no n2v binary at $n2v (build first, or pass --n2v PATH)" >&2; exit 2; }
python="${N2V_PYTHON:-/usr/bin/python3}"  # the python with gensim
if ! "$python" -c 'import gensim, yaml' 2> /dev/null; then
  echo "skipped: $python has no gensim or yaml (apt-get install python3-gensim python3-yaml;" \
    "trixie has no python3-gensim)"
  exit 0
fi

# --- the n2v learner under comparison ------------------------------------------------------------
# word2vec's skip-gram with negative sampling (models/sgns); gensim gets the same settings.
n2v_learner="--set skipgram.model=sgns"
n2v_label="n2v-sgns"
# -------------------------------------------------------------------------------------------------

# The user's --set come last, so they override the holdouts and the learner.
common="--config $config --set eval.holdout_edges=0.1 --set eval.holdout_latest=0.2 $n2v_learner $sets"
[ -z "$data_dir" ] || common="$common --data-dir $data_dir"
mkdir -p "$out/gensim"

echo "== n2v walk"
# shellcheck disable=SC2086  # the option lists are split on purpose
"$n2v" walk $common --out "$out/walks"
echo "== n2v train"
# shellcheck disable=SC2086
"$n2v" train $common --out "$out/n2v"
echo "== gensim Word2Vec(sg=1) on $out/walks/walks.txt"
"$python" "$here/compare_gensim.py" train "$out/walks/walks.txt" "$out/n2v/config.yaml" \
  "$out/gensim/vectors.w2v.txt" "$out/gensim/timing.json"
echo "== n2v evaluate"
"$n2v" evaluate --model "$out/n2v/model.pt"
"$n2v" evaluate --vectors "$out/gensim/vectors.w2v.txt" --run "$out/n2v"
"$python" "$here/compare_gensim.py" report "$out/walks/walks.txt" "$out/n2v/config.yaml" "$out/gensim" "$out/n2v" \
  "$n2v_label"
