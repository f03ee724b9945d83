"""Counting ops: ``bincount``, ``histc`` and ``histogram``, re-exported by ``indexing.py``.

Each maps elements to bin numbers with a few vectorised xp ops and sums them with one
``xp.bincount`` (no ``add.at``, no Python loop over elements). Bin selection follows
PyTorch's CPU kernel (``HistogramKernel.cpp``): ``histc`` divides linearly in the input's
dtype, ``histogram`` with a bin count binary-searches edges laid out as ``torch.linspace``
lays them out, and the rightmost bin includes its right edge. ``bincount`` is differentiable
in ``weights`` (its VJP gathers the incoming gradient at ``input``); PyTorch leaves that
derivative unimplemented. ``histc`` and ``histogram`` return constants.
"""

from __future__ import annotations

import math

import numpy

from ember._ops._checks import dtype_not_implemented
from ember._ops.sorting import _return_type, return_types
from ember._tensor import Tensor, bind_methods
from ember.autograd.function import Function
from ember.backend import array_module
from ember.backend.dtypes import NP_TO_DTYPE, bfloat16

__all__ = ["bincount", "histc", "histogram"]

return_types.histogram = _return_type("histogram", ("hist", "bin_edges"))

_TORCH_DTYPE = {"float16": "Half", "float32": "float", "float64": "double"}


def _const(xp, a) -> Tensor:
    return Tensor._make(xp.asarray(a))


def _is_float(dt) -> bool:
    return dt.kind == "f" or dt == bfloat16.np


class BinCount(Function):
    # Primitive: counts (or sums of ``w``) per value of the 1-D index array ``idx``.
    @staticmethod
    def forward(ctx, w, idx, length, dtype):
        ctx.idx = idx
        return ctx.xp.bincount(idx, weights=w.astype(numpy.float64), minlength=length).astype(dtype)

    @staticmethod
    def backward(ctx, gy):
        from ember._ops.indexing import TakeFlat  # indexing imports this module

        gw = TakeFlat.apply(gy, ctx.idx) if ctx.needs_input_grad[0] else None
        return gw, None, None, None


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """Count occurrences of each value in the 1-D non-negative integer tensor ``input``
    (length ``max(input) + 1``, at least ``minlength``), or sum ``weights`` (same length as
    ``input``) per value, as ``torch.bincount``. Counts are int64; sums are float32 for
    float32 weights and float64 otherwise. Differentiable in ``weights``.

    >>> ember.bincount(ember.tensor([0, 1, 1, 3]))
    tensor([1, 2, 0, 1])
    >>> ember.bincount(ember.tensor([0, 1, 1]), ember.tensor([0.5, 1.0, 2.0]))
    tensor([0.5000, 3.0000])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"bincount(): argument 'input' must be Tensor, not {type(input).__name__}")
    x = input._data
    if x.dtype.kind not in "iu":
        raise dtype_not_implemented("bincount_cpu", x.dtype)
    xp = array_module(x)
    if x.ndim != 1 or (x.size and int(x.min()) < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is not None and (weights._data.ndim != 1 or weights._data.shape[0] != x.shape[0]):
        raise RuntimeError("weights should be 1-d and have the same length as input")
    length = max(int(x.max()) + 1 if x.size else 0, int(minlength))
    idx = x.astype(numpy.int64, copy=False)
    if weights is None:
        return _const(xp, xp.bincount(idx, minlength=length).astype(numpy.int64))
    if x.size == 0 and minlength == 0:  # PyTorch returns an empty *count* tensor here
        return _const(xp, xp.zeros(0, numpy.int64))
    wdt = weights._data.dtype
    out_dt = numpy.dtype(numpy.float32 if wdt == numpy.float32 else numpy.float64)
    if wdt.kind == "c":  # PyTorch keeps the real part of complex weights
        weights = weights.real
    if weights._data.dtype != out_dt:
        weights = weights.to(NP_TO_DTYPE[out_dt])
    return BinCount.apply(weights, idx, length, out_dt)


def _check_float_input(op: str, kernel: str, input) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if not _is_float(input._data.dtype):
        raise dtype_not_implemented(kernel, input._data.dtype)


def _check_bins(bins: int) -> None:
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")


def _hist_from_pos(xp, pos, keep, weight, bins, dt):
    w = None if weight is None else weight[keep].astype(numpy.float64)
    return xp.bincount(pos[keep], weights=w, minlength=bins).astype(dt)


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002
    """Histogram of all elements of the floating tensor ``input`` in ``bins`` equal-width
    bins over ``[min, max]`` (the data's range when ``min == max``), ignoring values outside
    it, as ``torch.histc``; the result has ``input``'s dtype.

    >>> ember.histc(ember.tensor([1.0, 2.0, 1.0]), bins=4, min=0, max=3)
    tensor([0., 2., 1., 0.])
    """
    _check_float_input("histc", "histogram_cpu", input)
    _check_bins(bins)
    x = input._data.reshape(-1)
    xp = array_module(x)
    lo, hi = float(min), float(max)
    if lo == hi and x.size:
        lo, hi = float(x.min()), float(x.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{lo:g}, {hi:g}] is not finite")
    if not lo < hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    dt = x.dtype
    left, right = dt.type(lo), dt.type(hi)
    keep = (x >= left) & (x <= right)
    # PyTorch's LINEAR_INTERPOLATION, each step rounded to the input's dtype.
    pos = ((x - left) * dt.type(bins) / (right - left)).astype(numpy.int64)
    pos = xp.minimum(pos, bins - 1)
    return _const(xp, _hist_from_pos(xp, pos, keep, None, bins, dt))


def _linspace_edges(lo: float, hi: float, steps: int, dt):
    """``torch.linspace(lo, hi, steps)`` in ``dt`` as its CPU kernel computes it: the first
    half counts up from ``lo``, the second half down from ``hi``, each a fused multiply-add
    (one rounding), emulated by computing in a wider float and rounding once."""
    start, end = dt.type(lo), dt.type(hi)
    step = (end - start) / dt.type(steps - 1)
    wide = numpy.longdouble if dt == numpy.float64 else numpy.float64
    i = numpy.arange(steps).astype(wide)
    half = steps // 2
    up = wide(start) + wide(step) * i[:half]
    down = wide(end) - wide(step) * (steps - 1 - i[half:])
    return numpy.concatenate([up, down]).astype(dt)


def histogram(
    input: Tensor,
    bins,
    *,
    range: tuple | None = None,  # noqa: A002
    weight: Tensor | None = None,
    density: bool = False,
    out=None,
):
    """``(hist, bin_edges)`` of all elements of the floating tensor ``input``, as
    ``torch.histogram``: ``bins`` is a bin count (equal widths over ``range``, default the
    data's range) or a 1-D tensor of increasing edges; ``weight`` (``input``'s shape) sums
    weights instead of counting; ``density`` normalises to unit area. The last bin includes
    its right edge.

    >>> h = ember.histogram(ember.tensor([1.0, 2.0, 1.0, 4.0]), 3)
    >>> h.hist, h.bin_edges
    (tensor([2., 1., 1.]), tensor([1., 2., 3., 4.]))
    """
    _check_float_input("histogram", "histogramdd", input)
    x = input._data
    dt = x.dtype
    xp = array_module(x)
    if weight is not None:
        if weight._data.shape != x.shape:
            raise RuntimeError(
                "torch.histogramdd: if weight tensor is provided it should have the same shape "
                "as the input tensor excluding its innermost dimension, but got input with "
                f"shape {list(x.shape) + [1]} and weight with shape {list(weight._data.shape)}"
            )
        if weight._data.dtype != dt:
            raise RuntimeError(
                "torch.histogramdd: if weight tensor is provided, input tensor and weight tensor "
                f"should have the same dtype, but got input({_TORCH_DTYPE.get(dt.name, dt)}), "
                f"and weight({_TORCH_DTYPE.get(weight._data.dtype.name, weight._data.dtype)})"
            )
    flat = x.reshape(-1)
    if isinstance(bins, Tensor):
        edges = bins._data
        if edges.ndim != 1:
            raise RuntimeError(
                "torch.histogramdd: bins tensor should have one dimension, but got "
                f"{edges.ndim} dimensions in the bins tensor for dimension 0"
            )
        if edges.dtype != dt:
            raise RuntimeError(
                "torch.histogramdd: input tensor and bins tensors should have the same dtype, "
                f"but got input with dtype {_TORCH_DTYPE.get(dt.name, dt)} and bins for "
                f"dimension 0 with dtype {_TORCH_DTYPE.get(edges.dtype.name, edges.dtype)}"
            )
        _check_bins(edges.shape[0] - 1)
        edges = xp.asarray(edges)
    else:
        if isinstance(bins, bool) or not isinstance(bins, (int, numpy.integer)):
            raise TypeError(
                "histogram(): argument 'bins' must be int or Tensor, not " + type(bins).__name__
            )
        _check_bins(int(bins))
        if range is not None:
            lo, hi = float(range[0]), float(range[1])
        elif flat.size:
            lo, hi = float(flat.min()), float(flat.max())
        else:
            lo, hi = 0.0, 1.0
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise RuntimeError(
                f"torch.histogramdd: dimension 0's range [{lo:g}, {hi:g}] is not finite"
            )
        if lo > hi:
            raise RuntimeError(
                f"torch.histogramdd: min should not exceed max, but got min {lo:g} max {hi:g} "
                "for dimension 0"
            )
        if lo == hi:  # numpy's convention: an empty range widens by half a unit each way
            lo, hi = lo - 0.5, hi + 0.5
        edges = xp.asarray(_linspace_edges(lo, hi, int(bins) + 1, dt))
    nbins = edges.shape[0] - 1
    keep = (flat >= edges[0]) & (flat <= edges[-1])
    pos = xp.minimum(xp.searchsorted(edges, flat, side="right") - 1, nbins - 1)
    pos = xp.maximum(pos, 0)
    w = None if weight is None else weight._data.reshape(-1)
    hist = _hist_from_pos(xp, pos, keep, w, nbins, dt)
    if density:
        hist = (hist / hist.sum() / xp.diff(edges)).astype(dt)
    result = return_types.histogram((_const(xp, hist), _const(xp, edges.copy())))
    if out is not None:
        from ember._ops._inplace import write_out

        for o, r in zip(out, result, strict=True):
            write_out("histogram", o, r)
        return return_types.histogram(tuple(out))
    return result


bind_methods(bincount=bincount, histc=histc, histogram=histogram)
