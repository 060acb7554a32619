#!/usr/bin/python3
"""Nearest movies from n2v's outputs in Python, without n2v.

    /usr/bin/python3 tools/similar.py runs/ml_small/model.pt "Matrix, The (1999)" -k 5
    /usr/bin/python3 tools/similar.py runs/ml_small/embeddings.npy "Matrix, The (1999)" -k 5

model.pt is read with torch.jit.load (PyTorch); embeddings.npy with numpy alone, its titles from
metadata.tsv beside it. Both print the same neighbours: the npy path needs no TorchScript, which
PyTorch on Python 3.14+ warns it may stop loading (docs/serving.md).
"""
import argparse
import os
import sys

READABLE_FORMAT_VERSION = 1


class TorchScriptModel:
    """model.pt: the model's own similar() and title lookup."""

    def __init__(self, path):
        import torch

        self.torch = torch
        try:
            self.model = torch.jit.load(path, map_location="cpu")
        except Exception as e:  # a missing or damaged file
            sys.exit(f"similar.py: cannot load {path}: {str(e).splitlines()[0]}")
        version = getattr(self.model, "n2v_format_version", None)
        if version is None or version > READABLE_FORMAT_VERSION:
            sys.exit(f"similar.py: {path} is not an n2v model of format version <= {READABLE_FORMAT_VERSION}")
        self.titles = list(self.model.titles)  # token 0 is reserved

    def token_of_title(self, title):
        return self.model.token_of_title(title)

    def similar(self, token, k):
        with self.torch.no_grad():
            scores, tokens = self.model.similar(self.torch.tensor([token]), k)
        return zip(scores[0].tolist(), tokens[0].tolist())


class NumpyModel:
    """embeddings.npy (row r = token r + 1) and metadata.tsv beside it: the same cosine ranking."""

    def __init__(self, path):
        import numpy as np

        self.np = np
        metadata = os.path.join(os.path.dirname(path), "metadata.tsv")
        try:
            vectors = np.load(path)
            with open(metadata, encoding="utf-8") as f:
                rows = [line.rstrip("\n").split("\t") for line in f][1:]  # the header names the columns
        except (OSError, ValueError) as e:
            sys.exit(f"similar.py: cannot read {path} and {metadata}: {e}")
        if vectors.ndim != 2 or len(rows) != vectors.shape[0]:
            sys.exit(f"similar.py: {path} ({vectors.shape}) and {metadata} ({len(rows)} rows) do not match")
        self.titles = [""] + [row[1] for row in rows]
        self.names = [""] + [row[0] for row in rows]  # movieIds, or node names (tools/numpy_service.py)
        self.token_by_title = {title: token for token, title in enumerate(self.titles) if token > 0}
        norms = np.sqrt((vectors * vectors).sum(-1, keepdims=True)).clip(min=1e-12)
        self.unit = np.vstack([np.zeros((1, vectors.shape[1]), np.float32), vectors / norms]).astype(np.float32)

    def token_of_title(self, title):
        return self.token_by_title.get(title, -1)

    def similar(self, token, k):
        scores = self.unit @ self.unit[token]
        scores[0] = -self.np.inf
        best = self.np.argsort(-scores, kind="stable")[:k]  # ties in token order, as torch.topk on CPU
        return ((float(scores[t]), int(t)) for t in best)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", help="model.pt or embeddings.npy written by n2v train or n2v export")
    parser.add_argument("titles", nargs="+", help="movie titles, exactly as in movies.csv")
    parser.add_argument("-k", type=int, default=5, help="neighbours per title, the title itself included")
    args = parser.parse_args()

    model = NumpyModel(args.model) if args.model.endswith(".npy") else TorchScriptModel(args.model)
    movies = len(model.titles) - 1
    if not 1 <= args.k <= movies:
        parser.error(f"-k must be between 1 and {movies}")

    status = 0
    for title in args.titles:
        token = model.token_of_title(title)
        if token < 0:
            print(f"similar.py: no movie titled {title!r} in the model", file=sys.stderr)
            status = 1
            continue
        print(title)
        print("".rjust(len(title), "-"))
        for score, neighbour in model.similar(token, args.k):
            print(f"- {model.titles[neighbour]}  {score:.4f}")
        print()
    return status


if __name__ == "__main__":
    sys.exit(main())
