"""Pointwise ops: arithmetic with PyTorch's type promotion, and elementwise math.

Binary ops take the result dtype as an argument computed once by ``result_np_dtype`` (weak
Python scalars, 0-d tensors, categories) and cast inside forward; backward returns grads in
the broadcast shape and result dtype, and the engine sums/casts them to each input's shape
and dtype (PyTorch's validate_outputs), so no op repeats that logic.
"""

from __future__ import annotations

import numbers

import numpy

from ember._ops._checks import broadcast_error, float_compute_dtype
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


def _key(a):
    if isinstance(a, Tensor):
        d = a._data
        return (d.dtype, d.ndim == 0)
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
    """The numpy dtype PyTorch's promotion gives for tensors and Python scalars ``args``."""
    key = tuple(_key(a) for a in args)
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
    if hasattr(x, "dtype"):
        return x if x.dtype == dt else x.astype(dt)
    return x


def _conj(t):
    if isinstance(t, Tensor):
        return t.conj() if t._data.dtype.kind == "c" else t
    return t.conjugate() if isinstance(t, complex) else t


def _binary(cls, name, input, other, dt=None):
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
        cd = float_compute_dtype(dt)
        out = _cast(x, cd) - _cast(y, cd)
        return out if cd is dt else out.astype(dt)

    @staticmethod
    def backward(ctx, gy):
        return gy, -gy if ctx.needs_input_grad[1] else None, None


class Mul(Function):
    @staticmethod
    def forward(ctx, x, y, dt):
        ctx.save_for_backward(x, y)
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
        result = trunc(div(input, other)) if _is_float_result(input, other) else _int_div(
            input, other, "trunc"
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
        x, y = _cast(x, dt), _cast(y, dt)
        xp = ctx.xp
        if mode == "floor":
            return xp.asarray(xp.floor_divide(x, y)).astype(dt, copy=False)
        q = xp.floor_divide(x, y)
        r = xp.asarray(x - q * y)
        fix = (r != 0) & ((r < 0) != (xp.asarray(y) < 0))
        return xp.asarray(q + fix).astype(dt, copy=False)

    @staticmethod
    def backward(ctx, gy):
        return None, None, None, None


def _int_div(input, other, mode):
    input, other = scalar_value(input), scalar_value(other)
    return IntDiv.apply(input, other, result_np_dtype(input, other), mode)


def floor_divide(input, other, *, out=None) -> Tensor:
    """Elementwise ``floor(input / other)``, as ``torch.floor_divide``.

    >>> ember.floor_divide(ember.tensor([7, -7]), 2)
    tensor([ 3, -4])
    """
    if _is_float_result(input, other):
        result = floor(div(input, other))
    else:
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
        cd = float_compute_dtype(dt)
        xc, yc = _cast(x, cd), _cast(y, cd)
        if dt.kind in "iu" and numpy.any(ctx.xp.asarray(yc) < 0):
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        out = ctx.xp.power(xc, yc)
        out = ctx.xp.asarray(out) if cd is dt else ctx.xp.asarray(out).astype(dt)
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
            gy_ = gy * _conj(where((x == 0) & (y >= 0), 0.0, out * log(x)))
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
        return ctx.xp.where(condition, _cast(x, dt), _cast(y, dt))

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


# -- a few unary ops the core needs; the rest of the family lives in pointwise_math ---------
class Trunc(Function):
    @staticmethod
    def forward(ctx, x):
        return x.copy() if x.dtype.kind in "biu" else unary_float(ctx.xp.trunc, x)

    @staticmethod
    def backward(ctx, gy):
        return gy * 0


class Floor(Function):
    @staticmethod
    def forward(ctx, x):
        return x.copy() if x.dtype.kind in "biu" else unary_float(ctx.xp.floor, x)

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
    def apply(ctx, x, y, dt):
        return ctx.xp.asarray(getattr(ctx.xp, ufunc_name)(_cast(x, dt), _cast(y, dt)))

    cls = type(name.capitalize(), (Function,), {
        "forward": staticmethod(apply),
        "backward": staticmethod(lambda ctx, gy: (None, None, None)),
    })

    def compare(input, other, *, out=None):
        result = _binary(cls, name, input, other)
        return result if out is None else write_out(name, out, result)

    compare.__name__ = name
    compare.__doc__ = doc
    return compare


eq = _comparison("eq", "equal", """Elementwise ``input == other`` as a bool tensor, as ``torch.eq``.

    >>> ember.eq(ember.tensor([1, 2]), 2)
    tensor([False,  True])
    """)
ne = _comparison("ne", "not_equal", """Elementwise ``input != other``, as ``torch.ne``.

    >>> ember.ne(ember.tensor([1, 2]), 2)
    tensor([ True, False])
    """)
lt = _comparison("lt", "less", """Elementwise ``input < other``, as ``torch.lt``.

    >>> ember.lt(ember.tensor([1, 2]), 2)
    tensor([ True, False])
    """)
le = _comparison("le", "less_equal", """Elementwise ``input <= other``, as ``torch.le``.

    >>> ember.le(ember.tensor([1, 3]), 2)
    tensor([ True, False])
    """)
gt = _comparison("gt", "greater", """Elementwise ``input > other``, as ``torch.gt``.

    >>> ember.gt(ember.tensor([1, 3]), 2)
    tensor([False,  True])
    """)
ge = _comparison("ge", "greater_equal", """Elementwise ``input >= other``, as ``torch.ge``.

    >>> ember.ge(ember.tensor([1, 2]), 2)
    tensor([False,  True])
    """)
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne

subtract, multiply, divide, true_divide, negative = sub, mul, div, div, neg
__all__ += ["eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less",
            "less_equal", "not_equal", "floor_divide", "where", "trunc", "floor", "conj"]


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
    eq=eq, ne=ne, lt=lt, le=le, gt=gt, ge=ge,
    __eq__=eq, __ne__=ne, __lt__=lt, __le__=le, __gt__=gt, __ge__=ge,
    __pos__=lambda self: self,
)
