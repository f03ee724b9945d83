"""Binary and ternary pointwise ops: logical/bitwise, remainder/fmod, maximum/minimum,
atan2, hypot, xlogy, clamp, lerp, addcmul/addcdiv, and the in-place fillers ``fill_``,
``zero_``, ``copy_`` (part of the pointwise family; ``pointwise`` re-exports these names).

Every op promotes its operands with ``result_np_dtype`` (PyTorch's rules, weak Python
scalars) and computes 16-bit floats in float32, rounding once.
"""

from __future__ import annotations

import numpy

from ember._ops._checks import broadcast_error, dtype_not_implemented, float_compute_dtype
from ember._ops._inplace import apply_inplace, write_out
from ember._ops.pointwise import (
    _binary,
    _cast,
    _conj,
    div,
    floor,
    pow,
    result_np_dtype,
    scalar_overflow_error,
    scalar_value,
    trunc,
    where,
)
from ember._ops.pointwise_sign import isnan
from ember._tensor import Tensor
from ember.autograd.function import Function
from ember.backend.dtypes import get_default_dtype

__all__ = [
    "logical_and",
    "logical_or",
    "logical_xor",
    "logical_not",
    "bitwise_and",
    "bitwise_or",
    "bitwise_xor",
    "bitwise_not",
    "bitwise_left_shift",
    "bitwise_right_shift",
    "remainder",
    "fmod",
    "maximum",
    "minimum",
    "fmax",
    "fmin",
    "atan2",
    "arctan2",
    "hypot",
    "xlogy",
    "float_power",
    "clamp",
    "clip",
    "clamp_min",
    "clamp_max",
    "lerp",
    "addcmul",
    "addcdiv",
]


def _float_dt(input, other):
    dt = result_np_dtype(input, other)
    return get_default_dtype().np if dt.kind in "biu" else dt


def _make_binary(name, fn, grads=None, *, kinds, doc, save=True):
    """A binary Function computing ``fn(xp, x, y)`` in the compute dtype of the result dtype
    ``dt``, and its wrapper. ``grads`` = (d/dx, d/dy) as ``g(gy, x, y, out)`` in Ember ops."""

    def forward(ctx, x, y, dt):
        if dt.kind not in kinds:
            raise dtype_not_implemented(name, dt)
        cd = float_compute_dtype(dt)
        out = ctx.xp.asarray(fn(ctx.xp, _cast(x, cd), _cast(y, cd)))
        if out.dtype != dt and out.dtype != numpy.bool_:
            out = out.astype(dt)
        if save:
            ctx.save_for_backward(x, y, out)
        return out

    def backward(ctx, gy):
        x, y, out = ctx.saved_tensors
        need = ctx.needs_input_grad
        gx = grads[0](gy, x, y, out) if need[0] else None
        gother = grads[1](gy, x, y, out) if need[1] else None
        return gx, gother, None

    camel = "".join(p.capitalize() for p in name.split("_"))
    cls = type(
        camel,
        (Function,),
        {
            "forward": staticmethod(forward),
            "backward": staticmethod(backward if grads else lambda ctx, gy: (None, None, None)),
            "__module__": __name__,
        },
    )
    return cls


def _wrapper(name, cls, doc, float_result=False):
    if float_result:

        def op(input, other, *, out=None) -> Tensor:
            result = _binary(
                cls, name, input, other, _float_dt(scalar_value(input), scalar_value(other))
            )
            return result if out is None else write_out(name, out, result)
    else:

        def op(input, other, *, out=None) -> Tensor:
            result = _binary(cls, name, input, other)
            return result if out is None else write_out(name, out, result)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


def _as_bool_input(x):
    # Logical ops test "nonzero"; ml_dtypes' bfloat16 has no logical ufuncs.
    return (
        x.astype(numpy.float32)
        if getattr(x, "dtype", None) is not None and (x.dtype.kind == "V")
        else x
    )


def _logical(name, ufunc, doc):
    cls = _make_binary(
        name,
        lambda xp, x, y: getattr(xp, ufunc)(_as_bool_input(x), _as_bool_input(y)),
        kinds="biufVc",
        doc=doc,
        save=False,
    )

    def forward(ctx, x, y, dt):
        return ctx.xp.asarray(getattr(ctx.xp, ufunc)(_as_bool_input(x), _as_bool_input(y)))

    cls.forward = staticmethod(forward)
    return _wrapper(name, cls, doc)


logical_and = _logical(
    "logical_and",
    "logical_and",
    """Elementwise logical AND of the
    truth values (nonzero) of ``input`` and ``other``, as ``torch.logical_and``.

    >>> ember.logical_and(ember.tensor([1, 0, 2]), ember.tensor([True, True, False]))
    tensor([ True, False, False])
    """,
)
logical_or = _logical(
    "logical_or",
    "logical_or",
    """Elementwise logical OR of the truth
    values, as ``torch.logical_or``.

    >>> ember.logical_or(ember.tensor([1, 0]), ember.tensor([0, 0]))
    tensor([ True, False])
    """,
)
logical_xor = _logical(
    "logical_xor",
    "logical_xor",
    """Elementwise logical XOR of the truth
    values, as ``torch.logical_xor``.

    >>> ember.logical_xor(ember.tensor([1, 0]), ember.tensor([1, 1]))
    tensor([False,  True])
    """,
)


class LogicalNot(Function):
    @staticmethod
    def forward(ctx, x):
        return ctx.xp.asarray(ctx.xp.logical_not(_as_bool_input(x)))

    @staticmethod
    def backward(ctx, gy):
        return None


def logical_not(input: Tensor, *, out=None) -> Tensor:
    """Elementwise logical NOT (``input == 0``) as a bool tensor, as ``torch.logical_not``.

    >>> ember.logical_not(ember.tensor([0.0, 2.0]))
    tensor([ True, False])
    """
    result = LogicalNot.apply(input)
    return result if out is None else write_out("logical_not", out, result)


def _bitwise(name, ufunc, doc, kinds="biu"):
    cls = _make_binary(
        name, lambda xp, x, y: getattr(xp, ufunc)(x, y), kinds=kinds, doc=doc, save=False
    )
    return _wrapper(name, cls, doc)


bitwise_and = _bitwise(
    "bitwise_and",
    "bitwise_and",
    """Elementwise bitwise AND of integer or
    bool tensors (the ``&`` operator), as ``torch.bitwise_and``.

    >>> ember.bitwise_and(ember.tensor([12, 10]), 6)
    tensor([4, 2])
    """,
)
bitwise_or = _bitwise(
    "bitwise_or",
    "bitwise_or",
    """Elementwise bitwise OR of integer or bool
    tensors (the ``|`` operator), as ``torch.bitwise_or``.

    >>> ember.bitwise_or(ember.tensor([12, 10]), 6)
    tensor([14, 14])
    """,
)
bitwise_xor = _bitwise(
    "bitwise_xor",
    "bitwise_xor",
    """Elementwise bitwise XOR of integer or
    bool tensors (the ``^`` operator), as ``torch.bitwise_xor``.

    >>> ember.bitwise_xor(ember.tensor([12, 10]), 6)
    tensor([10, 12])
    """,
)
bitwise_left_shift = _bitwise(
    "bitwise_left_shift",
    "left_shift",
    """Elementwise
    ``input << other`` for integer tensors, as ``torch.bitwise_left_shift``.

    >>> ember.bitwise_left_shift(ember.tensor([1, 3]), 2)
    tensor([ 4, 12])
    """,
    kinds="iu",
)
bitwise_right_shift = _bitwise(
    "bitwise_right_shift",
    "right_shift",
    """Elementwise
    arithmetic ``input >> other`` for integer tensors, as ``torch.bitwise_right_shift``.

    >>> ember.bitwise_right_shift(ember.tensor([8, -8]), 2)
    tensor([ 2, -2])
    """,
    kinds="iu",
)


class BitwiseNot(Function):
    @staticmethod
    def forward(ctx, x):
        if x.dtype.kind not in "biu":
            raise dtype_not_implemented("bitwise_not", x.dtype)
        return ctx.xp.invert(x)

    @staticmethod
    def backward(ctx, gy):
        return None


def bitwise_not(input: Tensor, *, out=None) -> Tensor:
    """Elementwise bitwise NOT of an integer or bool tensor (the ``~`` operator), as
    ``torch.bitwise_not``.

    >>> ember.bitwise_not(ember.tensor([0, 5]))
    tensor([-1, -6])
    """
    result = BitwiseNot.apply(input)
    return result if out is None else write_out("bitwise_not", out, result)


# -- remainder / fmod ------------------------------------------------------------------------
def _int_zero_check(xp, y, dt):
    if dt.kind in "iu" and bool((xp.asarray(y) == 0).any()):
        raise RuntimeError("ZeroDivisionError")


def _mod(xp_name):
    def fn(xp, x, y):
        _int_zero_check(xp, y, x.dtype if hasattr(x, "dtype") else y.dtype)
        return getattr(xp, xp_name)(x, y)

    return fn


Remainder = _make_binary(
    "remainder",
    _mod("remainder"),
    (lambda gy, x, y, out: gy, lambda gy, x, y, out: -gy * floor(div(x, y))),
    kinds="iufV",
    doc="",
)
Fmod = _make_binary(
    "fmod",
    _mod("fmod"),
    (lambda gy, x, y, out: gy, lambda gy, x, y, out: -gy * trunc(div(x, y))),
    kinds="iufV",
    doc="",
)
remainder = _wrapper(
    "remainder",
    Remainder,
    """Elementwise Python-style modulus: the result
    has the sign of ``other`` (the ``%`` operator), as ``torch.remainder``.

    >>> ember.remainder(ember.tensor([5, -5]), 3)
    tensor([2, 1])
    """,
)
fmod = _wrapper(
    "fmod",
    Fmod,
    """Elementwise C-style remainder: the result has the sign of
    ``input``, as ``torch.fmod``.

    >>> ember.fmod(ember.tensor([5, -5]), 3)
    tensor([ 2, -2])
    """,
)


# -- maximum / minimum -----------------------------------------------------------------------
def _max_grads(lose):
    # PyTorch: ties split the gradient in half; NaN positions pass it to both inputs.
    def gx(gy, x, y, out):
        return where(lose(x, y), 0.0, where(x == y, gy * 0.5, gy))

    def gother(gy, x, y, out):
        return where(lose(y, x), 0.0, where(x == y, gy * 0.5, gy))

    return gx, gother


def _fmax_grads(keep):
    # PyTorch: the gradient goes wholly to ``input`` where keep(x, y) or ``other`` is NaN.
    def mask(x, y):
        return keep(x, y) | isnan(y) if isinstance(y, Tensor) else keep(x, y)

    def gx(gy, x, y, out):
        return where(mask(x, y), gy, 0.0)

    def gother(gy, x, y, out):
        return where(mask(x, y), 0.0, gy)

    return gx, gother


Maximum = _make_binary(
    "maximum",
    lambda xp, x, y: xp.maximum(x, y),
    _max_grads(lambda a, b: a < b),
    kinds="biufV",
    doc="",
)
Minimum = _make_binary(
    "minimum",
    lambda xp, x, y: xp.minimum(x, y),
    _max_grads(lambda a, b: a > b),
    kinds="biufV",
    doc="",
)
Fmax = _make_binary(
    "fmax", lambda xp, x, y: xp.fmax(x, y), _fmax_grads(lambda a, b: a >= b), kinds="biufV", doc=""
)
Fmin = _make_binary(
    "fmin", lambda xp, x, y: xp.fmin(x, y), _fmax_grads(lambda a, b: a <= b), kinds="biufV", doc=""
)
maximum = _wrapper(
    "maximum",
    Maximum,
    """Elementwise maximum, propagating NaN; ties split
    the gradient evenly, as ``torch.maximum``.

    >>> ember.maximum(ember.tensor([1.0, 4.0]), ember.tensor([3.0, 2.0]))
    tensor([3., 4.])
    """,
)
minimum = _wrapper(
    "minimum",
    Minimum,
    """Elementwise minimum, propagating NaN; ties split
    the gradient evenly, as ``torch.minimum``.

    >>> ember.minimum(ember.tensor([1.0, 4.0]), ember.tensor([3.0, 2.0]))
    tensor([1., 2.])
    """,
)
fmax = _wrapper(
    "fmax",
    Fmax,
    """Elementwise maximum ignoring NaN (NaN only where both are
    NaN), as ``torch.fmax``.

    >>> ember.fmax(ember.tensor([1.0, float("nan")]), ember.tensor([3.0, 2.0]))
    tensor([3., 2.])
    """,
)
fmin = _wrapper(
    "fmin",
    Fmin,
    """Elementwise minimum ignoring NaN, as ``torch.fmin``.

    >>> ember.fmin(ember.tensor([1.0, float("nan")]), ember.tensor([3.0, 2.0]))
    tensor([1., 2.])
    """,
)


# -- floating binary ops ---------------------------------------------------------------------
def _r2(x, y):
    return x * x + y * y


Atan2 = _make_binary(
    "atan2",
    lambda xp, x, y: xp.arctan2(x, y),
    (lambda gy, x, y, out: gy * y / _r2(x, y), lambda gy, x, y, out: gy * -x / _r2(x, y)),
    kinds="fV",
    doc="",
)
Hypot = _make_binary(
    "hypot",
    lambda xp, x, y: xp.hypot(x, y),
    (lambda gy, x, y, out: gy * x / out, lambda gy, x, y, out: gy * y / out),
    kinds="fV",
    doc="",
)


def _xlogy(xp, x, y):
    # PyTorch: NaN where y is NaN, else 0 where x == 0, else x * log(y).
    res = xp.where(x == 0, 0, x * xp.log(y))
    return xp.where(xp.isnan(y), xp.nan, res)


def _xlogy_gx(gy, x, y, out):
    from ember._ops.pointwise import log

    logy = log(y) if isinstance(y, Tensor) else numpy.log(y)
    return where((x == 0) & (y <= 0), 0.0, gy * logy) if isinstance(x, Tensor) else gy * logy


Xlogy = _make_binary(
    "xlogy", _xlogy, (_xlogy_gx, lambda gy, x, y, out: gy * x / y), kinds="fV", doc=""
)

atan2 = _wrapper(
    "atan2",
    Atan2,
    """Elementwise angle of the point ``(other, input)``: the
    arctangent of ``input / other`` in the right quadrant, as ``torch.atan2``.

    >>> ember.atan2(ember.tensor([1.0]), ember.tensor([-1.0]))
    tensor([2.3562])
    """,
    float_result=True,
)
arctan2 = atan2
hypot = _wrapper(
    "hypot",
    Hypot,
    """Elementwise ``sqrt(input**2 + other**2)`` for floating
    tensors, as ``torch.hypot``.

    >>> ember.hypot(ember.tensor([3.0]), ember.tensor([4.0]))
    tensor([5.])
    """,
)
xlogy = _wrapper(
    "xlogy",
    Xlogy,
    """Elementwise ``input * log(other)``, 0 where ``input`` is
    0 (unless ``other`` is NaN), as ``torch.xlogy``.

    >>> ember.xlogy(ember.tensor([0.0, 2.0]), ember.tensor([0.0, 1.0]))
    tensor([0., 0.])
    """,
    float_result=True,
)


def float_power(input, exponent, *, out=None) -> Tensor:
    """Elementwise ``input ** exponent`` computed in double precision (float64, or complex128
    for complex operands), as ``torch.float_power``.

    >>> ember.float_power(ember.tensor([2]), 3)
    tensor([8.], dtype=ember.float64)
    """
    from ember.backend.dtypes import complex128, float64

    complex_ = any(
        (isinstance(a, Tensor) and a._data.dtype.kind == "c") or isinstance(a, complex)
        for a in (input, exponent)
    )
    target = complex128 if complex_ else float64

    def up(a):
        if isinstance(a, Tensor):
            return a if a._data.dtype == target.np else a.to(target)
        return complex(a) if complex_ else float(a)

    result = pow(up(input), up(exponent))
    return result if out is None else write_out("float_power", out, result)


# -- clamp -----------------------------------------------------------------------------------
class Clamp(Function):
    @staticmethod
    def forward(ctx, x, lo, hi, dt):
        if dt.kind not in "iufV":
            if dt.kind == "c":
                raise RuntimeError("clamp is not supported for complex types")
            raise dtype_not_implemented("clamp", dt)
        xp = ctx.xp
        cd = float_compute_dtype(dt)
        y = _cast(x, cd)
        # maximum then minimum: where lo > hi the result is hi, as PyTorch; NaN in x
        # propagates (numpy's clip does the same but costs far more per call).
        if lo is not None:
            y = xp.maximum(y, _cast(lo, cd))
        if hi is not None:
            y = xp.minimum(y, _cast(hi, cd))
        y = xp.asarray(y)
        if y.dtype != dt:
            y = y.astype(dt)
        ctx.save_for_backward(x, lo, hi)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, lo, hi = ctx.saved_tensors
        need = ctx.needs_input_grad
        glo = ghi = None
        if lo is not None and hi is not None:
            gx = where((x >= lo) & (x <= hi), gy, 0.0) if need[0] else None
            if need[1]:
                glo = where((x < lo) & (lo < hi), gy, 0.0)
            if need[2]:
                ghi = where((x > hi) | (hi < lo), gy, 0.0)
        elif lo is not None:
            gx = where(x >= lo, gy, 0.0) if need[0] else None
            glo = where(x < lo, gy, 0.0) if need[1] else None
        else:
            gx = where(x <= hi, gy, 0.0) if need[0] else None
            ghi = where(x > hi, gy, 0.0) if need[2] else None
        return gx, glo, ghi, None


def clamp(input: Tensor, min=None, max=None, *, out=None) -> Tensor:  # noqa: A002
    """Elementwise ``min(max(input, min), max)``; ``min``/``max`` are numbers or tensors
    (broadcast), either may be None. The gradient passes where ``min <= input <= max``
    (inclusive), as ``torch.clamp``.

    >>> ember.clamp(ember.tensor([-2.0, 0.5, 3.0]), min=-1, max=1)
    tensor([-1.0000,  0.5000,  1.0000])
    """
    if min is None and max is None:
        raise RuntimeError("clamp: At least one of 'min' or 'max' must not be None")
    if not isinstance(input, Tensor):
        raise TypeError(f"clamp(): argument 'input' must be Tensor, not {type(input).__name__}")
    lo, hi = scalar_value(min), scalar_value(max)
    dt = result_np_dtype(input, *(a for a in (lo, hi) if a is not None))
    try:
        result = Clamp.apply(input, lo, hi, dt)
    except ValueError:
        shapes = [a._data.shape for a in (input, lo, hi) if isinstance(a, Tensor)]
        raise broadcast_error("clamp", *shapes) from None
    except OverflowError:
        raise scalar_overflow_error("clamp", lo, hi, dt) from None
    return result if out is None else write_out("clamp", out, result)


clip = clamp


def clamp_min(input: Tensor, min, *, out=None) -> Tensor:  # noqa: A002
    """``clamp(input, min=min)``, as ``torch.clamp_min``.

    >>> ember.clamp_min(ember.tensor([-1.0, 2.0]), 0)
    tensor([0., 2.])
    """
    return clamp(input, min=min, out=out)


def clamp_max(input: Tensor, max, *, out=None) -> Tensor:  # noqa: A002
    """``clamp(input, max=max)``, as ``torch.clamp_max``.

    >>> ember.clamp_max(ember.tensor([-1.0, 2.0]), 0)
    tensor([-1.,  0.])
    """
    return clamp(input, max=max, out=out)


# -- lerp / addcmul / addcdiv ----------------------------------------------------------------
def _ternary(cls, name, args, dt):
    try:
        return cls.apply(*args, dt)
    except ValueError:
        shapes = [a._data.shape for a in args if isinstance(a, Tensor)]
        raise broadcast_error(name, *shapes) from None


class Lerp(Function):
    @staticmethod
    def forward(ctx, x, end, weight, dt):
        if dt.kind not in "fVc":
            raise dtype_not_implemented("lerp", dt)
        xp = ctx.xp
        cd = float_compute_dtype(dt)
        a, b, w = _cast(x, cd), _cast(end, cd), _cast(weight, cd)
        # PyTorch's two-sided formula: exact at w == 0 and w == 1.
        if hasattr(w, "dtype"):
            y = xp.where(xp.abs(w) < 0.5, a + w * (b - a), b - (b - a) * (1 - w))
        else:  # a Python weight picks one side for all elements
            y = a + w * (b - a) if abs(w) < 0.5 else b - (b - a) * (1 - w)
        y = xp.asarray(y)
        ctx.save_for_backward(x, end, weight)
        return y if y.dtype == dt else y.astype(dt)

    @staticmethod
    def backward(ctx, gy):
        x, end, weight = ctx.saved_tensors
        need = ctx.needs_input_grad
        gx = gy * _conj(1 - weight) if need[0] else None
        gend = gy * _conj(weight) if need[1] else None
        gw = gy * _conj(end - x) if need[2] else None
        return gx, gend, gw, None


def lerp(input: Tensor, end: Tensor, weight, *, out=None) -> Tensor:
    """Elementwise ``input + weight * (end - input)`` with a number or tensor ``weight``, as
    ``torch.lerp``.

    >>> ember.lerp(ember.tensor([0.0, 1.0]), ember.tensor([10.0, 3.0]), 0.5)
    tensor([5., 2.])
    """
    weight = scalar_value(weight)
    dt = result_np_dtype(input, end)
    result = _ternary(Lerp, "lerp", (input, end, weight), dt)
    return result if out is None else write_out("lerp", out, result)


class Addcmul(Function):
    @staticmethod
    def forward(ctx, x, t1, t2, value, dt):
        if dt == numpy.bool_:
            raise dtype_not_implemented("addcmul", dt)
        if dt.kind in "iu" and not isinstance(value, int):
            raise RuntimeError(
                "addcmul: for integral input tensors, argument value must not be a floating "
                f"point number (got {value!r})"
            )
        cd = float_compute_dtype(dt)
        y = ctx.xp.asarray(_cast(x, cd) + value * _cast(t1, cd) * _cast(t2, cd))
        ctx.value = value
        ctx.save_for_backward(t1, t2)
        return y if y.dtype == dt else y.astype(dt)

    @staticmethod
    def backward(ctx, gy):
        t1, t2 = ctx.saved_tensors
        need, v = ctx.needs_input_grad, ctx.value
        g1 = gy * _conj(t2 * v) if need[1] else None
        g2 = gy * _conj(t1 * v) if need[2] else None
        return gy, g1, g2, None, None


class Addcdiv(Function):
    @staticmethod
    def forward(ctx, x, t1, t2, value, dt):
        if dt.kind in "biu":
            raise RuntimeError(
                "addcdiv: integer division with addcdiv is not supported (as in PyTorch); use "
                "(input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype)"
            )
        cd = float_compute_dtype(dt)
        y = ctx.xp.asarray(_cast(x, cd) + value * (_cast(t1, cd) / _cast(t2, cd)))
        ctx.value = value
        ctx.save_for_backward(t1, t2)
        return y if y.dtype == dt else y.astype(dt)

    @staticmethod
    def backward(ctx, gy):
        t1, t2 = ctx.saved_tensors
        need, v = ctx.needs_input_grad, ctx.value
        g1 = gy * _conj(v / t2) if need[1] else None
        g2 = -gy * _conj(v * t1 / (t2 * t2)) if need[2] else None
        return gy, g1, g2, None, None


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1, out=None) -> Tensor:
    """Elementwise ``input + value * tensor1 * tensor2`` (broadcast), as ``torch.addcmul``.

    >>> ember.addcmul(ember.tensor([1.0]), ember.tensor([2.0]), ember.tensor([3.0]), value=2)
    tensor([13.])
    """
    value = scalar_value(value)
    dt = result_np_dtype(input, tensor1, tensor2)
    result = _ternary(Addcmul, "addcmul", (input, tensor1, tensor2, value), dt)
    return result if out is None else write_out("addcmul", out, result)


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1, out=None) -> Tensor:
    """Elementwise ``input + value * tensor1 / tensor2`` (broadcast, floating only), as
    ``torch.addcdiv``.

    >>> ember.addcdiv(ember.tensor([1.0]), ember.tensor([3.0]), ember.tensor([2.0]), value=2)
    tensor([4.])
    """
    value = scalar_value(value)
    dt = result_np_dtype(input, tensor1, tensor2)
    result = _ternary(Addcdiv, "addcdiv", (input, tensor1, tensor2, value), dt)
    return result if out is None else write_out("addcdiv", out, result)


# -- fill_, zero_, copy_ ---------------------------------------------------------------------
class Fill(Function):
    @staticmethod
    def forward(ctx, x, value):
        xp = ctx.xp
        if getattr(value, "ndim", 0) != 0:
            raise RuntimeError(
                f"fill_ only supports 0-dimension value tensor but got tensor with "
                f"{value.ndim} dimensions."
            )
        if hasattr(value, "dtype") and value.dtype.kind == "c" and x.dtype.kind != "c":
            value = value.real
        elif isinstance(value, complex) and x.dtype.kind != "c":
            raise RuntimeError(
                f"fill_: value cannot be converted to type {x.dtype} without overflow"
            )
        y = xp.empty(x.shape, dtype=x.dtype)
        y[...] = value  # a number or a 0-d array (numpy or cupy)
        return y

    @staticmethod
    def backward(ctx, gy):
        # The old values are overwritten; a 0-d value tensor gets the summed gradient (the
        # engine sums the broadcast gradient down to its shape).
        return None, gy if ctx.needs_input_grad[1] else None


def _fill_(self: Tensor, value) -> Tensor:
    """Fill this tensor in place with a number or a 0-d tensor (differentiable w.r.t. a
    tensor ``value``), as ``Tensor.fill_``.

    >>> ember.zeros(2).fill_(3)
    tensor([3., 3.])
    """
    return apply_inplace("fill_", self, Fill.apply(self, scalar_value(value)))


def _zero_(self: Tensor) -> Tensor:
    """Fill this tensor with zeros in place, as ``Tensor.zero_``.

    >>> ember.ones(2).zero_()
    tensor([0., 0.])
    """
    return apply_inplace("zero_", self, Fill.apply(self, 0))


class Copy(Function):
    @staticmethod
    def forward(ctx, x, src):
        xp = ctx.xp
        if src.dtype.kind == "c" and x.dtype.kind != "c":
            src = src.real  # PyTorch discards the imaginary part (with a warning)
        try:
            return xp.broadcast_to(src, x.shape).astype(x.dtype)
        except ValueError:
            raise RuntimeError(
                f"copy_: the source of shape {tuple(src.shape)} cannot be broadcast to the "
                f"destination of shape {tuple(x.shape)}"
            ) from None

    @staticmethod
    def backward(ctx, gy):
        return None, gy if ctx.needs_input_grad[1] else None


def _copy_(self: Tensor, src, non_blocking: bool = False) -> Tensor:
    """Copy ``src`` into this tensor in place, broadcasting, casting to this tensor's dtype
    and moving across devices; differentiable w.r.t. ``src``, as ``Tensor.copy_``.

    >>> ember.zeros(2, 2).copy_(ember.tensor([1, 2]))
    tensor([[1., 2.],
            [1., 2.]])
    """
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'src' must be Tensor, not {type(src).__name__}")
    if type(src._data) is not type(self._data) or src.device != self.device:
        src = src.to(self.device)
    return apply_inplace("copy_", self, Copy.apply(self, src))
