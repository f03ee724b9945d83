"""Tensor collectives and point-to-point ops, as ``torch.distributed``'s.

Each function validates its tensors, stages non-contiguous ones through a contiguous copy,
hands the raw arrays to the group's backend (MPI for CPU tensors, NCCL for GPU tensors),
and writes results in place as PyTorch does. With ``async_op=True`` it returns a
:class:`Work`; otherwise it waits (bounded by the group's timeout) and returns ``None``.
"""

from __future__ import annotations

from datetime import timedelta

from ember._tensor import Tensor
from ember.distributed._core import (
    GroupMember,
    ProcessGroup,
    ReduceOp,
    _resolve,
)
from ember.distributed._work import Work

__all__ = [
    "all_gather",
    "all_gather_into_tensor",
    "all_reduce",
    "all_to_all",
    "all_to_all_single",
    "barrier",
    "broadcast",
    "gather",
    "irecv",
    "isend",
    "monitored_barrier",
    "recv",
    "reduce",
    "reduce_scatter",
    "reduce_scatter_tensor",
    "scatter",
    "send",
]


class _Staged:
    """A tensor's contiguous array; copied back into the tensor when the op finishes."""

    __slots__ = ("tensor", "array", "copy_back")

    def __init__(self, tensor: Tensor, fn: str, what: str, writes: bool = True) -> None:
        if not isinstance(tensor, Tensor):
            raise TypeError(f"{fn}: {what} must be a Tensor, got {type(tensor).__name__}")
        data = tensor._data
        self.tensor = tensor
        self.copy_back = writes and not data.flags.c_contiguous
        if data.flags.c_contiguous:
            self.array = data
        else:
            import ember.backend as B

            self.array = B.array_module(tensor.device).ascontiguousarray(data)

    def done(self) -> None:
        if self.copy_back:
            self.tensor._data[...] = self.array
        self.tensor._bump_version()


def _backend(pg: ProcessGroup, tensors, fn: str):
    cuda = {t.is_cuda for t in tensors}
    if len(cuda) > 1:
        devices = sorted({str(t.device) for t in tensors})
        raise RuntimeError(f"{fn}: tensors must all be on one device, got {devices}")
    return pg.nccl if cuda == {True} else pg.mpi


def _same(fn: str, what: str, a: Tensor, b: Tensor, shape=None) -> None:
    if a.dtype != b.dtype:
        raise TypeError(f"{fn}: {what} dtype {a.dtype} does not match input dtype {b.dtype}")
    if shape is not None and tuple(a.shape) != tuple(shape):
        raise ValueError(f"{fn}: {what} has shape {tuple(a.shape)}, expected {tuple(shape)}")


def _finish(*parts):
    def run():
        for p in parts:
            if p is not None:
                p()

    return run


def _avg(array, size: int, op: ReduceOp):
    if op is not ReduceOp.AVG:
        return None

    def divide():
        array[...] = array / size

    return divide


def _run(work: Work, async_op: bool):
    if async_op:
        return work
    work.wait()
    return None


def _skip(group) -> bool:
    return group is GroupMember.NON_GROUP_MEMBER


def _root(pg: ProcessGroup, fn: str, global_rank, group_rank, what: str) -> int:
    if group_rank is not None:
        if global_rank is not None:
            raise ValueError(f"{fn}: pass only one of {what} and group_{what}")
        if not 0 <= group_rank < pg.size():
            raise ValueError(f"{fn}: group_{what}={group_rank} is not in [0, {pg.size()})")
        return group_rank
    return pg._global_to_group(0 if global_rank is None else global_rank, what, fn)


def barrier(group: ProcessGroup | None = None, async_op: bool = False, device_ids=None):
    """Block until every rank of the group reaches it, as ``torch.distributed.barrier``.

    >>> import ember.distributed as dist  # doctest: +SKIP
    >>> dist.barrier()  # doctest: +SKIP
    """
    if _skip(group):
        return None
    pg = _resolve(group, "barrier")
    return _run(pg.mpi.barrier(), async_op)


def monitored_barrier(
    group: ProcessGroup | None = None, timeout: timedelta | None = None, wait_all_ranks=False
) -> None:
    """A barrier that raises ``DistBackendError`` naming the late ranks after ``timeout``."""
    if _skip(group):
        return
    pg = _resolve(group, "monitored_barrier")
    pg.mpi.barrier("monitored_barrier").wait(timeout)


def broadcast(
    tensor: Tensor,
    src: int | None = None,
    group: ProcessGroup | None = None,
    async_op: bool = False,
    group_src: int | None = None,
):
    """Copy ``tensor`` from rank ``src`` to every rank, in place, as torch's."""
    if _skip(group):
        return None
    pg = _resolve(group, "broadcast")
    root = _root(pg, "broadcast", src, group_src, "src")
    s = _Staged(tensor, "broadcast", "tensor")
    work = _backend(pg, [tensor], "broadcast").broadcast(s.array, root)
    work._finish = s.done
    return _run(work, async_op)


def all_reduce(
    tensor: Tensor,
    op: ReduceOp = ReduceOp.SUM,
    group: ProcessGroup | None = None,
    async_op: bool = False,
):
    """Reduce ``tensor`` across ranks with ``op``; every rank gets the result, in place.

    >>> import ember.distributed as dist  # doctest: +SKIP
    >>> t = ember.ones(2); dist.all_reduce(t); t  # doctest: +SKIP
    tensor([2., 2.])
    """
    if _skip(group):
        return None
    pg = _resolve(group, "all_reduce")
    s = _Staged(tensor, "all_reduce", "tensor")
    be = _backend(pg, [tensor], "all_reduce")
    work = be.all_reduce(s.array, op, finish=_finish(_avg(s.array, pg.size(), op), s.done))
    return _run(work, async_op)


def reduce(
    tensor: Tensor,
    dst: int | None = None,
    op: ReduceOp = ReduceOp.SUM,
    group: ProcessGroup | None = None,
    async_op: bool = False,
    group_dst: int | None = None,
):
    """Reduce ``tensor`` across ranks into rank ``dst``'s ``tensor``, as torch's."""
    if _skip(group):
        return None
    pg = _resolve(group, "reduce")
    root = _root(pg, "reduce", dst, group_dst, "dst")
    s = _Staged(tensor, "reduce", "tensor")
    mine = root == pg.rank()
    divide = _avg(s.array, pg.size(), op) if mine else None
    work = _backend(pg, [tensor], "reduce").reduce(
        s.array, root, op, finish=_finish(divide, s.done if mine else None)
    )
    return _run(work, async_op)


def all_gather_into_tensor(
    output_tensor: Tensor,
    input_tensor: Tensor,
    group: ProcessGroup | None = None,
    async_op: bool = False,
):
    """Gather every rank's ``input_tensor`` into ``output_tensor``, concatenated along dim 0
    (or stacked, when ``output_tensor`` has one more dim), as torch's."""
    fn = "all_gather_into_tensor"
    if _skip(group):
        return None
    pg = _resolve(group, fn)
    n = pg.size()
    _same(fn, "output_tensor", output_tensor, input_tensor)
    if output_tensor.numel() != n * input_tensor.numel():
        raise ValueError(
            f"{fn}: output_tensor has {output_tensor.numel()} elements (shape "
            f"{tuple(output_tensor.shape)}), expected world size {n} x input numel "
            f"{input_tensor.numel()} (input shape {tuple(input_tensor.shape)})"
        )
    out = _Staged(output_tensor, fn, "output_tensor")
    inp = _Staged(input_tensor, fn, "input_tensor", writes=False)
    be = _backend(pg, [output_tensor, input_tensor], fn)
    return _run(be.all_gather(out.array, inp.array, finish=out.done), async_op)


def all_gather(
    tensor_list: list[Tensor],
    tensor: Tensor,
    group: ProcessGroup | None = None,
    async_op: bool = False,
):
    """Gather every rank's ``tensor`` into ``tensor_list`` (one per rank), as torch's."""
    fn = "all_gather"
    if _skip(group):
        return None
    pg = _resolve(group, fn)
    n = pg.size()
    if not isinstance(tensor_list, list | tuple) or len(tensor_list) != n:
        raise ValueError(f"{fn}: tensor_list must be a list of {n} tensors (the group size)")
    for i, t in enumerate(tensor_list):
        _same(fn, f"tensor_list[{i}]", t, tensor, tensor.shape)
    be = _backend(pg, [tensor, *tensor_list], fn)
    xp = _xp(tensor)
    inp = _Staged(tensor, fn, "tensor", writes=False)
    flat = xp.empty((n, *inp.array.shape), dtype=inp.array.dtype)

    def scatter_back():
        for i, t in enumerate(tensor_list):
            t._data[...] = flat[i]
            t._bump_version()

    return _run(be.all_gather(flat, inp.array, finish=scatter_back), async_op)


def _xp(t: Tensor):
    import ember.backend as B

    return B.array_module(t.device)


def gather(
    tensor: Tensor,
    gather_list: list[Tensor] | None = None,
    dst: int | None = None,
    group: ProcessGroup | None = None,
    async_op: bool = False,
    group_dst: int | None = None,
):
    """Gather every rank's ``tensor`` into ``gather_list`` on rank ``dst``, as torch's."""
    fn = "gather"
    if _skip(group):
        return None
    pg = _resolve(group, fn)
    root = _root(pg, fn, dst, group_dst, "dst")
    n, mine = pg.size(), root == pg.rank()
    inp = _Staged(tensor, fn, "tensor", writes=False)
    xp = _xp(tensor)
    if mine:
        if gather_list is None or len(gather_list) != n:
            raise ValueError(f"{fn}: the dst rank needs gather_list with {n} tensors")
        for i, t in enumerate(gather_list):
            _same(fn, f"gather_list[{i}]", t, tensor, tensor.shape)
    elif gather_list:
        raise ValueError(f"{fn}: gather_list must be empty or None on non-dst ranks")
    flat = xp.empty((n, *inp.array.shape) if mine else (0,), dtype=inp.array.dtype)

    def scatter_back():
        if mine:
            for i, t in enumerate(gather_list):
                t._data[...] = flat[i]
                t._bump_version()

    be = _backend(pg, [tensor, *(gather_list or [])], fn)
    return _run(be.gather(flat, inp.array, root, finish=scatter_back), async_op)


def scatter(
    tensor: Tensor,
    scatter_list: list[Tensor] | None = None,
    src: int | None = None,
    group: ProcessGroup | None = None,
    async_op: bool = False,
    group_src: int | None = None,
):
    """Send ``scatter_list[i]`` from rank ``src`` into rank i's ``tensor``, as torch's."""
    fn = "scatter"
    if _skip(group):
        return None
    pg = _resolve(group, fn)
    root = _root(pg, fn, src, group_src, "src")
    n, mine = pg.size(), root == pg.rank()
    out = _Staged(tensor, fn, "tensor")
    xp = _xp(tensor)
    if mine:
        if scatter_list is None or len(scatter_list) != n:
            raise ValueError(f"{fn}: the src rank needs scatter_list with {n} tensors")
        for i, t in enumerate(scatter_list):
            _same(fn, f"scatter_list[{i}]", t, tensor, tensor.shape)
        flat = xp.stack([t._data for t in scatter_list])
    else:
        if scatter_list:
            raise ValueError(f"{fn}: scatter_list must be empty or None on non-src ranks")
        flat = xp.empty((0,), dtype=out.array.dtype)
    be = _backend(pg, [tensor, *(scatter_list or [])], fn)
    return _run(be.scatter(out.array, flat, root, finish=out.done), async_op)


def reduce_scatter_tensor(
    output: Tensor,
    input: Tensor,
    op: ReduceOp = ReduceOp.SUM,  # noqa: A002
    group: ProcessGroup | None = None,
    async_op: bool = False,
):
    """Reduce ``input`` across ranks and give rank i the i-th chunk (dim 0) in ``output``."""
    fn = "reduce_scatter_tensor"
    if _skip(group):
        return None
    pg = _resolve(group, fn)
    n = pg.size()
    _same(fn, "output", output, input)
    if input.numel() != n * output.numel():
        raise ValueError(
            f"{fn}: input has {input.numel()} elements (shape {tuple(input.shape)}), expected "
            f"world size {n} x output numel {output.numel()} (output shape {tuple(output.shape)})"
        )
    out = _Staged(output, fn, "output")
    inp = _Staged(input, fn, "input", writes=False)
    be = _backend(pg, [output, input], fn)
    work = be.reduce_scatter(
        out.array, inp.array, op, finish=_finish(_avg(out.array, n, op), out.done)
    )
    return _run(work, async_op)


def reduce_scatter(
    output: Tensor,
    input_list: list[Tensor],
    op: ReduceOp = ReduceOp.SUM,
    group: ProcessGroup | None = None,
    async_op: bool = False,
):
    """Reduce ``input_list[i]`` across ranks into rank i's ``output``, as torch's."""
    fn = "reduce_scatter"
    if _skip(group):
        return None
    pg = _resolve(group, fn)
    if len(input_list) != pg.size():
        raise ValueError(f"{fn}: input_list must have {pg.size()} tensors (the group size)")
    for i, t in enumerate(input_list):
        _same(fn, f"input_list[{i}]", t, output, output.shape)
    xp = _xp(output)
    stacked = Tensor._make(xp.stack([t._data for t in input_list]))
    return reduce_scatter_tensor(output, stacked, op, group, async_op)


def all_to_all_single(
    output: Tensor,
    input: Tensor,  # noqa: A002
    output_split_sizes: list[int] | None = None,
    input_split_sizes: list[int] | None = None,
    group: ProcessGroup | None = None,
    async_op: bool = False,
):
    """Split ``input`` along dim 0, send chunk i to rank i, gather received chunks in
    ``output`` (rank order), as torch's; split sizes default to equal chunks."""
    fn = "all_to_all_single"
    if _skip(group):
        return None
    pg = _resolve(group, fn)
    n = pg.size()
    _same(fn, "output", output, input)

    def counts(t: Tensor, sizes, what: str) -> list[int]:
        rows = t.shape[0] if t.dim() else 1
        row_bytes = (t.numel() // rows if rows else 0) * t.element_size()
        if sizes is None:
            if rows % n:
                raise ValueError(f"{fn}: {what} dim 0 ({rows}) is not divisible by {n} ranks")
            sizes = [rows // n] * n
        sizes = [int(s) for s in sizes]
        if len(sizes) != n or sum(sizes) != rows:
            raise ValueError(
                f"{fn}: {what}_split_sizes {sizes} must have {n} entries summing to {rows}"
            )
        return [s * row_bytes for s in sizes]

    send = counts(input, input_split_sizes, "input")
    recv = counts(output, output_split_sizes, "output")
    out = _Staged(output, fn, "output")
    inp = _Staged(input, fn, "input", writes=False)
    be = _backend(pg, [output, input], fn)
    return _run(be.all_to_all(out.array, inp.array, send, recv, finish=out.done), async_op)


def all_to_all(
    output_tensor_list: list[Tensor],
    input_tensor_list: list[Tensor],
    group: ProcessGroup | None = None,
    async_op: bool = False,
):
    """Send ``input_tensor_list[i]`` to rank i; receive into ``output_tensor_list``."""
    fn = "all_to_all"
    if _skip(group):
        return None
    pg = _resolve(group, fn)
    n = pg.size()
    if len(output_tensor_list) != n or len(input_tensor_list) != n:
        raise ValueError(f"{fn}: both tensor lists must have {n} tensors (the group size)")
    xp = _xp(input_tensor_list[0])
    send = [t._data.reshape(-1) for t in input_tensor_list]
    flat_in = xp.concatenate(send) if send else xp.empty(0)
    flat_out = xp.empty(sum(t.numel() for t in output_tensor_list), dtype=flat_in.dtype)
    item = flat_in.itemsize
    for i, t in enumerate(output_tensor_list):
        _same(fn, f"output_tensor_list[{i}]", t, input_tensor_list[0])

    def scatter_back():
        start = 0
        for t in output_tensor_list:
            t._data[...] = flat_out[start : start + t.numel()].reshape(t._data.shape)
            start += t.numel()
            t._bump_version()

    be = _backend(pg, [*output_tensor_list, *input_tensor_list], fn)
    work = be.all_to_all(
        flat_out,
        flat_in,
        [s.size * item for s in send],
        [t.numel() * item for t in output_tensor_list],
        finish=scatter_back,
    )
    return _run(work, async_op)


def _peer(pg, fn, global_rank, group_rank, what) -> int:
    if global_rank is None and group_rank is None:
        raise ValueError(f"{fn}: pass {what} (a global rank) or group_{what}")
    return _root(pg, fn, global_rank, group_rank, what)


def isend(
    tensor: Tensor,
    dst: int | None = None,
    group: ProcessGroup | None = None,
    tag: int = 0,
    group_dst: int | None = None,
) -> Work | None:
    """Send ``tensor`` to rank ``dst`` asynchronously; returns a Work, as torch's."""
    if _skip(group):
        return None
    pg = _resolve(group, "isend")
    peer = _peer(pg, "isend", dst, group_dst, "dst")
    s = _Staged(tensor, "isend", "tensor", writes=False)
    work = _backend(pg, [tensor], "isend").send(s.array, peer, tag)
    work._outputs = [tensor]  # keeps the staged buffer's tensor alive until the send is done
    return work


def irecv(
    tensor: Tensor,
    src: int | None = None,
    group: ProcessGroup | None = None,
    tag: int = 0,
    group_src: int | None = None,
) -> Work | None:
    """Receive into ``tensor`` from rank ``src`` (any rank if None) asynchronously."""
    if _skip(group):
        return None
    pg = _resolve(group, "irecv")
    peer = None if src is None and group_src is None else _peer(pg, "irecv", src, group_src, "src")
    s = _Staged(tensor, "irecv", "tensor")
    work, status = _backend(pg, [tensor], "irecv").recv(s.array, peer, tag)
    work._finish = s.done
    work._source = (pg, status)
    return work


def send(
    tensor: Tensor,
    dst: int | None = None,
    group: ProcessGroup | None = None,
    tag: int = 0,
    group_dst: int | None = None,
) -> None:
    """Send ``tensor`` to rank ``dst``, blocking until it is handed over, as torch's."""
    work = isend(tensor, dst, group, tag, group_dst)
    if work is not None:
        work.wait()


def recv(
    tensor: Tensor,
    src: int | None = None,
    group: ProcessGroup | None = None,
    tag: int = 0,
    group_src: int | None = None,
) -> int:
    """Receive into ``tensor`` from ``src`` (any if None); returns the sender's global rank."""
    work = irecv(tensor, src, group, tag, group_src)
    if work is None:
        return -1
    work.wait()
    pg, status = work._source
    return pg._ranks[status.Get_source()] if status is not None else src
