"""Fold an eval-mode batch norm into the preceding conv / linear layer, as
``torch.nn.utils.fusion``: ``bn(conv(x)) == fused_conv(x)`` with
``w' = w * gamma / sqrt(var + eps)`` per output channel and
``b' = (b - mean) * gamma / sqrt(var + eps) + beta``.
"""

from __future__ import annotations

import copy

from ember._tensor import Tensor
from ember.nn.modules.module import Module
from ember.nn.parameter import Parameter

__all__ = [
    "fuse_conv_bn_eval",
    "fuse_conv_bn_weights",
    "fuse_linear_bn_eval",
    "fuse_linear_bn_weights",
]


def fuse_conv_bn_eval(conv: Module, bn: Module, transpose: bool = False) -> Module:
    """A copy of ``conv`` (eval mode) whose weight and bias include the eval-mode batch norm
    ``bn`` that follows it, as ``torch.nn.utils.fuse_conv_bn_eval``; ``transpose=True`` for
    ConvTranspose (output channels on dim 1 of the weight).

    >>> conv, bn = ember.nn.Conv2d(3, 4, 3).eval(), ember.nn.BatchNorm2d(4).eval()
    >>> fused = ember.nn.utils.fuse_conv_bn_eval(conv, bn)
    >>> x = ember.randn(1, 3, 5, 5)
    >>> bool(((fused(x) - bn(conv(x))).abs().max() < 1e-5).item())
    True
    """
    if conv.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    fused_conv = copy.deepcopy(conv)
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("bn.running_mean and bn.running_var must not be None")
    fused_conv.weight, fused_conv.bias = fuse_conv_bn_weights(
        fused_conv.weight,
        fused_conv.bias,
        bn.running_mean,
        bn.running_var,
        bn.eps,
        bn.weight,
        bn.bias,
        transpose,
    )
    return fused_conv


def fuse_conv_bn_weights(
    conv_w: Tensor,
    conv_b: Tensor | None,
    bn_rm: Tensor,
    bn_rv: Tensor,
    bn_eps: float,
    bn_w: Tensor | None,
    bn_b: Tensor | None,
    transpose: bool = False,
) -> tuple[Parameter, Parameter]:
    """The fused ``(weight, bias)`` Parameters of a conv followed by an eval-mode batch norm
    with running mean ``bn_rm``, running var ``bn_rv``, affine ``bn_w``/``bn_b`` (None for
    identity), as ``torch.nn.utils.fuse_conv_bn_weights``; dtypes stay the conv's.

    >>> w, b = ember.nn.utils.fuse_conv_bn_weights(
    ...     ember.ones(2, 1, 1, 1), None, ember.zeros(2), ember.full((2,), 3.0), 1.0, None, None
    ... )
    >>> w.data.flatten(), b.data
    (tensor([0.5000, 0.5000]), tensor([0., 0.]))
    """
    from ember._ops.creation import ones_like, zeros_like

    conv_weight_dtype = conv_w.dtype
    conv_bias_dtype = conv_b.dtype if conv_b is not None else conv_weight_dtype
    if conv_b is None:
        conv_b = zeros_like(bn_rm)
    if bn_w is None:
        bn_w = ones_like(bn_rm)
    if bn_b is None:
        bn_b = zeros_like(bn_rm)
    bn_var_rsqrt = (bn_rv + bn_eps).rsqrt()
    extra = [1] * (conv_w.dim() - 2)
    shape = [1, -1, *extra] if transpose else [-1, 1, *extra]
    fused_w = (conv_w * (bn_w * bn_var_rsqrt).reshape(shape)).to(dtype=conv_weight_dtype)
    fused_b = ((conv_b - bn_rm) * bn_var_rsqrt * bn_w + bn_b).to(dtype=conv_bias_dtype)
    return (
        Parameter(fused_w.detach(), conv_w.requires_grad),
        Parameter(fused_b.detach(), conv_b.requires_grad),
    )


def fuse_linear_bn_eval(linear: Module, bn: Module) -> Module:
    """A copy of ``linear`` (eval mode) with the following eval-mode ``BatchNorm1d`` folded
    into its weight and bias, as ``torch.nn.utils.fuse_linear_bn_eval``; ``bn`` must have
    ``out_features`` or 1 features.

    >>> lin, bn = ember.nn.Linear(3, 4).eval(), ember.nn.BatchNorm1d(4).eval()
    >>> x = ember.randn(2, 3)
    >>> fused = ember.nn.utils.fuse_linear_bn_eval(lin, bn)
    >>> bool(((fused(x) - bn(lin(x))).abs().max() < 1e-5).item())
    True
    """
    if linear.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    fused_linear = copy.deepcopy(linear)
    # The bn channel dim must broadcast against linear's last dim to keep the shapes.
    if linear.out_features != bn.num_features and bn.num_features != 1:
        raise AssertionError(
            "To fuse, linear.out_features == bn.num_features or bn.num_features == 1, got "
            f"linear.out_features={linear.out_features} and bn.num_features={bn.num_features}"
        )
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("bn.running_mean and bn.running_var must not be None")
    fused_linear.weight, fused_linear.bias = fuse_linear_bn_weights(
        fused_linear.weight,
        fused_linear.bias,
        bn.running_mean,
        bn.running_var,
        bn.eps,
        bn.weight,
        bn.bias,
    )
    return fused_linear


def fuse_linear_bn_weights(
    linear_w: Tensor,
    linear_b: Tensor | None,
    bn_rm: Tensor,
    bn_rv: Tensor,
    bn_eps: float,
    bn_w: Tensor,
    bn_b: Tensor,
) -> tuple[Parameter, Parameter]:
    """The fused ``(weight, bias)`` Parameters of a linear layer followed by an eval-mode
    batch norm, as ``torch.nn.utils.fuse_linear_bn_weights``.

    >>> w, b = ember.nn.utils.fuse_linear_bn_weights(
    ...     ember.ones(2, 2), None, ember.zeros(2), ember.full((2,), 3.0), 1.0,
    ...     ember.ones(2), ember.ones(2)
    ... )
    >>> w.data, b.data
    (tensor([[0.5000, 0.5000],
            [0.5000, 0.5000]]), tensor([1., 1.]))
    """
    from ember._ops.creation import zeros_like

    linear_weight_dtype = linear_w.dtype
    linear_bias_dtype = linear_b.dtype if linear_b is not None else linear_weight_dtype
    if linear_b is None:
        linear_b = zeros_like(bn_rm)
    bn_scale = bn_w * (bn_rv + bn_eps).rsqrt()
    fused_w = linear_w * bn_scale.unsqueeze(-1).to(dtype=linear_weight_dtype)
    fused_b = ((linear_b - bn_rm) * bn_scale + bn_b).to(dtype=linear_bias_dtype)
    return (
        Parameter(fused_w.detach(), linear_w.requires_grad),
        Parameter(fused_b.detach(), linear_b.requires_grad),
    )
