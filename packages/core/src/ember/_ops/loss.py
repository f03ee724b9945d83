"""Loss functions, as ``torch.nn.functional``: regression losses, classification losses
(cross-entropy, NLL, binary cross-entropy), margin/embedding losses, Poisson/Gaussian NLL
and CTC.

``__all__`` lists names PyTorch also has at top level (``torch.xxx``); ``FUNCTIONAL`` lists
the names ``ember.nn.functional`` re-exports.

Note [loss primitives]
Cross-entropy with class indices is one fused primitive (log-softmax and NLL in one pass;
backward ``(softmax * A - a) * g`` with ``a`` the per-class target weights and ``A`` their
sum), NLL is a primitive (a gather forward, a one-hot backward) and CTC is a primitive
(forward-backward algorithm vectorised over batch and labels, looping over time only,
once-differentiable). The other losses are compositions of exact, stable Ember ops
(``logsigmoid`` for the logit losses), so they are twice differentiable.
"""

from __future__ import annotations

import contextlib
import math
import warnings

import numpy

from ember._ops._checks import dtype_not_implemented, float_compute_dtype, shape_str
from ember._ops.activation import log_softmax, logsigmoid, softmax
from ember._ops.pointwise import exp, log, where
from ember._tensor import Tensor
from ember.autograd.function import Function, once_differentiable
from ember.autograd.grad_mode import _state

__all__ = [
    "binary_cross_entropy_with_logits",
    "kl_div",
    "cosine_embedding_loss",
    "margin_ranking_loss",
    "hinge_embedding_loss",
    "triplet_margin_loss",
    "poisson_nll_loss",
    "ctc_loss",
]
FUNCTIONAL = [
    "l1_loss",
    "mse_loss",
    "cross_entropy",
    "nll_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "kl_div",
    "huber_loss",
    "smooth_l1_loss",
    "soft_margin_loss",
    "multilabel_soft_margin_loss",
    "multilabel_margin_loss",
    "multi_margin_loss",
    "cosine_embedding_loss",
    "margin_ranking_loss",
    "hinge_embedding_loss",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
    "poisson_nll_loss",
    "gaussian_nll_loss",
    "ctc_loss",
]


# -- reductions ---------------------------------------------------------------------------------
def legacy_reduction(size_average, reduce, reduction: str = "mean") -> str:
    """The reduction string for the deprecated ``size_average``/``reduce`` flags (PyTorch's
    ``_Reduction.legacy_get_string``); ``reduction`` when both are None."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        result = "mean"
    else:
        result = "sum" if reduce else "none"
    warnings.warn(
        "size_average and reduce args will be deprecated, please use "
        f"reduction='{result}' instead.",
        stacklevel=3,
    )
    return result


def _check_reduction(reduction: str, extra=()) -> None:
    if reduction not in ("none", "mean", "sum") + tuple(extra):
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _quiet(xp):
    # 0/0 (every target ignored) and log(0) are meant results (nan, -inf), as in PyTorch.
    if xp is numpy:
        return numpy.errstate(divide="ignore", invalid="ignore", over="ignore")
    return contextlib.nullcontext()


def _size_warning(input: Tensor, target: Tensor) -> None:
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}). This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.",
            stacklevel=3,
        )


def _need_tensor(op: str, name: str, value) -> None:
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(value).__name__}")


# -- regression losses ----------------------------------------------------------------------------
def _weighted(loss, weight, reduction, input, mean_by_weight=True):
    if weight is None:
        return _reduce(loss, reduction)
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "mean" and mean_by_weight:
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction)


def l1_loss(
    input: Tensor,
    target: Tensor,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Mean (or sum, or elementwise) absolute error ``|input - target|``; with ``weight``
    the mean is ``sum(w * |d|) / sum(w)``, as ``torch.nn.functional.l1_loss``.

    >>> ember.nn.functional.l1_loss(ember.tensor([1.0, 2.0]), ember.tensor([0.0, 0.0]))
    tensor(1.5000)
    """
    _size_warning(input, target)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    return _weighted((input - target).abs(), weight, reduction, input)


def mse_loss(
    input: Tensor,
    target: Tensor,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Mean (or sum, or elementwise) squared error ``(input - target) ** 2``, as
    ``torch.nn.functional.mse_loss``.

    >>> ember.nn.functional.mse_loss(ember.tensor([1.0, 2.0]), ember.tensor([0.0, 0.0]))
    tensor(2.5000)
    """
    _size_warning(input, target)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    d = input - target
    return _weighted(d * d, weight, reduction, input)


def _huber(d: Tensor, delta: float) -> Tensor:
    ad = d.abs()
    return where(ad < delta, 0.5 * d * d, delta * (ad - 0.5 * delta))


def huber_loss(
    input: Tensor,
    target: Tensor,
    reduction: str = "mean",
    delta: float = 1.0,
    weight: Tensor | None = None,
) -> Tensor:
    """Squared error below ``delta``, ``delta``-scaled absolute error above it, as
    ``torch.nn.functional.huber_loss``.

    >>> ember.nn.functional.huber_loss(ember.tensor([0.5, 3.0]), ember.tensor([0.0, 0.0]))
    tensor(1.3125)
    """
    _size_warning(input, target)
    _check_reduction(reduction)
    if delta <= 0:
        raise RuntimeError(
            f"huber_loss does not support non-positive values for delta, got {delta}"
        )
    return _weighted(_huber(input - target, delta), weight, reduction, input, False)


def smooth_l1_loss(
    input: Tensor,
    target: Tensor,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """``0.5 * d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 * beta`` (plain L1 for
    ``beta=0``), as ``torch.nn.functional.smooth_l1_loss``.

    >>> ember.nn.functional.smooth_l1_loss(ember.tensor([0.5, 3.0]), ember.tensor([0.0, 0.0]))
    tensor(1.3125)
    """
    _size_warning(input, target)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    d = input - target
    if beta == 0:
        return _reduce(d.abs(), reduction)
    return _reduce(_huber(d, beta) / beta, reduction)


# -- class-index losses: shared preparation ----------------------------------------------------
def _class_prep(op, xp, x, t, w, ignore_index):
    """Flatten the (C,) case to (1, C); check shapes; return the target mask and weights."""
    if x.dtype.kind not in "fV":
        raise dtype_not_implemented(op, x.dtype)
    if t.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: expected target with an integer dtype, got {t.dtype}")
    if x.ndim == 0:
        raise ValueError(f"{op}: expected input with 1 or more dims, got a 0-d tensor")
    unbatched = x.ndim == 1
    if unbatched:
        if t.ndim != 0:
            raise RuntimeError(
                f"{op}: 1D input of shape {shape_str(x.shape)} needs a 0-d target, got target "
                f"of shape {shape_str(t.shape)}"
            )
        x, t = x[None], t[None]
    n, c = x.shape[0], x.shape[1]
    if t.ndim == 0 or t.shape[0] != n:
        raise ValueError(
            f"Expected input batch_size ({n}) to match target batch_size "
            f"({t.shape[0] if t.ndim else 0})."
        )
    if t.shape != x.shape[:1] + x.shape[2:]:
        raise RuntimeError(
            f"{op}: expected target of shape {shape_str(x.shape[:1] + x.shape[2:])} for input "
            f"of shape {shape_str(x.shape)}, got {shape_str(t.shape)}"
        )
    if w is not None and (w.ndim != 1 or w.shape[0] != c):
        raise RuntimeError(
            f"weight tensor should be defined either for all {c} classes or no classes but "
            f"got weight tensor of shape: {list(w.shape)}"
        )
    valid = t != ignore_index
    safe = xp.where(valid, t, 0)
    bad = (safe < 0) | (safe >= c)
    if t.size and bool(bad.any()):
        raise IndexError(f"{op}: Target {int(safe[bad].ravel()[0])} is out of bounds.")
    return x, unbatched, valid, safe[:, None]


class CrossEntropy(Function):
    # Primitive: log-softmax and NLL (with label smoothing) in one pass, see Note [loss
    # primitives]; the class dim is 1.
    @staticmethod
    def forward(ctx, x, t, w, ignore_index, reduction, eps):
        xp = ctx.xp
        x2, unbatched, valid, idx = _class_prep("cross_entropy", xp, x, t, w, ignore_index)
        dt = x.dtype
        cd = float_compute_dtype(dt)
        xc = x2 if cd is dt else x2.astype(cd)
        c = xc.shape[1]
        wc = None if w is None else w.astype(cd)
        with _quiet(xp):
            if xc.size:
                z = xc - xc.max(axis=1, keepdims=True)
            else:
                z = xc.copy()
            e = xp.exp(z)
            s = e.sum(axis=1, keepdims=True)
            logp = z - xp.log(s)
            wt = valid.astype(cd) if wc is None else wc[idx[:, 0]] * valid
            loss = -xp.take_along_axis(logp, idx, axis=1)[:, 0] * wt
            if eps > 0:
                wb = 1 if wc is None else wc.reshape((1, c) + (1,) * (xc.ndim - 2))
                smooth = -(logp * wb).sum(axis=1) * valid
                loss = (1 - eps) * loss + (eps / c) * smooth
            denom = wt.sum()
            if reduction == "mean":
                y = loss.sum() / denom
            elif reduction == "sum":
                y = loss.sum()
            else:
                y = loss[0] if unbatched else loss
        ctx.p = e / s
        ctx.shape = x.shape
        ctx.reduction, ctx.eps, ctx.denom = reduction, eps, denom
        ctx.wt, ctx.valid, ctx.idx, ctx.wc = wt, valid, idx, wc
        ctx.save_for_backward(x)
        return xp.asarray(y, dtype=dt)

    @staticmethod
    def backward(ctx, gy):
        xp = ctx.xp
        (x,) = ctx.saved_tensors
        p, eps, wt = ctx.p, ctx.eps, ctx.wt
        c = p.shape[1]
        # a[i, k] = (1 - eps) * w[t_i] * [k == t_i] + eps / C * w_k * valid_i, A = sum_k a.
        onehot = xp.arange(c).reshape((1, c) + (1,) * (p.ndim - 2)) == ctx.idx
        a = onehot * ((1 - eps) * wt)[:, None]
        total = (1 - eps) * wt
        if eps > 0:
            wc = ctx.wc
            wb = xp.ones(c, p.dtype) if wc is None else wc
            a = a + (eps / c) * wb.reshape((1, c) + (1,) * (p.ndim - 2)) * ctx.valid[:, None]
            total = total + (eps / c) * wb.sum() * ctx.valid
        coef = Tensor._make(total[:, None].astype(p.dtype))
        target = Tensor._make(a.astype(p.dtype))
        if _state.enabled:  # create_graph: softmax in Ember ops, so this is differentiable
            probs = softmax(x.reshape(p.shape), 1)
        else:
            probs = Tensor._make(p)
        g = probs * coef - target
        if ctx.reduction == "mean":
            g = g * (gy / Tensor._make(xp.asarray(ctx.denom, p.dtype)))
        elif ctx.reduction == "sum":
            g = g * gy
        else:
            g = g * gy.reshape((p.shape[0], 1) + p.shape[2:])
        return g.reshape(ctx.shape), None, None, None, None, None


def _as_weight(weight):
    return None if weight is None else weight.detach()


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    ignore_index: int = -100,
    reduce=None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy between logits ``input`` (N, C, d1, ...) or (C,) and ``target``: class
    indices (N, d1, ...) with ``ignore_index`` and ``weight`` (the weighted mean divides by
    the summed weights of non-ignored targets), or class probabilities of ``input``'s shape;
    ``label_smoothing`` mixes in the uniform distribution, as
    ``torch.nn.functional.cross_entropy``. Class indices run one fused primitive.

    >>> ember.nn.functional.cross_entropy(ember.tensor([[0.0, 0.0]]), ember.tensor([1]))
    tensor(0.6931)
    """
    _need_tensor("cross_entropy", "input", input)
    _need_tensor("cross_entropy", "target", target)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if target._data.dtype.kind in "fV":
        return _cross_entropy_probs(input, target, weight, reduction, label_smoothing)
    return CrossEntropy.apply(
        input, target, _as_weight(weight), ignore_index, reduction, label_smoothing
    )


def _cross_entropy_probs(input, target, weight, reduction, eps):
    if tuple(input.shape) != tuple(target.shape):
        raise RuntimeError(
            f"cross_entropy: expected target of input's shape {shape_str(input.shape)} for "
            f"class probabilities, got {shape_str(target.shape)}"
        )
    dim = 0 if input.ndim == 1 else 1
    c = input.shape[dim]
    logp = log_softmax(input, dim)
    if eps > 0:
        target = target * (1 - eps) + eps / c
    prod = logp * target
    if weight is not None:
        prod = prod * weight.reshape((c,) + (1,) * (input.ndim - dim - 1))
    if reduction == "mean":
        n = input.numel() // c if c else 0
        return -prod.sum() / n
    if reduction == "sum":
        return -prod.sum()
    return -prod.sum(dim)


class NllLoss(Function):
    # Primitive: a gather forward; backward is a constant one-hot scaled by gy (linear in x,
    # so every higher derivative is exact).
    @staticmethod
    def forward(ctx, x, t, w, ignore_index, reduction):
        xp = ctx.xp
        x2, unbatched, valid, idx = _class_prep("nll_loss", xp, x, t, w, ignore_index)
        wt = valid.astype(x.dtype) if w is None else w.astype(x.dtype)[idx[:, 0]] * valid
        loss = -xp.take_along_axis(x2, idx, axis=1)[:, 0] * wt
        denom = wt.sum()
        with _quiet(xp):
            if reduction == "mean":
                y = loss.sum() / denom
            elif reduction == "sum":
                y = loss.sum()
            else:
                y = loss[0] if unbatched else loss
        ctx.shape2, ctx.shape = x2.shape, x.shape
        ctx.reduction, ctx.denom, ctx.wt, ctx.idx = reduction, denom, wt, idx
        return xp.asarray(y, dtype=x.dtype)

    @staticmethod
    def backward(ctx, gy):
        xp = ctx.xp
        shape = ctx.shape2
        c = shape[1]
        onehot = xp.arange(c).reshape((1, c) + (1,) * (len(shape) - 2)) == ctx.idx
        base = Tensor._make((onehot * -ctx.wt[:, None]).astype(ctx.wt.dtype))
        if ctx.reduction == "mean":
            g = base * (gy / Tensor._make(xp.asarray(ctx.denom, ctx.wt.dtype)))
        elif ctx.reduction == "sum":
            g = base * gy
        else:
            g = base * gy.reshape((shape[0], 1) + shape[2:])
        return g.reshape(ctx.shape), None, None, None, None


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    ignore_index: int = -100,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of class indices ``target`` (N, d1, ...) under log-
    probabilities ``input`` (N, C, d1, ...) or (C,), with ``weight`` and ``ignore_index`` as
    ``torch.nn.functional.nll_loss``.

    >>> ember.nn.functional.nll_loss(ember.tensor([[-1.0, -2.0]]), ember.tensor([1]))
    tensor(2.)
    """
    _need_tensor("nll_loss", "input", input)
    _need_tensor("nll_loss", "target", target)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    return NllLoss.apply(input, target, _as_weight(weight), ignore_index, reduction)


# -- binary losses ------------------------------------------------------------------------------
def binary_cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """``-w * (t * log(x) + (1 - t) * log(1 - x))`` with each log clamped at -100, for
    probabilities ``input`` in [0, 1], as ``torch.nn.functional.binary_cross_entropy``.

    >>> ember.nn.functional.binary_cross_entropy(ember.tensor([0.5]), ember.tensor([1.0]))
    tensor(0.6931)
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}) is deprecated. Please ensure they have the same size."
        )
    d = input._data
    if d.size and bool(((d < 0) | (d > 1)).any()):
        raise RuntimeError("all elements of input should be between 0 and 1")
    with _quiet(_xp(input)):
        log_x = log(input).clamp_min(-100)
        log_1mx = log(1 - input).clamp_min(-100)
    loss = -(target * log_x + (1 - target) * log_1mx)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """Binary cross-entropy on logits, ``-w * (pw * t * logsigmoid(x) + (1 - t) *
    logsigmoid(-x))``, computed stably, as ``torch.binary_cross_entropy_with_logits``.

    >>> ember.binary_cross_entropy_with_logits(ember.tensor([0.0]), ember.tensor([1.0]))
    tensor(0.6931)
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"Target size ({target.shape}) must be the same as input size ({input.shape})"
        )
    # (1 - t) * x - log_weight * logsigmoid(x), with log_weight = 1 + (pw - 1) * t.
    ls = logsigmoid(input)
    if pos_weight is None:
        loss = (1 - target) * input - ls
    else:
        loss = (1 - target) * input - ((pos_weight - 1) * target + 1) * ls
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def kl_div(
    input: Tensor,
    target: Tensor,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """Kullback-Leibler divergence ``target * (log(target) - input)`` for log-probabilities
    ``input`` (``target`` in log space with ``log_target``); ``'batchmean'`` divides the sum
    by the batch size, as ``torch.kl_div`` (including its warning for ``'mean'``).

    >>> ember.kl_div(ember.tensor([[-1.0]]), ember.tensor([[1.0]]), reduction="batchmean")
    tensor(1.)
    """
    from ember._ops.pointwise import xlogy

    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    elif reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support "
            "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
            "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
            "major release.",
            stacklevel=2,
        )
    _check_reduction(reduction, ("batchmean",))
    if log_target:
        loss = exp(target) * (target - input)
    else:
        loss = xlogy(target, target) - target * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.shape[0] if input.ndim else total
    return _reduce(loss, reduction)


def soft_margin_loss(
    input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean"
) -> Tensor:
    """Two-class logistic loss ``log(1 + exp(-target * input))`` (computed stably), as
    ``torch.nn.functional.soft_margin_loss``.

    >>> ember.nn.functional.soft_margin_loss(ember.tensor([0.0]), ember.tensor([1.0]))
    tensor(0.6931)
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    return _reduce(-logsigmoid(input * target), reduction)


def multilabel_soft_margin_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """Multi-label one-versus-all logistic loss averaged over the C classes (last dim), as
    ``torch.nn.functional.multilabel_soft_margin_loss``.

    >>> x = ember.tensor([[0.0, 0.0]])
    >>> ember.nn.functional.multilabel_soft_margin_loss(x, ember.tensor([[1.0, 0.0]]))
    tensor(0.6931)
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.ndim - 1
    loss = loss.sum(class_dim) / input.shape[class_dim]
    return _reduce(loss, reduction)


# -- margin losses -----------------------------------------------------------------------------
def _int_target(op, input, target, want_ndim):
    if target._data.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: expected target with an integer dtype, got {target.dtype}")
    if input.ndim not in (1, 2) or tuple(target.shape) != want_ndim:
        raise RuntimeError(
            f"{op}: inconsistent input size {shape_str(input.shape)} and target size "
            f"{shape_str(target.shape)}: expected (N, C) input with target {want_ndim}"
        )


def multi_margin_loss(
    input: Tensor,
    target: Tensor,
    p: int = 1,
    margin: float = 1.0,
    weight: Tensor | None = None,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """Multi-class hinge loss ``sum_{j != y} max(0, margin - x[y] + x[j]) ** p / C`` per
    sample (``weight[y]`` scaling it), for input (N, C) or (C,) and class indices ``target``,
    as ``torch.nn.functional.multi_margin_loss``.

    >>> ember.nn.functional.multi_margin_loss(ember.tensor([[0.1, 0.2]]), ember.tensor([0]))
    tensor(0.5500)
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    _int_target("multi_margin_loss", input, target, tuple(input.shape[:-1]))
    x = input if input.ndim == 2 else input.unsqueeze(0)
    t = target.reshape(-1, 1)
    c = x.shape[1]
    if t.numel() and (int(t.min()) < 0 or int(t.max()) >= c):
        raise RuntimeError(f"multi_margin_loss: target out of range: classes are [0, {c})")
    x_y = x.gather(1, t)
    z = (x - x_y + margin).clamp_min(0)
    if p == 2:
        z = z * z
    from ember._ops.creation import arange

    not_y = arange(c, device=input.device).reshape(1, c) != t
    z = z * not_y
    if weight is not None:
        z = z * weight[t.reshape(-1)].reshape(-1, 1)
    loss = z.sum(1) / c
    if input.ndim == 1:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


def multilabel_margin_loss(
    input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean"
) -> Tensor:
    """Multi-label hinge loss: for input (N, C) or (C,) and ``target`` of class indices padded
    with -1 (the first -1 ends each row), ``sum_{j in y, k not in y} max(0, 1 - (x[j] - x[k]))
    / C``, as ``torch.nn.functional.multilabel_margin_loss``.

    >>> x = ember.tensor([[0.1, 0.2, 0.4, 0.8]])
    >>> ember.nn.functional.multilabel_margin_loss(x, ember.tensor([[3, 0, -1, 1]]))
    tensor(0.8500)
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _int_target("multilabel_margin_loss", input, target, tuple(input.shape))
    x = input if input.ndim == 2 else input.unsqueeze(0)
    t = target._data if input.ndim == 2 else target._data[None]
    xp = _xp(input)
    n, c = x.shape
    # Rows end at their first -1; a class listed twice counts twice, as PyTorch's loop does.
    live = xp.cumprod(t != -1, axis=1).astype(bool)
    if bool((live & ((t < 0) | (t >= c))).any()):
        raise RuntimeError(
            f"multilabel_margin_loss: argument #2 'target' is out of range [-1, {c})"
        )
    onehot = (t[:, :, None] == xp.arange(c)[None, None, :]) & live[:, :, None]
    counts = onehot.sum(axis=1).astype(x._data.dtype)  # (N, C) times class j is a target
    is_target = counts > 0
    # pair[i, j, k] = max(0, 1 - x[i, j] + x[i, k]) for j a target and k not a target.
    pair = (1 - x.unsqueeze(2) + x.unsqueeze(1)).clamp_min(0)
    wgt = counts[:, :, None] * (~is_target)[:, None, :]
    loss = (pair * Tensor._make(wgt)).sum((1, 2)) / c
    if input.ndim == 1:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


def _xp(t: Tensor):
    from ember.backend import array_module

    return array_module(t._data)


def cosine_embedding_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """``1 - cos(x1, x2)`` where ``target == 1`` and ``max(0, cos(x1, x2) - margin)`` where
    ``target == -1``, cosine over the last dim, as ``torch.cosine_embedding_loss``.

    >>> a = ember.tensor([[1.0, 0.0]])
    >>> ember.cosine_embedding_loss(a, a, ember.tensor([1.0]))
    tensor(0.)
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if input1.ndim not in (1, 2) or tuple(input1.shape) != tuple(input2.shape):
        raise RuntimeError(
            f"cosine_embedding_loss: expected inputs of the same shape (N, D) or (D,), got "
            f"{shape_str(input1.shape)} and {shape_str(input2.shape)}"
        )
    if target.ndim != input1.ndim - 1:
        raise RuntimeError(
            f"{input1.ndim - 1}D target tensor expects {input1.ndim}D input tensors, but "
            f"found inputs with sizes {list(input1.shape)} and {list(input2.shape)}."
        )
    d = input1.ndim - 1
    eps = 1e-12
    prod = (input1 * input2).sum(d)
    mag1 = (input1 * input1).sum(d) + eps
    mag2 = (input2 * input2).sum(d) + eps
    cos = prod / (mag1 * mag2).sqrt()
    pos = where(target == 1, 1 - cos, 0.0)
    neg = where(target == -1, (cos - margin).clamp_min(0), 0.0)
    return _reduce(pos + neg, reduction)


def margin_ranking_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """``max(0, -target * (input1 - input2) + margin)``, as ``torch.margin_ranking_loss``.

    >>> ember.margin_ranking_loss(ember.tensor([1.0]), ember.tensor([2.0]), ember.tensor([1.0]))
    tensor(1.)
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if not input1.ndim == input2.ndim == target.ndim:
        raise RuntimeError(
            f"margin_ranking_loss : All input tensors should have same dimension but got "
            f"sizes: input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} "
        )
    return _reduce((-target * (input1 - input2) + margin).clamp_min(0), reduction)


def hinge_embedding_loss(
    input: Tensor,
    target: Tensor,
    margin: float = 1.0,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """``x`` where ``target == 1`` and ``max(0, margin - x)`` where ``target == -1``, as
    ``torch.hinge_embedding_loss``.

    >>> ember.hinge_embedding_loss(ember.tensor([0.3, 0.3]), ember.tensor([1.0, -1.0]))
    tensor(0.5000)
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    margin_clamp = (margin - input).clamp_min(0)
    out = where(target != 1, margin_clamp, 0.0) + where(target != -1, input, 0.0)
    return _reduce(out, reduction)


def _pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6) -> Tensor:
    from ember._ops.reduction import norm

    d = max(x1.ndim, x2.ndim) - 1
    return norm(x1 - x2 + eps, p, dim=d)


def triplet_margin_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """``max(0, margin + d(a, p) - d(a, n))`` with ``d`` the p-norm pairwise distance over the
    last dim (``swap`` uses ``min(d(a, n), d(p, n))``), as ``torch.triplet_margin_loss``.

    >>> a = ember.zeros(1, 2)
    >>> ember.triplet_margin_loss(a, a, a + 3.0)
    tensor(0.)
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number "
            f"of dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, and "
            f"negative {negative.ndim}D inputs"
        )
    d_pos = _pairwise_distance(anchor, positive, p, eps)
    d_neg = _pairwise_distance(anchor, negative, p, eps)
    if swap:
        from ember._ops.pointwise import minimum

        d_neg = minimum(d_neg, _pairwise_distance(positive, negative, p, eps))
    return _reduce((margin + d_pos - d_neg).clamp_min(0), reduction)


def triplet_margin_with_distance_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    *,
    distance_function=None,
    margin: float = 1.0,
    swap: bool = False,
    reduction: str = "mean",
) -> Tensor:
    """:func:`triplet_margin_loss` with a custom ``distance_function(x1, x2)`` (default: the
    Euclidean pairwise distance), as ``torch.nn.functional.triplet_margin_with_distance_loss``.

    >>> a = ember.zeros(1, 2)
    >>> ember.nn.functional.triplet_margin_with_distance_loss(a, a, a + 3.0)
    tensor(0.)
    """
    _check_reduction(reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number "
            f"of dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, and "
            f"negative {negative.ndim}D inputs"
        )
    dist = _pairwise_distance if distance_function is None else distance_function
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        from ember._ops.pointwise import minimum

        d_neg = minimum(d_neg, dist(positive, negative))
    return _reduce((margin + d_pos - d_neg).clamp_min(0), reduction)


# -- likelihood losses -----------------------------------------------------------------------
def poisson_nll_loss(
    input: Tensor,
    target: Tensor,
    log_input: bool = True,
    full: bool = False,
    size_average=None,
    eps: float = 1e-8,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """Poisson negative log-likelihood ``exp(x) - t * x`` (``log_input``) or ``x - t *
    log(x + eps)``; ``full`` adds Stirling's term where ``target > 1``, as
    ``torch.poisson_nll_loss``.

    >>> ember.poisson_nll_loss(ember.tensor([0.0]), ember.tensor([1.0]))
    tensor(1.)
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if log_input:
        loss = exp(input) - target * input
    else:
        loss = input - target * log(input + eps)
    if full:
        with _quiet(_xp(input)):
            stirling = target * log(target) - target + 0.5 * log(2 * math.pi * target)
        loss = loss + where(target > 1, stirling, 0.0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(
    input: Tensor,
    target: Tensor,
    var,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:
    """Gaussian negative log-likelihood ``0.5 * (log(var) + (input - target)**2 / var)``
    with ``var`` clamped at ``eps`` (the clamp passes gradients through, as PyTorch's no-grad
    clamp does); ``var`` may have one fewer dim or a 1 in one dim, as
    ``torch.nn.functional.gaussian_nll_loss``.

    >>> ember.nn.functional.gaussian_nll_loss(ember.tensor([1.0]), ember.tensor([1.0]), 1.0)
    tensor(0.)
    """
    from ember._ops.creation import ones_like

    if isinstance(var, (int, float)):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = ones_like(input) * var
    elif bool((var._data < 0).any()):
        raise ValueError("var has negative entry/entries")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif input.ndim == var.ndim and (
            sum(b for a, b in zip(input.shape, var.shape) if a != b) == 1
        ):
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    # var + (clamp(var) - var) held constant: the clamped value with an identity gradient.
    vd = var.detach()
    var = var + (vd.clamp_min(eps) - vd)
    d = input - target
    loss = 0.5 * (log(var) + d * d / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


# -- CTC -------------------------------------------------------------------------------------
def _lse(xp, *terms):
    m = terms[0]
    for t in terms[1:]:
        m = xp.maximum(m, t)
    m_safe = xp.where(xp.isfinite(m), m, 0)
    s = 0
    for t in terms:
        s = s + xp.exp(t - m_safe)
    return xp.log(s) + m_safe


class CtcLoss(Function):
    # Primitive: alpha/beta recursions in log space over the extended label sequence
    # (blanks interleaved), vectorised over batch and labels; one loop over time each way.
    @staticmethod
    def forward(ctx, lp, labels, in_len, tgt_len, blank, reduction, zero_infinity):
        xp = ctx.xp
        dt = lp.dtype
        cd = float_compute_dtype(dt)
        lpc = lp if cd is dt else lp.astype(cd)
        tmax, n, _ = lpc.shape
        smax = labels.shape[1]
        width = 2 * smax + 1
        ext = xp.full((n, width), blank, dtype=xp.int64)
        ext[:, 1::2] = labels
        # s-2 transitions: allowed into a non-blank label that differs from the one before.
        skip = xp.zeros((n, width), dtype=bool)
        if width > 2:
            skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
        neg_inf = xp.asarray(-xp.inf, dtype=cd)
        rows = xp.arange(n)[:, None]
        positions = xp.arange(width)[None, :]
        ends = 2 * tgt_len  # index of the final blank per sample
        alphas = xp.full((tmax, n, width), neg_inf, dtype=cd)
        with _quiet(xp):
            if tmax:
                emit = lpc[0][rows, ext]
                a0 = xp.full((n, width), neg_inf, dtype=cd)
                a0[:, 0] = emit[:, 0]
                if width > 1:
                    a0[:, 1] = xp.where(tgt_len > 0, emit[:, 1], neg_inf)
                alphas[0] = a0
            for t in range(1, tmax):
                prev = alphas[t - 1]
                s1 = xp.concatenate([xp.full((n, 1), neg_inf, cd), prev[:, :-1]], axis=1)
                s2 = xp.concatenate([xp.full((n, 2), neg_inf, cd), prev[:, :-2]], axis=1)
                s2 = xp.where(skip, s2[:, :width], neg_inf)
                new = _lse(xp, prev, s1[:, :width], s2) + lpc[t][rows, ext]
                alphas[t] = xp.where((t < in_len)[:, None], new, prev)
            last = alphas[xp.maximum(in_len - 1, 0), xp.arange(n)]
            end_blank = last[xp.arange(n), ends]
            end_label = xp.where(tgt_len > 0, last[xp.arange(n), xp.maximum(ends - 1, 0)], neg_inf)
            nll = -_lse(xp, end_blank, end_label)
            nll = xp.where(in_len > 0, nll, xp.where(tgt_len > 0, xp.inf, 0.0))
            if zero_infinity:
                nll = xp.where(xp.isinf(nll), 0.0, nll)
            if reduction == "mean":
                y = (nll / xp.maximum(tgt_len, 1)).mean()
            elif reduction == "sum":
                y = nll.sum()
            else:
                y = nll
        ctx.alphas, ctx.ext, ctx.skip, ctx.nll = alphas, ext, skip, nll
        ctx.in_len, ctx.tgt_len, ctx.positions = in_len, tgt_len, positions
        ctx.reduction, ctx.zero_infinity = reduction, zero_infinity
        ctx.save_for_backward(lp)
        return xp.asarray(y, dtype=dt)

    @staticmethod
    @once_differentiable
    def backward(ctx, gy):
        xp = ctx.xp
        (lp_t,) = ctx.saved_tensors
        lp = lp_t._data
        cd = ctx.alphas.dtype
        lpc = lp.astype(cd)
        tmax, n, c = lpc.shape
        ext, skip, alphas, nll = ctx.ext, ctx.skip, ctx.alphas, ctx.nll
        in_len, tgt_len = ctx.in_len, ctx.tgt_len
        width = ext.shape[1]
        rows = xp.arange(n)[:, None]
        neg_inf = xp.asarray(-xp.inf, dtype=cd)
        # skip into s+2 from s: allowed when position s+2 may be reached by a skip.
        skip_next = xp.concatenate([skip[:, 2:], xp.zeros((n, 2), bool)], axis=1)[:, :width]
        ends = 2 * tgt_len
        init = xp.full((n, width), neg_inf, dtype=cd)
        grad = xp.zeros((tmax, n, c), dtype=cd)
        beta = init.copy()
        flat_idx = (xp.arange(n)[:, None] * c + ext).ravel()
        with _quiet(xp):
            for t in range(tmax - 1, -1, -1):
                emit = lpc[t][rows, ext]
                b1 = xp.concatenate([beta[:, 1:], xp.full((n, 1), neg_inf, cd)], axis=1)
                b2 = xp.concatenate([beta[:, 2:], xp.full((n, 2), neg_inf, cd)], axis=1)
                b2 = xp.where(skip_next, b2[:, :width], neg_inf)
                new = _lse(xp, beta, b1[:, :width], b2) + emit
                start = init.copy()
                start[xp.arange(n), ends] = emit[xp.arange(n), ends]
                lab = xp.maximum(ends - 1, 0)
                start[xp.arange(n), lab] = xp.where(
                    tgt_len > 0, emit[xp.arange(n), lab], start[xp.arange(n), lab]
                )
                is_last = (t == in_len - 1)[:, None]
                beta = xp.where(is_last, start, xp.where((t < in_len - 1)[:, None], new, init))
                # grad = exp(lp) - exp(log(sum_{s: l'_s = c} alpha beta) + nll - lp), PyTorch's
                # form for log-softmax inputs; 0 past each input length.
                ab = alphas[t] + beta
                m = ab.max(axis=1, keepdims=True)
                m_safe = xp.where(xp.isfinite(m), m, 0)
                acc = xp.bincount(
                    flat_idx, weights=xp.exp(ab - m_safe).ravel(), minlength=n * c
                ).reshape(n, c)
                lcab = xp.log(acc) + m_safe
                g = xp.exp(lpc[t]) - xp.exp(lcab + nll[:, None] - lpc[t])
                grad[t] = xp.where((t < in_len)[:, None], g, 0)
        scale = gy._data.astype(cd)
        if ctx.reduction == "mean":
            scale = scale / xp.maximum(tgt_len, 1) / n
        elif ctx.reduction == "sum":
            scale = xp.broadcast_to(scale, (n,))
        if ctx.zero_infinity:
            scale = xp.where(xp.isinf(nll), 0, scale)
        grad = grad * scale[None, :, None]
        grad = xp.nan_to_num(grad, nan=0.0) if ctx.zero_infinity else grad
        return Tensor._make(grad.astype(lp.dtype)), None, None, None, None, None, None


def _lengths(xp, value, n, name):
    if isinstance(value, Tensor):
        arr = value._data
        if arr.dtype.kind not in "iu":
            raise RuntimeError(f"ctc_loss: {name} must be integers, got {value.dtype}")
        arr = xp.asarray(arr).astype(xp.int64).reshape(-1)
    else:
        arr = xp.asarray(list(value) if not isinstance(value, int) else [value], dtype=xp.int64)
    if arr.shape[0] != n:
        raise RuntimeError(f"ctc_loss: expected {name} to have size {n}, got {arr.shape[0]}")
    return arr


def ctc_loss(
    log_probs: Tensor,
    targets: Tensor,
    input_lengths,
    target_lengths,
    blank: int = 0,
    reduction: str = "mean",
    zero_infinity: bool = False,
) -> Tensor:
    """Connectionist temporal classification loss for ``log_probs`` (T, N, C) (or (T, C)),
    ``targets`` padded (N, S) or concatenated (sum(target_lengths),), per-sample input and
    target lengths; ``'mean'`` divides each loss by its target length then averages, as
    ``torch.ctc_loss``. The gradient is PyTorch's (it assumes log-softmax inputs); once
    differentiable.

    >>> lp = ember.log_softmax(ember.zeros(3, 1, 2), 2)
    >>> ember.ctc_loss(lp, ember.tensor([[1]]), [3], [1], reduction="sum")
    tensor(0.2877)
    """
    _check_reduction(reduction)
    xp = _xp(log_probs)
    if log_probs._data.dtype.kind not in "fV":
        raise dtype_not_implemented("ctc_loss", log_probs._data.dtype)
    unbatched = log_probs.ndim == 2
    if log_probs.ndim not in (2, 3):
        raise RuntimeError(
            f"ctc_loss: expected log_probs of shape (T, N, C) or (T, C), got "
            f"{shape_str(log_probs.shape)}"
        )
    lp = log_probs.unsqueeze(1) if unbatched else log_probs
    tmax, n, c = lp.shape
    tg = targets._data
    if tg.dtype.kind not in "iu":
        raise RuntimeError(f"ctc_loss: targets must be integers, got {targets.dtype}")
    if unbatched:
        tg = tg.reshape(1, -1)
    in_len = _lengths(xp, input_lengths, n, "input_lengths")
    tgt_len = _lengths(xp, target_lengths, n, "target_lengths")
    if bool((in_len > tmax).any()):
        raise RuntimeError(
            f"ctc_loss: Expected input_lengths to have value at most {tmax}, but got value "
            f"{int(in_len.max())}"
        )
    smax = int(tgt_len.max()) if n else 0
    cols = xp.arange(smax)[None, :]
    live = cols < tgt_len[:, None]
    if tg.ndim == 2:  # padded (N, S); an unbatched (S,) target was made (1, S) above
        if tg.shape[1] < smax:
            raise RuntimeError(
                f"ctc_loss: Expected tensor to have size at least {smax} at dimension 1, but "
                f"got size {tg.shape[1]}"
            )
        labels = tg[:, :smax].astype(xp.int64)
    else:
        flat = tg.reshape(-1).astype(xp.int64)
        offsets = xp.cumsum(tgt_len) - tgt_len
        pos = xp.minimum(offsets[:, None] + cols, max(flat.shape[0] - 1, 0))
        labels = flat[pos] if flat.shape[0] else xp.zeros((n, smax), xp.int64)
    labels = xp.where(live, labels, blank)
    if bool(((labels < 0) | (labels >= c)).any()):
        raise IndexError(f"ctc_loss: target labels must be in [0, {c}), got a label out of range")
    out = CtcLoss.apply(lp, labels, in_len, tgt_len, blank, reduction, zero_infinity)
    if unbatched and reduction == "none":
        out = out.reshape(())
    return out
