"""Dropout ops: element-wise, per-channel (1d/2d/3d) and the SELU-preserving alpha variants.

Masks are drawn from the device's default generator (Ember's RNG); the op itself is a
multiplication by a constant mask, so its gradient (and double gradient) come from ``mul``.

``__all__`` lists names PyTorch also has at top level (``torch.xxx``); ``FUNCTIONAL`` lists
the names ``ember.nn.functional`` re-exports.
"""

from __future__ import annotations

import math
import warnings

from ember._ops._checks import dtype_not_implemented, float_compute_dtype
from ember._tensor import Tensor

__all__ = ["dropout", "alpha_dropout", "feature_alpha_dropout"]
FUNCTIONAL = [
    "dropout",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "alpha_dropout",
    "feature_alpha_dropout",
]

_SELU_ALPHA = 1.7580993408473766  # -scale * alpha of SELU, as PyTorch's alpha_dropout


def _check(op: str, input: Tensor, p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"{op} probability has to be between 0 and 1, but got {p}")
    if input._data.dtype.kind not in "fVc":
        raise dtype_not_implemented(op, input._data.dtype)


def _keep_mask(input: Tensor, shape: tuple, p: float):
    """A 0/1 array of ``shape`` (broadcastable to input) keeping each entry w.p. 1 - p."""
    from ember.backend.random import generator_for

    data = input._data
    gen = generator_for(input.device, None)
    work = float_compute_dtype(data.dtype) if data.dtype.kind != "c" else data.real.dtype
    return (gen._uniform(shape, work) >= p).astype(work)


def _apply(input: Tensor, factor, shift, inplace: bool) -> Tensor:
    f = Tensor._make(factor.astype(input._data.dtype, copy=False))
    s = None if shift is None else Tensor._make(shift.astype(input._data.dtype, copy=False))
    if inplace:
        input.mul_(f)
        return input if s is None else input.add_(s)
    y = input * f
    return y if s is None else y + s


def _dropout(op, input, p, training, inplace, shape):
    _check(op, input, p)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        mask = input._data.real.dtype.type(0) * _keep_mask(input, shape, 0.0)
        return _apply(input, mask, None, inplace)
    mask = _keep_mask(input, shape, p)
    mask *= 1.0 / (1.0 - p)  # in place: the mask is ours, a Python float keeps its dtype
    return _apply(input, mask, None, inplace)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element of ``input`` with probability ``p`` and scale the rest by
    ``1 / (1 - p)`` when ``training``, as ``torch.nn.functional.dropout``; identity otherwise.

    >>> ember.nn.functional.dropout(ember.ones(3), 0.5, training=False)
    tensor([1., 1., 1.])
    """
    return _dropout("dropout", input, p, training, inplace, tuple(input.shape))


def _feature_shape(op: str, input: Tensor, dims: int) -> tuple:
    nd = input.ndim
    if nd not in (dims + 1, dims + 2):
        names = {1: "(N, C, L) or (C, L)", 2: "(N, C, H, W) or (C, H, W)"}
        want = names.get(dims, "(N, C, D, H, W) or (C, D, H, W)")
        raise RuntimeError(
            f"{op}: Expected {dims + 1}D or {dims + 2}D input {want}, but received a "
            f"{nd}D input of size {list(input.shape)}"
        )
    lead = nd - dims  # 1 (unbatched: C) or 2 (N, C)
    return tuple(input.shape[:lead]) + (1,) * dims


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels of ``input`` (N, C, L) or (C, L) with probability ``p``, as
    ``torch.nn.functional.dropout1d``.

    >>> ember.nn.functional.dropout1d(ember.ones(1, 2, 2), training=False).shape
    ember.Size([1, 2, 2])
    """
    shape = _feature_shape("dropout1d", input, 1)
    return _dropout("dropout1d", input, p, training, inplace, shape)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels of ``input`` (N, C, H, W) or (C, H, W) with probability ``p``, as
    ``torch.nn.functional.dropout2d`` (a 3D input is read as (N, C, L) with PyTorch's warning).

    >>> ember.nn.functional.dropout2d(ember.ones(1, 2, 2, 2), training=False).shape
    ember.Size([1, 2, 2, 2])
    """
    nd = input.ndim
    if nd not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {nd}-D input to dropout2d, which is deprecated and will "
            "result in an error in a future release. To retain the behavior and silence this "
            "warning, please use dropout instead. Note that dropout2d exists to provide "
            "channel-wise dropout on inputs with 2 spatial dimensions, a channel dimension, "
            "and an optional batch dimension (i.e. 3D or 4D inputs).",
            UserWarning,
            stacklevel=2,
        )
    if nd == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
            "dropout behavior is desired - input is interpreted as shape (N, C, L), where C "
            "is the channel dim. This behavior will change in a future release to interpret "
            "the input as one without a batch dimension, i.e. shape (C, H, W). To maintain "
            "the 1D channel-wise dropout behavior, please switch to using dropout1d instead.",
            UserWarning,
            stacklevel=2,
        )
    shape = tuple(input.shape[:2]) + (1,) * (nd - 2) if nd >= 2 else tuple(input.shape)
    return _dropout("dropout2d", input, p, training, inplace, shape)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels of ``input`` (N, C, D, H, W) or (C, D, H, W) with probability
    ``p``, as ``torch.nn.functional.dropout3d``.

    >>> ember.nn.functional.dropout3d(ember.ones(1, 2, 1, 1, 2), training=False).shape
    ember.Size([1, 2, 1, 1, 2])
    """
    nd = input.ndim
    if nd not in (4, 5):
        warnings.warn(
            f"dropout3d: Received a {nd}-D input to dropout3d, which is deprecated and will "
            "result in an error in a future release. To retain the behavior and silence this "
            "warning, please use dropout instead. Note that dropout3d exists to provide "
            "channel-wise dropout on inputs with 3 spatial dimensions, a channel dimension, "
            "and an optional batch dimension (i.e. 4D or 5D inputs).",
            UserWarning,
            stacklevel=2,
        )
    lead = 1 if nd == 4 else min(2, nd)
    shape = tuple(input.shape[:lead]) + (1,) * (nd - lead)
    return _dropout("dropout3d", input, p, training, inplace, shape)


def _alpha(op, input, p, training, inplace, shape):
    _check(op, input, p)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input.mul_(0.0) if inplace else input * 0.0
    keep = _keep_mask(input, shape, p)
    a = 1.0 / math.sqrt((_SELU_ALPHA * _SELU_ALPHA * p + 1) * (1 - p))
    b = (keep - 1) * (_SELU_ALPHA * a) + _SELU_ALPHA * a * p
    return _apply(input, keep * a, b, inplace)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False):
    """Dropout that keeps SELU's zero mean and unit variance: dropped elements are set to
    SELU's negative saturation value, then an affine map restores the statistics, as
    ``torch.nn.functional.alpha_dropout``.

    >>> ember.nn.functional.alpha_dropout(ember.ones(2), 0.5)
    tensor([1., 1.])
    """
    return _alpha("alpha_dropout", input, p, training, inplace, tuple(input.shape))


def feature_alpha_dropout(
    input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False
):
    """Alpha dropout of whole channels (dim 1) of ``input`` (N, C, *), as
    ``torch.nn.functional.feature_alpha_dropout``.

    >>> ember.nn.functional.feature_alpha_dropout(ember.ones(1, 2, 2), 0.5).shape
    ember.Size([1, 2, 2])
    """
    if input.ndim < 2:
        raise RuntimeError(
            "feature_alpha_dropout: Feature dropout requires at least 2 dimensions in the input"
        )
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
    return _alpha("feature_alpha_dropout", input, p, training, inplace, shape)
