"""Shared argument checks and the wording of their errors.

Checks that cost time run only after the backend has failed (``except ValueError`` around
the xp call) so the happy path pays nothing; the message then names the op, what it got and
what it needs, with PyTorch's exception type.
"""

from __future__ import annotations

import numpy

from ember.backend.dtypes import NP_TO_DTYPE, get_default_dtype

__all__ = [
    "broadcast_error",
    "broadcast_shapes",
    "wrap_dim",
    "wrap_dims",
    "dtype_not_implemented",
    "float_compute_dtype",
    "shape_str",
]


def shape_str(shape) -> str:
    """``(2, 3)`` style text for a shape (``()`` for 0-d)."""
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def broadcast_shapes(op: str, *shapes) -> tuple:
    """The broadcast of ``shapes``; ``RuntimeError`` naming ``op`` and the offending dim."""
    ndim = max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for s in shapes:
        for i, size in enumerate(s, ndim - len(s)):
            if size != 1:
                if out[i] != 1 and out[i] != size:
                    raise broadcast_error(op, *shapes)
                out[i] = size
    return tuple(out)


def broadcast_error(op: str, *shapes) -> RuntimeError:
    """The error for shapes that do not broadcast, naming the first mismatching dim."""
    ndim = max(len(s) for s in shapes)
    padded = [(1,) * (ndim - len(s)) + tuple(s) for s in shapes]
    for d in range(ndim - 1, -1, -1):
        sizes = {p[d] for p in padded} - {1}
        if len(sizes) > 1:
            a, b = sorted(sizes)[:2]
            got = " and ".join(shape_str(s) for s in shapes)
            return RuntimeError(
                f"{op}: shapes {got} cannot be broadcast: the size of tensor a ({a}) must "
                f"match the size of tensor b ({b}) at non-singleton dimension {d - ndim}"
            )
    return RuntimeError(f"{op}: cannot broadcast shapes {' and '.join(map(shape_str, shapes))}")


def wrap_dim(op: str, dim, ndim: int) -> int:
    """Normalise a possibly negative ``dim``; ``IndexError`` as PyTorch words it."""
    lo, hi = (-1, 0) if ndim == 0 else (-ndim, ndim - 1)
    try:
        dim = dim.__index__()
    except AttributeError:
        raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__}") from None
    if not lo <= dim <= hi:
        raise IndexError(
            f"{op}: Dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim})"
        )
    return dim % ndim if ndim else 0


def wrap_dims(op: str, dims, ndim: int) -> tuple:
    """Normalise ``dim`` that may be ``None`` (all dims), an int or a sequence of ints."""
    if dims is None:
        return tuple(range(ndim))
    if isinstance(dims, (int, numpy.integer)) or hasattr(dims, "__index__"):
        return (wrap_dim(op, dims, ndim),)
    out = tuple(wrap_dim(op, d, ndim) for d in dims)
    if len(set(out)) != len(out):
        raise RuntimeError(f"{op}: dim {list(dims)} appears multiple times in the list of dims")
    return out


def dtype_not_implemented(op: str, np_dtype) -> NotImplementedError:
    """The error for a dtype an op does not support."""
    name = NP_TO_DTYPE[numpy.dtype(np_dtype)] if numpy.dtype(np_dtype) in NP_TO_DTYPE else np_dtype
    return NotImplementedError(f'"{op}" not implemented for dtype {name}')


def float_compute_dtype(np_dtype):
    """The dtype to compute in for a result dtype: float32 for 16-bit floats, whose math runs
    in float32 and rounds once, as PyTorch's CPU kernels do."""
    return numpy.float32 if np_dtype.itemsize == 2 and np_dtype.kind in "fV" else np_dtype


def default_float_np():
    """The numpy dtype of Ember's current default floating dtype."""
    return get_default_dtype().np
