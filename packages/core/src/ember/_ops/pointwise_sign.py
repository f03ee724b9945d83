"""Sign, absolute value, rounding, relu, nan_to_num, classification (isnan ...) and complex
parts (angle, real, imag): pointwise ops that mostly keep the input dtype (part of the
pointwise family; ``pointwise`` re-exports these names).
"""

from __future__ import annotations

import math

import numpy

from ember._ops._checks import dtype_not_implemented
from ember._ops._inplace import write_out
from ember._ops.pointwise import unary_float, where
from ember._ops.pointwise_math import _need_tensor, _same_dtype, _wrap
from ember._tensor import Tensor
from ember.autograd.function import Function
from ember.backend.dtypes import NP_TO_DTYPE

__all__ = [
    "abs",
    "absolute",
    "sign",
    "sgn",
    "square",
    "ceil",
    "round",
    "frac",
    "fix",
    "relu",
    "isnan",
    "isinf",
    "isposinf",
    "isneginf",
    "isfinite",
    "isreal",
    "nan_to_num",
    "angle",
    "real",
    "imag",
    "positive",
]


# -- ops that keep the dtype -----------------------------------------------------------------
class Abs(Function):
    @staticmethod
    def forward(ctx, x):
        if x.dtype == numpy.bool_:
            raise dtype_not_implemented("abs", x.dtype)
        ctx.save_for_backward(x)
        return _same_dtype(ctx.xp.abs, x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * sgn(x)  # abs'(0) = 0, as PyTorch


abs = _wrap(
    "abs",
    Abs,
    """Elementwise absolute value (complex inputs give their real
    dtype), as ``torch.abs``.

    >>> ember.abs(ember.tensor([-1.5, 2.0]))
    tensor([1.5000, 2.0000])
    """,
)  # noqa: A001 - PyTorch's name
absolute = abs


class Sign(Function):
    @staticmethod
    def forward(ctx, x):
        if x.dtype.kind == "c":
            raise NotImplementedError(
                "sign: complex inputs are not supported (as in PyTorch); use sgn instead"
            )
        if x.dtype == numpy.bool_:
            return x.copy()
        # PyTorch gives 0 for NaN (numpy gives NaN).
        return _same_dtype(lambda a: ctx.xp.nan_to_num(ctx.xp.sign(a), nan=0), x)

    @staticmethod
    def backward(ctx, gy):
        return gy * 0


sign = _wrap(
    "sign",
    Sign,
    """Elementwise sign (-1, 0 or 1; 0 for NaN), as ``torch.sign``.

    >>> ember.sign(ember.tensor([-2.0, 0.0, 3.0]))
    tensor([-1.,  0.,  1.])
    """,
)


class Sgn(Function):
    @staticmethod
    def forward(ctx, x):
        xp = ctx.xp
        if x.dtype.kind != "c":
            return Sign.forward(ctx, x)
        r = xp.abs(x)
        y = xp.where(r == 0, 0, x / xp.where(r == 0, 1, r))
        ctx.save_for_backward(x, y)
        return y.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        if not ctx._saved:
            return gy * 0
        x, y = ctx.saved_tensors
        r = abs(x)
        # PyTorch's sgn_backward: (g - sgn^2 conj(g)) / (2|x|), and 0 at x == 0.
        g = (gy - y * y * gy.conj()) / (2 * where(r == 0, 1.0, r))
        return where(r == 0, 0.0, g)


sgn = _wrap(
    "sgn",
    Sgn,
    """Elementwise ``input / |input|`` for complex inputs (0 at 0), and
    ``sign`` for real ones, as ``torch.sgn``.

    >>> ember.sgn(ember.tensor([3 + 4j]))
    tensor([0.6000+0.8000j])
    """,
)


def square(input: Tensor, *, out=None) -> Tensor:
    """Elementwise ``input ** 2`` (bool gives int64, as ``torch.square``).

    >>> ember.square(ember.tensor([2, -3]))
    tensor([4, 9])
    """
    from ember._ops.pointwise import pow

    _need_tensor("square", input)
    result = pow(input, 2)
    return result if out is None else write_out("square", out, result)


def _rounding(name, xp_name, doc):
    def forward(ctx, x):
        if x.dtype.kind in "bc":
            raise dtype_not_implemented(name, x.dtype)
        if x.dtype.kind in "iu":
            return x.copy()
        return _same_dtype(getattr(ctx.xp, xp_name), x)

    cls = type(
        name.capitalize(),
        (Function,),
        {
            "forward": staticmethod(forward),
            "backward": staticmethod(lambda ctx, gy: gy * 0),
            "__module__": __name__,
        },
    )
    return cls, _wrap(name, cls, doc)


Ceil, ceil = _rounding(
    "ceil",
    "ceil",
    """Elementwise rounding up, as ``torch.ceil``.

    >>> ember.ceil(ember.tensor([-1.5, 1.5]))
    tensor([-1.,  2.])
    """,
)


class Round(Function):
    @staticmethod
    def forward(ctx, x, decimals):
        if x.dtype.kind in "bc" or (x.dtype.kind in "iu" and decimals):
            raise dtype_not_implemented("round", x.dtype)
        if x.dtype.kind in "iu":
            return x.copy()
        # numpy rounds half to even and scales by 10**decimals first, as PyTorch does.
        return _same_dtype(lambda a: ctx.xp.round(a, decimals), x)

    @staticmethod
    def backward(ctx, gy):
        return gy * 0, None


def round(input: Tensor, *, decimals: int = 0, out=None) -> Tensor:  # noqa: A001
    """Elementwise rounding half to even, to ``decimals`` decimal places, as ``torch.round``.

    >>> ember.round(ember.tensor([0.5, 1.5, 1.26]), decimals=0)
    tensor([0., 2., 1.])
    """
    _need_tensor("round", input)
    result = Round.apply(input, int(decimals))
    return result if out is None else write_out("round", out, result)


class Frac(Function):
    @staticmethod
    def forward(ctx, x):
        if x.dtype.kind not in "fV":
            raise dtype_not_implemented("frac", x.dtype)
        return _same_dtype(lambda a: a - ctx.xp.trunc(a), x)

    @staticmethod
    def backward(ctx, gy):
        return gy


frac = _wrap(
    "frac",
    Frac,
    """Elementwise fractional part ``input - trunc(input)``, as
    ``torch.frac``.

    >>> ember.frac(ember.tensor([1.25, -2.5]))
    tensor([ 0.2500, -0.5000])
    """,
)


def fix(input: Tensor, *, out=None) -> Tensor:
    """Alias of ``trunc``: elementwise rounding toward zero, as ``torch.fix``.

    >>> ember.fix(ember.tensor([-1.5]))
    tensor([-1.])
    """
    from ember._ops.pointwise import trunc

    return trunc(input, out=out)


class Relu(Function):
    @staticmethod
    def forward(ctx, x):
        if x.dtype.kind in "bc":
            raise dtype_not_implemented("relu", x.dtype)
        y = _same_dtype(lambda a: ctx.xp.maximum(a, 0), x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return where(y > 0, gy, 0.0)  # relu'(0) = 0, as PyTorch (threshold_backward)


relu = _wrap(
    "relu",
    Relu,
    """Elementwise ``max(input, 0)``, as ``torch.relu``.

    >>> ember.relu(ember.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """,
)


def positive(input: Tensor) -> Tensor:
    """The input itself (``+input``), as ``torch.positive``; bool tensors are refused.

    >>> ember.positive(ember.tensor([1.0]))
    tensor([1.])
    """
    if input._data.dtype == numpy.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


class NanToNum(Function):
    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        ctx.save_for_backward(x)
        if x.dtype.kind in "biu":
            return x.copy()
        xp = ctx.xp

        def fix_real(a, dt):
            info = numpy.finfo(dt) if dt.kind == "f" else NP_TO_DTYPE[dt]
            hi = info.max if posinf is None else posinf
            lo = info.min if neginf is None else neginf
            a = xp.where(xp.isnan(a), xp.asarray(nan, dt), a)
            a = xp.where(a == xp.inf, xp.asarray(hi, dt), a)
            return xp.where(a == -xp.inf, xp.asarray(lo, dt), a)

        if x.dtype.kind == "c":
            real_dt = x.real.dtype
            return (fix_real(x.real, real_dt) + 1j * fix_real(x.imag, real_dt)).astype(x.dtype)
        if x.dtype.kind == "V":  # bfloat16: finfo from Ember's table
            from ember.backend.dtypes import finfo

            info = finfo(NP_TO_DTYPE[x.dtype])
            hi = info.max if posinf is None else posinf
            lo = info.min if neginf is None else neginf
            a = xp.where(xp.isnan(x), xp.asarray(nan, x.dtype), x)
            a = xp.where(xp.isposinf(a.astype(numpy.float32)), xp.asarray(hi, x.dtype), a)
            return xp.where(xp.isneginf(a.astype(numpy.float32)), xp.asarray(lo, x.dtype), a)
        return fix_real(x, x.dtype)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return where(isfinite(x), gy, 0.0), None, None, None


def nan_to_num(
    input: Tensor,
    nan: float = 0.0,
    posinf: float | None = None,
    neginf: float | None = None,
    *,
    out=None,
) -> Tensor:
    """Replace NaN by ``nan`` and +/-inf by ``posinf``/``neginf`` (default: the dtype's
    largest/lowest finite value), as ``torch.nan_to_num``.

    >>> ember.nan_to_num(ember.tensor([float("nan"), 1.0]))
    tensor([0., 1.])
    """
    _need_tensor("nan_to_num", input)
    result = NanToNum.apply(input, nan, posinf, neginf)
    return result if out is None else write_out("nan_to_num", out, result)


# -- classification: bool results, no gradient ---------------------------------------------
def _classify(name, fn, doc, complex_ok=True):
    def forward(ctx, x):
        if not complex_ok and x.dtype.kind == "c":
            raise dtype_not_implemented(name, x.dtype)
        xp = ctx.xp
        if x.dtype.kind in "biu":
            return xp.full(x.shape, name in ("isfinite", "isreal"), dtype=numpy.bool_)
        if x.dtype.kind == "V":
            x = x.astype(numpy.float32)
        return xp.asarray(fn(xp, x))

    cls = type(
        name.capitalize(),
        (Function,),
        {
            "forward": staticmethod(forward),
            "backward": staticmethod(lambda ctx, gy: None),
            "__module__": __name__,
        },
    )
    return _wrap(name, cls, doc)


isnan = _classify(
    "isnan",
    lambda xp, a: xp.isnan(a),
    """Elementwise test for NaN, as
    ``torch.isnan``.

    >>> ember.isnan(ember.tensor([1.0, float("nan")]))
    tensor([False,  True])
    """,
)
isinf = _classify(
    "isinf",
    lambda xp, a: xp.isinf(a),
    """Elementwise test for +/-inf, as
    ``torch.isinf``.

    >>> ember.isinf(ember.tensor([1.0, float("inf")]))
    tensor([False,  True])
    """,
)
isposinf = _classify(
    "isposinf",
    lambda xp, a: xp.isposinf(a),
    """Elementwise test for +inf,
    as ``torch.isposinf``.

    >>> ember.isposinf(ember.tensor([float("-inf"), float("inf")]))
    tensor([False,  True])
    """,
    complex_ok=False,
)
isneginf = _classify(
    "isneginf",
    lambda xp, a: xp.isneginf(a),
    """Elementwise test for -inf,
    as ``torch.isneginf``.

    >>> ember.isneginf(ember.tensor([float("-inf"), float("inf")]))
    tensor([ True, False])
    """,
    complex_ok=False,
)
isfinite = _classify(
    "isfinite",
    lambda xp, a: xp.isfinite(a),
    """Elementwise test for
    finite values (not NaN or inf), as ``torch.isfinite``.

    >>> ember.isfinite(ember.tensor([1.0, float("inf")]))
    tensor([ True, False])
    """,
)
isreal = _classify(
    "isreal",
    lambda xp, a: a.imag == 0 if a.dtype.kind == "c" else xp.ones(a.shape, bool),
    """Elementwise test for a zero imaginary part (always true for real dtypes), as
    ``torch.isreal``.

    >>> ember.isreal(ember.tensor([1 + 0j, 1j]))
    tensor([ True, False])
    """,
)


# -- complex parts -------------------------------------------------------------------------
class Angle(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        xp = ctx.xp
        if x.dtype.kind == "c":
            return xp.angle(x)
        # PyTorch: pi for negative values, 0 otherwise (also at -0.0), NaN stays NaN.
        return unary_float(
            lambda a: xp.where(a < 0, math.pi, xp.where(a != a, a, 0)).astype(a.dtype), x
        )

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        if not x.is_complex():
            return gy * 0
        r2 = (x * x.conj()).real
        return where(x == 0, 0j, gy * x / where(r2 == 0, 1.0, r2) * 1j)


angle = _wrap(
    "angle",
    Angle,
    """Elementwise argument (phase) in radians; for real inputs
    ``pi`` where negative and 0 elsewhere, as ``torch.angle``.

    >>> ember.angle(ember.tensor([-1.0, 2.0]))
    tensor([3.1416, 0.0000])
    """,
)


class Real(Function):
    _view_of = 0

    @staticmethod
    def forward(ctx, x):
        return x.real

    @staticmethod
    def backward(ctx, gy):
        return gy


class Imag(Function):
    _view_of = 0

    @staticmethod
    def forward(ctx, x):
        return x.imag

    @staticmethod
    def backward(ctx, gy):
        return gy * 1j


def real(input: Tensor) -> Tensor:
    """The real part of a complex tensor as a view (real tensors are returned as they are),
    as ``torch.real``.

    >>> ember.real(ember.tensor([1 + 2j]))
    tensor([1.])
    """
    _need_tensor("real", input)
    return Real.apply(input) if input._data.dtype.kind == "c" else input


def imag(input: Tensor) -> Tensor:
    """The imaginary part of a complex tensor as a view, as ``torch.imag``.

    >>> ember.imag(ember.tensor([1 + 2j]))
    tensor([2.])
    """
    _need_tensor("imag", input)
    if input._data.dtype.kind != "c":
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return Imag.apply(input)
