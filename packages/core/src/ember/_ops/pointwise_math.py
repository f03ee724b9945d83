"""Elementwise floating math: exp/log, powers and roots, trigonometric and hyperbolic
functions, sigmoid, reciprocal (part of the pointwise family; ``pointwise`` re-exports these
names). Special functions live in ``pointwise_special``, sign/rounding/classification in
``pointwise_sign``.

Note [floating unary ops]
Floating ops promote bool/int inputs to the default float dtype and compute 16-bit floats in
float32, rounding once (``unary_float``). Backward is ``gy * conj(f'(x))``, PyTorch's
conjugate-Wirtinger convention, which is plain ``gy * f'(x)`` for real inputs; ``f'`` is
written in Ember ops so double backward works.
"""

from __future__ import annotations

import math
import sys
import types

from ember._ops._checks import dtype_not_implemented, float_compute_dtype
from ember._ops._inplace import write_out
from ember._ops.pointwise import _conj, unary_float
from ember._tensor import Tensor
from ember.autograd.function import Function

__all__ = [
    "exp2",
    "expm1",
    "log2",
    "log10",
    "log1p",
    "sqrt",
    "rsqrt",
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "arcsin",
    "arccos",
    "arctan",
    "sinh",
    "cosh",
    "tanh",
    "asinh",
    "acosh",
    "atanh",
    "arcsinh",
    "arccosh",
    "arctanh",
    "sigmoid",
    "reciprocal",
]

_LN2, _LN10 = math.log(2.0), math.log(10.0)


def _need_tensor(name, input):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(input).__name__}")


def _same_dtype(fn, x):
    """Apply ``fn`` keeping ``x``'s dtype; 16-bit floats compute in float32 and round once."""
    dt = x.dtype
    cd = float_compute_dtype(dt)
    if cd is dt:
        return fn(x)
    return fn(x.astype(cd)).astype(dt)


def _wrap(name, cls, doc):
    """The public wrapper of a unary Function, owned by the module that defines the op (so
    its doctest runs there and ``__module__`` names it); it uses closure variables only."""
    need, apply, write = _need_tensor, cls.apply, write_out

    def op(input: Tensor, *, out=None) -> Tensor:
        need(name, input)
        result = apply(input)
        return result if out is None else write(name, out, result)

    frame = sys._getframe(1)
    # Skip this module's factories (_float_op ...) up to the module-level call.
    while frame.f_globals is globals() and frame.f_code.co_name != "<module>":
        frame = frame.f_back
    owner = frame.f_globals
    fn = types.FunctionType(op.__code__, owner, name, op.__defaults__, op.__closure__)
    fn.__kwdefaults__ = op.__kwdefaults__
    fn.__annotations__ = op.__annotations__
    fn.__qualname__ = name
    fn.__module__ = owner["__name__"]
    fn.__doc__ = doc
    return fn


# -- floating unary ops: int/bool -> default float ------------------------------------------
def _float_op(name, fn, deriv, *, save_x=False, save_y=False, complex_ok=True, doc=""):
    """A Function computing ``fn(xp, x)`` and its public wrapper; ``deriv(x, y)`` is f'."""

    def forward(ctx, x):
        if not complex_ok and x.dtype.kind == "c":
            raise dtype_not_implemented(name, x.dtype)
        xp = ctx.xp
        y = unary_float(lambda a: fn(xp, a), x)
        ctx.save_for_backward(x if save_x else None, y if save_y else None)
        return y

    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        return gy * _conj(deriv(x, y))

    camel = "".join(p.capitalize() for p in name.split("_"))
    cls = type(
        camel,
        (Function,),
        {
            "forward": staticmethod(forward),
            "backward": staticmethod(backward),
            "__module__": __name__,
        },
    )
    return cls, _wrap(name, cls, doc)


Exp2, exp2 = _float_op(
    "exp2",
    lambda xp, a: xp.exp2(a),
    lambda x, y: y * _LN2,
    save_y=True,
    doc="""Elementwise ``2 ** input``, as ``torch.exp2``.

    >>> ember.exp2(ember.tensor([0.0, 3.0]))
    tensor([1., 8.])
    """,
)
Expm1, expm1 = _float_op(
    "expm1",
    lambda xp, a: xp.expm1(a),
    lambda x, y: y + 1,
    save_y=True,
    doc="""Elementwise ``exp(input) - 1``, accurate near 0, as ``torch.expm1``.

    >>> ember.expm1(ember.tensor([0.0]))
    tensor([0.])
    """,
)
Log2, log2 = _float_op(
    "log2",
    lambda xp, a: xp.log2(a),
    lambda x, y: 1 / (x * _LN2),
    save_x=True,
    doc="""Elementwise base-2 logarithm, as ``torch.log2``.

    >>> ember.log2(ember.tensor([1.0, 8.0]))
    tensor([0., 3.])
    """,
)
Log10, log10 = _float_op(
    "log10",
    lambda xp, a: xp.log10(a),
    lambda x, y: 1 / (x * _LN10),
    save_x=True,
    doc="""Elementwise base-10 logarithm, as ``torch.log10``.

    >>> ember.log10(ember.tensor([1.0, 100.0]))
    tensor([0., 2.])
    """,
)
Log1p, log1p = _float_op(
    "log1p",
    lambda xp, a: xp.log1p(a),
    lambda x, y: 1 / (x + 1),
    save_x=True,
    doc="""Elementwise ``log(1 + input)``, accurate near 0, as ``torch.log1p``.

    >>> ember.log1p(ember.tensor([0.0]))
    tensor([0.])
    """,
)
# sqrt'(0) is inf, as in PyTorch (grad / (2 * result)).
Sqrt, sqrt = _float_op(
    "sqrt",
    lambda xp, a: xp.sqrt(a),
    lambda x, y: 0.5 / y,
    save_y=True,
    doc="""Elementwise square root, as ``torch.sqrt``.

    >>> ember.sqrt(ember.tensor([4.0, 9.0]))
    tensor([2., 3.])
    """,
)
Rsqrt, rsqrt = _float_op(
    "rsqrt",
    lambda xp, a: 1 / xp.sqrt(a),
    lambda x, y: -0.5 * y * y * y,
    save_y=True,
    doc="""Elementwise ``1 / sqrt(input)``, as ``torch.rsqrt``.

    >>> ember.rsqrt(ember.tensor([4.0]))
    tensor([0.5000])
    """,
)
Sin, sin = _float_op(
    "sin",
    lambda xp, a: xp.sin(a),
    lambda x, y: cos(x),
    save_x=True,
    doc="""Elementwise sine, as ``torch.sin``.

    >>> ember.sin(ember.tensor([0.0]))
    tensor([0.])
    """,
)
Cos, cos = _float_op(
    "cos",
    lambda xp, a: xp.cos(a),
    lambda x, y: -sin(x),
    save_x=True,
    doc="""Elementwise cosine, as ``torch.cos``.

    >>> ember.cos(ember.tensor([0.0]))
    tensor([1.])
    """,
)
Tan, tan = _float_op(
    "tan",
    lambda xp, a: xp.tan(a),
    lambda x, y: 1 + y * y,
    save_y=True,
    doc="""Elementwise tangent, as ``torch.tan``.

    >>> ember.tan(ember.tensor([0.0]))
    tensor([0.])
    """,
)
Asin, asin = _float_op(
    "asin",
    lambda xp, a: xp.arcsin(a),
    lambda x, y: rsqrt(1 - x * x),
    save_x=True,
    doc="""Elementwise inverse sine, as ``torch.asin``.

    >>> ember.asin(ember.tensor([0.0]))
    tensor([0.])
    """,
)
Acos, acos = _float_op(
    "acos",
    lambda xp, a: xp.arccos(a),
    lambda x, y: -rsqrt(1 - x * x),
    save_x=True,
    doc="""Elementwise inverse cosine, as ``torch.acos``.

    >>> ember.acos(ember.tensor([1.0]))
    tensor([0.])
    """,
)
Atan, atan = _float_op(
    "atan",
    lambda xp, a: xp.arctan(a),
    lambda x, y: 1 / (x * x + 1),
    save_x=True,
    doc="""Elementwise inverse tangent, as ``torch.atan``.

    >>> ember.atan(ember.tensor([0.0]))
    tensor([0.])
    """,
)
Sinh, sinh = _float_op(
    "sinh",
    lambda xp, a: xp.sinh(a),
    lambda x, y: cosh(x),
    save_x=True,
    doc="""Elementwise hyperbolic sine, as ``torch.sinh``.

    >>> ember.sinh(ember.tensor([0.0]))
    tensor([0.])
    """,
)
Cosh, cosh = _float_op(
    "cosh",
    lambda xp, a: xp.cosh(a),
    lambda x, y: sinh(x),
    save_x=True,
    doc="""Elementwise hyperbolic cosine, as ``torch.cosh``.

    >>> ember.cosh(ember.tensor([0.0]))
    tensor([1.])
    """,
)
Tanh, tanh = _float_op(
    "tanh",
    lambda xp, a: xp.tanh(a),
    lambda x, y: 1 - y * y,
    save_y=True,
    doc="""Elementwise hyperbolic tangent, as ``torch.tanh``.

    >>> ember.tanh(ember.tensor([0.0]))
    tensor([0.])
    """,
)
Asinh, asinh = _float_op(
    "asinh",
    lambda xp, a: xp.arcsinh(a),
    lambda x, y: rsqrt(x * x + 1),
    save_x=True,
    doc="""Elementwise inverse hyperbolic sine, as ``torch.asinh``.

    >>> ember.asinh(ember.tensor([0.0]))
    tensor([0.])
    """,
)
# acosh' as (x+1)^-1/2 (x-1)^-1/2, PyTorch's form: it picks the right branch for complex x.
Acosh, acosh = _float_op(
    "acosh",
    lambda xp, a: xp.arccosh(a),
    lambda x, y: rsqrt(x + 1) * rsqrt(x - 1),
    save_x=True,
    doc="""Elementwise inverse hyperbolic cosine, as ``torch.acosh``.

    >>> ember.acosh(ember.tensor([1.0]))
    tensor([0.])
    """,
)
Atanh, atanh = _float_op(
    "atanh",
    lambda xp, a: xp.arctanh(a),
    lambda x, y: 1 / (1 - x * x),
    save_x=True,
    doc="""Elementwise inverse hyperbolic tangent, as ``torch.atanh``.

    >>> ember.atanh(ember.tensor([0.0]))
    tensor([0.])
    """,
)


def _sigmoid(xp, a):
    # exp(-|a|) never overflows; the two branches are the same function.
    if a.dtype.kind == "c":
        return 1 / (1 + xp.exp(-a))
    e = xp.exp(-xp.abs(a))
    return xp.where(a >= 0, 1 / (1 + e), e / (1 + e))


Sigmoid, sigmoid = _float_op(
    "sigmoid",
    _sigmoid,
    lambda x, y: y * (1 - y),
    save_y=True,
    doc="""Elementwise logistic function ``1 / (1 + exp(-input))``, as ``torch.sigmoid``.

    >>> ember.sigmoid(ember.tensor([0.0]))
    tensor([0.5000])
    """,
)
Reciprocal, reciprocal = _float_op(
    "reciprocal",
    lambda xp, a: 1 / a,
    lambda x, y: -(y * y),
    save_y=True,
    doc="""Elementwise ``1 / input`` (integers give the default float dtype), as
    ``torch.reciprocal``.

    >>> ember.reciprocal(ember.tensor([2, 4]))
    tensor([0.5000, 0.2500])
    """,
)


arcsin, arccos, arctan = asin, acos, atan
arcsinh, arccosh, arctanh = asinh, acosh, atanh
