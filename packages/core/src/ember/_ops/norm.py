"""Normalisation ops: batch/layer/group/instance norm, RMS norm, local response norm,
``normalize``.

Batch, layer, group and instance norm share one primitive, ``Standardize`` (``(x - mean) /
sqrt(var + eps)`` over some axes, moments in one place); the affine ``* weight + bias`` is two
ordinary ops after it. Its backward is the closed form ``rstd * (g - mean(g) - xhat *
mean(g * xhat))``: on raw arrays when nothing records (the common case), and in Ember ops
recomputed from ``x`` under ``create_graph`` so double backward is exact.

``__all__`` lists names PyTorch also has at top level (``torch.xxx``); ``FUNCTIONAL`` lists
the names ``ember.nn.functional`` re-exports.

Note [top-level forms in the other family]
``torch.batch_norm``/``torch.instance_norm`` and ``torch.embedding``/``torch.embedding_bag``
take other arguments than their ``nn.functional`` namesakes, and both ``ember`` and
``ember.nn.functional`` read a family's names off the module, so one module cannot hold both
forms under one name. Each family's top-level forms therefore live in the *other* family:
``torch.embedding``/``embedding_bag`` here (thin wrappers over ``ember._ops.embedding``),
``torch.batch_norm``/``instance_norm`` in ``ember._ops.embedding``.
"""

from __future__ import annotations

import numpy

from ember._ops._checks import dtype_not_implemented, float_compute_dtype, wrap_dim
from ember._tensor import Tensor
from ember.autograd.function import Function
from ember.autograd.grad_mode import is_grad_enabled, no_grad

# torch.batch_norm / torch.instance_norm take (input, weight, bias, running_mean, ...) in
# another order than their functional forms: they go top level from ember._ops.embedding
# (see Note [top-level forms in the other family] for ``embedding`` and ``embedding_bag``).
__all__ = ["layer_norm", "group_norm", "rms_norm", "embedding", "embedding_bag"]
FUNCTIONAL = [
    "batch_norm",
    "layer_norm",
    "group_norm",
    "instance_norm",
    "rms_norm",
    "local_response_norm",
    "normalize",
]


def _check_float(op: str, x: Tensor) -> None:
    if x._data.dtype.kind not in "fV":
        raise dtype_not_implemented(op, x._data.dtype)


class Standardize(Function):
    # Primitive: moments once, and a closed-form backward instead of ~10 composed ops.
    @staticmethod
    def forward(ctx, x, axes, eps, stats):
        xp = ctx.xp
        cd = float_compute_dtype(x.dtype)
        xc = x.astype(cd, copy=False)
        mean = xc.mean(axis=axes, keepdims=True)
        d = xc - mean
        var = (d * d).mean(axis=axes, keepdims=True)
        rstd = 1 / xp.sqrt(var + eps)
        y = (d * rstd).astype(x.dtype, copy=False)
        ctx.axes, ctx.eps = axes, eps
        ctx.save_for_backward(x, rstd, y)
        if not stats:
            return y
        ctx.mark_non_differentiable(mean, var)
        return y, mean, var

    @staticmethod
    def backward(ctx, gy, *_):
        x, rstd, y = ctx.saved_tensors
        axes = ctx.axes
        if not is_grad_enabled():
            g, xhat, r = gy._data, y._data, rstd._data
            cd = float_compute_dtype(g.dtype)
            g, xhat = g.astype(cd, copy=False), xhat.astype(cd, copy=False)
            gm = g.mean(axis=axes, keepdims=True)
            gxm = (g * xhat).mean(axis=axes, keepdims=True)
            gx = (r * (g - gm - xhat * gxm)).astype(x._data.dtype, copy=False)
            return Tensor._make(gx), None, None, None
        # create_graph: everything from x in Ember ops so the result is differentiable.
        mean = x.mean(dim=axes, keepdim=True)
        xc = x - mean
        r = ((xc * xc).mean(dim=axes, keepdim=True) + ctx.eps).rsqrt()
        xhat = xc * r
        gx = r * (gy - gy.mean(dim=axes, keepdim=True) - xhat * (gy * xhat).mean(axes, True))
        return gx, None, None, None


def _channel_shape(x: Tensor) -> tuple:
    return (x.shape[1],) + (1,) * (x.ndim - 2)


def _affine(y: Tensor, weight, bias, shape=None) -> Tensor:
    if weight is not None:
        y = y * (weight if shape is None else weight.reshape(shape))
    if bias is not None:
        y = y + (bias if shape is None else bias.reshape(shape))
    return y


def _update_running(running, value, momentum) -> None:
    # In place on the buffer's array, as PyTorch's kernels do (no autograd record).
    if running is None:
        return
    arr = running._data
    arr *= 1 - momentum
    arr += (momentum * value).astype(arr.dtype, copy=False)
    running._bump_version()


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Batch normalisation over all dims but the channel dim 1 of ``input`` (N, C, *), as
    ``torch.nn.functional.batch_norm``: in training, batch statistics normalise and
    ``running_mean``/``running_var`` (C,) are updated in place with ``momentum`` (the
    variance unbiased); otherwise the running statistics normalise.

    >>> x = ember.tensor([[1.0, 2.0], [3.0, 6.0]])
    >>> ember.nn.functional.batch_norm(x, None, None, training=True)
    tensor([[-1.0000, -1.0000],
            [ 1.0000,  1.0000]])
    """
    _check_float("batch_norm", input)
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected 2D or more input (N, C, *), got {input.ndim}D")
    shape = _channel_shape(input)
    if training:
        size = 1
        for i, s in enumerate(input.shape):
            size *= s if i != 1 else 1
        if size == 1:
            raise ValueError(
                "Expected more than 1 value per channel when training, got input size "
                f"ember.Size({list(input.shape)})"
            )
        axes = (0,) + tuple(range(2, input.ndim))
        y, mean, var = Standardize.apply(input, axes, eps, True)
        if running_mean is not None or running_var is not None:
            _update_running(running_mean, mean._data.reshape(-1), momentum)
            _update_running(running_var, var._data.reshape(-1) * (size / (size - 1)), momentum)
        return _affine(y, weight, bias, shape)
    if running_mean is None or running_var is None:
        raise RuntimeError("batch_norm: running_mean and running_var must be defined in eval mode")
    if running_mean.numel() != input.shape[1]:
        raise RuntimeError(
            f"batch_norm: running_mean should contain {input.shape[1]} elements not "
            f"{running_mean.numel()}"
        )
    y = (input - running_mean.reshape(shape)) * (running_var.reshape(shape) + eps).rsqrt()
    return _affine(y, weight, bias, shape)


def instance_norm(
    input: Tensor,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each (sample, channel) plane of ``input`` (N, C, *) over its spatial dims,
    as ``torch.nn.functional.instance_norm``; with ``use_input_stats=False`` the running
    statistics (C,) normalise instead, and in training they are updated in place with the
    batch average of the per-instance statistics.

    >>> ember.nn.functional.instance_norm(ember.tensor([[[1.0, 3.0]]]))
    tensor([[[-1.0000,  1.0000]]])
    """
    _check_float("instance_norm", input)
    if input.ndim < 3:
        raise ValueError(
            f"instance_norm: expected input with 3 or more dims (N, C, *), got {input.ndim}D"
        )
    shape = _channel_shape(input)
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise RuntimeError(
                "instance_norm: Expected running_mean and running_var to be defined when "
                "use_input_stats is false"
            )
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    axes = tuple(range(2, input.ndim))
    size = 1
    for s in input.shape[2:]:
        size *= s
    if size == 1:
        raise ValueError(
            "Expected more than 1 spatial element when training, got input size "
            f"ember.Size({list(input.shape)})"
        )
    y, mean, var = Standardize.apply(input, axes, eps, True)
    if running_mean is not None or running_var is not None:
        n = input.shape[0]
        _update_running(running_mean, mean._data.reshape(n, -1).mean(axis=0), momentum)
        unbiased = var._data.reshape(n, -1).mean(axis=0) * (size / (size - 1))
        _update_running(running_var, unbiased, momentum)
    return _affine(y, weight, bias, shape)


def layer_norm(
    input: Tensor,
    normalized_shape,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise ``input`` over its last ``len(normalized_shape)`` dims, then scale by
    ``weight`` and shift by ``bias`` (both of ``normalized_shape``), as
    ``torch.nn.functional.layer_norm``.

    >>> ember.nn.functional.layer_norm(ember.tensor([[1.0, 3.0]]), (2,))
    tensor([[-1.0000,  1.0000]])
    """
    _check_float("layer_norm", input)
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(ns)
    if k == 0 or tuple(input.shape[input.ndim - k :]) != ns or input.ndim < k:
        raise RuntimeError(
            f"layer_norm: Given normalized_shape={list(ns)}, expected input with shape "
            f"[*, {', '.join(map(str, ns))}], but got input of size{list(input.shape)}"
        )
    axes = tuple(range(input.ndim - k, input.ndim))
    return _affine(Standardize.apply(input, axes, eps, False), weight, bias)


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise ``input`` (N, C, *) over each of ``num_groups`` groups of channels (and the
    spatial dims), then apply per-channel ``weight``/``bias`` (C,), as
    ``torch.nn.functional.group_norm``.

    >>> ember.nn.functional.group_norm(ember.tensor([[1.0, 3.0]]), 1)
    tensor([[-1.0000,  1.0000]])
    """
    _check_float("group_norm", input)
    if input.ndim < 2:
        raise RuntimeError(
            f"group_norm: expected input with at least 2 dims (N, C, *), got {input.ndim}D"
        )
    n, c = input.shape[0], input.shape[1]
    if c % num_groups:
        raise RuntimeError(
            "Expected number of channels in input to be divisible by num_groups, but got "
            f"input of shape {list(input.shape)} and num_groups={num_groups}"
        )
    x = input.reshape(n, num_groups, -1)
    y = Standardize.apply(x, (2,), eps, False).reshape(input.shape)
    return _affine(y, weight, bias, _channel_shape(input))


def rms_norm(
    input: Tensor,
    normalized_shape,
    weight: Tensor | None = None,
    eps: float | None = None,
) -> Tensor:
    """``input / sqrt(mean(input**2) + eps) * weight`` over the last
    ``len(normalized_shape)`` dims, as ``torch.nn.functional.rms_norm`` (``eps=None`` uses the
    dtype's machine epsilon).

    >>> ember.nn.functional.rms_norm(ember.tensor([[3.0, 4.0]]), (2,))
    tensor([[0.8485, 1.1314]])
    """
    _check_float("rms_norm", input)
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(ns)
    if tuple(input.shape[input.ndim - k :]) != ns or input.ndim < k:
        raise RuntimeError(
            f"rms_norm: Given normalized_shape={list(ns)}, expected input with shape "
            f"[*, {', '.join(map(str, ns))}], but got input of size{list(input.shape)}"
        )
    if eps is None:
        eps = float(numpy.finfo(float_compute_dtype(input._data.dtype)).eps)
    axes = tuple(range(input.ndim - k, input.ndim))
    y = input * ((input * input).mean(dim=axes, keepdim=True) + eps).rsqrt()
    return y if weight is None else y * weight


def local_response_norm(
    input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0
) -> Tensor:
    """Divide each channel of ``input`` (N, C, *) by ``(k + alpha * mean of squares over
    size neighbouring channels) ** beta``, as ``torch.nn.functional.local_response_norm``.

    >>> ember.nn.functional.local_response_norm(ember.ones(1, 2, 1), 2, alpha=1.0)
    tensor([[[0.7378],
             [0.5946]]])
    """
    from ember._ops.vision import pad

    _check_float("local_response_norm", input)
    if input.ndim < 3:
        raise ValueError(
            f"Expected 3D or higher dimensionality input (got {input.ndim} dimensions)"
        )
    if input.numel() == 0:
        return input
    c = input.shape[1]
    sq = input * input
    # Zero-pad the channel dim and sum ``size`` shifted windows (loop over the window only).
    pads = [0, 0] * (input.ndim - 2) + [size // 2, (size - 1) // 2]
    sq = pad(sq, pads)
    div = sq.narrow(1, 0, c)
    for i in range(1, size):
        div = div + sq.narrow(1, i, c)
    div = (div * (alpha / size) + k) ** beta
    return input / div


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None) -> Tensor:
    """``input / max(||input||_p, eps)`` along ``dim``, as ``torch.nn.functional.normalize``.

    >>> ember.nn.functional.normalize(ember.tensor([[3.0, 4.0]]))
    tensor([[0.6000, 0.8000]])
    """
    from ember._ops.linalg import vector_norm

    dim = wrap_dim("normalize", dim, input.ndim)
    denom = vector_norm(input, p, dim=dim, keepdim=True).clamp_min(eps)
    y = input / denom
    if out is not None:
        with no_grad():
            out.copy_(y)
        return out
    return y


# -- torch.embedding / torch.embedding_bag: see Note [top-level forms in the other family] ---
# (ember._ops.embedding is imported inside these functions: it imports this module.)
def embedding(
    weight: Tensor,
    indices: Tensor,
    padding_idx: int = -1,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Rows of ``weight`` (num_embeddings, dim) picked by the integer ``indices``, as
    ``torch.embedding`` (the low-level form of ``nn.functional.embedding``: weight first, and
    a negative ``padding_idx`` means no padding row).

    >>> ember.embedding(ember.tensor([[0.0, 1.0], [2.0, 3.0]]), ember.tensor([1, 1]))
    tensor([[2., 3.],
            [2., 3.]])
    """
    from ember._ops import embedding as _embedding

    if padding_idx is not None and padding_idx < 0:
        padding_idx = None
    return _embedding.embedding(
        indices, weight, padding_idx, scale_grad_by_freq=scale_grad_by_freq, sparse=sparse
    )


def embedding_bag(
    weight: Tensor,
    indices: Tensor,
    offsets: Tensor,
    scale_grad_by_freq: bool = False,
    mode: int = 0,
    sparse: bool = False,
    per_sample_weights: Tensor | None = None,
    include_last_offset: bool = False,
    padding_idx: int | None = None,
) -> tuple:
    """Bag reductions of embedding rows as ``torch.embedding_bag``: ``mode`` 0/1/2 is
    sum/mean/max over the bags that the 1-D ``offsets`` cut the 1-D ``indices`` into; returns
    ``(output, offset2bag, bag_size, max_indices)`` with the auxiliary tensors laid out as
    PyTorch's CPU kernel gives them.

    >>> w = ember.tensor([[0.0, 1.0], [2.0, 3.0]])
    >>> ember.embedding_bag(w, ember.tensor([0, 1, 1]), ember.tensor([0, 1]))[0]
    tensor([[0., 1.],
            [4., 6.]])
    """
    from ember._ops import embedding as _embedding

    for arg, what in ((indices, "indices"), (offsets, "offsets")):
        if not isinstance(arg, Tensor):
            raise TypeError(
                f"embedding_bag(): argument '{what}' must be Tensor, not {type(arg).__name__}"
            )
    if mode not in (0, 1, 2):
        raise RuntimeError(f"embedding_bag: `mode` must be sum, mean, or max, got {mode!r}")
    output = _embedding.embedding_bag(
        indices,
        weight,
        offsets,
        scale_grad_by_freq=scale_grad_by_freq,
        mode=("sum", "mean", "max")[mode],
        sparse=sparse,
        per_sample_weights=per_sample_weights,
        include_last_offset=include_last_offset,
        padding_idx=padding_idx,
    )
    aux = _embedding._bag_aux(weight, indices, offsets, mode, include_last_offset, padding_idx)
    return (output, *aux)
