"""Sigmoid focal loss (RetinaNet), as ``torchvision.ops.sigmoid_focal_loss``."""

from __future__ import annotations

import ember
from ember import Tensor
from ember.nn import functional as F

__all__ = ["sigmoid_focal_loss"]


def sigmoid_focal_loss(
    inputs: Tensor,
    targets: Tensor,
    alpha: float = 0.25,
    gamma: float = 2,
    reduction: str = "none",
) -> Tensor:
    """Focal loss of logits ``inputs`` against binary ``targets`` (same shape, floats in
    [0, 1]): binary cross-entropy scaled by ``(1 - p_t) ** gamma`` and, unless ``alpha`` is
    -1, by ``alpha_t``; ``reduction`` is ``'none'``, ``'mean'`` or ``'sum'``.

    >>> sigmoid_focal_loss(ember.tensor([0.0]), ember.tensor([1.0]), reduction="sum")
    tensor(0.0433)
    """
    if not (0 <= alpha <= 1) and alpha != -1:
        raise ValueError(
            f"Invalid alpha value: {alpha}. alpha must be in the range [0,1] or -1 for ignore."
        )
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(
            f"Invalid Value for arg 'reduction': '{reduction} \n Supported reduction modes: "
            "'none', 'mean', 'sum'"
        )
    if inputs.shape != targets.shape:
        raise ValueError(
            f"sigmoid_focal_loss: inputs and targets must have the same shape, got "
            f"{tuple(inputs.shape)} and {tuple(targets.shape)}"
        )
    p = ember.sigmoid(inputs)
    ce_loss = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce_loss * ((1 - p_t) ** gamma)
    if alpha >= 0:
        alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
        loss = alpha_t * loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss
