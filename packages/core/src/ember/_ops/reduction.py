"""Reductions over dims: sum, mean and ``sum_to_size`` (the engine's broadcast reducer).

``dim`` may be None (all dims), an int or a sequence; ``keepdim`` keeps reduced dims as 1.
"""

from __future__ import annotations

import numpy

from ember._ops._checks import shape_str, wrap_dims
from ember._ops._inplace import write_out
from ember._tensor import Tensor, bind_methods
from ember.autograd.function import Function

__all__ = ["sum", "mean", "sum_to_size"]


def _sum_dtype(x, dtype):
    if dtype is not None:
        return dtype.np
    # Integral and bool sums accumulate in int64, as PyTorch does.
    return numpy.dtype(numpy.int64) if x.dtype.kind in "biu" else x.dtype


class Sum(Function):
    @staticmethod
    def forward(ctx, x, axes, keepdim, dt):
        ctx.in_shape = x.shape
        ctx.axes, ctx.keepdim = axes, keepdim
        if x.dtype.itemsize == 2 and x.dtype.kind in "fV":  # accumulate 16-bit floats in fp32
            return ctx.xp.asarray(x.sum(axis=axes, keepdims=keepdim, dtype=numpy.float32)).astype(
                dt
            )
        return ctx.xp.asarray(x.sum(axis=axes, keepdims=keepdim, dtype=dt))

    @staticmethod
    def backward(ctx, gy):
        if not ctx.keepdim and ctx.axes:
            gy = gy.reshape(_kept_shape(ctx.in_shape, ctx.axes))
        return gy.expand(ctx.in_shape), None, None, None


def _kept_shape(shape, axes):
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:  # noqa: A001
    """Sum over ``dim`` (all dims by default); integer inputs sum in int64, as ``torch.sum``.

    >>> ember.sum(ember.tensor([[1, 2], [3, 4]]), dim=0)
    tensor([4, 6])
    """
    x = input._data
    axes = wrap_dims("sum", dim, x.ndim)
    result = Sum.apply(input, axes, keepdim, _sum_dtype(x, dtype))
    return result if out is None else write_out("sum", out, result)


class Mean(Function):
    @staticmethod
    def forward(ctx, x, axes, keepdim, dt):
        ctx.in_shape = x.shape
        ctx.axes, ctx.keepdim = axes, keepdim
        n = 1
        for a in axes:
            n *= x.shape[a]
        ctx.n = n
        acc = numpy.float32 if dt.itemsize == 2 and dt.kind in "fV" else dt
        return ctx.xp.asarray(x.mean(axis=axes, keepdims=keepdim, dtype=acc)).astype(
            dt, copy=False
        )

    @staticmethod
    def backward(ctx, gy):
        if not ctx.keepdim and ctx.axes:
            gy = gy.reshape(_kept_shape(ctx.in_shape, ctx.axes))
        return (gy / ctx.n).expand(ctx.in_shape), None, None, None


def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """Mean over ``dim`` (all dims by default), as ``torch.mean``; needs a floating or
    complex dtype (or ``dtype=``).

    >>> ember.mean(ember.tensor([[1.0, 2.0], [3.0, 4.0]]), dim=1)
    tensor([1.5000, 3.5000])
    """
    x = input._data
    dt = dtype.np if dtype is not None else x.dtype
    if dt.kind in "biu":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {input.dtype.name.capitalize()}"
        )
    axes = wrap_dims("mean", dim, x.ndim)
    result = Mean.apply(input, axes, keepdim, dt)
    return result if out is None else write_out("mean", out, result)


def sum_to_size(input: Tensor, *size) -> Tensor:
    """Sum ``input`` down to ``size`` (the inverse of broadcasting), as ``Tensor.sum_to_size``.

    >>> ember.ones(2, 3).sum_to_size(1, 3)
    tensor([[2., 2., 2.]])
    """
    if len(size) == 1 and not isinstance(size[0], int):
        size = tuple(size[0])
    shape = input._data.shape
    if tuple(size) == shape:
        return input
    lead = len(shape) - len(size)
    if lead < 0 or any(s != 1 and s != shape[lead + i] for i, s in enumerate(size)):
        raise RuntimeError(
            f"sum_to_size: size {shape_str(size)} is not expandable to size {shape_str(shape)}"
        )
    axes = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(size) if s == 1 and shape[lead + i] != 1
    )
    out = Sum.apply(input, axes, True, input._data.dtype)
    return out.reshape(size) if lead else out


bind_methods(sum=sum, mean=mean, sum_to_size=sum_to_size)
