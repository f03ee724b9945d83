"""Reductions over dims: sums, products, moments, norms, logsumexp, cumulative sums and
products, all/any, and ``sum_to_size`` (the engine's broadcast reducer). Value-selecting
reductions (max/min, sort, median, unique, ...) live in ``sorting.py`` and are re-exported.

``dim`` may be None (all dims), an int or a sequence; ``keepdim`` keeps reduced dims as 1.
16-bit floats accumulate in float32 and round once, as PyTorch's CPU kernels do.
"""

from __future__ import annotations

import builtins
import math

import numpy

from ember._ops._checks import float_compute_dtype, shape_str, wrap_dim
from ember._ops._inplace import write_out
from ember._ops.pointwise import _conj, exp, where
from ember._ops.sorting import (
    amax,
    amin,
    aminmax,
    argmax,
    argmin,
    argsort,
    const,
    cummax,
    cummin,
    kthvalue,
    max,
    median,
    min,
    mode,
    nanmedian,
    reduce_axes,
    return_types,
    sort,
    topk,
    torch_name,
    unique,
    unique_consecutive,
    unreduce,
)
from ember._tensor import Tensor, bind_methods
from ember.autograd.function import Function
from ember.backend import array_module
from ember.backend.dtypes import get_default_dtype

__all__ = [
    "diff",
    "sum",
    "mean",
    "sum_to_size",
    "nansum",
    "nanmean",
    "prod",
    "std",
    "var",
    "std_mean",
    "var_mean",
    "norm",
    "logsumexp",
    "cumsum",
    "cumprod",
    "all",
    "any",
    "count_nonzero",
    # from sorting.py
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


def _sum_dtype(x, dtype):
    if dtype is not None:
        return dtype.np
    # Integral and bool sums accumulate in int64, as PyTorch does.
    return numpy.dtype(numpy.int64) if x.dtype.kind in "biu" else x.dtype


def _numel(shape, axes) -> int:
    n = 1
    for a in axes:
        n *= shape[a]
    return n


def _real_dtype(dt):
    return numpy.dtype(dt.char.lower()) if dt.kind == "c" else dt


class Sum(Function):
    @staticmethod
    def forward(ctx, x, axes, keepdim, dt):
        ctx.in_shape = x.shape
        ctx.axes, ctx.keepdim = axes, keepdim
        cd = float_compute_dtype(dt)
        return ctx.xp.asarray(x.sum(axis=axes, keepdims=keepdim, dtype=cd)).astype(dt, copy=False)

    @staticmethod
    def backward(ctx, gy):
        return (
            unreduce(gy, ctx.in_shape, ctx.axes, ctx.keepdim).expand(ctx.in_shape),
            None,
            None,
            None,
        )


def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:  # noqa: A001
    """Sum over ``dim`` (all dims by default); integer inputs sum in int64, as ``torch.sum``.

    >>> ember.sum(ember.tensor([[1, 2], [3, 4]]), dim=0)
    tensor([4, 6])
    """
    x = input._data
    axes = reduce_axes("sum", dim, x.ndim)
    result = Sum.apply(input, axes, keepdim, _sum_dtype(x, dtype))
    return result if out is None else write_out("sum", out, result)


class Mean(Function):
    @staticmethod
    def forward(ctx, x, axes, keepdim, dt):
        ctx.in_shape = x.shape
        ctx.axes, ctx.keepdim = axes, keepdim
        ctx.n = _numel(x.shape, axes)
        s = x.sum(axis=axes, keepdims=keepdim, dtype=float_compute_dtype(dt))
        return ctx.xp.asarray(s / ctx.n).astype(dt, copy=False)  # 0/0 = nan for empty

    @staticmethod
    def backward(ctx, gy):
        gy = unreduce(gy, ctx.in_shape, ctx.axes, ctx.keepdim)
        return (gy / ctx.n).expand(ctx.in_shape), None, None, None


def _float_only(op, input, dtype, message):
    dt = dtype.np if dtype is not None else input._data.dtype
    if dt.kind in "biu":
        raise RuntimeError(
            message.format(op=op, got=torch_name(input) if dtype is None else dtype.name)
        )
    return dt


_MEAN_MSG = (
    "{op}(): could not infer output dtype. Input dtype must be either a floating point "
    "or complex dtype. Got: {got}"
)


def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """Mean over ``dim`` (all dims by default), as ``torch.mean``; needs a floating or
    complex dtype (or ``dtype=``).

    >>> ember.mean(ember.tensor([[1.0, 2.0], [3.0, 4.0]]), dim=1)
    tensor([1.5000, 3.5000])
    """
    dt = _float_only("mean", input, dtype, _MEAN_MSG)
    axes = reduce_axes("mean", dim, input._data.ndim)
    result = Mean.apply(input, axes, keepdim, dt)
    return result if out is None else write_out("mean", out, result)


def _nan_mask(x: Tensor):
    d = x._data
    return None if d.dtype.kind not in "fV" else const(array_module(d).isnan(d))


def nansum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """Sum over ``dim`` treating NaN as zero, as ``torch.nansum``.

    >>> ember.nansum(ember.tensor([1.0, float("nan"), 2.0]))
    tensor(3.)
    """
    if input._data.dtype.kind == "c":
        raise RuntimeError("nansum does not support complex inputs")
    nan = _nan_mask(input)
    # a 0-d zero of the input's dtype: numpy.where(mask, 0.0, bf16) would give float64
    zero = None if nan is None else const(array_module(nan._data).zeros((), input._data.dtype))
    x = input if nan is None else where(nan, zero, input)
    result = sum(x, dim, keepdim, dtype=dtype)
    return result if out is None else write_out("nansum", out, result)


def nanmean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """Mean over ``dim`` of the non-NaN elements, as ``torch.nanmean``.

    >>> ember.nanmean(ember.tensor([1.0, float("nan"), 2.0]))
    tensor(1.5000)
    """
    x = input._data
    if x.dtype.kind not in "fV":
        raise RuntimeError(
            "nanmean(): expected input to have floating point or complex dtype "
            f"but got {torch_name(input)}"
        )
    axes = reduce_axes("nanmean", dim, x.ndim)
    xp = array_module(x)
    count = xp.asarray((~xp.isnan(x)).sum(axis=axes, keepdims=keepdim))
    dt = dtype.np if dtype is not None else x.dtype
    result = nansum(input, axes, keepdim, dtype=dtype) / const(count.astype(dt))
    return result if out is None else write_out("nanmean", out, result)


class Prod(Function):
    @staticmethod
    def forward(ctx, x, axes, keepdim, dt):
        ctx.in_shape, ctx.axes, ctx.keepdim, ctx.dt = x.shape, axes, keepdim, dt
        ctx.save_for_backward(x)
        y = x.prod(axis=axes, keepdims=keepdim, dtype=float_compute_dtype(dt))
        return ctx.xp.asarray(y).astype(dt, copy=False)

    @staticmethod
    def backward(ctx, gy):
        # Note [prod backward with zeros]: d prod / d x_i is the product of the others. With
        # no zero in a slice that is prod / x_i. With one zero at z, every other x_i gets
        # p * 0 / x_i and x_z gets p, where p is the product of the non-zero factors; the
        # "0" is written as the sum of the zero entries, so double backward sees x_z in it.
        # Two or more zeros give zero (second derivatives there are not tracked).
        (x,) = ctx.saved_tensors
        axes = ctx.axes
        gy = unreduce(gy, ctx.in_shape, axes, ctx.keepdim)
        zero = x._data == 0
        z = const(zero)
        x_safe = where(z, 1.0, x)
        p = Prod.apply(x_safe, axes, True, ctx.dt)
        if not zero.any():
            return gy * _conj(p / x), None, None, None
        nz = zero.sum(axis=axes, keepdims=True)
        s = Sum.apply(where(z, x, 0.0), axes, True, ctx.dt)
        others = p / x_safe * where(const(nz == 1), s, 1.0)
        factor = where(const(nz >= 2), 0.0, where(z, p, others))
        return gy * _conj(factor), None, None, None


def prod(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """Product over ``dim`` (all dims by default; torch.prod takes one int dim), with
    integer inputs in int64; the gradient is exact where inputs are zero, as ``torch.prod``.

    >>> ember.prod(ember.tensor([[1, 2], [3, 4]]), 1)
    tensor([ 2, 12])
    """
    x = input._data
    axes = reduce_axes("prod", dim, x.ndim)
    result = Prod.apply(input, axes, keepdim, _sum_dtype(x, dtype))
    return result if out is None else write_out("prod", out, result)


class VarStd(Function):
    @staticmethod
    def forward(ctx, x, axes, correction, keepdim, take_sqrt):
        xp = ctx.xp
        ctx.in_shape, ctx.axes, ctx.keepdim, ctx.take_sqrt = x.shape, axes, keepdim, take_sqrt
        n = _numel(x.shape, axes)
        ctx.dof = builtins.max(n - correction, 0)
        xc = x.astype(float_compute_dtype(x.dtype), copy=False)
        d = xc - xc.sum(axis=axes, keepdims=True) / n
        sq = d.real * d.real + d.imag * d.imag if d.dtype.kind == "c" else d * d
        v = xp.asarray(sq.sum(axis=axes, keepdims=keepdim) / float(ctx.dof))
        y = (xp.sqrt(v) if take_sqrt else v).astype(_real_dtype(x.dtype), copy=False)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        gy = unreduce(gy, ctx.in_shape, ctx.axes, ctx.keepdim)
        if ctx.take_sqrt:  # d std = d var / (2 std); zero where std is zero, as PyTorch
            y = unreduce(y, ctx.in_shape, ctx.axes, ctx.keepdim)
            zero = y == 0
            gy = where(zero, 0.0, gy / (2 * where(zero, 1.0, y)))
        scale = 2.0 / ctx.dof if ctx.dof else math.inf
        return gy * scale * (x - mean(x, ctx.axes, True)), None, None, None, None


def _var_std(op, input, dim, unbiased, keepdim, correction, take_sqrt):
    if isinstance(dim, bool):  # legacy std(unbiased)
        dim, unbiased = None, dim
    if input._data.dtype.kind in "biu":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    elif unbiased is not None:
        raise TypeError(f"{op}(): pass either unbiased= or correction=, not both")
    axes = reduce_axes(op, dim, input._data.ndim)
    return VarStd.apply(input, axes, correction, keepdim, take_sqrt)


def var(
    input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None, out=None
) -> Tensor:
    """Variance over ``dim`` with ``correction`` (default 1; ``unbiased=False`` means 0),
    real-valued for complex inputs, as ``torch.var``.

    >>> ember.var(ember.tensor([1.0, 2.0, 3.0, 4.0]))
    tensor(1.6667)
    """
    result = _var_std("var", input, dim, unbiased, keepdim, correction, False)
    return result if out is None else write_out("var", out, result)


def std(
    input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None, out=None
) -> Tensor:
    """Standard deviation over ``dim`` with ``correction`` (default 1), as ``torch.std``.

    >>> ember.std(ember.tensor([[1.0, 3.0], [2.0, 2.0]]), dim=1)
    tensor([1.4142, 0.0000])
    """
    result = _var_std("std", input, dim, unbiased, keepdim, correction, True)
    return result if out is None else write_out("std", out, result)


def var_mean(
    input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None
) -> tuple:
    """``(var, mean)`` over ``dim``, as ``torch.var_mean``.

    >>> ember.var_mean(ember.tensor([1.0, 3.0]))
    (tensor(2.), tensor(2.))
    """
    v = _var_std("var_mean", input, dim, unbiased, keepdim, correction, False)
    return v, mean(input, None if isinstance(dim, bool) else dim, keepdim)


def std_mean(
    input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None
) -> tuple:
    """``(std, mean)`` over ``dim``, as ``torch.std_mean``.

    >>> ember.std_mean(ember.tensor([1.0, 3.0]))
    (tensor(1.4142), tensor(2.))
    """
    s = _var_std("std_mean", input, dim, unbiased, keepdim, correction, True)
    return s, mean(input, None if isinstance(dim, bool) else dim, keepdim)


class Abs(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.abs(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * _sgn(x)


def _sgn(x: Tensor) -> Tensor:
    """x / |x| (0 at 0) in Ember ops; the inner ``where`` keeps 0/0 out of the graph."""
    z = const(x._data == 0)
    return where(z, 0.0, x / where(z, 1.0, Abs.apply(x)))


class Norm(Function):
    @staticmethod
    def forward(ctx, x, p, axes, keepdim):
        xp = ctx.xp
        ctx.in_shape, ctx.p, ctx.axes, ctx.keepdim = x.shape, p, axes, keepdim
        dt = _real_dtype(x.dtype)
        a = xp.abs(x).astype(float_compute_dtype(dt), copy=False)
        kw = {"axis": axes, "keepdims": keepdim}
        if p == math.inf:
            y = a.max(**kw)
        elif p == -math.inf:
            y = a.min(**kw)
        elif p == 0:
            y = (a != 0).sum(**kw)
        elif p == 1:
            y = a.sum(**kw)
        elif p == 2:
            y = xp.sqrt((a * a).sum(**kw))
        else:
            y = (a**p).sum(**kw) ** (1.0 / p)
        y = xp.asarray(y).astype(dt, copy=False)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        p = ctx.p
        if p == 0:
            return None, None, None, None  # zero almost everywhere
        gy = unreduce(gy, ctx.in_shape, ctx.axes, ctx.keepdim)
        y = unreduce(y, ctx.in_shape, ctx.axes, ctx.keepdim)
        if p == 1:
            return gy * _sgn(x), None, None, None
        zero = y == 0
        if math.isinf(p):  # split evenly among the entries attaining the max (min) |x|
            hit = const(array_module(x._data).abs(x._data) == y._data)
            count = const(hit._data.sum(axis=ctx.axes, keepdims=True))
            return _sgn(x) * where(hit, gy / count, 0.0), None, None, None
        scaled = where(zero, 0.0, gy / where(zero, 1.0, y) ** (p - 1))
        g = x * scaled if p == 2 else x * Abs.apply(x) ** (p - 2) * scaled
        return g, None, None, None


class NuclearNorm(Function):
    # Primitive (once differentiable): sum of singular values; grad is U @ Vh.
    @staticmethod
    def forward(ctx, x, axes, keepdim):
        xp = ctx.xp
        ctx.in_shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        m = xp.moveaxis(x, axes, (-2, -1))
        u, s, vh = xp.linalg.svd(m, full_matrices=False)
        ctx.uvh = xp.moveaxis(u @ vh, (-2, -1), axes)
        y = s.sum(axis=-1)
        if keepdim:
            y = xp.expand_dims(y, axes)
        return xp.asarray(y).astype(_real_dtype(x.dtype), copy=False)

    @staticmethod
    def backward(ctx, gy):
        gy = unreduce(gy, ctx.in_shape, ctx.axes, ctx.keepdim)
        return gy * const(ctx.uvh), None, None


def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, out=None, dtype=None):
    """Vector p-norm over ``dim`` (all elements by default; ``'fro'`` is p=2, ``inf`` the
    largest absolute value), or the nuclear norm of matrices (``'nuc'``), as ``torch.norm``.

    >>> ember.norm(ember.tensor([[3.0, 4.0], [0.0, 1.0]]), dim=1)
    tensor([5., 1.])
    """
    if input._data.dtype.kind in "biu":
        raise RuntimeError(
            "linalg.vector_norm: Expected a floating point or complex tensor as "
            f"input. Got {torch_name(input)}"
        )
    if dtype is not None:
        input = input.to(dtype)
    ndim = input._data.ndim
    if p == "nuc":
        axes = reduce_axes("norm", (-2, -1) if dim is None else dim, ndim)
        if len(axes) != 2:
            raise RuntimeError(f"norm: 'nuc' needs exactly two dims, got {dim}")
        if input._data.dtype.itemsize == 2:
            raise NotImplementedError(f'"norm" (nuc) not implemented for dtype {input.dtype}')
        result = NuclearNorm.apply(input, axes, keepdim)
    else:
        if p in ("fro", None):
            p = 2.0
        elif isinstance(p, str):
            raise RuntimeError(f"norm: unknown p {p!r}; use a number, inf, 'fro' or 'nuc'")
        axes = reduce_axes("norm", dim, ndim)
        if abs(p) == math.inf and _numel(input._data.shape, axes) == 0:
            raise RuntimeError(
                f"linalg.vector_norm cannot compute the {p} norm on an empty "
                "tensor because the operation does not have an identity"
            )
        result = Norm.apply(input, float(p), axes, keepdim)
    return result if out is None else write_out("norm", out, result)


class LogSumExp(Function):
    # Primitive: log(sum(exp(x - m))) + m with m the max, stable where exp would overflow.
    @staticmethod
    def forward(ctx, x, axes, keepdim, dt):
        xp = ctx.xp
        ctx.in_shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        xc = x.astype(float_compute_dtype(dt), copy=False)
        if xc.size and _numel(x.shape, axes):
            m = (xc.real if xc.dtype.kind == "c" else xc).max(axis=axes, keepdims=True)
            m = xp.where(xp.isfinite(m), m, 0)
        else:
            m = xp.zeros((), xc.real.dtype)
        if xc.dtype == dt:
            y = xp.log(xp.exp(xc - m).sum(axis=axes, keepdims=True)) + m
        else:  # 16-bit: round after each step, as PyTorch's composite kernel does
            r = lambda a: a.astype(dt).astype(xc.dtype)  # noqa: E731
            e = r(xp.exp(r(xc - m)))
            y = r(xp.log(r(e.sum(axis=axes, keepdims=True)))) + m
        y = y if keepdim else y.reshape(tuple(s for i, s in enumerate(y.shape) if i not in axes))
        y = xp.asarray(y).astype(dt, copy=False)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        gy = unreduce(gy, ctx.in_shape, ctx.axes, ctx.keepdim)
        y = unreduce(y, ctx.in_shape, ctx.axes, ctx.keepdim)
        return gy * _conj(exp(x - y)), None, None, None


def logsumexp(input: Tensor, dim, keepdim: bool = False, *, out=None) -> Tensor:
    """``log(sum(exp(input)))`` over ``dim``, computed stably; integer inputs give the
    default float dtype, as ``torch.logsumexp``.

    >>> ember.logsumexp(ember.tensor([[0.0, 0.0], [100.0, 100.0]]), dim=1)
    tensor([  0.6931, 100.6931])
    """
    x = input._data
    dt = get_default_dtype().np if x.dtype.kind in "biu" else x.dtype
    axes = reduce_axes("logsumexp", dim, x.ndim)
    result = LogSumExp.apply(input, axes, keepdim, dt)
    return result if out is None else write_out("logsumexp", out, result)


class Flip(Function):
    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        return ctx.xp.flip(x, axis).copy()

    @staticmethod
    def backward(ctx, gy):
        return Flip.apply(gy, ctx.axis), None


class CumSum(Function):
    @staticmethod
    def forward(ctx, x, axis, dt):
        ctx.axis = axis
        if x.ndim == 0:
            return x.astype(dt)
        y = ctx.xp.cumsum(x, axis=axis, dtype=float_compute_dtype(dt))
        return y.astype(dt, copy=False)

    @staticmethod
    def backward(ctx, gy):
        if gy._data.ndim == 0:
            return gy, None, None
        a = ctx.axis  # the reversed cumulative sum
        return Flip.apply(CumSum.apply(Flip.apply(gy, a), a, gy._data.dtype), a), None, None


def _cum_args(op, input, dim, dtype):
    x = input._data
    return wrap_dim(op, dim, x.ndim), _sum_dtype(x, dtype)


def cumsum(input: Tensor, dim: int, *, dtype=None, out=None) -> Tensor:
    """Cumulative sum along ``dim`` (integers in int64), as ``torch.cumsum``.

    >>> ember.cumsum(ember.tensor([1, 2, 3]), 0)
    tensor([1, 3, 6])
    """
    axis, dt = _cum_args("cumsum", input, dim, dtype)
    result = CumSum.apply(input, axis, dt)
    return result if out is None else write_out("cumsum", out, result)


def diff(input: Tensor, n: int = 1, dim: int = -1, prepend=None, append=None) -> Tensor:
    """The ``n``-th forward difference along ``dim`` (``out[i] = x[i + 1] - x[i]``; logical
    xor for bool), after concatenating ``prepend``/``append`` along ``dim``, as
    ``torch.diff``. Composed of slices and subtraction, so it is differentiable.

    >>> ember.diff(ember.tensor([1, 4, 9, 16]))
    tensor([3, 5, 7])
    """
    from ember._ops.shape import cat

    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = wrap_dim("diff", dim, input.ndim)
    parts = [t for t in (prepend, input, append) if t is not None]
    for t in parts:
        if t.ndim != input.ndim:
            raise RuntimeError(
                f"diff expects prepend or append to be the same dimension as input, got "
                f"{t.ndim}-d and {input.ndim}-d"
            )
    x = cat(parts, d) if len(parts) > 1 else input
    lead = (slice(None),) * d
    for _ in range(n):
        hi, lo = x[lead + (slice(1, None),)], x[lead + (slice(None, -1),)]
        x = hi.logical_xor(lo) if x._data.dtype.kind == "b" else hi - lo
    return x


class CumProd(Function):
    @staticmethod
    def forward(ctx, x, axis, dt):
        ctx.axis, ctx.dt = axis, dt
        y = x.astype(dt) if x.ndim == 0 else ctx.xp.cumprod(x, axis, float_compute_dtype(dt))
        y = y.astype(dt, copy=False)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        # dy_j/dx_k = prod_{i<=j, i!=k} x_i. Before the first zero z of a line that is
        # y_j / x_k; at z it is y_{z-1} * prod_{z<i<=j} x_i; after z it is 0.
        x, y = ctx.saved_tensors
        if x._data.ndim == 0:
            return gy, None, None
        a, xp = ctx.axis, ctx.xp
        zero = x._data == 0
        seen = xp.cumsum(zero, axis=a)
        before = const(seen == 0)
        rev = Flip.apply(CumSum.apply(Flip.apply(gy * _conj(y), a), a, gy._data.dtype), a)
        g = where(before, rev / _conj(where(before, x, 1.0)), 0.0)
        if not zero.any():
            return g, None, None
        at = zero & (seen == 1)
        after = const(seen >= 1)
        tail = CumProd.apply(where(const((seen >= 1) & ~at), x, 1.0), a, ctx.dt)
        head = Prod.apply(where(before, x, 1.0), (a,), True, ctx.dt)
        total = Sum.apply(where(after, gy * _conj(tail), 0.0), (a,), True, gy._data.dtype)
        return g + where(const(at), _conj(head) * total, 0.0), None, None


def cumprod(input: Tensor, dim: int, *, dtype=None, out=None) -> Tensor:
    """Cumulative product along ``dim`` (integers in int64), with a gradient that is exact
    at zeros, as ``torch.cumprod``.

    >>> ember.cumprod(ember.tensor([1.0, 2.0, 3.0]), 0)
    tensor([1., 2., 6.])
    """
    axis, dt = _cum_args("cumprod", input, dim, dtype)
    result = CumProd.apply(input, axis, dt)
    return result if out is None else write_out("cumprod", out, result)


class Logical(Function):
    @staticmethod
    def forward(ctx, x, axes, keepdim, kind):
        xp = ctx.xp
        if kind == "count_nonzero":
            return xp.asarray((x != 0).sum(axis=axes, keepdims=keepdim)).astype(numpy.int64)
        y = xp.asarray(getattr(xp, kind)(x, axis=axes, keepdims=keepdim))
        return y.astype(numpy.uint8) if x.dtype == numpy.uint8 else y  # PyTorch keeps uint8

    @staticmethod
    def backward(ctx, gy):
        return None, None, None, None


def _logical_axes(op, dim, ndim):
    # torch.all/any treat dim=() as "reduce nothing" (sum and friends reduce everything)
    return () if isinstance(dim, (tuple, list)) and not dim else reduce_axes(op, dim, ndim)


def all(input: Tensor, dim=None, keepdim: bool = False, *, out=None) -> Tensor:  # noqa: A001
    """Whether every element over ``dim`` is non-zero (bool; uint8 stays uint8), as
    ``torch.all``.

    >>> ember.all(ember.tensor([[True, False], [True, True]]), dim=1)
    tensor([False,  True])
    """
    axes = _logical_axes("all", dim, input._data.ndim)
    result = Logical.apply(input, axes, keepdim, "all")
    return result if out is None else write_out("all", out, result)


def any(input: Tensor, dim=None, keepdim: bool = False, *, out=None) -> Tensor:  # noqa: A001
    """Whether any element over ``dim`` is non-zero, as ``torch.any``.

    >>> ember.any(ember.tensor([[0, 0], [0, 3]]), dim=1)
    tensor([False,  True])
    """
    axes = _logical_axes("any", dim, input._data.ndim)
    result = Logical.apply(input, axes, keepdim, "any")
    return result if out is None else write_out("any", out, result)


def count_nonzero(input: Tensor, dim=None) -> Tensor:
    """Number of non-zero elements over ``dim`` (int64), as ``torch.count_nonzero``.

    >>> ember.count_nonzero(ember.tensor([[0, 1], [2, 3]]), dim=0)
    tensor([1, 2])
    """
    axes = reduce_axes("count_nonzero", dim, input._data.ndim)
    return Logical.apply(input, axes, False, "count_nonzero")


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
    if lead < 0 or builtins.any(s != 1 and s != shape[lead + i] for i, s in enumerate(size)):
        raise RuntimeError(
            f"sum_to_size: size {shape_str(size)} is not expandable to size {shape_str(shape)}"
        )
    axes = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(size) if s == 1 and shape[lead + i] != 1
    )
    out = Sum.apply(input, axes, True, input._data.dtype)
    return out.reshape(size) if lead else out


bind_methods(
    diff=diff,
    sum=sum,
    mean=mean,
    sum_to_size=sum_to_size,
    nansum=nansum,
    nanmean=nanmean,
    prod=prod,
    std=std,
    var=var,
    norm=norm,
    logsumexp=logsumexp,
    cumsum=cumsum,
    cumprod=cumprod,
    all=all,
    any=any,
    count_nonzero=count_nonzero,
)
