"""A late rank (alive): per-call ``Work.wait(timeout=)`` and ``monitored_barrier`` time out
naming it; the group stays usable once it arrives."""

import datetime
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from coll_common import write_result  # noqa: E402

import ember  # noqa: E402
import ember.distributed as dist  # noqa: E402

dist.init_process_group(timeout=datetime.timedelta(seconds=30))
R = dist.get_rank()
res = {}
x = ember.ones(4)
if R == 1:
    time.sleep(1.0)
    dist.all_reduce(x)
else:
    work = dist.all_reduce(x, async_op=True)
    start = time.monotonic()
    try:
        work.wait(timeout=datetime.timedelta(seconds=0.5))
    except dist.DistBackendError as e:
        res["wait_error"] = str(e)
    res["wait_elapsed"] = time.monotonic() - start
    res["completed_after_error"] = work.exception() is not None
dist.barrier()  # the late rank arrived; the abandoned all_reduce completed meanwhile
if R == 1:
    time.sleep(1.0)
start = time.monotonic()
try:
    dist.monitored_barrier(timeout=datetime.timedelta(seconds=0.5))
except dist.DistBackendError as e:
    res["monitored_error"] = str(e)
res["monitored_elapsed"] = time.monotonic() - start
dist.barrier()
y = ember.full((3,), float(R))
dist.all_reduce(y)
res["after"] = y.tolist()
dist.destroy_process_group()
write_result(res, R)
