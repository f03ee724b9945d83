"""NCCL backend for GPU tensors through ``cupy.cuda.nccl``, bootstrapped over MPI.

Rank 0 of the group creates the NCCL unique id and broadcasts it on the group's MPI
communicator; each rank then joins the NCCL communicator on its current CUDA device. Ops are
enqueued on the current stream and a CUDA event is recorded after them; ``Work`` polls the
event until done or the deadline, and aborts the NCCL communicator on a timeout so a dead
peer cannot hang the process.
"""

from __future__ import annotations

from ember.distributed._core import DistBackendError, ReduceOp
from ember.distributed._work import Work

__all__ = ["NCCLBackend"]


def _nccl():
    try:
        from cupy.cuda import nccl
    except Exception as e:  # cupy raises more than ImportError without CUDA/NCCL
        raise RuntimeError(
            f"NCCL backend: cupy with NCCL support is not available ({e}); use CPU tensors "
            "with the 'mpi' backend"
        ) from e
    return nccl


def _dtype(nccl, dtype, fn: str):
    import numpy

    table = {
        "int8": "NCCL_INT8",
        "uint8": "NCCL_UINT8",
        "bool": "NCCL_UINT8",
        "int32": "NCCL_INT32",
        "int64": "NCCL_INT64",
        "float16": "NCCL_FLOAT16",
        "float32": "NCCL_FLOAT32",
        "float64": "NCCL_FLOAT64",
        "bfloat16": "NCCL_BFLOAT16",
        "complex64": "NCCL_FLOAT32",
        "complex128": "NCCL_FLOAT64",
    }
    name = numpy.dtype(dtype).name
    attr = table.get(name)
    if attr is None or not hasattr(nccl, attr):
        raise TypeError(f"{fn}: NCCL cannot reduce tensors of dtype {name}")
    return getattr(nccl, attr), (2 if name.startswith("complex") else 1)


def _op(nccl, op: ReduceOp, dtype, fn: str):
    name = str(dtype)
    if op in (ReduceOp.BAND, ReduceOp.BOR, ReduceOp.BXOR):
        raise ValueError(f"{fn}: NCCL does not support ReduceOp.{op.name}")
    if name.startswith("complex") and op not in (ReduceOp.SUM, ReduceOp.AVG):
        raise ValueError(f"{fn}: NCCL supports only SUM/AVG on complex tensors, got {op.name}")
    if name == "bool":  # as torch: SUM/MAX are logical or, PRODUCT/MIN logical and
        op = ReduceOp.MAX if op in (ReduceOp.SUM, ReduceOp.MAX) else ReduceOp.MIN
    if op is ReduceOp.AVG and not (name.startswith(("float", "complex", "bfloat"))):
        raise ValueError(f"{fn}: ReduceOp.AVG needs a floating-point tensor, got {name}")
    # AVG is done as SUM + divide so it works on NCCL builds older than 2.10.
    return {
        ReduceOp.SUM: nccl.NCCL_SUM,
        ReduceOp.AVG: nccl.NCCL_SUM,
        ReduceOp.PRODUCT: nccl.NCCL_PROD,
        ReduceOp.MIN: nccl.NCCL_MIN,
        ReduceOp.MAX: nccl.NCCL_MAX,
    }[op]


class NCCLBackend:
    """Collectives of one process group on cupy arrays over an NCCL communicator."""

    def __init__(self, pg) -> None:
        import cupy

        nccl = _nccl()
        self.nccl, self.cupy, self.pg = nccl, cupy, pg
        mpi = pg.mpi
        uid = nccl.get_unique_id() if mpi.rank == 0 else None
        uid = mpi.comm.bcast(uid, root=0)  # the id is a tuple of ints, not tensor data
        self.rank, self.size = mpi.rank, mpi.size
        self.comm = nccl.NcclCommunicator(self.size, uid, self.rank)

    def free(self) -> None:
        try:
            self.comm.destroy()
        except Exception:
            pass  # already aborted after a failure

    def _work(self, name: str, finish=None) -> Work:
        stream = self.cupy.cuda.get_current_stream()
        event = self.cupy.cuda.Event(block=False, disable_timing=True)
        event.record(stream)
        work = Work(
            name,
            lambda: event.done,
            lambda: "NCCL cannot tell which rank is late; check the other ranks' logs.",
            self.size,
            self.pg.timeout,
            finish,
        )
        fail = work._fail

        def abort_then_fail(message, cause=None):
            try:
                self.comm.abort()
            finally:
                fail(message, cause)

        work._fail = abort_then_fail
        return work

    def _stream(self) -> int:
        return self.cupy.cuda.get_current_stream().ptr

    def _bytes(self, a):
        return a.reshape(-1).view(self.cupy.uint8)

    def _call(self, name, f):
        try:
            f()
        except Exception as e:
            raise DistBackendError(f"{name} failed in NCCL (group size {self.size}): {e}") from e

    def barrier(self, name="barrier") -> Work:
        return self.pg.mpi.barrier(name)

    def broadcast(self, a, root: int, name="broadcast") -> Work:
        b = self._bytes(a)
        self._call(
            name,
            lambda: self.comm.bcast(b.data.ptr, b.size, self.nccl.NCCL_UINT8, root, self._stream()),
        )
        return self._work(name)

    def all_reduce(self, a, op: ReduceOp, name="all_reduce", finish=None) -> Work:
        dt, mult = _dtype(self.nccl, a.dtype, name)
        nop = _op(self.nccl, op, a.dtype, name)
        self._call(
            name,
            lambda: self.comm.allReduce(
                a.data.ptr, a.data.ptr, a.size * mult, dt, nop, self._stream()
            ),
        )
        return self._work(name, finish)

    def reduce(self, a, root: int, op: ReduceOp, name="reduce", finish=None) -> Work:
        dt, mult = _dtype(self.nccl, a.dtype, name)
        nop = _op(self.nccl, op, a.dtype, name)
        self._call(
            name,
            lambda: self.comm.reduce(
                a.data.ptr, a.data.ptr, a.size * mult, dt, nop, root, self._stream()
            ),
        )
        return self._work(name, finish)

    def all_gather(self, out, a, name="all_gather", finish=None) -> Work:
        b = self._bytes(a)
        self._call(
            name,
            lambda: self.comm.allGather(
                b.data.ptr, self._bytes(out).data.ptr, b.size, self.nccl.NCCL_UINT8, self._stream()
            ),
        )
        return self._work(name, finish)

    def reduce_scatter(self, out, a, op, name="reduce_scatter_tensor", finish=None) -> Work:
        dt, mult = _dtype(self.nccl, a.dtype, name)
        nop = _op(self.nccl, op, a.dtype, name)
        self._call(
            name,
            lambda: self.comm.reduceScatter(
                a.data.ptr, out.data.ptr, out.size * mult, dt, nop, self._stream()
            ),
        )
        return self._work(name, finish)

    def _p2p_group(self, name, pairs) -> None:
        # pairs: (kind, array, peer) with kind 'send'/'recv'; NCCL fuses them in one group.
        s, u8 = self._stream(), self.nccl.NCCL_UINT8

        def run():
            self.nccl.groupStart()
            try:
                for kind, arr, peer in pairs:
                    b = self._bytes(arr)
                    if b.size == 0:
                        continue
                    if kind == "send":
                        self.comm.send(b.data.ptr, b.size, u8, peer, s)
                    else:
                        self.comm.recv(b.data.ptr, b.size, u8, peer, s)
            finally:
                self.nccl.groupEnd()

        self._call(name, run)

    def gather(self, out, a, root: int, name="gather", finish=None) -> Work:
        pairs = [("send", a, root)]
        if self.rank == root:
            flat = out.reshape(self.size, -1)
            pairs += [("recv", flat[r], r) for r in range(self.size)]
        self._p2p_group(name, pairs)
        return self._work(name, finish)

    def scatter(self, out, a, root: int, name="scatter", finish=None) -> Work:
        pairs = [("recv", out, root)]
        if self.rank == root:
            flat = a.reshape(self.size, -1)
            pairs += [("send", flat[r], r) for r in range(self.size)]
        self._p2p_group(name, pairs)
        return self._work(name, finish)

    def all_to_all(self, out, a, send_counts, recv_counts, name="all_to_all_single", finish=None):
        sb, rb = self._bytes(a), self._bytes(out)
        pairs, so, ro = [], 0, 0
        for r in range(self.size):
            pairs.append(("send", sb[so : so + send_counts[r]], r))
            pairs.append(("recv", rb[ro : ro + recv_counts[r]], r))
            so, ro = so + send_counts[r], ro + recv_counts[r]
        self._p2p_group(name, pairs)
        return self._work(name, finish)

    def send(self, a, dst: int, tag: int, name="send") -> Work:
        self._p2p_group(name, [("send", a, dst)])
        return self._work(name)

    def recv(self, a, src, tag: int, name="recv"):
        if src is None:
            raise ValueError(f"{name}: NCCL needs an explicit src rank for GPU tensors")
        self._p2p_group(name, [("recv", a, src)])
        return self._work(name), None
