"""IoU-based box regression losses, as torchvision's ``giou_loss``, ``diou_loss`` and
``ciou_loss`` modules: element-wise between matched xyxy boxes (same shape ``[..., 4]``),
with ``reduction`` ``'none'``, ``'mean'`` or ``'sum'``."""

from __future__ import annotations

import math

import ember
from ember import Tensor

from ._utils import _upcast_non_float

__all__ = ["generalized_box_iou_loss", "distance_box_iou_loss", "complete_box_iou_loss"]


def _check(op: str, boxes1: Tensor, boxes2: Tensor, reduction: str) -> None:
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(
            f"Invalid Value for arg 'reduction': '{reduction} \n Supported reduction modes: "
            "'none', 'mean', 'sum'"
        )
    if boxes1.shape != boxes2.shape or boxes1.dim() < 1 or boxes1.size(-1) != 4:
        raise ValueError(
            f"{op}: boxes1 and boxes2 must both have shape [..., 4], got "
            f"{tuple(boxes1.shape)} and {tuple(boxes2.shape)}"
        )


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean() if loss.numel() > 0 else 0.0 * loss.sum()
    if reduction == "sum":
        return loss.sum()
    return loss


def _loss_inter_union(boxes1: Tensor, boxes2: Tensor) -> tuple[Tensor, Tensor]:
    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    xkis1, ykis1 = ember.maximum(x1, x1g), ember.maximum(y1, y1g)
    xkis2, ykis2 = ember.minimum(x2, x2g), ember.minimum(y2, y2g)
    overlap = (ykis2 > ykis1) & (xkis2 > xkis1)
    area = (xkis2 - xkis1) * (ykis2 - ykis1)
    intsctk = ember.where(overlap, area, ember.zeros_like(area))
    unionk = (x2 - x1) * (y2 - y1) + (x2g - x1g) * (y2g - y1g) - intsctk
    return intsctk, unionk


def _enclosing(boxes1: Tensor, boxes2: Tensor) -> tuple[Tensor, Tensor]:
    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    width = ember.maximum(x2, x2g) - ember.minimum(x1, x1g)
    height = ember.maximum(y2, y2g) - ember.minimum(y1, y1g)
    return width, height


def generalized_box_iou_loss(
    boxes1: Tensor, boxes2: Tensor, reduction: str = "none", eps: float = 1e-7
) -> Tensor:
    """``1 - GIoU`` of matched xyxy boxes, as ``torchvision.ops.generalized_box_iou_loss``.

    >>> b = ember.tensor([[0.0, 0.0, 1.0, 1.0]])
    >>> generalized_box_iou_loss(b, b + 2)
    tensor([1.7778])
    """
    _check("generalized_box_iou_loss", boxes1, boxes2, reduction)
    boxes1, boxes2 = _upcast_non_float(boxes1), _upcast_non_float(boxes2)
    intsctk, unionk = _loss_inter_union(boxes1, boxes2)
    iouk = intsctk / (unionk + eps)
    width, height = _enclosing(boxes1, boxes2)
    area_c = width * height
    loss = 1 - (iouk - ((area_c - unionk) / (area_c + eps)))
    return _reduce(loss, reduction)


def _diou_iou_loss(boxes1: Tensor, boxes2: Tensor, eps: float = 1e-7) -> tuple[Tensor, Tensor]:
    intsct, union = _loss_inter_union(boxes1, boxes2)
    iou = intsct / (union + eps)
    width, height = _enclosing(boxes1, boxes2)
    diagonal_distance_squared = (width**2) + (height**2) + eps
    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    centers_distance_squared = (((x2 + x1) / 2 - (x1g + x2g) / 2) ** 2) + (
        ((y2 + y1) / 2 - (y1g + y2g) / 2) ** 2
    )
    return 1 - iou + (centers_distance_squared / diagonal_distance_squared), iou


def distance_box_iou_loss(
    boxes1: Tensor, boxes2: Tensor, reduction: str = "none", eps: float = 1e-7
) -> Tensor:
    """``1 - DIoU`` of matched xyxy boxes, as ``torchvision.ops.distance_box_iou_loss``.

    >>> b = ember.tensor([[0.0, 0.0, 1.0, 1.0]])
    >>> distance_box_iou_loss(b, b, reduction="sum")
    tensor(1.1921e-07)
    """
    _check("distance_box_iou_loss", boxes1, boxes2, reduction)
    boxes1, boxes2 = _upcast_non_float(boxes1), _upcast_non_float(boxes2)
    loss, _ = _diou_iou_loss(boxes1, boxes2, eps)
    return _reduce(loss, reduction)


def complete_box_iou_loss(
    boxes1: Tensor, boxes2: Tensor, reduction: str = "none", eps: float = 1e-7
) -> Tensor:
    """``1 - CIoU`` of matched xyxy boxes (DIoU loss plus an aspect-ratio term whose weight
    is not differentiated), as ``torchvision.ops.complete_box_iou_loss``.

    >>> b = ember.tensor([[0.0, 0.0, 2.0, 1.0]])
    >>> complete_box_iou_loss(b, b + 1).shape
    ember.Size([1])
    """
    _check("complete_box_iou_loss", boxes1, boxes2, reduction)
    boxes1, boxes2 = _upcast_non_float(boxes1), _upcast_non_float(boxes2)
    diou_loss, iou = _diou_iou_loss(boxes1, boxes2)
    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    w_pred, h_pred = x2 - x1, y2 - y1
    w_gt, h_gt = x2g - x1g, y2g - y1g
    v = (4 / (math.pi**2)) * ember.pow(ember.atan(w_gt / h_gt) - ember.atan(w_pred / h_pred), 2)
    with ember.no_grad():
        alpha = v / (1 - iou + v + eps)
    return _reduce(diou_loss + alpha * v, reduction)
