"""In-place ops and ``out=``: compute out of place, then write into the target.

Note [in-place ops]
An in-place op runs its ordinary Function (so its backward is the ordinary one), copies the
result into the target's array and bumps the target's version. If the op recorded a node,
the target takes that node as its ``grad_fn``; the node's edges were captured before, so
they still point at the target's *old* history. A saved copy of the target's old value
replaces any record of the target as a saved input of the new node (PyTorch clones in the
same case), and a record of the output is re-pointed at the target's array and counter.
In-place ops on views of tensors in a graph would need PyTorch's CopySlices rebasing of
the base's history; they raise NotImplementedError instead of computing a wrong gradient.
"""

from __future__ import annotations

from ember._ops._checks import broadcast_shapes, shape_str
from ember._tensor import Tensor
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
    node = result.grad_fn
    if node is not None and target._base is not None:
        raise NotImplementedError(
            f"{op}: in-place modification of a view ({shape_str(target._data.shape)}) inside "
            "an autograd graph is not supported yet; use the out-of-place op "
            "(y = x.op(...)) or clone the view first"
        )
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
