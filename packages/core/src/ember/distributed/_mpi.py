"""MPI backend: non-blocking mpi4py collectives on numpy buffers, with heartbeats.

Arrays travel as buffers, never pickled: data movement sends raw bytes, reductions use
MPI's typed datatypes where MPI has the type and, for bool/float16/bfloat16 (and bitwise ops
MPI lacks on a type), an element-sized byte datatype with a user-defined ``MPI.Op`` that
applies the numpy ufunc. Every collective is posted non-blocking and polled by ``Work``
until done or the group's deadline.

Heartbeats: before each collective a rank sends its collective sequence number to every peer
on a duplicate communicator (8 bytes, eager). On a timeout the waiting rank drains those
messages and reports which ranks have not reached the collective.
"""

from __future__ import annotations

import functools

import ml_dtypes
import numpy
from mpi4py import MPI

from ember.distributed._core import ReduceOp
from ember.distributed._work import Work

__all__ = ["MPIBackend", "mpi_reduce_args"]

_HEARTBEAT_TAG = 7

_NATIVE = {
    numpy.dtype(numpy.uint8): MPI.UINT8_T,
    numpy.dtype(numpy.int8): MPI.INT8_T,
    numpy.dtype(numpy.int16): MPI.INT16_T,
    numpy.dtype(numpy.int32): MPI.INT32_T,
    numpy.dtype(numpy.int64): MPI.INT64_T,
    numpy.dtype(numpy.float32): MPI.FLOAT,
    numpy.dtype(numpy.float64): MPI.DOUBLE,
    numpy.dtype(numpy.complex64): MPI.C_FLOAT_COMPLEX,
    numpy.dtype(numpy.complex128): MPI.C_DOUBLE_COMPLEX,
}
_MPI_OPS = {
    ReduceOp.SUM: MPI.SUM,
    ReduceOp.AVG: MPI.SUM,  # divided by the group size on completion
    ReduceOp.PRODUCT: MPI.PROD,
    ReduceOp.MIN: MPI.MIN,
    ReduceOp.MAX: MPI.MAX,
    ReduceOp.BAND: MPI.BAND,
    ReduceOp.BOR: MPI.BOR,
    ReduceOp.BXOR: MPI.BXOR,
}
_UFUNCS = {
    ReduceOp.SUM: numpy.add,
    ReduceOp.AVG: numpy.add,
    ReduceOp.PRODUCT: numpy.multiply,
    ReduceOp.MIN: numpy.minimum,
    ReduceOp.MAX: numpy.maximum,
    ReduceOp.BAND: numpy.bitwise_and,
    ReduceOp.BOR: numpy.bitwise_or,
    ReduceOp.BXOR: numpy.bitwise_xor,
}
_BF16 = numpy.dtype(ml_dtypes.bfloat16)


@functools.cache
def _byte_type(itemsize: int):
    return MPI.BYTE.Create_contiguous(itemsize).Commit()


@functools.cache
def _user_op(op: ReduceOp, dtype: numpy.dtype):
    ufunc = _UFUNCS[op]

    def apply(inbuf, inoutbuf, datatype):
        a = numpy.frombuffer(inbuf, dtype=dtype)
        b = numpy.frombuffer(inoutbuf, dtype=dtype)
        ufunc(a, b, out=b)

    return MPI.Op.Create(apply, commute=True)


def mpi_reduce_args(dtype: numpy.dtype, op: ReduceOp, fn: str):
    """The (MPI datatype, MPI op) pair reducing elements of ``dtype`` with ``op``.

    Raises ``ValueError`` for combinations torch rejects too (bitwise ops on floating or
    complex types, MIN/MAX on complex, AVG on integers and bool).
    """
    if not isinstance(op, ReduceOp):
        raise TypeError(f"{fn}: op must be an ember.distributed.ReduceOp, got {op!r}")
    kind = dtype.kind
    floating = kind in "fc" or dtype == _BF16
    if op in (ReduceOp.BAND, ReduceOp.BOR, ReduceOp.BXOR) and floating:
        raise ValueError(f"{fn}: ReduceOp.{op.name} needs an integer or bool tensor, got {dtype}")
    if op in (ReduceOp.MIN, ReduceOp.MAX) and kind == "c":
        raise ValueError(f"{fn}: ReduceOp.{op.name} is not defined for complex tensors ({dtype})")
    if op is ReduceOp.AVG and not floating:
        raise ValueError(
            f"{fn}: ReduceOp.AVG needs a floating-point or complex tensor, got {dtype}"
        )
    native = _NATIVE.get(dtype)
    if native is not None:  # MPI reduces these natively (complex: SUM/PROD, checked above)
        return native, _MPI_OPS[op]
    return _byte_type(dtype.itemsize), _user_op(op, dtype)


def _bytes(a: numpy.ndarray) -> numpy.ndarray:
    """A flat uint8 view of a C-contiguous array (any dtype, including 0-d and empty)."""
    return a.reshape(-1).view(numpy.uint8)


class MPIBackend:
    """Collectives of one process group on numpy arrays over an MPI communicator."""

    def __init__(self, comm, pg) -> None:
        self.comm = comm
        comm.Set_errhandler(MPI.ERRORS_RETURN)
        self.hb = comm.Dup()
        self.hb.Set_errhandler(MPI.ERRORS_RETURN)
        self.pg = pg
        self.rank = comm.Get_rank()
        self.size = comm.Get_size()
        self._seq = 0
        self._seen = [0] * self.size
        self._hb_pending: list = []
        self._hb_buf = numpy.zeros(1, dtype=numpy.int64)

    def free(self) -> None:
        for comm in (self.hb, self.comm):
            if comm != MPI.COMM_NULL:
                try:
                    comm.Free()
                except MPI.Exception:
                    pass  # a peer is gone; nothing left to release cleanly

    # -- heartbeats ---------------------------------------------------------------------
    def _drain(self) -> None:
        status = MPI.Status()
        try:
            while self.hb.Iprobe(MPI.ANY_SOURCE, _HEARTBEAT_TAG, status):
                self.hb.Recv([self._hb_buf, MPI.INT64_T], status.Get_source(), _HEARTBEAT_TAG)
                src = status.Get_source()
                self._seen[src] = max(self._seen[src], int(self._hb_buf[0]))
        except MPI.Exception:
            pass

    def _beat(self) -> int:
        self._seq += 1
        self._hb_pending = [
            (r, b) for r, b in self._hb_pending if not r.Test()
        ]  # completed eager sends free their buffers
        buf = numpy.array([self._seq], dtype=numpy.int64)
        for peer in range(self.size):
            if peer != self.rank:
                try:
                    self._hb_pending.append(
                        (self.hb.Isend([buf, MPI.INT64_T], peer, _HEARTBEAT_TAG), buf)
                    )
                except MPI.Exception:
                    pass  # a dead peer; the collective itself will report it
        self._drain()
        return self._seq

    def _missing(self, seq: int, peers: list[int] | None = None) -> str:
        self._drain()
        ranks = self.pg._ranks
        candidates = range(self.size) if peers is None else peers
        late = [ranks[r] for r in candidates if r != self.rank and self._seen[r] < seq]
        if late:
            return f"Ranks that have not reached this collective: {late} (global ranks)."
        return "Every rank reached this collective; a peer may have died during it."

    def _work(self, name, requests, finish=None, outputs=None, peers=None, seq=None) -> Work:
        seq = self._seq if seq is None else seq
        if peers is not None:  # point-to-point: no heartbeats, name the peer
            missing = functools.partial(
                lambda p: f"Peer rank {p} has not answered (global rank).", peers
            )
        else:
            missing = functools.partial(self._missing, seq)
        return Work(
            name,
            lambda: MPI.Request.Testall(requests),
            missing,
            self.size,
            self.pg.timeout,
            finish,
            outputs,
        )

    def _post(self, name, start, finish=None, outputs=None) -> Work:
        self._beat()
        try:
            requests = start()
        except MPI.Exception as e:
            from ember.distributed._core import DistBackendError

            raise DistBackendError(f"{name} failed to start (group size {self.size}): {e}") from e
        if not isinstance(requests, list):
            requests = [requests]
        return self._work(name, requests, finish, outputs)

    # -- collectives (arrays are C-contiguous numpy) -------------------------------------
    def barrier(self, name="barrier") -> Work:
        return self._post(name, self.comm.Ibarrier)

    def broadcast(self, a, root: int, name="broadcast") -> Work:
        return self._post(name, lambda: self.comm.Ibcast([_bytes(a), MPI.BYTE], root))

    def all_reduce(self, a, op: ReduceOp, name="all_reduce", finish=None) -> Work:
        dt, mop = mpi_reduce_args(a.dtype, op, name)
        return self._post(
            name, lambda: self.comm.Iallreduce(MPI.IN_PLACE, [_bytes(a), a.size, dt], mop), finish
        )

    def reduce(self, a, root: int, op: ReduceOp, name="reduce", finish=None) -> Work:
        dt, mop = mpi_reduce_args(a.dtype, op, name)
        if self.rank == root:
            start = lambda: self.comm.Ireduce(MPI.IN_PLACE, [_bytes(a), a.size, dt], mop, root)  # noqa: E731
        else:
            start = lambda: self.comm.Ireduce([_bytes(a), a.size, dt], None, mop, root)  # noqa: E731
        return self._post(name, start, finish)

    def all_gather(self, out, a, name="all_gather", finish=None) -> Work:
        return self._post(
            name,
            lambda: self.comm.Iallgather([_bytes(a), MPI.BYTE], [_bytes(out), MPI.BYTE]),
            finish,
        )

    def all_gatherv(self, out, a, counts: list[int], name="all_gather", finish=None) -> Work:
        displs = [sum(counts[:i]) for i in range(len(counts))]
        return self._post(
            name,
            lambda: self.comm.Iallgatherv(
                [_bytes(a), MPI.BYTE], [_bytes(out), (counts, displs), MPI.BYTE]
            ),
            finish,
        )

    def gather(self, out, a, root: int, name="gather", finish=None) -> Work:
        recv = [_bytes(out), MPI.BYTE] if self.rank == root else None
        return self._post(
            name, lambda: self.comm.Igather([_bytes(a), MPI.BYTE], recv, root), finish
        )

    def scatter(self, out, a, root: int, name="scatter", finish=None) -> Work:
        send = [_bytes(a), MPI.BYTE] if self.rank == root else None
        return self._post(
            name, lambda: self.comm.Iscatter(send, [_bytes(out), MPI.BYTE], root), finish
        )

    def reduce_scatter(
        self, out, a, op: ReduceOp, name="reduce_scatter_tensor", finish=None
    ) -> Work:
        dt, mop = mpi_reduce_args(a.dtype, op, name)
        return self._post(
            name,
            lambda: self.comm.Ireduce_scatter_block(
                [_bytes(a), out.size, dt], [_bytes(out), out.size, dt], mop
            ),
            finish,
        )

    def all_to_all(self, out, a, send_counts, recv_counts, name="all_to_all_single", finish=None):
        sd = [sum(send_counts[:i]) for i in range(len(send_counts))]
        rd = [sum(recv_counts[:i]) for i in range(len(recv_counts))]
        return self._post(
            name,
            lambda: self.comm.Ialltoallv(
                [_bytes(a), (list(send_counts), sd), MPI.BYTE],
                [_bytes(out), (list(recv_counts), rd), MPI.BYTE],
            ),
            finish,
        )

    # -- point to point -----------------------------------------------------------------
    def send(self, a, dst: int, tag: int, name="send") -> Work:
        req = self.comm.Isend([_bytes(a), MPI.BYTE], dst, tag)
        return self._work(name, [req], peers=self.pg._ranks[dst])

    def recv(self, a, src: int | None, tag: int, name="recv") -> tuple[Work, MPI.Status]:
        status = MPI.Status()
        source = MPI.ANY_SOURCE if src is None else src
        req = self.comm.Irecv([_bytes(a), MPI.BYTE], source, tag)

        def poll():
            return req.Test(status)

        peer = "any" if src is None else self.pg._ranks[src]
        work = Work(
            name,
            poll,
            lambda: f"Peer rank {peer} has not sent (global rank).",
            self.size,
            self.pg.timeout,
        )
        return work, status
