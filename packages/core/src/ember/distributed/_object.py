"""Collectives on picklable Python objects, as ``torch.distributed``'s ``*_object`` APIs.

As in torch these pickle (so only use them with trusted peers); the pickled bytes travel as
uint8 buffers over the group's MPI communicator, sizes first.
"""

from __future__ import annotations

import pickle

import numpy

from ember.distributed._collectives import _root, _skip
from ember.distributed._core import ProcessGroup, _resolve

__all__ = [
    "all_gather_object",
    "broadcast_object_list",
    "gather_object",
    "scatter_object_list",
]


def _dump(obj) -> numpy.ndarray:
    return numpy.frombuffer(pickle.dumps(obj), dtype=numpy.uint8).copy()


def _load(buf: numpy.ndarray):
    return pickle.loads(buf.tobytes())  # noqa: S301 - torch's object APIs pickle too


def _gather_all(pg: ProcessGroup, payload: numpy.ndarray, fn: str) -> list[numpy.ndarray]:
    n, be = pg.size(), pg.mpi
    sizes = numpy.zeros(n, dtype=numpy.int64)
    be.all_gather(sizes, numpy.array([payload.size], dtype=numpy.int64), name=fn).wait()
    counts = [int(s) for s in sizes]
    out = numpy.empty(sum(counts), dtype=numpy.uint8)
    be.all_gatherv(out, payload, counts, name=fn).wait()
    bounds = numpy.cumsum([0, *counts])
    return [out[bounds[i] : bounds[i + 1]] for i in range(n)]


def broadcast_object_list(
    object_list: list,
    src: int | None = None,
    group: ProcessGroup | None = None,
    device=None,
    group_src: int | None = None,
) -> None:
    """Replace ``object_list`` on every rank by rank ``src``'s list (same length), as torch's.

    >>> import ember.distributed as dist  # doctest: +SKIP
    >>> objs = [{"lr": 0.1}] if dist.get_rank() == 0 else [None]  # doctest: +SKIP
    >>> dist.broadcast_object_list(objs, src=0)  # doctest: +SKIP
    """
    fn = "broadcast_object_list"
    if _skip(group):
        return
    pg = _resolve(group, fn)
    root = _root(pg, fn, src, group_src, "src")
    payload = _dump(list(object_list)) if pg.rank() == root else numpy.empty(0, numpy.uint8)
    size = numpy.array([payload.size], dtype=numpy.int64)
    pg.mpi.broadcast(size, root, name=fn).wait()
    if pg.rank() != root:
        payload = numpy.empty(int(size[0]), dtype=numpy.uint8)
    pg.mpi.broadcast(payload, root, name=fn).wait()
    if pg.rank() != root:
        received = _load(payload)
        if len(received) != len(object_list):
            raise ValueError(
                f"{fn}: object_list has {len(object_list)} entries but src sent {len(received)}"
            )
        object_list[:] = received


def all_gather_object(object_list: list, obj, group: ProcessGroup | None = None) -> None:
    """Fill ``object_list`` (group-size long) with every rank's ``obj``, as torch's."""
    fn = "all_gather_object"
    if _skip(group):
        return
    pg = _resolve(group, fn)
    if len(object_list) != pg.size():
        raise ValueError(f"{fn}: object_list must have {pg.size()} entries (the group size)")
    for i, buf in enumerate(_gather_all(pg, _dump(obj), fn)):
        object_list[i] = _load(buf)


def gather_object(
    obj,
    object_gather_list: list | None = None,
    dst: int | None = None,
    group: ProcessGroup | None = None,
    group_dst: int | None = None,
) -> None:
    """Gather every rank's ``obj`` into ``object_gather_list`` on rank ``dst``, as torch's."""
    fn = "gather_object"
    if _skip(group):
        return
    pg = _resolve(group, fn)
    root = _root(pg, fn, dst, group_dst, "dst")
    mine = pg.rank() == root
    if mine and (object_gather_list is None or len(object_gather_list) != pg.size()):
        raise ValueError(f"{fn}: the dst rank needs object_gather_list with {pg.size()} entries")
    bufs = _gather_all(pg, _dump(obj), fn)
    if mine:
        for i, buf in enumerate(bufs):
            object_gather_list[i] = _load(buf)


def scatter_object_list(
    scatter_object_output_list: list,
    scatter_object_input_list: list | None = None,
    src: int | None = None,
    group: ProcessGroup | None = None,
    group_src: int | None = None,
) -> None:
    """Send ``scatter_object_input_list[i]`` from ``src`` into rank i's
    ``scatter_object_output_list[0]``, as torch's."""
    fn = "scatter_object_list"
    if _skip(group):
        return
    pg = _resolve(group, fn)
    if not isinstance(scatter_object_output_list, list) or not scatter_object_output_list:
        raise ValueError(f"{fn}: scatter_object_output_list must be a non-empty list")
    root = _root(pg, fn, src, group_src, "src")
    n, mine = pg.size(), pg.rank() == root
    sizes = numpy.zeros(n, dtype=numpy.int64)
    if mine:
        if scatter_object_input_list is None or len(scatter_object_input_list) != n:
            raise ValueError(f"{fn}: the src rank needs scatter_object_input_list with {n} entries")
        parts = [_dump(o) for o in scatter_object_input_list]
        sizes[:] = [p.size for p in parts]
        payload = numpy.concatenate(parts)
    else:
        payload = numpy.empty(0, dtype=numpy.uint8)
    pg.mpi.broadcast(sizes, root, name=fn).wait()
    send = [int(s) for s in sizes] if mine else [0] * n
    recv = [0] * n
    recv[root] = int(sizes[pg.rank()])
    out = numpy.empty(recv[root], dtype=numpy.uint8)
    pg.mpi.all_to_all(out, payload, send, recv, name=fn).wait()
    scatter_object_output_list[0] = _load(out)
