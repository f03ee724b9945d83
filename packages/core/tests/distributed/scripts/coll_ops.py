"""Every collective on every rank; run by test_collectives.py with ``mpiexec -n 3``.

Writes a JSON dict of results per rank; the test recomputes them on one process.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import numpy as np  # noqa: E402
from coll_common import DTYPES, OPS, encode, rank_input, valid, write_result  # noqa: E402

import ember  # noqa: E402
import ember.distributed as dist  # noqa: E402


def t(rank, dtype, shape=(2, 3)):
    return ember.from_numpy(np.ascontiguousarray(rank_input(rank, dtype, shape)))


dist.init_process_group("mpi")
R, N = dist.get_rank(), dist.get_world_size()
res = {"rank": R, "world_size": N, "backend": str(dist.get_backend()),
       "initialized": dist.is_initialized()}  # fmt: skip

# all_reduce: every dtype x every op, alternating sync and async
for i, dtype in enumerate(DTYPES):
    for op in OPS:
        x = t(R, dtype)
        if not valid(dtype, op):
            try:
                dist.all_reduce(x, op=getattr(dist.ReduceOp, op))
                res[f"all_reduce/{dtype}/{op}"] = "no error"
            except (ValueError, TypeError) as e:
                res[f"all_reduce/{dtype}/{op}"] = f"error: {e}"
            continue
        if i % 2:
            work = dist.all_reduce(x, op=getattr(dist.ReduceOp, op), async_op=True)
            assert work.wait() is True and work.is_completed()
            assert work.result()[0] is x if work.result() else True
        else:
            assert dist.all_reduce(x, op=getattr(dist.ReduceOp, op)) is None
        res[f"all_reduce/{dtype}/{op}"] = encode(x.numpy())

# a non-contiguous (transposed) tensor is reduced in place through its view
base = t(R, "float32", (3, 4))
view = base.t()
dist.all_reduce(view)
res["all_reduce/noncontig"] = encode(base.numpy())

# reduce to rank 1, every dtype class
for dtype in ("bool", "int32", "bfloat16", "float64", "complex64"):
    x = t(R, dtype)
    dist.reduce(x, dst=1, op=dist.ReduceOp.SUM)
    if R == 1:
        res[f"reduce/{dtype}"] = encode(x.numpy())

# broadcast from rank 2, sync and async
for dtype in ("bool", "int64", "float16", "complex128"):
    x = t(R, dtype)
    dist.broadcast(x, src=N - 1)
    res[f"broadcast/{dtype}"] = encode(x.numpy())
x = t(R, "float32")
dist.broadcast(x, src=0, async_op=True).wait()
res["broadcast/async"] = encode(x.numpy())

# all_gather family
out = ember.zeros(N * 2, 3, dtype=ember.bfloat16)
dist.all_gather_into_tensor(out, t(R, "bfloat16"))
res["all_gather_into_tensor/cat"] = encode(out.numpy())
out = ember.zeros(N, 2, 3, dtype=ember.int16)
dist.all_gather_into_tensor(out, t(R, "int16"), async_op=True).wait()
res["all_gather_into_tensor/stack"] = encode(out.numpy())
lst = [ember.zeros(2, 3, dtype=ember.float64) for _ in range(N)]
dist.all_gather(lst, t(R, "float64"))
res["all_gather"] = [encode(v.numpy()) for v in lst]

# gather / scatter with dst/src 1
gl = [ember.zeros(2, 3, dtype=ember.int8) for _ in range(N)] if R == 1 else None
dist.gather(t(R, "int8"), gl, dst=1)
if R == 1:
    res["gather"] = [encode(v.numpy()) for v in gl]
out = ember.zeros(2, 3)
sl = [t(10 + i, "float32") for i in range(N)] if R == 1 else None
dist.scatter(out, sl, src=1)
res["scatter"] = encode(out.numpy())

# reduce_scatter
out = ember.zeros(2, 3)
dist.reduce_scatter_tensor(out, t(R, "float32", (N * 2, 3)), op=dist.ReduceOp.MAX)
res["reduce_scatter_tensor/MAX"] = encode(out.numpy())
out = ember.zeros(2, 3, dtype=ember.float16)
dist.reduce_scatter_tensor(
    out, t(R, "float16", (N * 2, 3)), op=dist.ReduceOp.AVG, async_op=True
).wait()
res["reduce_scatter_tensor/AVG"] = encode(out.numpy())
out = ember.zeros(2, 3, dtype=ember.int32)
dist.reduce_scatter(out, [t(R * N + i, "int32") for i in range(N)])
res["reduce_scatter"] = encode(out.numpy())

# all_to_all_single: equal and uneven splits (rank r sends r+1+j rows... to rank j)
inp = t(R, "float32", (N * 2, 3))
out = ember.zeros(N * 2, 3)
dist.all_to_all_single(out, inp)
res["all_to_all_single/equal"] = encode(out.numpy())
in_splits = [R + j + 1 for j in range(N)]  # rows rank R sends to rank j
out_splits = [j + R + 1 for j in range(N)]  # rows rank R receives from rank j
inp = t(R, "int64", (sum(in_splits), 2))
out = ember.zeros(sum(out_splits), 2, dtype=ember.int64)
dist.all_to_all_single(out, inp, out_splits, in_splits, async_op=True).wait()
res["all_to_all_single/uneven"] = encode(out.numpy())
outs = [ember.zeros(2, 3) for _ in range(N)]
dist.all_to_all(outs, [t(R * N + j, "float32") for j in range(N)])
res["all_to_all"] = [encode(v.numpy()) for v in outs]

# point to point: a ring with isend/irecv, then blocking send/recv 0 -> 2 and any-source
nxt, prv = (R + 1) % N, (R - 1) % N
buf = ember.zeros(2, 3, dtype=ember.complex64)
reqs = [dist.isend(t(R, "complex64"), nxt), dist.irecv(buf, prv)]
for w in reqs:
    w.wait()
res["ring"] = encode(buf.numpy())
if R == 0:
    dist.send(t(7, "bfloat16"), dst=N - 1, tag=5)
elif R == N - 1:
    got = ember.zeros(2, 3, dtype=ember.bfloat16)
    res["recv/src"] = dist.recv(got, src=0, tag=5)
    res["recv"] = encode(got.numpy())
if R == 1:
    got = ember.zeros(2, 3, dtype=ember.int32)
    res["recv/any_src"] = dist.recv(got)
    res["recv/any"] = encode(got.numpy())
elif R == 2:
    dist.send(t(9, "int32"), dst=1)

# object collectives
objs = [{"from": R, "list": list(range(R))}, "x" * (R + 1)] if R == 1 else [None, None]
dist.broadcast_object_list(objs, src=1)
res["broadcast_object_list"] = objs
gathered = [None] * N
dist.all_gather_object(gathered, {"rank": R, "payload": "y" * (10 * R)})
res["all_gather_object"] = gathered
gl = [None] * N if R == 0 else None
dist.gather_object((R, R * R), gl, dst=0)
if R == 0:
    res["gather_object"] = gl
outl = [None]
dist.scatter_object_list(outl, [{"to": i} for i in range(N)] if R == 2 else None, src=2)
res["scatter_object_list"] = outl

# a subgroup over global ranks [0, 2]
g = dist.new_group([2, 0])
res["subgroup/rank"] = dist.get_rank(g)
res["subgroup/size"] = dist.get_world_size(g)
x = t(R, "float32")
assert dist.all_reduce(x, group=g) is None
res["subgroup/all_reduce"] = encode(x.numpy())
if g is not dist.GroupMember.NON_GROUP_MEMBER:
    res["subgroup/ranks"] = dist.get_process_group_ranks(g)
    y = t(R, "int64")
    dist.broadcast(y, src=2, group=g)  # src is a global rank, as in torch
    res["subgroup/broadcast"] = encode(y.numpy())
    objs = [None]
    dist.all_gather_object(objs * 2, R, group=g)


# bad input: clear errors naming the function and the shapes/dtypes, before any traffic
def error(f):
    try:
        f()
    except (ValueError, TypeError, RuntimeError) as e:
        return f"{type(e).__name__}: {e}"
    return "no error"


res["error/all_gather_into_tensor"] = error(
    lambda: dist.all_gather_into_tensor(ember.zeros(5), ember.zeros(2))
)
res["error/reduce_scatter_dtype"] = error(
    lambda: dist.reduce_scatter_tensor(ember.zeros(2), ember.zeros(2 * N, dtype=ember.int32))
)
res["error/not_a_tensor"] = error(lambda: dist.all_reduce([1.0, 2.0]))
res["error/bad_src"] = error(lambda: dist.broadcast(ember.zeros(2), src=N + 5))
res["error/reduce_op"] = error(lambda: dist.all_reduce(ember.zeros(2), op="sum"))

# a barrier whose async Work is not complete before the last rank arrives
if R == N - 1:
    time.sleep(0.3)
work = dist.barrier(async_op=True)
res["barrier/early_complete"] = work.is_completed() if R == 0 else None
work.wait()

dist.destroy_process_group()
res["destroyed"] = not dist.is_initialized()
write_result(res, R)
