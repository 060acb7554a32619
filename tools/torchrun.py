#!/usr/bin/python3
# torchrun, working on Debian bookworm: its torch 1.13 cannot parse --redirects / --tee (even their
# defaults) under Python 3.11, whose IntFlag no longer iterates over the zero member, so the stock
# /usr/bin/torchrun dies before starting a process. Same arguments as torchrun, e.g.
#   tools/torchrun.py --nproc_per_node 2 --no_python build/n2v train --config configs/ml_small.yaml
import sys

from torch.distributed.elastic.multiprocessing import api

_parse = api.Std.from_str


def _from_str(vm):
    parsed = _parse(vm)
    return api.Std(int(vm)) if parsed is None else parsed


api.Std.from_str = _from_str

from torch.distributed.run import main  # noqa: E402  (after the fix above)

sys.argv[0] = "torchrun"
main()
