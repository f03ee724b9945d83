"""Rank N-1 SIGKILLs itself; the survivors' next collective must raise DistBackendError.

Usage: fault_kill.py before|during. ``before``: the victim dies before the collective (the
error names it as not having arrived); ``during``: it posts the collective, then dies.
"""

import datetime
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from coll_common import write_result  # noqa: E402

import ember  # noqa: E402
import ember.distributed as dist  # noqa: E402

mode = sys.argv[1]
dist.init_process_group(timeout=datetime.timedelta(seconds=2))
R, N = dist.get_rank(), dist.get_world_size()
x = ember.ones(1 << 16)
dist.all_reduce(x)  # everyone alive and connected
if R == N - 1:
    if mode == "during":
        dist.all_reduce(x, async_op=True)
    os.kill(os.getpid(), signal.SIGKILL)
start = time.monotonic()
res = {"mode": mode}
try:
    for _ in range(3):
        dist.all_reduce(x)
    res["error"] = None
except RuntimeError as e:
    res.update(type=type(e).__name__, error=str(e))
res["elapsed"] = time.monotonic() - start
write_result(res, R)
