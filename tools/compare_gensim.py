"""The Python half of tools/compare-gensim.sh (run it under /usr/bin/python3, Debian's gensim).

  compare_gensim.py train WALKS CONFIG_YAML OUT_W2V TIMING_JSON
      trains gensim Word2Vec(sg=1) on n2v's walks.txt with the settings of n2v's effective
      config.yaml; writes the vectors (word2vec text) and {"seconds", "pairs"} for the timing
  compare_gensim.py report WALKS CONFIG_YAML GENSIM_DIR N2V_DIR N2V_LABEL
      prints both learners' training time, pairs per second and evaluation.json side by side

"pairs" is the same number for both learners: the (centre, context) pairs of the full window over
the walks, times the epochs. word2vec's reduced window and subsampling visit fewer, so pairs per
second compares the learners' speed on one workload (it is the ratio of their times).
"""
import csv
import json
import os
import sys
import time


def write_word2vec_text(vectors, path):
    """gensim's save_word2vec_format, with floats as numbers: gensim 4.3 under numpy 2 (Debian sid)
    writes repr() of numpy scalars, "np.float32(-0.016)", which no word2vec reader takes."""
    with open(path, "w", encoding="utf-8") as f:
        f.write("%d %d\n" % (len(vectors.index_to_key), vectors.vector_size))
        for key in vectors.index_to_key:
            f.write(key + " " + " ".join("%.9g" % x for x in vectors[key].tolist()) + "\n")


def walks_of(path):
    with open(path) as f:
        return [line.split() for line in f if line.strip()]


def full_window_pairs(walks, window):
    pairs = 0
    for walk in walks:
        n = len(walk)
        for i in range(n):
            pairs += min(i, window) + min(n - 1 - i, window)
    return pairs


def settings(config_path):
    import yaml
    with open(config_path) as f:
        config = yaml.safe_load(f)
    skipgram, train = config["skipgram"], config["train"]
    threads = int(config.get("threads", 0)) or os.cpu_count()
    return {
        "window": int(skipgram["window"]),
        "negative": int(skipgram["negative_samples"]),
        "vector_size": int(train["embedding_dim"]),
        "epochs": int(train["epochs"]),
        "workers": threads,
        # word2vec's `sample` is skipgram.subsample.
        "sample": float(skipgram.get("subsample", 0)),
        # sgns' rate: train.stream_learning_rate, decayed linearly to 1e-4 of it, as gensim's alpha to min_alpha.
        "alpha": float(train.get("stream_learning_rate", 0.025)),
        "seed": int(config["seed"]),
    }


def train(walks_path, config_path, out_path, timing_path):
    from gensim.models import Word2Vec
    walks = walks_of(walks_path)
    s = settings(config_path)
    model = Word2Vec(sg=1, hs=0, min_count=1, negative=s["negative"], window=s["window"],
                     vector_size=s["vector_size"], workers=s["workers"], sample=s["sample"], seed=s["seed"],
                     alpha=s["alpha"], min_alpha=s["alpha"] * 1e-4)
    model.build_vocab(walks)
    start = time.perf_counter()
    model.train(walks, total_examples=len(walks), epochs=s["epochs"])
    seconds = time.perf_counter() - start
    write_word2vec_text(model.wv, out_path)
    pairs = full_window_pairs(walks, s["window"]) * s["epochs"]
    with open(timing_path, "w") as f:
        json.dump({"seconds": seconds, "pairs": pairs, "settings": s}, f)
    print("gensim: %d walks, %s, %.2f s" % (len(walks), s, seconds))


def n2v_seconds(run_dir):
    with open(os.path.join(run_dir, "loss.csv")) as f:
        return sum(float(row["seconds"]) for row in csv.DictReader(f))


def fixed(value):
    return "-" if value is None else "%.4f" % value


def scores(evaluation):
    genres = evaluation.get("genres", {})
    links = evaluation.get("links", {})
    recommend = evaluation.get("recommend", {})
    ranking = recommend.get("n2v", {})
    k = recommend.get("k", 10)
    return [genres.get("n2v", {}).get("macro_f1"), genres.get("n2v", {}).get("micro_f1"), links.get("n2v_auc"),
            ranking.get("hit_rate@%d" % k), ranking.get("recall@%d" % k), ranking.get("ndcg@%d" % k)]


def report(walks_path, config_path, gensim_dir, n2v_dir, n2v_label):
    walks = walks_of(walks_path)
    s = settings(config_path)
    pairs = full_window_pairs(walks, s["window"]) * s["epochs"]
    with open(os.path.join(gensim_dir, "timing.json")) as f:
        gensim_seconds = json.load(f)["seconds"]
    learners = [("gensim", gensim_seconds, os.path.join(gensim_dir, "vectors.w2v.txt.evaluation.json")),
                (n2v_label, n2v_seconds(n2v_dir), os.path.join(n2v_dir, "evaluation.json"))]
    print("\n%d walks, %d full-window pairs x %d epochs; dim %d, window %d, negatives %d, %d workers, sample %g"
          % (len(walks), pairs // s["epochs"], s["epochs"], s["vector_size"], s["window"], s["negative"],
             s["workers"], s["sample"]))
    header = ["learner", "train s", "pairs/s", "macro-F1", "micro-F1", "AUC", "HR@10", "Recall@10", "NDCG@10"]
    widths = [max(len(n2v_label), 6) + 2, 9, 10, 9, 9, 7, 7, 10, 8]
    line = lambda cells: "".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()
    print(line(header))
    evaluation = None
    for name, seconds, scores_file in learners:
        with open(scores_file) as f:
            evaluation = json.load(f)
        rate = "%.2f M" % (pairs / seconds / 1e6) if seconds > 0 else "-"
        print(line([name, "%.2f" % seconds, rate] + [fixed(v) for v in scores(evaluation)]))
    # The baselines depend on the run, not the learner: the last evaluation's.
    genres, links, recommend = (evaluation.get(k, {}) for k in ("genres", "links", "recommend"))
    baselines = []
    if genres:
        baselines.append("random macro-F1 %s" % fixed(genres["random"]["macro_f1"]))
    if links:
        baselines.append("Adamic-Adar AUC %s" % fixed(links.get("adamic_adar_auc")))
    if recommend:
        k = recommend["k"]
        baselines.append("popularity HR@%d %s, co-rating HR@%d %s" % (
            k, fixed(recommend["popularity"]["hit_rate@%d" % k]), k, fixed(recommend["co_rating"]["hit_rate@%d" % k])))
    if baselines:
        print("baselines: " + "; ".join(baselines))
    print("evaluations: %s, %s" % (os.path.join(gensim_dir, "vectors.w2v.txt.evaluation.json"),
                                   os.path.join(n2v_dir, "evaluation.json")))


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "train":
        train(*sys.argv[2:])
    elif len(sys.argv) == 7 and sys.argv[1] == "report":
        report(*sys.argv[2:])
    else:
        sys.exit(__doc__)
