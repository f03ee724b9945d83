"""Pointwise ops: arithmetic with PyTorch's type promotion, comparisons, and the family's
Tensor methods and operators.

Binary ops take the result dtype as an argument computed once by ``result_np_dtype`` (weak
Python scalars, 0-d tensors, categories) and cast inside forward; backward returns grads in
the broadcast shape and result dtype, and the engine sums/casts them to each input's shape
and dtype (PyTorch's validate_outputs), so no op repeats that logic.

The rest of the family lives in ``pointwise_math`` (exp/log/trig), ``pointwise_special``
(erf, lgamma, digamma ...), ``pointwise_sign`` (abs, sign, rounding, isnan ..., complex
parts) and ``pointwise_binary`` (logical/bitwise, remainder, maximum, clamp, lerp, addcmul,
fill_/zero_/copy_); their names are re-exported here and listed in ``__all__``.
"""

from __future__ import annotations

import cmath
import math
import numbers

import numpy

from ember._ops._checks import broadcast_error, dtype_not_implemented, float_compute_dtype
from ember._ops._inplace import apply_inplace, write_out
from ember._tensor import Tensor, bind_methods
from ember.autograd.function import Function
from ember.backend.dtypes import (
    DEFAULT_DTYPE_CALLBACKS,
    NP_TO_DTYPE,
    get_default_dtype,
    result_type_from,
)

__all__ = [
    "add",
    "sub",
    "subtract",
    "mul",
    "multiply",
    "div",
    "divide",
    "true_divide",
    "neg",
    "negative",
    "pow",
    "exp",
    "log",
    "result_np_dtype",
]

# -- type promotion ------------------------------------------------------------------------
_RESULT_CACHE: dict = {}
DEFAULT_DTYPE_CALLBACKS.append(_RESULT_CACHE.clear)


_SCALAR_KEY = {bool: bool, int: int, float: float, complex: complex}


def _key(a):
    if isinstance(a, Tensor):
        d = a._data
        return (d.dtype, d.ndim == 0)
    k = _SCALAR_KEY.get(type(a))  # Python scalars skip the slow ABC checks below
    if k is not None:
        return k
    if isinstance(a, (bool, numpy.bool_)):
        return bool
    if isinstance(a, numbers.Integral):
        return int
    if isinstance(a, numbers.Real):
        return float
    if isinstance(a, numbers.Complex):
        return complex
    raise TypeError(f"expected a Tensor or a Python number, got {type(a).__name__}")


def result_np_dtype(*args):
    """The numpy dtype PyTorch's promotion gives for tensors and Python scalars ``args``.

    >>> ember.result_np_dtype(ember.tensor([1, 2]), 2.5)
    dtype('float32')
    """
    key = tuple(map(_key, args))
    dt = _RESULT_CACHE.get(key)
    if dt is None:
        dims, zeros, scalars = [], [], []
        for k in key:
            if type(k) is tuple:
                (zeros if k[1] else dims).append(NP_TO_DTYPE[k[0]])
            else:
                scalars.append(k())
        dt = _RESULT_CACHE[key] = result_type_from(dims, zeros, scalars).np
    return dt


def scalar_value(a):
    """A Python number from a numpy scalar (Python numbers pass through)."""
    return a.item() if isinstance(a, numpy.generic) else a


def _cast(x, dt):
    xdt = getattr(x, "dtype", None)
    if xdt is None or xdt is dt:  # a Python scalar, or already in dtype
        return x
    return x if xdt == dt else x.astype(dt)


def _conj(t):
    if isinstance(t, Tensor):
        return t.conj() if t._data.dtype.kind == "c" else t
    return t.conjugate() if isinstance(t, complex) else t


_PAIR_CACHE: dict = {}
DEFAULT_DTYPE_CALLBACKS.append(_PAIR_CACHE.clear)


_PY_SCALARS = frozenset((int, float, bool, complex))


def _binary(cls, name, input, other, dt=None):
    key = None
    if dt is None:
        # Hot path: one flat cache key for tensor-tensor and tensor-Python-scalar operands
        # (scalar types stand for their category); anything else takes the general route.
        # (Tensor subclasses such as Parameter qualify too, after the exact-type test.)
        ti, to = type(input), type(other)
        if ti is Tensor or isinstance(input, Tensor):
            a = input._data
            if to is Tensor or isinstance(other, Tensor):
                b = other._data
                key = (a.dtype, a.ndim == 0, b.dtype, b.ndim == 0)
            elif to in _PY_SCALARS:
                key = (a.dtype, a.ndim == 0, to)
        elif ti in _PY_SCALARS and isinstance(other, Tensor):
            b = other._data
            key = (ti, b.dtype, b.ndim == 0)
        if key is not None:
            dt = _PAIR_CACHE.get(key)
            if dt is None:
                dt = _PAIR_CACHE[key] = result_np_dtype(input, other)
    if key is None:
        if not isinstance(input, Tensor) and not isinstance(other, Tensor):
            raise TypeError(f"{name}(): expected at least one Tensor argument")
        input, other = scalar_value(input), scalar_value(other)
        if dt is None:
            dt = result_np_dtype(input, other)
    try:
        return cls.apply(input, other, dt)
    except ValueError:
        shapes = [a._data.shape for a in (input, other) if isinstance(a, Tensor)]
        raise broadcast_error(name, *shapes) from None
    except OverflowError:
        pass
    # numpy refuses a Python int outside an integer dtype's range; PyTorch wraps it.
    try:
        input, other = (
            numpy.array(a).astype(dt)[()] if isinstance(a, numbers.Integral) else a
            for a in (input, other)
        )
    except OverflowError:
        raise scalar_overflow_error(name, input, other, dt) from None
    return cls.apply(input, other, dt)


def scalar_overflow_error(name, *args) -> RuntimeError:
    """numpy refuses a Python int outside an integer dtype's range; PyTorch's wording."""
    value = next((a for a in args[:-1] if isinstance(a, numbers.Number)), None)
    return RuntimeError(
        f"{name}: value {value} cannot be converted to type {NP_TO_DTYPE[args[-1]]} without "
        "overflow"
    )


class Add(Function):
    @staticmethod
    def forward(ctx, x, y, dt):
        cd = float_compute_dtype(dt)
        out = _cast(x, cd) + _cast(y, cd)
        return out if cd is dt else out.astype(dt)

    @staticmethod
    def backward(ctx, gy):
        return gy, gy, None


class Sub(Function):
    @staticmethod
    def forward(ctx, x, y, dt):
        if dt == numpy.bool_:
            raise RuntimeError(
                "Subtraction, the `-` operator, with two bool tensors is not supported. "
                "Use the `^` or `logical_xor()` operator instead."
            )
        if getattr(x, "dtype", None) == numpy.bool_ or getattr(y, "dtype", None) == numpy.bool_:
            raise RuntimeError(
                "Subtraction, the `-` operator, with a bool tensor is not supported. If you "
                "are trying to invert a mask, use the `~` or `logical_not()` operator instead."
            )
        cd = float_compute_dtype(dt)
        out = _cast(x, cd) - _cast(y, cd)
        return out if cd is dt else out.astype(dt)

    @staticmethod
    def backward(ctx, gy):
        return gy, -gy if ctx.needs_input_grad[1] else None, None


class Mul(Function):
    @staticmethod
    def forward(ctx, x, y, dt):
        # Save only what the needed grads read, so an in-place change of a factor whose own
        # grad is not needed does not invalidate the graph (as in PyTorch).
        needs = ctx.needs_input_grad
        ctx.save_for_backward(x if needs[1] else None, y if needs[0] else None)
        cd = float_compute_dtype(dt)
        out = _cast(x, cd) * _cast(y, cd)
        return out if cd is dt else out.astype(dt)

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        gx = gy * _conj(y) if ctx.needs_input_grad[0] else None
        gy_ = gy * _conj(x) if ctx.needs_input_grad[1] else None
        return gx, gy_, None


class Div(Function):
    @staticmethod
    def forward(ctx, x, y, dt):
        cd = float_compute_dtype(dt)
        out = _cast(x, cd) / _cast(y, cd)
        out = out if cd is dt else out.astype(dt)
        ctx.save_for_backward(y, out)
        return out

    @staticmethod
    def backward(ctx, gy):
        y, out = ctx.saved_tensors
        gx = gy / _conj(y) if ctx.needs_input_grad[0] else None
        gy_ = -gy * _conj(out / y) if ctx.needs_input_grad[1] else None
        return gx, gy_, None


def add(input, other, *, alpha=1, out=None) -> Tensor:
    """``input + alpha * other`` with broadcasting and PyTorch's type promotion.

    >>> ember.add(ember.tensor([1, 2]), 0.5)
    tensor([1.5000, 2.5000])
    """
    if alpha != 1:
        other = mul(other, alpha)
    result = _binary(Add, "add", input, other)
    return result if out is None else write_out("add", out, result)


def sub(input, other, *, alpha=1, out=None) -> Tensor:
    """``input - alpha * other`` with broadcasting and type promotion, as ``torch.sub``.

    >>> ember.sub(ember.tensor([3.0]), ember.tensor([1.0]), alpha=2)
    tensor([1.])
    """
    if alpha != 1:
        other = mul(other, alpha)
    result = _binary(Sub, "sub", input, other)
    return result if out is None else write_out("sub", out, result)


def mul(input, other, *, out=None) -> Tensor:
    """Elementwise product with broadcasting and type promotion, as ``torch.mul``.

    >>> ember.mul(ember.tensor([1.0, 2.0]), 3)
    tensor([3., 6.])
    """
    result = _binary(Mul, "mul", input, other)
    return result if out is None else write_out("mul", out, result)


def div(input, other, *, rounding_mode=None, out=None) -> Tensor:
    """Elementwise division; integer inputs give a float result unless ``rounding_mode`` is
    ``'trunc'`` or ``'floor'``, as ``torch.div``.

    >>> ember.div(ember.tensor([3, 4]), 2)
    tensor([1.5000, 2.0000])
    """
    if rounding_mode is None:
        dt = result_np_dtype(scalar_value(input), scalar_value(other))
        if dt.kind in "biu":
            dt = get_default_dtype().np
        result = _binary(Div, "div", input, other, dt)
    elif rounding_mode == "trunc":
        result = (
            trunc(div(input, other))
            if _is_float_result(input, other)
            else _int_div(input, other, "trunc")
        )
    elif rounding_mode == "floor":
        result = floor_divide(input, other)
    else:
        raise ValueError(
            "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
            f"'{rounding_mode}'"
        )
    return result if out is None else write_out("div", out, result)


def _is_float_result(input, other) -> bool:
    return result_np_dtype(scalar_value(input), scalar_value(other)).kind not in "biu"


class IntDiv(Function):
    @staticmethod
    def forward(ctx, x, y, dt, mode):
        xp = ctx.xp
        if dt.kind in "bc":
            raise dtype_not_implemented(f"div (rounding_mode='{mode}')", dt)
        if dt.kind in "iu" and bool((xp.asarray(y) == 0).any()):
            raise RuntimeError("ZeroDivisionError")
        cd = float_compute_dtype(dt)
        x, y = _cast(x, cd), _cast(y, cd)
        if mode == "floor":
            # numpy's floor_divide is PyTorch's div_floor (fmod-based, NaN for inf // y).
            return xp.asarray(xp.floor_divide(x, y)).astype(dt, copy=False)
        q = xp.floor_divide(x, y)
        r = xp.asarray(x - q * y)
        fix = (r != 0) & ((xp.asarray(x) < 0) != (xp.asarray(y) < 0))
        return xp.asarray(q + fix).astype(dt, copy=False)

    @staticmethod
    def backward(ctx, gy):
        need = ctx.needs_input_grad
        return gy * 0 if need[0] else None, gy * 0 if need[1] else None, None, None


def _int_div(input, other, mode):
    input, other = scalar_value(input), scalar_value(other)
    return IntDiv.apply(input, other, result_np_dtype(input, other), mode)


def floor_divide(input, other, *, out=None) -> Tensor:
    """Elementwise ``floor(input / other)``, as ``torch.floor_divide``.

    >>> ember.floor_divide(ember.tensor([7, -7]), 2)
    tensor([ 3, -4])
    """
    result = _int_div(input, other, "floor")
    return result if out is None else write_out("floor_divide", out, result)


class Neg(Function):
    @staticmethod
    def forward(ctx, x):
        if x.dtype == numpy.bool_:
            raise RuntimeError(
                "Negation, the `-` operator, on a bool tensor is not supported. If you are "
                "trying to invert a mask, use the `~` or `logical_not()` operator instead."
            )
        return ctx.xp.negative(x)

    @staticmethod
    def backward(ctx, gy):
        return -gy


def neg(input: Tensor, *, out=None) -> Tensor:
    """Elementwise negation, as ``torch.neg``.

    >>> ember.neg(ember.tensor([1.0, -2.0]))
    tensor([-1.,  2.])
    """
    result = Neg.apply(input)
    return result if out is None else write_out("neg", out, result)


def float_result_dtype(x):
    """The dtype a floating unary op returns for array ``x``: ints/bool -> default float."""
    dt = x.dtype
    return get_default_dtype().np if dt.kind in "biu" else dt


def unary_float(fn, x):
    """Apply ``fn`` in the compute dtype (float32 for 16-bit floats) and round once."""
    dt = x.dtype
    if dt.kind in "fc" and dt.itemsize > 2:  # float32/64, complex: computed as they are
        return fn(x)
    dt = float_result_dtype(x)
    cd = float_compute_dtype(dt)
    y = fn(x if x.dtype == cd else x.astype(cd))
    return y if y.dtype == dt else y.astype(dt)


class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        y = unary_float(ctx.xp.exp, x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy * _conj(y)


class Log(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return unary_float(ctx.xp.log, x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy / _conj(x)


def exp(input: Tensor, *, out=None) -> Tensor:
    """Elementwise ``e ** input``, as ``torch.exp``.

    >>> ember.exp(ember.tensor([0.0, 1.0]))
    tensor([1.0000, 2.7183])
    """
    result = Exp.apply(input)
    return result if out is None else write_out("exp", out, result)


def log(input: Tensor, *, out=None) -> Tensor:
    """Elementwise natural logarithm, as ``torch.log``.

    >>> ember.log(ember.tensor([1.0]))
    tensor([0.])
    """
    result = Log.apply(input)
    return result if out is None else write_out("log", out, result)


class Pow(Function):
    @staticmethod
    def forward(ctx, x, y, dt):
        xp = ctx.xp
        if dt == numpy.bool_:
            raise dtype_not_implemented("pow", dt)
        cd = float_compute_dtype(dt)
        xc, yc = _cast(x, cd), _cast(y, cd)
        negative = None
        if dt.kind in "iu":
            if not hasattr(yc, "dtype"):
                if yc < 0:
                    raise RuntimeError("Integers to negative integer powers are not allowed.")
            else:
                # PyTorch: a negative tensor exponent gives 1 for base 1, +-1 for base -1, and
                # 0 otherwise (integer truncation of x ** y).
                negative = yc < 0
                if bool(negative.any()):
                    yc = xp.where(negative, 0, yc)
                else:
                    negative = None
        out = xp.power(xc, yc)
        if negative is not None:
            odd = (xp.asarray(y) % 2) != 0
            sign = xp.where(odd, xc, 1)  # -1 ** odd = -1
            out = xp.where(negative, xp.where((xc == 1) | (xc == -1), sign, 0), out)
        out = xp.asarray(out) if cd is dt else xp.asarray(out).astype(dt)
        ctx.save_for_backward(x, y, out)
        return out

    @staticmethod
    def backward(ctx, gy):
        x, y, out = ctx.saved_tensors
        gx = gy_ = None
        if not isinstance(y, Tensor):  # scalar exponent
            gx = gy * 0 if y == 0 else gy * _conj(y * x ** (y - 1))
            return gx, None, None
        if ctx.needs_input_grad[0]:
            # d/dx x**y = y * x**(y-1); at y == 0 it is 0 even where x**(y-1) is inf.
            gx = gy * _conj(where(y == 0, 0.0, y * x ** (y - 1)))
        if ctx.needs_input_grad[1]:
            # d/dy x**y = x**y * log(x); PyTorch defines it as 0 where x == 0 and y >= 0.
            if not isinstance(x, Tensor):  # scalar base: 2 ** t
                if x == 0:
                    return None, where(y.real >= 0, 0.0, gy * out * -math.inf), None
                if isinstance(x, complex):
                    lg = cmath.log(x)
                else:
                    lg = math.log(x) if x > 0 else math.nan
                return None, gy * _conj(out * lg), None
            gy_ = gy * _conj(where((x == 0) & (y.real >= 0), 0.0, out * log(x)))
        return gx, gy_, None


def pow(input, exponent, *, out=None) -> Tensor:  # noqa: A001 - PyTorch's name
    """Elementwise ``input ** exponent`` (either may be a scalar), as ``torch.pow``.

    >>> ember.pow(ember.tensor([2.0, 3.0]), 2)
    tensor([4., 9.])
    """
    result = _binary(Pow, "pow", input, exponent)
    return result if out is None else write_out("pow", out, result)


class Where(Function):
    @staticmethod
    def forward(ctx, condition, x, y, dt):
        ctx.save_for_backward(condition)
        # astype: numpy promotes a Python float with a bfloat16 array to float64.
        return ctx.xp.where(condition, _cast(x, dt), _cast(y, dt)).astype(dt, copy=False)

    @staticmethod
    def backward(ctx, gy):
        (condition,) = ctx.saved_tensors
        zero = Tensor._make(ctx.xp.zeros((), gy._data.dtype))
        gx = where(condition, gy, zero) if ctx.needs_input_grad[1] else None
        gy_ = where(condition, zero, gy) if ctx.needs_input_grad[2] else None
        return None, gx, gy_, None


def where(condition, input=None, other=None, *, out=None):
    """``input`` where ``condition`` holds, else ``other`` (broadcast, promoted), as
    ``torch.where``; with only ``condition`` it returns ``nonzero(condition, as_tuple=True)``.

    >>> ember.where(ember.tensor([True, False]), 1.0, ember.tensor([5.0, 6.0]))
    tensor([1., 6.])
    """
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    if condition._data.dtype != numpy.bool_:
        raise RuntimeError(f"where: expected condition to be a bool tensor, got {condition.dtype}")
    input, other = scalar_value(input), scalar_value(other)
    dt = result_np_dtype(input, other)
    try:
        result = Where.apply(condition, input, other, dt)
    except ValueError:
        shapes = [a._data.shape for a in (condition, input, other) if isinstance(a, Tensor)]
        raise broadcast_error("where", *shapes) from None
    return result if out is None else write_out("where", out, result)


# -- a few unary ops the core needs (the other unary ops are in pointwise_math/_sign) ----
class Trunc(Function):
    @staticmethod
    def forward(ctx, x):
        if x.dtype.kind in "bc":
            raise dtype_not_implemented("trunc", x.dtype)
        return x.copy() if x.dtype.kind in "iu" else unary_float(ctx.xp.trunc, x)

    @staticmethod
    def backward(ctx, gy):
        return gy * 0


class Floor(Function):
    @staticmethod
    def forward(ctx, x):
        if x.dtype.kind in "bc":
            raise dtype_not_implemented("floor", x.dtype)
        return x.copy() if x.dtype.kind in "iu" else unary_float(ctx.xp.floor, x)

    @staticmethod
    def backward(ctx, gy):
        return gy * 0


def trunc(input: Tensor, *, out=None) -> Tensor:
    """Elementwise rounding toward zero, as ``torch.trunc``.

    >>> ember.trunc(ember.tensor([-1.5, 1.5]))
    tensor([-1.,  1.])
    """
    result = Trunc.apply(input)
    return result if out is None else write_out("trunc", out, result)


def floor(input: Tensor, *, out=None) -> Tensor:
    """Elementwise rounding down, as ``torch.floor``.

    >>> ember.floor(ember.tensor([-1.5, 1.5]))
    tensor([-2.,  1.])
    """
    result = Floor.apply(input)
    return result if out is None else write_out("floor", out, result)


class Conj(Function):
    @staticmethod
    def forward(ctx, x):
        return ctx.xp.conj(x)

    @staticmethod
    def backward(ctx, gy):
        return gy.conj()


def conj(input: Tensor) -> Tensor:
    """Complex conjugate (the tensor itself for real dtypes), as ``torch.conj``.

    >>> ember.conj(ember.tensor([1 + 2j]))
    tensor([1.-2.j])
    """
    return Conj.apply(input) if input._data.dtype.kind == "c" else input


def _comparison(name, ufunc_name, doc):
    ordered = name not in ("eq", "ne")

    def apply(ctx, x, y, dt):
        if ordered and dt.kind == "c":  # numpy orders complex numbers; PyTorch refuses
            raise dtype_not_implemented(name, dt)
        return ctx.xp.asarray(getattr(ctx.xp, ufunc_name)(_cast(x, dt), _cast(y, dt)))

    cls = type(
        name.capitalize(),
        (Function,),
        {
            "forward": staticmethod(apply),
            "backward": staticmethod(lambda ctx, gy: (None, None, None)),
        },
    )

    def compare(input, other, *, out=None):
        result = _binary(cls, name, input, other)
        return result if out is None else write_out(name, out, result)

    compare.__name__ = name
    compare.__doc__ = doc
    return compare


eq = _comparison(
    "eq",
    "equal",
    """Elementwise ``input == other`` as a bool tensor, as ``torch.eq``.

    >>> ember.eq(ember.tensor([1, 2]), 2)
    tensor([False,  True])
    """,
)
ne = _comparison(
    "ne",
    "not_equal",
    """Elementwise ``input != other``, as ``torch.ne``.

    >>> ember.ne(ember.tensor([1, 2]), 2)
    tensor([ True, False])
    """,
)
lt = _comparison(
    "lt",
    "less",
    """Elementwise ``input < other``, as ``torch.lt``.

    >>> ember.lt(ember.tensor([1, 2]), 2)
    tensor([ True, False])
    """,
)
le = _comparison(
    "le",
    "less_equal",
    """Elementwise ``input <= other``, as ``torch.le``.

    >>> ember.le(ember.tensor([1, 3]), 2)
    tensor([ True, False])
    """,
)
gt = _comparison(
    "gt",
    "greater",
    """Elementwise ``input > other``, as ``torch.gt``.

    >>> ember.gt(ember.tensor([1, 3]), 2)
    tensor([False,  True])
    """,
)
ge = _comparison(
    "ge",
    "greater_equal",
    """Elementwise ``input >= other``, as ``torch.ge``.

    >>> ember.ge(ember.tensor([1, 2]), 2)
    tensor([False,  True])
    """,
)
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


# -- closeness -----------------------------------------------------------------------------
def _check_close_args(op: str, input, other, rtol, atol) -> None:
    for arg, what in ((input, "input"), (other, "other")):
        if not isinstance(arg, Tensor):
            raise TypeError(f"{op}(): argument '{what}' must be Tensor, not {type(arg).__name__}")
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(
            f"{op}: expected both tensors to have the same dtype, got {input.dtype} and "
            f"{other.dtype}"
        )
    if rtol < 0:
        raise RuntimeError(f"{op}: rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"{op}: atol must be greater than or equal to zero, but got {atol}")


class IsClose(Function):
    # Primitive: one pass on raw arrays; a closeness mask carries no gradient.
    @staticmethod
    def forward(ctx, x, y, rtol, atol, equal_nan):
        xp = ctx.xp
        close = xp.asarray(xp.equal(x, y))
        exact = x.dtype.kind in "biu"
        if equal_nan and not exact:
            close = close | (xp.isnan(x) & xp.isnan(y))
        if exact and rtol == 0 and atol == 0:
            return close
        if exact:  # PyTorch measures integer closeness in the default float dtype
            x, y = x.astype(get_default_dtype().np), y.astype(get_default_dtype().np)
        error = xp.abs(x - y)
        allowed = atol + rtol * xp.abs(y)
        return xp.asarray(close | (xp.isfinite(error) & (error <= allowed)))

    @staticmethod
    def backward(ctx, gy):
        return None, None, None, None, None


def isclose(
    input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Tensor:
    """Elementwise ``|input - other| <= atol + rtol * |other|`` as a bool tensor of the
    broadcast shape, as ``torch.isclose``: both tensors must share a dtype; equal values
    (infinities included) are close, NaNs only with ``equal_nan``; integers are compared in
    the default float dtype.

    >>> ember.isclose(ember.tensor([1.0, 2.0]), ember.tensor([1.0, 2.1]))
    tensor([ True, False])
    """
    _check_close_args("isclose", input, other, rtol, atol)
    try:
        return IsClose.apply(input, other, float(rtol), float(atol), bool(equal_nan))
    except ValueError:
        raise broadcast_error("isclose", input._data.shape, other._data.shape) from None


def allclose(
    input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> bool:
    """Whether every element of ``input`` is close to ``other`` (see ``isclose``), as a Python
    bool, as ``torch.allclose``.

    >>> ember.allclose(ember.tensor([1.0, 2.0]), ember.tensor([1.0, 2.000001]))
    True
    """
    _check_close_args("allclose", input, other, rtol, atol)
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input: Tensor, other: Tensor) -> bool:
    """``True`` if both tensors have the same shape and elements (after type promotion, so
    dtypes may differ; NaN never equals NaN), as ``torch.equal``.

    >>> ember.equal(ember.tensor([1, 2]), ember.tensor([1.0, 2.0]))
    True
    """
    for arg, what in ((input, "input"), (other, "other")):
        if not isinstance(arg, Tensor):
            raise TypeError(f"equal(): argument '{what}' must be Tensor, not {type(arg).__name__}")
    if input._data.shape != other._data.shape:
        return False
    return bool(eq(input, other)._data.all())


subtract, multiply, divide, true_divide, negative = sub, mul, div, div, neg
__all__ += [
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "greater",
    "greater_equal",
    "less",
    "less_equal",
    "not_equal",
    "isclose",
    "allclose",
    "equal",
    "floor_divide",
    "where",
    "trunc",
    "floor",
    "conj",
]


# -- Tensor methods and operators ----------------------------------------------------------
def _inplace(fn, name):
    def method(self, *args, **kwargs):
        return apply_inplace(name, self, fn(self, *args, **kwargs))

    method.__name__ = name
    method.__doc__ = f"In-place version of :func:`{fn.__name__}`."
    return method


bind_methods(
    add=add,
    sub=sub,
    subtract=sub,
    mul=mul,
    multiply=mul,
    div=div,
    divide=div,
    true_divide=div,
    floor_divide=floor_divide,
    neg=neg,
    negative=neg,
    pow=pow,
    exp=exp,
    log=log,
    trunc=trunc,
    floor=floor,
    conj=conj,
    where=lambda self, condition, other: where(condition, self, other),
    add_=_inplace(add, "add_"),
    sub_=_inplace(sub, "sub_"),
    mul_=_inplace(mul, "mul_"),
    div_=_inplace(div, "div_"),
    neg_=_inplace(neg, "neg_"),
    pow_=_inplace(pow, "pow_"),
    exp_=_inplace(exp, "exp_"),
    log_=_inplace(log, "log_"),
    trunc_=_inplace(trunc, "trunc_"),
    floor_=_inplace(floor, "floor_"),
    floor_divide_=_inplace(floor_divide, "floor_divide_"),
    __add__=add,
    __radd__=lambda self, other: add(other, self),
    __iadd__=_inplace(add, "add_"),
    __sub__=sub,
    __rsub__=lambda self, other: sub(other, self),
    __isub__=_inplace(sub, "sub_"),
    __mul__=mul,
    __rmul__=lambda self, other: mul(other, self),
    __imul__=_inplace(mul, "mul_"),
    __truediv__=div,
    __rtruediv__=lambda self, other: div(other, self),
    __itruediv__=_inplace(div, "div_"),
    __floordiv__=floor_divide,
    __rfloordiv__=lambda self, other: floor_divide(other, self),
    __ifloordiv__=_inplace(floor_divide, "floor_divide_"),
    __pow__=pow,
    __rpow__=lambda self, other: pow(other, self),
    __ipow__=_inplace(pow, "pow_"),
    __neg__=neg,
    eq=eq,
    ne=ne,
    lt=lt,
    le=le,
    gt=gt,
    ge=ge,
    isclose=isclose,
    allclose=allclose,
    equal=equal,
    __eq__=eq,
    __ne__=ne,
    __lt__=lt,
    __le__=le,
    __gt__=gt,
    __ge__=ge,
)


# -- the rest of the family: elementwise math and binary/ternary ops -------------------------
# Imported last: they build on the helpers above. Their names are part of this family.
from ember._ops import pointwise_binary as _pb  # noqa: E402
from ember._ops import pointwise_math as _pm  # noqa: E402
from ember._ops import pointwise_sign as _ps  # noqa: E402
from ember._ops import pointwise_special as _psp  # noqa: E402

_PUBLIC = {}
for _mod in (_pm, _psp, _ps, _pb):
    for _name in _mod.__all__:
        _PUBLIC[_name] = globals()[_name] = getattr(_mod, _name)
    __all__ += list(_mod.__all__)

# Tensor methods with an in-place twin (x.sqrt() and x.sqrt_()), then those without one.
_WITH_INPLACE = (
    "abs sign sgn exp2 expm1 log2 log10 log1p sqrt rsqrt square sin cos tan asin acos atan "
    "arcsin arccos arctan sinh cosh tanh asinh acosh atanh arcsinh arccosh arctanh sigmoid "
    "logit erf erfc erfinv lgamma digamma ceil round frac fix reciprocal relu nan_to_num "
    "logical_and logical_or logical_xor logical_not bitwise_and bitwise_or bitwise_xor "
    "bitwise_not bitwise_left_shift bitwise_right_shift remainder fmod atan2 arctan2 hypot "
    "xlogy clamp clip clamp_min clamp_max lerp addcmul addcdiv"
).split()
_PLAIN = (
    "absolute float_power isnan isinf isposinf isneginf isfinite isreal angle positive "
    "maximum minimum fmax fmin"
).split()
_methods = {}
for _name in _WITH_INPLACE:
    _methods[_name] = _PUBLIC[_name]
    _methods[_name + "_"] = _inplace(_PUBLIC[_name], _name + "_")
for _name in _PLAIN:
    _methods[_name] = _PUBLIC[_name]
_methods["absolute_"] = _methods["abs_"]


def _float_power_(self, exponent):
    if self._data.dtype not in (numpy.float64, numpy.complex128):
        raise RuntimeError(
            f"float_power_: the base given to float_power_ has dtype {self.dtype} but the "
            "operation's result requires dtype float64"
        )
    return apply_inplace("float_power_", self, _pb.float_power(self, exponent))


def _reflected(fn):
    return lambda self, other: fn(other, self)


bind_methods(
    **_methods,
    float_power_=_float_power_,
    polygamma=lambda self, n: _psp.polygamma(n, self),
    polygamma_=lambda self, n: apply_inplace("polygamma_", self, _psp.polygamma(n, self)),
    real=property(_ps.real),
    imag=property(_ps.imag),
    fill_=_pb._fill_,
    zero_=_pb._zero_,
    copy_=_pb._copy_,
    __abs__=_ps.abs,
    __pos__=_ps.positive,
    __invert__=_pb.bitwise_not,
    __and__=_pb.bitwise_and,
    __rand__=_reflected(_pb.bitwise_and),
    __iand__=_inplace(_pb.bitwise_and, "bitwise_and_"),
    __or__=_pb.bitwise_or,
    __ror__=_reflected(_pb.bitwise_or),
    __ior__=_inplace(_pb.bitwise_or, "bitwise_or_"),
    __xor__=_pb.bitwise_xor,
    __rxor__=_reflected(_pb.bitwise_xor),
    __ixor__=_inplace(_pb.bitwise_xor, "bitwise_xor_"),
    __lshift__=_pb.bitwise_left_shift,
    __rlshift__=_reflected(_pb.bitwise_left_shift),
    __ilshift__=_inplace(_pb.bitwise_left_shift, "bitwise_left_shift_"),
    __rshift__=_pb.bitwise_right_shift,
    __rrshift__=_reflected(_pb.bitwise_right_shift),
    __irshift__=_inplace(_pb.bitwise_right_shift, "bitwise_right_shift_"),
    __mod__=_pb.remainder,
    __rmod__=_reflected(_pb.remainder),
    __imod__=_inplace(_pb.remainder, "remainder_"),
)
