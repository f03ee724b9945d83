"""Special functions: erf, erfc, erfinv, lgamma, digamma, polygamma and logit (part of the
pointwise family; see Note [floating unary ops] in ``pointwise_math``). numpy has none of
them: they come from ``scipy.special`` on CPU and ``cupyx.scipy.special`` on GPU.
"""

from __future__ import annotations

import math

import numpy

from ember._ops._checks import dtype_not_implemented
from ember._ops._inplace import write_out
from ember._ops.pointwise import exp, float_result_dtype, unary_float, where
from ember._ops.pointwise_math import _float_op, _need_tensor
from ember._tensor import Tensor
from ember.autograd.function import Function

__all__ = [
    "logit",
    "erf",
    "erfc",
    "erfinv",
    "lgamma",
    "digamma",
    "polygamma",
]

_SQRT_PI = math.sqrt(math.pi)


def _special(xp):
    """``scipy.special`` for numpy arrays, ``cupyx.scipy.special`` for cupy ones."""
    if xp is numpy:
        import scipy.special

        return scipy.special
    import cupyx.scipy.special

    return cupyx.scipy.special


Erf, erf = _float_op(
    "erf",
    lambda xp, a: _special(xp).erf(a),
    lambda x, y: (2 / _SQRT_PI) * exp(-(x * x)),
    save_x=True,
    complex_ok=False,
    doc="""Elementwise error function, as ``torch.erf``.

    >>> ember.erf(ember.tensor([0.0]))
    tensor([0.])
    """,
)
Erfc, erfc = _float_op(
    "erfc",
    lambda xp, a: _special(xp).erfc(a),
    lambda x, y: (-2 / _SQRT_PI) * exp(-(x * x)),
    save_x=True,
    complex_ok=False,
    doc="""Elementwise complementary error function ``1 - erf(input)``, as ``torch.erfc``.

    >>> ember.erfc(ember.tensor([0.0]))
    tensor([1.])
    """,
)
Erfinv, erfinv = _float_op(
    "erfinv",
    lambda xp, a: _special(xp).erfinv(a),
    lambda x, y: (_SQRT_PI / 2) * exp(y * y),
    save_y=True,
    complex_ok=False,
    doc="""Elementwise inverse error function on (-1, 1), as ``torch.erfinv``.

    >>> ember.erfinv(ember.tensor([0.0]))
    tensor([0.])
    """,
)


def _lgamma(xp, a):
    y = _special(xp).gammaln(a)
    return xp.where(a == -xp.inf, xp.inf, y).astype(y.dtype, copy=False)  # PyTorch: +inf


Lgamma, lgamma = _float_op(
    "lgamma",
    _lgamma,
    lambda x, y: digamma(x),
    save_x=True,
    complex_ok=False,
    doc="""Elementwise ``log(|gamma(input)|)``, as ``torch.lgamma``.

    >>> ember.lgamma(ember.tensor([1.0, 3.0]))
    tensor([0.0000, 0.6931])
    """,
)


def _digamma(xp, a):
    # PyTorch returns -inf at +0 and +inf at -0 (scipy gives nan there).
    y = _special(xp).psi(a)
    return xp.where(a == 0, xp.copysign(xp.inf, -a), y).astype(y.dtype, copy=False)


Digamma, digamma = _float_op(
    "digamma",
    _digamma,
    lambda x, y: polygamma(1, x),
    save_x=True,
    complex_ok=False,
    doc="""Elementwise logarithmic derivative of the gamma function, as ``torch.digamma``.

    >>> ember.digamma(ember.tensor([1.0]))
    tensor([-0.5772])
    """,
)


class Polygamma(Function):
    @staticmethod
    def forward(ctx, x, n):
        if x.dtype.kind == "c":
            raise dtype_not_implemented("polygamma", x.dtype)
        ctx.n = n
        ctx.save_for_backward(x)
        if n == 0:
            return unary_float(lambda a: _digamma(ctx.xp, a), x)
        return unary_float(lambda a: _special(ctx.xp).polygamma(n, a).astype(a.dtype), x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * polygamma(ctx.n + 1, x), None


def polygamma(n: int, input: Tensor, *, out=None) -> Tensor:
    """Elementwise ``n``-th derivative of the digamma function, as ``torch.polygamma``.

    >>> ember.polygamma(1, ember.tensor([1.0]))
    tensor([1.6449])
    """
    _need_tensor("polygamma", input)
    if n < 0:
        raise RuntimeError(f"polygamma(n, x) does not support negative n, got n={n}")
    result = Polygamma.apply(input, int(n))
    return result if out is None else write_out("polygamma", out, result)


class Logit(Function):
    @staticmethod
    def forward(ctx, x, eps):
        if x.dtype.kind == "c":
            raise dtype_not_implemented("logit", x.dtype)
        ctx.eps = eps
        ctx.save_for_backward(x)
        xp = ctx.xp
        # PyTorch rounds x / (1 - x) to the result dtype step by step (16-bit floats too),
        # then takes the log in float32.
        dt = float_result_dtype(x)
        a = x.astype(dt, copy=False)
        if eps is not None:
            a = xp.clip(a, dt.type(eps), dt.type(1 - eps)).astype(dt, copy=False)
        return unary_float(xp.log, xp.asarray(a / (1 - a)).astype(a.dtype, copy=False))

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        g = gy / (x * (1 - x))
        if ctx.eps is None:
            return where((x < 0) | (x > 1), math.nan, g), None
        return where((x < ctx.eps) | (x > 1 - ctx.eps), 0.0, g), None


def logit(input: Tensor, eps: float | None = None, *, out=None) -> Tensor:
    """Elementwise ``log(p / (1 - p))``, with ``p`` clamped to ``[eps, 1 - eps]`` when ``eps``
    is given (and then zero gradient outside it), as ``torch.logit``.

    >>> ember.logit(ember.tensor([0.5]))
    tensor([0.])
    """
    _need_tensor("logit", input)
    result = Logit.apply(input, None if eps is None else float(eps))
    return result if out is None else write_out("logit", out, result)
