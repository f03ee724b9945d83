"""Gradient clipping, as ``torch.nn.utils.clip_grad``: by total norm and by value.

Everything runs under ``no_grad`` and changes ``p.grad`` in place (bumping its version), so
an optimizer step right after sees the clipped gradients. ``foreach`` is accepted for
PyTorch compatibility and ignored: Ember has no separate multi-tensor kernels, so every
setting takes the same per-tensor path (PyTorch raises for ``foreach=True`` only on devices
without foreach kernels; every Ember device counts as having them).
"""

from __future__ import annotations

import types
import warnings
from collections.abc import Iterable

from ember._tensor import Tensor
from ember.autograd.grad_mode import no_grad

__all__ = [
    "clip_grad_norm",
    "clip_grad_norm_",
    "clip_grad_value_",
    "clip_grads_with_norm_",
    "get_total_norm",
]


def _tensor_list(tensors) -> list:
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


@no_grad()
def get_total_norm(
    tensors: Tensor | Iterable[Tensor],
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """The ``norm_type``-norm of all ``tensors`` viewed as one vector (the norm of their
    individual norms), as ``torch.nn.utils.get_total_norm``; ``norm_type`` may be
    ``float('inf')``. Returns a 0-d tensor on the first tensor's device (``tensor(0.)`` for
    none); ``error_if_nonfinite=True`` raises RuntimeError for a nan/inf total.

    >>> ember.nn.utils.get_total_norm([ember.tensor([3.0]), ember.tensor([4.0])])
    tensor(5.)
    """
    from ember._ops.creation import tensor
    from ember._ops.shape import stack
    from ember.linalg import vector_norm

    tensors = _tensor_list(tensors)
    norm_type = float(norm_type)
    if len(tensors) == 0:
        return tensor(0.0)
    first_device = tensors[0].device
    # torch groups by (device, dtype) and stacks the per-tensor norms; stack promotes mixed
    # dtypes the same way.
    norms = [vector_norm(t, norm_type).to(first_device) for t in tensors]
    total_norm = vector_norm(stack(norms), norm_type)
    if error_if_nonfinite and bool((total_norm.isnan() | total_norm.isinf()).item()):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the "
            "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    return total_norm


@no_grad()
def clip_grads_with_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    total_norm: Tensor,
    foreach: bool | None = None,
) -> None:
    """Scale every ``p.grad`` in place by ``min(max_norm / (total_norm + 1e-6), 1)``, given a
    precomputed ``total_norm`` (from ``get_total_norm``), as
    ``torch.nn.utils.clip_grads_with_norm_``; the coefficient is clamped at 1 so gradients
    are only ever scaled down.

    >>> p = ember.nn.Parameter(ember.zeros(2))
    >>> p.grad = ember.tensor([3.0, 4.0])
    >>> ember.nn.utils.clip_grads_with_norm_([p], 1.0, ember.tensor(5.0))
    >>> p.grad
    tensor([0.6000, 0.8000])
    """
    from ember._ops.pointwise import clamp

    parameters = _tensor_list(parameters)
    grads = [p.grad for p in parameters if p.grad is not None]
    max_norm = float(max_norm)
    if len(grads) == 0:
        return
    clip_coef = max_norm / (total_norm + 1e-6)
    clip_coef_clamped = clamp(clip_coef, max=1.0)
    for g in grads:
        g.mul_(clip_coef_clamped.to(g.device))


@no_grad()
def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Clip the gradients of ``parameters`` in place so that their total ``norm_type``-norm
    (all gradients viewed as one vector) is at most ``max_norm``, and return the total norm
    before clipping as a 0-d tensor, as ``torch.nn.utils.clip_grad_norm_``; this is
    ``get_total_norm`` followed by ``clip_grads_with_norm_``.

    >>> p = ember.nn.Parameter(ember.zeros(2))
    >>> p.grad = ember.tensor([3.0, 4.0])
    >>> ember.nn.utils.clip_grad_norm_(p, max_norm=1.0)
    tensor(5.)
    >>> p.grad
    tensor([0.6000, 0.8000])
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    else:
        is_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)
        if is_generator and len(parameters) == 0:
            warnings.warn(
                "`parameters` is an empty generator, no gradient clipping will occur.",
                stacklevel=3,
            )
    grads = [p.grad for p in parameters if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total_norm, foreach)
    return total_norm


def clip_grad_norm(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Deprecated alias of ``clip_grad_norm_`` (warns ``FutureWarning``), as
    ``torch.nn.utils.clip_grad_norm``.

    >>> import warnings
    >>> p = ember.nn.Parameter(ember.zeros(1))
    >>> p.grad = ember.tensor([2.0])
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     ember.nn.utils.clip_grad_norm(p, 1.0)
    tensor(2.)
    """
    warnings.warn(
        "`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
        "`torch.nn.utils.clip_grad_norm_`.",
        FutureWarning,
        stacklevel=2,
    )
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


@no_grad()
def clip_grad_value_(
    parameters: Tensor | Iterable[Tensor],
    clip_value: float,
    foreach: bool | None = None,
) -> None:
    """Clamp every ``p.grad`` in place to ``[-clip_value, clip_value]``, as
    ``torch.nn.utils.clip_grad_value_``.

    >>> p = ember.nn.Parameter(ember.zeros(3))
    >>> p.grad = ember.tensor([-2.0, 0.5, 3.0])
    >>> ember.nn.utils.clip_grad_value_(p, 1.0)
    >>> p.grad
    tensor([-1.0000,  0.5000,  1.0000])
    """
    parameters = _tensor_list(parameters)
    clip_value = float(clip_value)
    for p in parameters:
        if p.grad is not None:
            p.grad.clamp_(min=-clip_value, max=clip_value)
