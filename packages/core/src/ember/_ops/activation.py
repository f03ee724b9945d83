"""Activation functions, as ``torch.nn.functional``: ELU/SELU/CELU, leaky/parametric/random
ReLUs, GELU, SiLU, Mish, the hard* family, softplus, shrinkage functions, GLU, softmax,
log-softmax, softmin, Gumbel-softmax, ``linear`` and ``bilinear``.

``__all__`` lists names PyTorch also has at top level (``torch.xxx``); ``FUNCTIONAL`` lists
the names ``ember.nn.functional`` re-exports (``sigmoid`` and ``tanh`` are owned by the
pointwise family and only re-listed here; ``relu`` here is ``torch.nn.functional.relu``'s
wrapper, with ``inplace``, around the pointwise ``ember.relu``).

Note [activation primitives]
Each elementwise activation is one Function: forward on arrays (16-bit floats computed in
float32 and rounded once, as PyTorch's CPU kernels), backward ``gy * f'(x)`` written in
Ember ops so double backward works. Derivatives at kinks follow PyTorch's backward kernels
(``hardtanh'`` is 0 at the clamp bounds, ``threshold'`` is 0 at the threshold, ...).
Softmax and log-softmax are fused primitives (subtract the max, one exp) whose closed-form
backward uses the saved output.
"""

from __future__ import annotations

import math

from ember._ops._checks import dtype_not_implemented, float_compute_dtype, wrap_dim
from ember._ops._inplace import apply_inplace
from ember._ops.pointwise import exp, sigmoid, tanh, where
from ember._ops.pointwise import relu as _relu
from ember._tensor import Tensor, bind_methods
from ember.autograd.function import Function
from ember.autograd.grad_mode import _state

__all__ = [
    "relu_",
    "selu",
    "selu_",
    "celu",
    "celu_",
    "prelu",
    "rrelu",
    "rrelu_",
    "hardshrink",
    "threshold",
    "threshold_",
    "softmax",
    "log_softmax",
    "bilinear",
]
FUNCTIONAL = [
    "relu",
    "relu_",
    "relu6",
    "elu",
    "elu_",
    "selu",
    "selu_",
    "celu",
    "celu_",
    "leaky_relu",
    "leaky_relu_",
    "prelu",
    "rrelu",
    "rrelu_",
    "glu",
    "gelu",
    "silu",
    "mish",
    "hardtanh",
    "hardtanh_",
    "hardsigmoid",
    "hardswish",
    "softplus",
    "softsign",
    "softshrink",
    "hardshrink",
    "tanhshrink",
    "threshold",
    "threshold_",
    "logsigmoid",
    "sigmoid",
    "tanh",
    "softmax",
    "log_softmax",
    "softmin",
    "gumbel_softmax",
    "linear",
    "bilinear",
]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_2PI_INV = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_K = math.sqrt(2.0 / math.pi)
_GELU_C = 0.044715


def _need_float(op: str, x) -> None:
    if x.dtype.kind not in "fV":
        raise dtype_not_implemented(op, x.dtype)


def _in_float(fn, x):
    """``fn(x)`` keeping ``x``'s dtype; 16-bit floats compute in float32 and round once."""
    dt = x.dtype
    cd = float_compute_dtype(dt)
    if cd is dt:
        return fn(x)
    return fn(x.astype(cd)).astype(dt)


def _stable_sigmoid(xp, a):
    e = xp.exp(-xp.abs(a))
    return xp.where(a >= 0, 1 / (1 + e), e / (1 + e))


def _activation(name: str, fwd, grad, *, raw=None, save_y: bool = False):
    """A Function for ``y = fwd(xp, x, *params)`` with ``gx = grad(gy, x, y, *params)``
    written in Ember ops (see Note [activation primitives]). ``raw(xp, gy, x, *params)``, the
    same gradient on arrays, runs instead when no graph is being built (the common backward):
    one fused numpy expression rather than a chain of Ember ops."""

    def forward(ctx, x, *params):
        _need_float(name, x)
        xp = ctx.xp
        y = _in_float(lambda a: fwd(xp, a, *params), x)
        ctx.params = params
        ctx.save_for_backward(x, y if save_y else None)
        return y

    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        nones = (None,) * len(ctx.params)
        if raw is not None and not _state.enabled:
            xd, gd = x._data, gy._data
            cd = float_compute_dtype(xd.dtype)
            if cd is not xd.dtype:
                xd, gd = xd.astype(cd), gd.astype(cd)
            gx = raw(ctx.xp, gd, xd, *ctx.params)
            return (Tensor._make(gx.astype(x._data.dtype, copy=False)),) + nones
        return (grad(gy, x, y, *ctx.params),) + nones

    camel = "".join(p.capitalize() for p in name.split("_"))
    return type(
        camel,
        (Function,),
        {
            "forward": staticmethod(forward),
            "backward": staticmethod(backward),
            "__module__": __name__,
            "_op_name": classmethod(lambda cls: name),
        },
    )


def _finish(name: str, input: Tensor, result: Tensor, inplace: bool) -> Tensor:
    return apply_inplace(name + "_", input, result) if inplace else result


def _check_tensor(name: str, input) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(input).__name__}")


# -- ELU family ----------------------------------------------------------------------------
Elu = _activation(
    "elu",
    lambda xp, a, alpha, scale, in_scale: xp.where(
        a > 0, scale * a, (scale * alpha) * xp.expm1(xp.minimum(a, 0) * in_scale)
    ),
    lambda gy, x, y, alpha, scale, in_scale: where(
        x > 0, gy * scale, gy * (scale * alpha * in_scale) * exp(x.clamp_max(0) * in_scale)
    ),
    raw=lambda xp, gy, x, alpha, scale, in_scale: xp.where(
        x > 0, gy * scale, gy * (scale * alpha * in_scale) * xp.exp(xp.minimum(x, 0) * in_scale)
    ),
)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """Exponential linear unit ``x if x > 0 else alpha * (exp(x) - 1)``, as
    ``torch.nn.functional.elu``.

    >>> ember.nn.functional.elu(ember.tensor([-1.0, 2.0]))
    tensor([-0.6321,  2.0000])
    """
    _check_tensor("elu", input)
    return _finish("elu", input, Elu.apply(input, alpha, 1.0, 1.0), inplace)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place :func:`elu`.

    >>> ember.nn.functional.elu_(ember.tensor([0.0]))
    tensor([0.])
    """
    return elu(input, alpha, True)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """Scaled ELU ``scale * elu(x, alpha)`` with the self-normalising constants, as
    ``torch.selu``.

    >>> ember.selu(ember.tensor([1.0]))
    tensor([1.0507])
    """
    _check_tensor("selu", input)
    result = Elu.apply(input, _SELU_ALPHA, _SELU_SCALE, 1.0)
    return _finish("selu", input, result, inplace)


def selu_(input: Tensor) -> Tensor:
    """In-place :func:`selu`.

    >>> ember.selu_(ember.tensor([0.0]))
    tensor([0.])
    """
    return selu(input, True)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """Continuously differentiable ELU ``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``,
    as ``torch.celu``.

    >>> ember.celu(ember.tensor([-1.0, 1.0]), alpha=2.0)
    tensor([-0.7869,  1.0000])
    """
    _check_tensor("celu", input)
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: celu: alpha must be non-zero")
    result = Elu.apply(input, alpha, 1.0, 1.0 / alpha)
    return _finish("celu", input, result, inplace)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place :func:`celu`.

    >>> ember.celu_(ember.tensor([0.0]))
    tensor([0.])
    """
    return celu(input, alpha, True)


# -- ReLU variants -------------------------------------------------------------------------
def relu_(input: Tensor) -> Tensor:
    """In-place ``relu``, as ``torch.relu_``.

    >>> ember.nn.functional.relu_(ember.tensor([-1.0, 1.0]))
    tensor([0., 1.])
    """
    return apply_inplace("relu_", input, _relu(input))


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(input, 0)``, in place with ``inplace=True``, as ``torch.nn.functional.relu``.

    >>> ember.nn.functional.relu(ember.tensor([-1.0, 1.0]))
    tensor([0., 1.])
    """
    return relu_(input) if inplace else _relu(input)


LeakyRelu = _activation(
    "leaky_relu",
    lambda xp, a, slope: xp.where(a > 0, a, a * slope),
    lambda gy, x, y, slope: where(x > 0, gy, gy * slope),
    raw=lambda xp, gy, x, slope: xp.where(x > 0, gy, gy * slope),
)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x if x > 0 else negative_slope * x``, as ``torch.nn.functional.leaky_relu``.

    >>> ember.nn.functional.leaky_relu(ember.tensor([-2.0, 2.0]), 0.1)
    tensor([-0.2000,  2.0000])
    """
    _check_tensor("leaky_relu", input)
    result = LeakyRelu.apply(input, negative_slope)
    return _finish("leaky_relu", input, result, inplace)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """In-place :func:`leaky_relu`.

    >>> ember.nn.functional.leaky_relu_(ember.tensor([-1.0]))
    tensor([-0.0100])
    """
    return leaky_relu(input, negative_slope, True)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """Parametric ReLU ``x if x > 0 else weight * x`` with one learnable slope per channel
    (dim 1) or a single shared slope, as ``torch.prelu``.

    >>> ember.prelu(ember.tensor([[-1.0, 2.0]]), ember.tensor([0.25]))
    tensor([[-0.2500,  2.0000]])
    """
    _check_tensor("prelu", input)
    n = weight.numel()
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: weight must be 0-d or 1-d, got {weight.ndim} dims")
    if n != 1:
        channels = input.shape[1] if input.ndim >= 2 else (input.shape[0] if input.ndim else 1)
        if input.ndim == 0 or n != channels:
            raise RuntimeError(
                f"prelu: mismatch of parameter numbers and input channel size. Found "
                f"parameter numbers = {n} and channel size = {channels}."
            )
        if input.ndim >= 2:
            weight = weight.reshape((n,) + (1,) * (input.ndim - 2))
    # Composed: where/mul are exact and the weight gradient is the engine's broadcast sum.
    return where(input > 0, input, weight * input)


def _rrelu(input, lower, upper, training):
    if not training:
        return leaky_relu(input, (lower + upper) / 2)
    from ember._ops.creation import rand

    with _no_grad():
        noise = rand(input.shape, dtype=input.dtype, device=input.device) * (upper - lower) + lower
    return where(input >= 0, input, input * noise)


def _no_grad():
    from ember.autograd.grad_mode import no_grad

    return no_grad()


def rrelu(
    input: Tensor,
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
    inplace: bool = False,
) -> Tensor:
    """Randomised leaky ReLU: in training each negative element gets a slope drawn from
    U(lower, upper) with Ember's RNG; in eval the slope is ``(lower + upper) / 2``, as
    ``torch.rrelu``.

    >>> ember.rrelu(ember.tensor([-3.0, 1.0]), 0.25, 0.25)
    tensor([-0.7500,  1.0000])
    """
    _check_tensor("rrelu", input)
    _need_float("rrelu", input._data)
    return _finish("rrelu", input, _rrelu(input, lower, upper, training), inplace)


def rrelu_(
    input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False
) -> Tensor:
    """In-place :func:`rrelu`.

    >>> ember.rrelu_(ember.tensor([0.0]))
    tensor([0.])
    """
    return rrelu(input, lower, upper, training, True)


Hardtanh = _activation(
    "hardtanh",
    lambda xp, a, lo, hi: xp.clip(a, lo, hi),
    lambda gy, x, y, lo, hi: where((x > lo) & (x < hi), gy, 0.0),
    raw=lambda xp, gy, x, lo, hi: gy * ((x > lo) & (x < hi)),
)


def hardtanh(
    input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False
) -> Tensor:
    """``clamp(x, min_val, max_val)`` with a zero gradient at the bounds, as
    ``torch.nn.functional.hardtanh``.

    >>> ember.nn.functional.hardtanh(ember.tensor([-2.0, 0.5, 2.0]))
    tensor([-1.0000,  0.5000,  1.0000])
    """
    _check_tensor("hardtanh", input)
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _finish("hardtanh", input, Hardtanh.apply(input, min_val, max_val), inplace)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """In-place :func:`hardtanh`.

    >>> ember.nn.functional.hardtanh_(ember.tensor([3.0]))
    tensor([1.])
    """
    return hardtanh(input, min_val, max_val, True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(x, 0), 6)``, as ``torch.nn.functional.relu6``.

    >>> ember.nn.functional.relu6(ember.tensor([-1.0, 7.0]))
    tensor([0., 6.])
    """
    return hardtanh(input, 0.0, 6.0, inplace)


Hardsigmoid = _activation(
    "hardsigmoid",
    lambda xp, a: xp.clip(a / 6 + 0.5, 0, 1),
    lambda gy, x, y: where((x > -3) & (x < 3), gy / 6, 0.0),
    raw=lambda xp, gy, x: gy * ((x > -3) & (x < 3)) / 6,
)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """``relu6(x + 3) / 6``, as ``torch.nn.functional.hardsigmoid``.

    >>> ember.nn.functional.hardsigmoid(ember.tensor([0.0, 4.0]))
    tensor([0.5000, 1.0000])
    """
    _check_tensor("hardsigmoid", input)
    return _finish("hardsigmoid", input, Hardsigmoid.apply(input), inplace)


Hardswish = _activation(
    "hardswish",
    lambda xp, a: a * xp.clip(a + 3, 0, 6) / 6,
    lambda gy, x, y: where(x < -3, 0.0, where(x <= 3, gy * (x / 3 + 0.5), gy)),
    raw=lambda xp, gy, x: xp.where(x < -3, 0, xp.where(x <= 3, gy * (x / 3 + 0.5), gy)),
)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * relu6(x + 3) / 6``, as ``torch.nn.functional.hardswish``.

    >>> ember.nn.functional.hardswish(ember.tensor([-4.0, 1.0]))
    tensor([-0.0000,  0.6667])
    """
    _check_tensor("hardswish", input)
    return _finish("hardswish", input, Hardswish.apply(input), inplace)


# -- smooth activations ----------------------------------------------------------------------
Gelu = _activation(
    "gelu",
    lambda xp, a: 0.5 * a * (1 + _erf(xp, a * (1 / math.sqrt(2.0)))),
    lambda gy, x, y: gy * (0.5 * (1 + _erf_t(x * (1 / math.sqrt(2.0)))) + x * _phi(x)),
    raw=lambda xp, gy, x: (
        gy
        * (
            0.5 * (1 + _erf(xp, x * (1 / math.sqrt(2.0))))
            + x * xp.exp(x * x * -0.5) * _SQRT_2PI_INV
        )
    ),
)
GeluTanh = _activation(
    "gelu",
    lambda xp, a: 0.5 * a * (1 + xp.tanh(_GELU_K * (a + _GELU_C * a * a * a))),
    lambda gy, x, y: gy * _gelu_tanh_grad(x),
    raw=lambda xp, gy, x: gy * _gelu_tanh_grad(x, xp.tanh),
)


def _erf(xp, a):
    from ember._ops.pointwise_special import _special

    return _special(xp).erf(a)


def _erf_t(x):
    from ember._ops.pointwise import erf

    return erf(x)


def _phi(x):
    return exp(x * x * -0.5) * _SQRT_2PI_INV


def _gelu_tanh_grad(x, tanh=tanh):
    x2 = x * x
    t = tanh((x + x2 * x * _GELU_C) * _GELU_K)
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * (_GELU_K * (1 + 3 * _GELU_C * x2))


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit ``x * Phi(x)``; ``approximate='tanh'`` uses the tanh
    approximation, as ``torch.nn.functional.gelu``.

    >>> ember.nn.functional.gelu(ember.tensor([1.0]))
    tensor([0.8413])
    """
    _check_tensor("gelu", input)
    if approximate == "none":
        return Gelu.apply(input)
    if approximate == "tanh":
        return GeluTanh.apply(input)
    raise RuntimeError(f"approximate argument must be either none or tanh, got {approximate!r}")


Silu = _activation(
    "silu",
    lambda xp, a: a * _stable_sigmoid(xp, a),
    lambda gy, x, y: gy * _silu_grad(x),
    raw=lambda xp, gy, x: gy * _silu_grad(x, lambda a: _stable_sigmoid(xp, a)),
)


def _silu_grad(x, sigmoid=sigmoid):
    s = sigmoid(x)
    return s * (1 + x * (1 - s))


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * sigmoid(x)`` (swish), as ``torch.nn.functional.silu``.

    >>> ember.nn.functional.silu(ember.tensor([1.0]))
    tensor([0.7311])
    """
    _check_tensor("silu", input)
    return _finish("silu", input, Silu.apply(input), inplace)


def _softplus_xp(xp, a, beta, threshold):
    ba = a * beta
    # max(z, 0) + log1p(exp(-|z|)): stable, and twice as fast as numpy's logaddexp.
    sp = xp.maximum(ba, 0) + xp.log1p(xp.exp(-xp.abs(ba)))
    return xp.where(ba > threshold, a, sp / beta)


Softplus = _activation(
    "softplus",
    _softplus_xp,
    lambda gy, x, y, beta, threshold: where(x * beta > threshold, gy, gy * sigmoid(x * beta)),
    raw=lambda xp, gy, x, beta, threshold: xp.where(
        x * beta > threshold, gy, gy * _stable_sigmoid(xp, x * beta)
    ),
)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * x)) / beta``, linear where ``beta * x > threshold``, as
    ``torch.nn.functional.softplus``.

    >>> ember.nn.functional.softplus(ember.tensor([0.0]))
    tensor([0.6931])
    """
    _check_tensor("softplus", input)
    return Softplus.apply(input, beta, threshold)


Mish = _activation(
    "mish",
    lambda xp, a: a * xp.tanh(_softplus_xp(xp, a, 1.0, 20.0)),
    lambda gy, x, y: gy * _mish_grad(x),
    raw=lambda xp, gy, x: gy * _mish_grad_raw(xp, x),
)


def _mish_grad_raw(xp, x):
    t = xp.tanh(_softplus_xp(xp, x, 1.0, 20.0))
    return t + x * _stable_sigmoid(xp, x) * (1 - t * t)


def _mish_grad(x):
    t = tanh(softplus(x))
    return t + x * sigmoid(x) * (1 - t * t)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))``, as ``torch.nn.functional.mish``.

    >>> ember.nn.functional.mish(ember.tensor([1.0]))
    tensor([0.8651])
    """
    _check_tensor("mish", input)
    return _finish("mish", input, Mish.apply(input), inplace)


Logsigmoid = _activation(
    "log_sigmoid",
    lambda xp, a: xp.minimum(a, 0) - xp.log1p(xp.exp(-xp.abs(a))),
    lambda gy, x, y: gy * sigmoid(-x),
    raw=lambda xp, gy, x: gy * _stable_sigmoid(xp, -x),
)


def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(x))`` computed stably, as ``torch.nn.functional.logsigmoid``.

    >>> ember.nn.functional.logsigmoid(ember.tensor([0.0]))
    tensor([-0.6931])
    """
    _check_tensor("logsigmoid", input)
    return Logsigmoid.apply(input)


def softsign(input: Tensor) -> Tensor:
    """``x / (1 + |x|)``, as ``torch.nn.functional.softsign``.

    >>> ember.nn.functional.softsign(ember.tensor([1.0]))
    tensor([0.5000])
    """
    return input / (input.abs() + 1)


def tanhshrink(input: Tensor) -> Tensor:
    """``x - tanh(x)``, as ``torch.nn.functional.tanhshrink``.

    >>> ember.nn.functional.tanhshrink(ember.tensor([0.0]))
    tensor([0.])
    """
    return input - tanh(input)


# -- shrinkage and threshold -------------------------------------------------------------------
Softshrink = _activation(
    "softshrink",
    lambda xp, a, lambd: xp.where(
        a > lambd, a - lambd, xp.where(a < -lambd, a + lambd, xp.zeros_like(a))
    ),
    lambda gy, x, y, lambd: where((x >= -lambd) & (x <= lambd), 0.0, gy),
)
Hardshrink = _activation(
    "hardshrink",
    lambda xp, a, lambd: xp.where((a >= -lambd) & (a <= lambd), xp.zeros_like(a), a),
    lambda gy, x, y, lambd: where((x >= -lambd) & (x <= lambd), 0.0, gy),
)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """Shrink towards 0 by ``lambd`` (0 inside ``[-lambd, lambd]``), as
    ``torch.nn.functional.softshrink``.

    >>> ember.nn.functional.softshrink(ember.tensor([-1.0, 0.2, 1.0]))
    tensor([-0.5000,  0.0000,  0.5000])
    """
    _check_tensor("softshrink", input)
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    return Softshrink.apply(input, lambd)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x`` outside ``[-lambd, lambd]``, 0 inside, as ``torch.hardshrink``.

    >>> ember.hardshrink(ember.tensor([-1.0, 0.2, 1.0]))
    tensor([-1.,  0.,  1.])
    """
    _check_tensor("hardshrink", input)
    return Hardshrink.apply(input, lambd)


Threshold = _activation(
    "threshold",
    lambda xp, a, th, value: xp.where(a > th, a, xp.asarray(value, dtype=a.dtype)),
    lambda gy, x, y, th, value: where(x <= th, 0.0, gy),
)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``x if x > threshold else value``, as ``torch.threshold``.

    >>> ember.threshold(ember.tensor([0.5, 2.0]), 1.0, -1.0)
    tensor([-1.,  2.])
    """
    _check_tensor("threshold", input)
    return _finish("threshold", input, Threshold.apply(input, threshold, value), inplace)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In-place :func:`threshold`.

    >>> ember.threshold_(ember.tensor([0.5]), 1.0, 0.0)
    tensor([0.])
    """
    return globals()["threshold"](input, threshold, value, True)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit ``a * sigmoid(b)`` where ``a, b`` are the halves of ``input`` along
    ``dim``, as ``torch.nn.functional.glu``.

    >>> ember.nn.functional.glu(ember.tensor([1.0, 0.0]))
    tensor([0.5000])
    """
    _check_tensor("glu", input)
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = wrap_dim("glu", dim, input.ndim)
    size = input.shape[d]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {size}")
    a = input.narrow(d, 0, size // 2)
    b = input.narrow(d, size // 2, size // 2)
    return a * sigmoid(b)


# -- softmax family ---------------------------------------------------------------------------
def _softmax_prep(op, x, dim):
    _need_float(op, x)
    if x.ndim == 0:
        return x.reshape(1), 0
    return x, dim


def _raw_backward(y: Tensor, gy: Tensor) -> bool:
    # First-order backward of float32/64 (nothing recorded) runs on raw arrays; with
    # create_graph=True the Ember-op form below keeps double backward.
    dt = y._data.dtype
    return not _state.enabled and dt.kind == "f" and dt.itemsize >= 4 and gy._data.dtype == dt


class Softmax(Function):
    # Primitive: subtract the max (no overflow), one exp; backward uses the saved output.
    @staticmethod
    def forward(ctx, x, dim):
        xp = ctx.xp
        a, axis = _softmax_prep("softmax", x, dim)

        def fn(v):
            if v.size == 0:
                return v.copy()
            e = v - v.max(axis=axis, keepdims=True)
            xp.exp(e, out=e)
            e /= e.sum(axis=axis, keepdims=True)
            return e

        y = _in_float(fn, a).reshape(x.shape)
        ctx.dim = dim
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        if y.ndim == 0:
            return gy * 0, None
        if _raw_backward(y, gy):  # y * (gy - sum(gy * y)): two passes, one buffer
            yd, g = y._data, gy._data
            gx = g - (g * yd).sum(axis=ctx.dim, keepdims=True)
            gx *= yd
            return Tensor._make(gx), None
        gyy = gy * y
        return gyy - y * gyy.sum(ctx.dim, keepdim=True), None


class LogSoftmax(Function):
    # Primitive: x - max - log(sum(exp(x - max))), stable for any input range.
    @staticmethod
    def forward(ctx, x, dim):
        xp = ctx.xp
        a, axis = _softmax_prep("log_softmax", x, dim)

        def fn(v):
            if v.size == 0:
                return v.copy()
            z = v - v.max(axis=axis, keepdims=True)
            z -= xp.log(xp.exp(z).sum(axis=axis, keepdims=True))
            return z

        y = _in_float(fn, a).reshape(x.shape)
        ctx.dim = dim
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        if y.ndim == 0:
            return gy * 0, None
        if _raw_backward(y, gy):  # gy - exp(y) * sum(gy), in one buffer
            g = gy._data
            gx = ctx.xp.exp(y._data)
            gx *= g.sum(axis=ctx.dim, keepdims=True)
            ctx.xp.subtract(g, gx, out=gx)
            return Tensor._make(gx), None
        return gy - exp(y) * gy.sum(ctx.dim, keepdim=True), None


def _softmax_dim(ndim: int) -> int:
    # PyTorch's legacy rule for an implicit dim (``_get_softmax_dim``).
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_call(op, cls, input, dim, dtype):
    _check_tensor(op, input)
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        dim = _softmax_dim(input.ndim)
    d = wrap_dim(op, dim, input.ndim)
    return cls.apply(input, d)


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim`` (computed stably; ``dtype`` casts the input
    first), as ``torch.softmax``. An omitted ``dim`` follows PyTorch's legacy rule (0 for
    0-, 1- and 3-d inputs, else 1) without its deprecation warning.

    >>> ember.softmax(ember.tensor([0.0, 0.0]), dim=0)
    tensor([0.5000, 0.5000])
    """
    return _softmax_call("softmax", Softmax, input, dim, dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """``x - logsumexp(x)`` along ``dim``, as ``torch.log_softmax``; ``dim`` and ``dtype``
    as :func:`softmax`.

    >>> ember.log_softmax(ember.tensor([0.0, 0.0]), dim=0)
    tensor([-0.6931, -0.6931])
    """
    return _softmax_call("log_softmax", LogSoftmax, input, dim, dtype)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """``softmax(-x)`` along ``dim``, as ``torch.nn.functional.softmin``.

    >>> ember.nn.functional.softmin(ember.tensor([0.0, 0.0]), dim=0)
    tensor([0.5000, 0.5000])
    """
    _check_tensor("softmin", input)
    if dtype is not None:
        input = input.to(dtype)
    return _softmax_call("softmin", Softmax, -input, dim, None)


def gumbel_softmax(
    logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1
) -> Tensor:
    """Sample from the Gumbel-softmax distribution with temperature ``tau`` (Gumbel noise
    from Ember's RNG); ``hard=True`` returns one-hot vectors whose gradient is the soft
    sample's (straight-through), as ``torch.nn.functional.gumbel_softmax``.

    >>> y = ember.nn.functional.gumbel_softmax(ember.zeros(2, 3), hard=True)
    >>> y.sum(dim=-1)
    tensor([1., 1.])
    """
    _check_tensor("gumbel_softmax", logits)
    from ember._ops.creation import empty_like, zeros_like

    with _no_grad():
        gumbels = -empty_like(logits).exponential_().log()
    y_soft = softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y_soft
    index = y_soft.argmax(dim, keepdim=True)
    y_hard = zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft


# -- linear maps -------------------------------------------------------------------------------
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias`` over the last dimension, weight of shape
    (out_features, in_features), as ``torch.nn.functional.linear``.

    >>> ember.nn.functional.linear(ember.ones(2, 3), ember.ones(4, 3)).shape
    ember.Size([2, 4])
    """
    from ember._ops.linalg import matmul

    if weight.ndim not in (1, 2):
        raise RuntimeError(f"linear: weight must be 1-d or 2-d, got {weight.ndim} dims")
    if input.ndim == 0 or input.shape[-1] != weight.shape[-1]:
        raise RuntimeError(
            f"linear: mat1 and mat2 shapes cannot be multiplied (input {tuple(input.shape)} "
            f"and weight.T {tuple(weight.shape[::-1])}): in_features differ"
        )
    y = matmul(input, weight.t() if weight.ndim == 2 else weight)
    return y if bias is None else y + bias


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y_o = x1 @ weight[o] @ x2 + bias_o`` for weight of shape (out, in1, in2) and inputs
    (..., in1), (..., in2), as ``torch.bilinear``.

    >>> ember.bilinear(ember.ones(2, 3), ember.ones(2, 4), ember.ones(5, 3, 4)).shape
    ember.Size([2, 5])
    """
    from ember._ops.linalg import matmul

    if weight.ndim != 3:
        raise RuntimeError(f"bilinear(): weight must be 3-d, got {weight.ndim} dims")
    out_f, in1, in2 = weight.shape
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(
            f"bilinear(): input batch dimensions do not match: got {tuple(input1.shape[:-1])} "
            f"and {tuple(input2.shape[:-1])}"
        )
    if input1.shape[-1] != in1 or input2.shape[-1] != in2:
        raise RuntimeError(
            f"bilinear(): input sizes {input1.shape[-1]} and {input2.shape[-1]} do not match "
            f"weight of size {list(weight.shape)}"
        )
    lead = input1.shape[:-1]
    x1 = input1.reshape(-1, in1)
    x2 = input2.reshape(-1, in2)
    # One BLAS matmul: (B, in1) @ (in1, out*in2), then a row-wise dot with x2.
    t = matmul(x1, weight.permute(1, 0, 2).reshape(in1, out_f * in2)).reshape(-1, out_f, in2)
    y = (t * x2.unsqueeze(1)).sum(-1)
    if bias is not None:
        y = y + bias
    return y.reshape(tuple(lead) + (out_f,))


bind_methods(
    softmax=lambda self, dim, dtype=None: softmax(self, dim, dtype=dtype),
    log_softmax=lambda self, dim, dtype=None: log_softmax(self, dim, dtype=dtype),
    hardshrink=lambda self, lambd=0.5: hardshrink(self, lambd),
    prelu=prelu,
)
