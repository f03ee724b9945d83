"""Value-selecting reductions: max/min, amax/amin, argmax/argmin, cummax/cummin, median,
mode, sort, topk, kthvalue and unique; re-exported by ``reduction.py``.

Selections compute integer indices with xp (stable sorts, ``argmax``), then gather values
with ``TakeAlong``, whose backward scatters the gradient to the chosen positions (PyTorch's
``value_selecting_reduction_backward``), so double backward works. Index tie-breaking
follows PyTorch's CPU kernels: max/argmax pick the first occurrence, cummax/mode the last,
sorts are stable (descending keeps equal elements in input order).
"""

from __future__ import annotations

import types

import numpy

from ember._ops._checks import dtype_not_implemented, wrap_dim, wrap_dims
from ember._ops._inplace import write_out
from ember._tensor import Tensor, bind_methods
from ember.autograd.function import Function
from ember.backend import array_module

__all__ = [
    "max",
    "min",
    "amax",
    "amin",
    "aminmax",
    "argmax",
    "argmin",
    "cummax",
    "cummin",
    "median",
    "nanmedian",
    "mode",
    "sort",
    "argsort",
    "topk",
    "kthvalue",
    "unique",
    "unique_consecutive",
    "return_types",
]

# -- helpers shared with reduction.py -------------------------------------------------------
TORCH_NAMES = {
    "bool": "Bool",
    "uint8": "Byte",
    "int8": "Char",
    "int16": "Short",
    "int32": "Int",
    "int64": "Long",
    "float16": "Half",
    "bfloat16": "BFloat16",
    "float32": "Float",
    "float64": "Double",
    "complex64": "ComplexFloat",
    "complex128": "ComplexDouble",
}


def const(a) -> Tensor:
    """A constant Tensor from a raw array or numpy scalar (0-d reductions give scalars)."""
    return Tensor._make(array_module(a).asarray(a))


def torch_name(t: Tensor) -> str:
    """PyTorch's scalar-type name for a tensor's dtype (``Long``, ``Float``) in messages."""
    return TORCH_NAMES[t.dtype.name]


def reduce_axes(op: str, dim, ndim: int) -> tuple:
    """Axes for ``dim`` (None or ``()`` = all dims); a 0-d tensor reduces over nothing."""
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return tuple(range(ndim))
    axes = wrap_dims(op, dim, ndim)
    return axes if ndim else ()


def unreduce(g: Tensor, shape: tuple, axes: tuple, keepdim: bool) -> Tensor:
    """``g`` (a reduction's result or grad) reshaped to broadcast against the input."""
    if not keepdim and axes:
        return g.reshape(tuple(1 if i in axes else s for i, s in enumerate(shape)))
    return g


def evenly_backward(gy, x, y, axes, keepdim):
    """Gradient of a value-selecting full reduction (amax, median()): split evenly among
    the elements equal to the result, as PyTorch's ``evenly_distribute_backward``."""
    y = unreduce(y, x._data.shape, axes, keepdim)
    gy = unreduce(gy, x._data.shape, axes, keepdim)
    mask = x._data == y._data
    count = const(mask.sum(axis=axes, keepdims=True).astype(gy._data.dtype))
    from ember._ops.pointwise import where

    return where(const(mask), gy / count, 0.0)


def scan(xp, ufunc, a, axis: int):
    """Running ``ufunc`` (maximum, minimum) along ``axis``: numpy's ``accumulate``, or a
    log-step (Hillis-Steele) scan where the backend lacks it (cupy has it for few ufuncs)."""
    if xp is numpy:
        return ufunc.accumulate(a, axis=axis)
    out = xp.moveaxis(a, axis, -1).copy()
    step = 1
    while step < out.shape[-1]:
        out[..., step:] = ufunc(out[..., step:], out[..., :-step])
        step *= 2
    return xp.moveaxis(out, -1, axis)


def _no_complex(op: str, x) -> None:
    if x.dtype.kind == "c":
        raise dtype_not_implemented(op, x.dtype)


def _sortable(x):
    # 16-bit floats sort exactly as float32 (numpy's sorts are fastest on native types).
    return x.astype(numpy.float32) if x.dtype.itemsize == 2 and x.dtype.kind in "fV" else x


def _check_reducible(op: str, x, axes, dim) -> None:
    if dim is None and x.size == 0:
        raise RuntimeError(
            f"{op}(): Expected reduction dim to be specified for input.numel() == 0. Specify "
            "the reduction dim with the 'dim' argument."
        )
    for a in axes:
        if x.shape[a] == 0:
            raise IndexError(f"{op}(): Expected reduction dim {a} to have non-zero size.")


# -- named-tuple results ------------------------------------------------------------------
def _return_type(name: str, fields=("values", "indices")):
    def __new__(cls, seq):  # noqa: N807
        return tuple.__new__(cls, seq)

    def __repr__(self):  # noqa: N807
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self, strict=True))
        return f"ember.return_types.{name}(\n{body})"

    ns = {"__slots__": (), "__new__": __new__, "__repr__": __repr__, "n_fields": len(fields)}
    for i, f in enumerate(fields):
        ns[f] = property(lambda self, i=i: tuple.__getitem__(self, i))
    cls = type(name, (tuple,), ns)
    cls.__module__ = "ember.return_types"
    return cls


return_types = types.ModuleType("ember.return_types", "Named-tuple result types of ops.")
for _name in (
    "max",
    "min",
    "cummax",
    "cummin",
    "median",
    "nanmedian",
    "mode",
    "sort",
    "topk",
    "kthvalue",
):
    setattr(return_types, _name, _return_type(_name))
return_types.aminmax = _return_type("aminmax", ("min", "max"))


def _write_outs(op, out, result):
    if out is None:
        return result
    for o, r in zip(out, result, strict=True):
        write_out(op, o, r)
    return type(result)(out)


# -- gather / scatter-add along an axis: the differentiable core of every selection ------
class TakeAlong(Function):
    # Primitive: x gathered at ``idx`` (x's ndim) along ``axis``; grad scatter-adds back.
    @staticmethod
    def forward(ctx, x, idx, axis):
        ctx.idx, ctx.axis, ctx.shape = idx, axis, x.shape
        return ctx.xp.take_along_axis(x, idx, axis)

    @staticmethod
    def backward(ctx, gy):
        return ScatterAdd.apply(gy, ctx.idx, ctx.axis, ctx.shape), None, None


class ScatterAdd(Function):
    # Primitive: zeros(shape) with g added at ``idx`` along ``axis`` (repeats accumulate).
    @staticmethod
    def forward(ctx, g, idx, axis, shape):
        ctx.idx, ctx.axis = idx, axis
        return scatter_add(ctx.xp, g, idx, axis, shape)

    @staticmethod
    def backward(ctx, gg):
        return TakeAlong.apply(gg, ctx.idx, ctx.axis), None, None, None


def scatter_add(xp, g, idx, axis, shape):
    """Raw-array scatter-add along ``axis`` via one ``bincount`` (no ``add.at``)."""
    n = shape[axis]
    gm, im = xp.moveaxis(g, axis, -1), xp.moveaxis(idx, axis, -1)
    lead, k = gm.shape[:-1], gm.shape[-1]
    lines = int(numpy.prod(lead, dtype=numpy.int64))
    flat = (xp.arange(lines).reshape(-1, 1) * n + im.reshape(lines, k)).ravel()

    def count(w):
        return xp.bincount(flat, weights=w.ravel().astype(numpy.float64), minlength=lines * n)

    out = count(gm.real) + 1j * count(gm.imag) if g.dtype.kind == "c" else count(gm)
    out = out.astype(g.dtype).reshape(lead + (n,))
    return xp.ascontiguousarray(xp.moveaxis(out, -1, axis))


def _selected(kind, input, idx, axis, keepdim, scalar):
    """The ``(values, indices)`` result from keepdim-layout indices ``idx``."""
    values = TakeAlong.apply(input, idx, axis)
    indices = const(idx.astype(numpy.int64, copy=False))
    if scalar:
        values, indices = values.reshape(()), indices.reshape(())
    elif not keepdim:
        values, indices = values.squeeze(axis), indices.squeeze(axis)
    return getattr(return_types, kind)((values, indices))


def _along(op, input, dim):
    """``(input, axis, scalar)``: 0-d inputs are handled as 1-element vectors."""
    ndim = input._data.ndim
    axis = wrap_dim(op, dim, ndim)
    return (input.reshape(1), 0, True) if ndim == 0 else (input, axis, False)


# -- max / min / amax / amin / argmax / argmin ---------------------------------------------
class AMax(Function):
    @staticmethod
    def forward(ctx, x, axes, keepdim, largest):
        ctx.axes, ctx.keepdim = axes, keepdim
        y = x.max(axis=axes, keepdims=keepdim) if largest else x.min(axis=axes, keepdims=keepdim)
        y = ctx.xp.asarray(y)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        return evenly_backward(gy, x, y, ctx.axes, ctx.keepdim), None, None, None


def _amax(op, input, dim, keepdim, largest):
    x = input._data
    _no_complex(op, x)
    axes = reduce_axes(op, dim, x.ndim)
    _check_reducible(op, x, axes, None if dim is None or dim == () else dim)
    return AMax.apply(input, axes, keepdim, largest)


def amax(input: Tensor, dim=(), keepdim: bool = False, *, out=None) -> Tensor:
    """Maximum over ``dim`` (all dims for ``()``); the gradient is split evenly among ties,
    as ``torch.amax``.

    >>> ember.amax(ember.tensor([[1, 5], [7, 2]]), dim=1)
    tensor([5, 7])
    """
    result = _amax("amax", input, dim, keepdim, True)
    return result if out is None else write_out("amax", out, result)


def amin(input: Tensor, dim=(), keepdim: bool = False, *, out=None) -> Tensor:
    """Minimum over ``dim`` (all dims for ``()``), as ``torch.amin``.

    >>> ember.amin(ember.tensor([[1, 5], [7, 2]]), dim=1)
    tensor([1, 2])
    """
    result = _amax("amin", input, dim, keepdim, False)
    return result if out is None else write_out("amin", out, result)


def _max_min(op, input, dim, keepdim, out, largest):
    if isinstance(dim, Tensor):  # max(input, other): the elementwise binary form
        import ember
        from ember._ops import pointwise

        fn = getattr(ember, "maximum" if largest else "minimum", None)
        if fn is not None:
            return fn(input, dim) if out is None else fn(input, dim, out=out)
        pick = pointwise.ge(input, dim) if largest else pointwise.le(input, dim)
        return pointwise.where(pick, input, dim)
    if dim is None:
        result = _amax(op, input, None, False, largest)
        return result if out is None else write_out(op, out, result)
    x = input._data
    if x.dtype.kind == "c":
        raise RuntimeError(f"{op}(): does not support complex input")
    t, axis, scalar = _along(op, input, dim)
    _check_reducible(op, t._data, (axis,), dim)
    xp = array_module(x)
    arg = xp.argmax if largest else xp.argmin
    idx = arg(_sortable(t._data), axis=axis, keepdims=True)  # first occurrence, NaN wins
    return _write_outs(op, out, _selected(op, t, idx, axis, keepdim, scalar))


def max(input: Tensor, dim=None, keepdim: bool = False, *, out=None):  # noqa: A001
    """The maximum of all elements; with ``dim``, ``(values, indices)`` over that dim (first
    index among ties); with a Tensor second argument, the elementwise maximum, as
    ``torch.max``.

    >>> values, indices = ember.max(ember.tensor([[1, 5], [7, 2]]), dim=1)
    >>> values, indices
    (tensor([5, 7]), tensor([1, 0]))
    """
    return _max_min("max", input, dim, keepdim, out, True)


def min(input: Tensor, dim=None, keepdim: bool = False, *, out=None):  # noqa: A001
    """The minimum of all elements, ``(values, indices)`` over ``dim``, or the elementwise
    minimum with a Tensor, as ``torch.min``.

    >>> ember.min(ember.tensor([[1, 5], [7, 2]]), dim=0).values
    tensor([1, 2])
    """
    return _max_min("min", input, dim, keepdim, out, False)


def _arg(op, input, dim, keepdim, largest):
    x = input._data
    if x.dtype.kind in "bc":
        kind = "bool" if x.dtype.kind == "b" else "complex"
        raise RuntimeError(f"{op}(): does not support {kind} input")
    xp = array_module(x)
    fn = xp.argmax if largest else xp.argmin
    if dim is None:
        if x.size == 0:
            raise IndexError(
                f"{op}(): Expected reduction dim to be specified for input.numel() == 0."
            )
        idx = xp.asarray(fn(_sortable(x).reshape(-1))).astype(numpy.int64)
        return const(idx.reshape((1,) * x.ndim) if keepdim else idx)
    axis = wrap_dim(op, dim, x.ndim)
    if x.ndim == 0:
        return const(xp.zeros((), numpy.int64))
    _check_reducible(op, x, (axis,), dim)
    idx = fn(_sortable(x), axis=axis, keepdims=keepdim)
    return const(xp.asarray(idx).astype(numpy.int64, copy=False))


def argmax(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the maximum (flat when ``dim`` is None; first among ties), as ``torch.argmax``.

    >>> ember.argmax(ember.tensor([[1, 5], [7, 2]]), dim=1)
    tensor([1, 0])
    """
    return _arg("argmax", input, dim, keepdim, True)


def argmin(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the minimum (flat when ``dim`` is None), as ``torch.argmin``.

    >>> ember.argmin(ember.tensor([3, 1, 2]))
    tensor(1)
    """
    return _arg("argmin", input, dim, keepdim, False)


def aminmax(input: Tensor, *, dim=None, keepdim: bool = False):
    """``(min, max)`` over ``dim`` (all dims when None), as ``torch.aminmax``.

    >>> ember.aminmax(ember.tensor([3, 1, 2]))
    ember.return_types.aminmax(
    min=tensor(1),
    max=tensor(3))
    """
    dim = () if dim is None else dim
    lo = _amax("aminmax", input, dim, keepdim, False)
    return return_types.aminmax((lo, _amax("aminmax", input, dim, keepdim, True)))


# -- cumulative max / min -------------------------------------------------------------------
def _cum(op, input, dim, largest):
    _no_complex(op, input._data)
    t, axis, scalar = _along(op, input, dim)
    x = t._data
    xp = array_module(x)
    xs = _sortable(x)
    running = scan(xp, xp.maximum if largest else xp.minimum, xs, axis)
    # Ties move the index forward, as PyTorch's kernel does (x >= running max); a NaN
    # holds its index, since everything after it compares unequal to the NaN running max.
    hit = xs == running
    if xs.dtype.kind == "f":
        hit |= xp.isnan(xs)
    shape = [1] * x.ndim
    if x.ndim:
        shape[axis] = x.shape[axis]
    pos = xp.arange(x.shape[axis] if x.ndim else 1).reshape(shape)
    idx = scan(xp, xp.maximum, xp.where(hit, pos, 0), axis) if x.size else pos * 0
    idx = xp.broadcast_to(idx, x.shape)
    return _selected(op, t, xp.ascontiguousarray(idx), axis, True, scalar)


def cummax(input: Tensor, dim: int):
    """Running maximum along ``dim`` and the index where it was reached (the last index
    among ties), as ``torch.cummax``.

    >>> ember.cummax(ember.tensor([1, 3, 2]), 0).values
    tensor([1, 3, 3])
    """
    return _cum("cummax", input, dim, True)


def cummin(input: Tensor, dim: int):
    """Running minimum along ``dim`` and its indices, as ``torch.cummin``.

    >>> ember.cummin(ember.tensor([3, 1, 2]), 0).indices
    tensor([0, 1, 1])
    """
    return _cum("cummin", input, dim, False)


# -- sort and friends ------------------------------------------------------------------------
def _sort_idx(xp, x, axis, descending):
    x = _sortable(x)
    if descending:  # stable descending: sort the reversed input, then reverse back
        idx = xp.argsort(xp.flip(x, axis), axis=axis, kind="stable")
        return xp.flip(x.shape[axis] - 1 - idx, axis)
    return xp.argsort(x, axis=axis, kind="stable")


def _kth_idx(xp, x, axis, k):
    """Keepdim-layout index of the k-th smallest (0-based) along ``axis``: one
    ``argpartition`` (O(n)) instead of a sort; NaN counts as largest."""
    part = xp.argpartition(_sortable(x), k, axis=axis)
    return _take(xp, part, k, k + 1, axis)


def _top_idx(xp, x, axis, k, largest):
    """Indices of the ``k`` largest (smallest) along ``axis``, sorted: partition, then sort
    only the ``k`` candidates."""
    n = x.shape[axis]
    if k == 0 or k == n:
        return _take(xp, _sort_idx(xp, x, axis, largest), 0, k, axis)
    xs = _sortable(x)
    part = xp.argpartition(xs, n - k if largest else k - 1, axis=axis)
    cand = _take(xp, part, n - k, n, axis) if largest else _take(xp, part, 0, k, axis)
    order = _sort_idx(xp, xp.take_along_axis(xs, cand, axis), axis, largest)
    return xp.take_along_axis(cand, order, axis)


def _check_sortable(op, x):
    if x.dtype.kind == "c":
        raise RuntimeError(f"{op}(): does not support complex input")


def sort(input: Tensor, dim: int = -1, descending: bool = False, *, stable=False, out=None):
    """``(values, indices)`` sorted along ``dim``; always stable (NaN sorts as largest), as
    ``torch.sort``.

    >>> ember.sort(ember.tensor([3, 1, 2]), descending=True).indices
    tensor([0, 2, 1])
    """
    _check_sortable("sort", input._data)
    t, axis, scalar = _along("sort", input, dim)
    idx = _sort_idx(array_module(t._data), t._data, axis, descending)
    return _write_outs("sort", out, _selected("sort", t, idx, axis, True, scalar))


def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False):
    """Indices that sort ``input`` along ``dim`` (stable), as ``torch.argsort``.

    >>> ember.argsort(ember.tensor([3, 1, 2]))
    tensor([1, 2, 0])
    """
    _check_sortable("argsort", input._data)
    t, axis, scalar = _along("argsort", input, dim)
    idx = _sort_idx(array_module(t._data), t._data, axis, descending).astype(numpy.int64)
    return const(idx.reshape(()) if scalar else idx)


def _take(xp, idx, start, stop, axis):
    key = [slice(None)] * idx.ndim
    key[axis] = slice(start, stop)
    return xp.ascontiguousarray(idx[tuple(key)])


def topk(
    input: Tensor,
    k: int,
    dim: int = -1,
    largest: bool = True,
    sorted: bool = True,  # noqa: A002
    *,
    out=None,
):
    """The ``k`` largest (or smallest) elements along ``dim`` and their indices, in sorted
    order, as ``torch.topk``.

    >>> ember.topk(ember.tensor([1, 5, 3, 4]), 2).values
    tensor([5, 4])
    """
    x = input._data
    if x.dtype.kind in "bc":
        raise RuntimeError(
            f"topk does not support {'bool' if x.dtype.kind == 'b' else 'complex'} dtypes on CPU"
        )
    t, axis, scalar = _along("topk", input, dim)
    if not 0 <= k <= t._data.shape[axis]:
        raise RuntimeError(
            f"topk: selected index k ({k}) out of range for dim of size {t._data.shape[axis]}"
        )
    xp = array_module(x)
    idx = _top_idx(xp, t._data, axis, k, largest)
    return _write_outs("topk", out, _selected("topk", t, idx, axis, True, scalar))


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False, *, out=None):
    """The ``k``-th smallest element (1-based) along ``dim`` and its index, as
    ``torch.kthvalue``.

    >>> ember.kthvalue(ember.tensor([4, 1, 3]), 2).values
    tensor(3)
    """
    x = input._data
    if x.dtype.kind in "bc":
        raise dtype_not_implemented("kthvalue", x.dtype)
    t, axis, scalar = _along("kthvalue", input, dim)
    _check_reducible("kthvalue", t._data, (axis,), dim)
    if not 1 <= k <= t._data.shape[axis]:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {dim}")
    xp = array_module(x)
    idx = _kth_idx(xp, t._data, axis, k - 1)
    return _write_outs("kthvalue", out, _selected("kthvalue", t, idx, axis, keepdim, scalar))


# -- median / nanmedian / mode ---------------------------------------------------------------
class MedianAll(Function):
    @staticmethod
    def forward(ctx, x, ignore_nan):
        xp = ctx.xp
        flat = _sortable(x).reshape(-1)
        n = flat.size
        valid = int((~xp.isnan(flat)).sum()) if flat.dtype.kind == "f" else n
        if not ignore_nan and valid < n:
            valid = 0
        k = (valid - 1) // 2  # NaN partitions as largest, so the k-th ignores them
        y = xp.partition(flat, k)[k] if valid else xp.asarray(numpy.nan)
        y = xp.asarray(y).astype(x.dtype)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        return evenly_backward(gy, x, y, tuple(range(x.ndim)), False), None


def _median(op, input, dim, keepdim, out, ignore_nan):
    x = input._data
    if x.dtype.kind in "bc":
        raise dtype_not_implemented(op, x.dtype)
    if dim is None:
        return MedianAll.apply(input, ignore_nan)
    t, axis, scalar = _along(op, input, dim)
    x = t._data
    _check_reducible(op, x, (axis,), dim)
    xp = array_module(x)
    n = x.shape[axis]
    nan = xp.isnan(_sortable(x)) if x.dtype.kind in "fV" else None
    if ignore_nan and nan is not None:  # the k-th depends on each line's NaN count: sort
        valid = n - nan.sum(axis=axis, keepdims=True)
        k = xp.broadcast_to(xp.maximum(valid - 1, 0) // 2, valid.shape)
        order = _sort_idx(xp, x, axis, False)  # NaN sorts last
        idx = xp.take_along_axis(order, xp.ascontiguousarray(k), axis)
    else:
        idx = _kth_idx(xp, x, axis, (n - 1) // 2)
        if nan is not None:  # a line with NaN has median NaN: point at its first NaN
            idx = xp.where(
                nan.any(axis=axis, keepdims=True), xp.argmax(nan, axis=axis, keepdims=True), idx
            )
    return _write_outs(op, out, _selected(op, t, idx, axis, keepdim, scalar))


def median(input: Tensor, dim=None, keepdim: bool = False, *, out=None):
    """The lower median of all elements (NaN if any); with ``dim``, ``(values, indices)``
    along it, as ``torch.median``.

    >>> ember.median(ember.tensor([4.0, 1.0, 3.0, 2.0]))
    tensor(2.)
    """
    return _median("median", input, dim, keepdim, out, False)


def nanmedian(input: Tensor, dim=None, keepdim: bool = False, *, out=None):
    """Like ``median`` but ignoring NaN, as ``torch.nanmedian``.

    >>> ember.nanmedian(ember.tensor([4.0, float("nan"), 3.0]))
    tensor(3.)
    """
    return _median("nanmedian", input, dim, keepdim, out, True)


def mode(input: Tensor, dim: int = -1, keepdim: bool = False, *, out=None):
    """The most frequent value along ``dim`` (the smallest among equally frequent ones) and
    the last index where it occurs, as ``torch.mode``.

    >>> ember.mode(ember.tensor([[1, 2, 2, 1, 3, 2]]), 1)
    ember.return_types.mode(
    values=tensor([2]),
    indices=tensor([5]))
    """
    _no_complex("mode", input._data)
    t, axis, scalar = _along("mode", input, dim)
    x = t._data
    _check_reducible("mode", x, (axis,), dim)
    xp = array_module(x)
    order = xp.moveaxis(_sort_idx(xp, x, axis, False), axis, -1)
    s = xp.take_along_axis(xp.moveaxis(_sortable(x), axis, -1), order, -1)
    n = s.shape[-1]
    pos = xp.arange(n)
    first = xp.ones(s.shape, bool)
    first[..., 1:] = s[..., 1:] != s[..., :-1]
    last = xp.ones(s.shape, bool)
    last[..., :-1] = first[..., 1:]
    start = scan(xp, xp.maximum, xp.where(first, pos, 0), -1)
    end = xp.flip(scan(xp, xp.minimum, xp.flip(xp.where(last, pos, n), -1), -1), -1)
    best = xp.argmax(end - start, axis=-1, keepdims=True)  # first = smallest value
    # the stable sort puts a value's last occurrence at the end of its run
    idx = xp.take_along_axis(order, xp.take_along_axis(end, best, -1), -1)
    idx = xp.ascontiguousarray(xp.moveaxis(idx, -1, axis))
    return _write_outs("mode", out, _selected("mode", t, idx, axis, keepdim, scalar))


# -- unique ---------------------------------------------------------------------------------
def _unique_result(values, inverse, counts, return_inverse, return_counts):
    out = (const(values),)
    if return_inverse:
        out += (const(inverse.astype(numpy.int64, copy=False)),)
    if return_counts:
        out += (const(counts.astype(numpy.int64, copy=False)),)
    return out[0] if len(out) == 1 else out


def unique(
    input: Tensor,
    sorted: bool = True,
    return_inverse: bool = False,  # noqa: A002
    return_counts: bool = False,
    dim=None,
):
    """The sorted distinct elements (or slices along ``dim``), optionally with the inverse
    indices and counts, as ``torch.unique``; the result is always sorted.

    >>> ember.unique(ember.tensor([3, 1, 3, 2]), return_counts=True)
    (tensor([1, 2, 3]), tensor([1, 1, 2]))
    """
    x = input._data
    _no_complex("unique", x)
    xp = array_module(x)
    xs = _sortable(x)
    if dim is None:
        values, inverse, counts = xp.unique(xs.reshape(-1), return_inverse=True, return_counts=True)
        inverse = inverse.reshape(x.shape)
    else:
        axis = wrap_dim("unique", dim, x.ndim)
        values, inverse, counts = xp.unique(xs, return_inverse=True, return_counts=True, axis=axis)
        inverse = inverse.reshape(-1)
    values = values.astype(x.dtype, copy=False)
    return _unique_result(values, inverse, counts, return_inverse, return_counts)


def unique_consecutive(
    input: Tensor, return_inverse: bool = False, return_counts: bool = False, dim=None
):
    """Collapse runs of equal consecutive elements (or slices along ``dim``), as
    ``torch.unique_consecutive``.

    >>> ember.unique_consecutive(ember.tensor([1, 1, 2, 2, 1]))
    tensor([1, 2, 1])
    """
    x = input._data
    _no_complex("unique_consecutive", x)
    xp = array_module(x)
    if dim is None:
        x, axis = x.reshape(-1), 0
    else:
        axis = wrap_dim("unique_consecutive", dim, x.ndim)
    xm = xp.moveaxis(x, axis, 0)
    n = xm.shape[0]
    keep = xp.ones(n, bool)
    if n > 1:
        diff = (xm[1:] != xm[:-1]).reshape(n - 1, -1)
        keep[1:] = diff.any(axis=1) if diff.shape[1] else False
    starts = xp.nonzero(keep)[0]
    values = xp.ascontiguousarray(xp.moveaxis(xm[starts], 0, axis))
    inverse = xp.cumsum(keep) - 1
    if dim is None:
        inverse = inverse.reshape(input._data.shape)
    counts = xp.diff(xp.concatenate([starts, xp.asarray([n])]))
    return _unique_result(values, inverse, counts, return_inverse, return_counts)


bind_methods(
    max=max,
    min=min,
    amax=amax,
    amin=amin,
    aminmax=aminmax,
    argmax=argmax,
    argmin=argmin,
    cummax=cummax,
    cummin=cummin,
    median=median,
    nanmedian=nanmedian,
    mode=mode,
    sort=sort,
    argsort=argsort,
    topk=topk,
    kthvalue=kthvalue,
    unique=unique,
    unique_consecutive=unique_consecutive,
)
