"""In-place ops and ``out=``: compute out of place, then write into the target.

Note [in-place ops]
An in-place op runs its ordinary Function (so its backward is the ordinary one), copies the
result into the target's array and bumps the target's version. If the op recorded a node,
the target takes that node as its ``grad_fn``; the node's edges were captured before, so
they still point at the target's *old* history. A saved copy of the target's old value
replaces any record of the target as a saved input of the new node (PyTorch clones in the
same case), and a record of the output is re-pointed at the target's array and counter.
An op whose result does not depend on the target (``fill_``, ``zero_``, ``copy_`` from a
constant) still gets a node (``Overwrite``) so no gradient flows into the overwritten
values.

Note [in-place ops on views]
When the target is a view of a base in the graph, the base's history changes too, as with
PyTorch's CopySlices: the base takes a ``CopySlices`` node (old base with the view's
elements replaced by the result; backward zeroes the view's region for the base and
gathers it for the result) and the view takes a ``ViewOfBase`` node reading its elements
from the new base. The view's elements are located once as flat indices into the base
(``_view_indices``), so both nodes are a gather/scatter, differentiable again. Other views
of the same base made before the write keep their old history (PyTorch regenerates them
lazily); bases whose memory is not a dense block fall back to NotImplementedError.
"""

from __future__ import annotations

from ember._ops._checks import broadcast_shapes, shape_str
from ember._tensor import Tensor
from ember.autograd.function import Function
from ember.autograd.grad_mode import _state
from ember.backend import array_module

__all__ = ["apply_inplace", "write_out", "check_inplace_leaf"]

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "V": 2, "c": 3}


def check_inplace_leaf(op: str, target: Tensor) -> None:
    """Refuse in-place ops on leaves that require grad while grad mode is on."""
    if _state.enabled and target._requires_grad and target.grad_fn is None:
        raise RuntimeError(
            f"{op}: a leaf Variable that requires grad is being used in an in-place operation."
        )


def _check_writable(op: str, target: Tensor, result: Tensor, what: str) -> None:
    td, rd = target._data, result._data
    if rd.shape != td.shape and broadcast_shapes(op, rd.shape, td.shape) != td.shape:
        raise RuntimeError(
            f"{op}: {what} with shape {shape_str(td.shape)} doesn't match the broadcast shape "
            f"{shape_str(broadcast_shapes(op, rd.shape, td.shape))}"
        )
    if _CATEGORY[rd.dtype.kind] > _CATEGORY[td.dtype.kind]:
        raise RuntimeError(
            f"{op}: result type {result.dtype} can't be cast to the desired output type "
            f"{target.dtype}"
        )


def apply_inplace(op: str, target: Tensor, result: Tensor) -> Tensor:
    """Write ``result`` (computed from ``target``) into ``target``; see Note [in-place ops]."""
    check_inplace_leaf(op, target)
    _check_writable(op, target, result, "output")
    base = target._base
    in_graph = _state.enabled and (
        target._requires_grad or (base is not None and base._requires_grad)
    )
    if in_graph and result.grad_fn is None:
        result = Overwrite.apply(target, result._data)
    node = result.grad_fn
    if node is not None and base is not None:
        return _apply_to_view(op, target, base, result)
    if node is not None and node._saved:
        _snapshot_saved_input(node, target)
    array_module(target._data).copyto(target._data, result._data, casting="unsafe")
    target._bump_version()
    if node is not None:
        target.grad_fn = node
        target._output_nr = result._output_nr
        target._requires_grad = True
        _rebind_saved_output(node, result._output_nr, target)
    return target


class Overwrite(Function):
    """The target's new value does not depend on its old one: its gradient is zero."""

    @staticmethod
    def forward(ctx, x, value):
        return value

    @staticmethod
    def backward(ctx, gy):
        return gy * 0, None


class CopySlices(Function):
    """The base with the view's elements (flat indices ``ids``) replaced by ``r``."""

    def name(self) -> str:
        return "CopySlices"  # PyTorch's node name

    @staticmethod
    def forward(ctx, b, r, ids):
        ctx.ids = ids
        out = ctx.xp.array(b, order="C")
        out.reshape(-1)[ids] = ctx.xp.broadcast_to(r, ids.shape).astype(b.dtype, copy=False)
        return out

    @staticmethod
    def backward(ctx, gy):
        ids = Tensor._make(ctx.ids)
        flat = gy.reshape(-1)
        gb = (
            flat.index_fill(0, ids.reshape(-1), 0).reshape(gy.shape)
            if ctx.needs_input_grad[0]
            else None
        )
        gr = flat.take(ids) if ctx.needs_input_grad[1] else None
        return gb, gr, None


class ViewOfBase(Function):
    """The view's elements read from its (rewritten) base; forward returns the view itself."""

    @staticmethod
    def forward(ctx, b, ids, view):
        ctx.ids, ctx.base_shape = ids, b.shape
        return view

    @staticmethod
    def backward(ctx, gy):
        ids = Tensor._make(ctx.ids).reshape(-1)
        n = 1
        for s in ctx.base_shape:
            n *= s
        zeros = Tensor._make(gy._data.__class__((n,), gy._data.dtype))
        zeros._data.fill(0)
        gb = zeros.index_add(0, ids, gy.reshape(-1)).reshape(ctx.base_shape)
        return gb, None, None


def _address(a) -> int:
    return a.__array_interface__["data"][0] if hasattr(a, "__array_interface__") else a.data.ptr


def _view_indices(base, view):
    """Flat C-order indices into ``base`` of each element of ``view`` (a view of its memory),
    or None when ``base`` is not one dense block of memory."""
    xp = array_module(base)
    if view.dtype != base.dtype:
        return None
    item = base.itemsize
    order = sorted(range(base.ndim), key=lambda d: -abs(base.strides[d]))
    dense = base.transpose(order)
    if not dense.flags.c_contiguous or any(s < 0 for s in base.strides):
        return None
    positions = xp.arange(base.size, dtype=xp.int64).reshape(base.shape).transpose(order)
    positions = xp.ascontiguousarray(positions).reshape(-1)  # memory order -> logical index
    offset = (_address(view) - _address(base)) // item
    strides = tuple(s // item * 8 for s in view.strides)
    start = positions[offset:] if offset < positions.size else positions[:0]
    return xp.lib.stride_tricks.as_strided(start, view.shape, strides).copy()


def _apply_to_view(op: str, target: Tensor, base: Tensor, result: Tensor) -> Tensor:
    if base.grad_fn is None and base._requires_grad:
        raise RuntimeError(
            f"{op}: a view of a leaf Variable that requires grad is being used in an in-place "
            "operation."
        )
    ids = _view_indices(base._data, target._data)
    if ids is None:
        raise NotImplementedError(
            f"{op}: in-place modification of a view ({shape_str(target._data.shape)}) of a "
            "non-dense base inside an autograd graph is not supported; clone the view first"
        )
    node = result.grad_fn
    if node._saved:
        _snapshot_saved_input(node, target)
    new_base = CopySlices.apply(base, result, ids)
    array_module(target._data).copyto(target._data, result._data, casting="unsafe")
    base._bump_version()  # the counter is shared with every view of it
    base.grad_fn, base._output_nr, base._requires_grad = new_base.grad_fn, 0, True
    view = ViewOfBase.apply(base, ids, target._data)
    target.grad_fn, target._output_nr, target._requires_grad = view.grad_fn, 0, True
    return target


def write_out(op: str, out: Tensor, result: Tensor) -> Tensor:
    """Implement ``out=``: resize ``out`` if its shape differs (as PyTorch does), then copy."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{op}: out must be a Tensor, got {type(out).__name__}")
    if _state.enabled and (result._requires_grad or out._requires_grad):
        raise RuntimeError(
            f"{op}(): functions with out=... arguments don't support automatic differentiation, "
            "but one of the arguments requires grad."
        )
    if _CATEGORY[result._data.dtype.kind] > _CATEGORY[out._data.dtype.kind]:
        raise RuntimeError(
            f"{op}: result type {result.dtype} can't be cast to the desired output type {out.dtype}"
        )
    if out._data.shape != result._data.shape:
        out._data = result._data.astype(out._data.dtype)
    else:
        out._data[...] = result._data
    out._bump_version()
    return out


def _snapshot_saved_input(node, target: Tensor) -> None:
    saved = list(node._saved)
    for i, rec in enumerate(saved):
        if rec[0] == 1 and rec[1] is target:
            old = Tensor._make(
                target._data.copy(), target._requires_grad, target.grad_fn, target._output_nr
            )
            saved[i] = (1, old, None, 0)
    node._saved = tuple(saved)


def _rebind_saved_output(node, output_nr: int, target: Tensor) -> None:
    if not node._saved:
        return
    saved = list(node._saved)
    for i, rec in enumerate(saved):
        if rec[0] == 2 and rec[2] == output_nr:
            saved[i] = (2, target._data, output_nr, target._vc, target._vc[0])
    node._saved = tuple(saved)
