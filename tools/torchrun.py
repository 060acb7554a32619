#!/usr/bin/python3
# torchrun, working on Debian's PyTorch (bookworm's 1.13, trixie's 2.6). Same arguments as
# torchrun, e.g.
#   tools/torchrun.py --nproc_per_node 2 --no_python build/n2v train --config configs/ml_small.yaml
# - 1.13 cannot parse --redirects / --tee (even their defaults) under Python 3.11, whose IntFlag no
#   longer iterates over the zero member, so the stock /usr/bin/torchrun dies before starting a process.
# - 2.4+ serves the agent's TCPStore with libuv by default, which Debian's build lacks ("use_libuv was
#   requested but PyTorch was build without libuv support"): the classic backend, in every build, then.
import sys

from torch.distributed.elastic.multiprocessing import api
from torch.distributed.elastic.rendezvous import static_tcp_rendezvous

_parse = api.Std.from_str


def _from_str(vm):
    parsed = _parse(vm)
    return api.Std(int(vm)) if parsed is None else parsed


api.Std.from_str = _from_str

_TCPStore = static_tcp_rendezvous.TCPStore


def _tcp_store(*args, **kwargs):
    try:
        return _TCPStore(*args, **kwargs)
    except RuntimeError as error:
        if "libuv" not in str(error):
            raise
        return _TCPStore(*args, use_libuv=False, **kwargs)


static_tcp_rendezvous.TCPStore = _tcp_store

from torch.distributed.run import main  # noqa: E402  (after the fix above)

sys.argv[0] = "torchrun"
main()
