#!/usr/bin/python3
"""Nearest movies from n2v's model.pt with nothing but PyTorch (torch.jit.load).

    /usr/bin/python3 tools/similar.py runs/ml_small/model.pt "Matrix, The (1999)" -k 5
"""
import argparse
import sys

import torch

READABLE_FORMAT_VERSION = 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", help="model.pt written by n2v train")
    parser.add_argument("titles", nargs="+", help="movie titles, exactly as in movies.csv")
    parser.add_argument("-k", type=int, default=5, help="neighbours per title, the title itself included")
    args = parser.parse_args()

    try:
        model = torch.jit.load(args.model, map_location="cpu")
    except Exception as e:  # a missing or damaged file
        sys.exit(f"similar.py: cannot load {args.model}: {str(e).splitlines()[0]}")
    version = getattr(model, "n2v_format_version", None)
    if version is None or version > READABLE_FORMAT_VERSION:
        sys.exit(f"similar.py: {args.model} is not an n2v model of format version <= {READABLE_FORMAT_VERSION}")
    movies = len(model.titles) - 1  # token 0 is reserved
    if not 1 <= args.k <= movies:
        parser.error(f"-k must be between 1 and {movies}")

    status = 0
    with torch.no_grad():
        for title in args.titles:
            token = model.token_of_title(title)
            if token < 0:
                print(f"similar.py: no movie titled {title!r} in the model", file=sys.stderr)
                status = 1
                continue
            scores, tokens = model.similar(torch.tensor([token]), args.k)
            print(title)
            print("".rjust(len(title), "-"))
            for score, neighbour in zip(scores[0].tolist(), tokens[0].tolist()):
                print(f"- {model.titles[neighbour]}  {score:.4f}")
            print()
    return status


if __name__ == "__main__":
    sys.exit(main())
