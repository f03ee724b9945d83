"""GPU tensors over the NCCL backend (bootstrapped over MPI); one GPU per rank."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import cupy  # noqa: E402
import numpy as np  # noqa: E402
from coll_common import encode, rank_input, write_result  # noqa: E402

import ember  # noqa: E402
import ember.distributed as dist  # noqa: E402

local = int(os.environ.get("LOCAL_RANK", os.environ.get("PMI_RANK", "0")))
cupy.cuda.Device(local % cupy.cuda.runtime.getDeviceCount()).use()
dist.init_process_group("nccl")
R, N = dist.get_rank(), dist.get_world_size()
dev = f"cuda:{cupy.cuda.Device().id}"


def t(rank, dtype, shape=(2, 3)):
    return ember.from_numpy(np.ascontiguousarray(rank_input(rank, dtype, shape))).to(dev)


res = {"backend": str(dist.get_backend())}
for dtype in ("float32", "float16", "int64", "complex64"):
    x = t(R, dtype)
    dist.all_reduce(x)
    res[f"all_reduce/{dtype}"] = encode(x.cpu().numpy())
x = t(R, "float32")
dist.all_reduce(x, op=dist.ReduceOp.AVG, async_op=True).wait()
res["all_reduce/AVG"] = encode(x.cpu().numpy())
x = t(R, "float32")
dist.all_reduce(x, op=dist.ReduceOp.MAX)
res["all_reduce/MAX"] = encode(x.cpu().numpy())
x = t(R, "bfloat16")
dist.broadcast(x, src=N - 1)
res["broadcast"] = encode(x.cpu().numpy())
out = ember.zeros(N * 2, 3, device=dev)
dist.all_gather_into_tensor(out, t(R, "float32"))
res["all_gather_into_tensor"] = encode(out.cpu().numpy())
out = ember.zeros(2, 3, device=dev)
dist.reduce_scatter_tensor(out, t(R, "float32", (N * 2, 3)))
res["reduce_scatter_tensor"] = encode(out.cpu().numpy())
out = ember.zeros(N * 2, 3, device=dev)
dist.all_to_all_single(out, t(R, "float32", (N * 2, 3)))
res["all_to_all_single"] = encode(out.cpu().numpy())
buf = ember.zeros(2, 3, device=dev)
works = [dist.isend(t(R, "float32"), (R + 1) % N), dist.irecv(buf, (R - 1) % N)]
for w in works:
    w.wait()
res["ring"] = encode(buf.cpu().numpy())
dist.destroy_process_group()
write_result(res, R)
