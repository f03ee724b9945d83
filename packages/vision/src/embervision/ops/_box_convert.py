"""Rotated-box format conversions behind ``box_convert``, as
``torchvision.ops._box_convert``: ``xywhr`` (top-left corner, size, angle in degrees
counter-clockwise), ``cxcywhr`` (centre, size, angle) and ``xyxyxyxy`` (the four corners).
Integer boxes are rounded back to their dtype, as torchvision does."""

from __future__ import annotations

import math

import ember
from ember import Tensor


def _finish(boxes: Tensor, dtype) -> Tensor:
    if dtype.is_floating_point:
        return boxes
    return ember.round(boxes).to(dtype)


def _float(boxes: Tensor) -> Tensor:
    return boxes if boxes.is_floating_point() else boxes.float()


def _cos_sin(r: Tensor) -> tuple[Tensor, Tensor]:
    r_rad = r * math.pi / 180.0
    return ember.cos(r_rad), ember.sin(r_rad)


def _box_cxcywhr_to_xywhr(boxes: Tensor) -> Tensor:
    cx, cy, w, h, r = _float(boxes).unbind(-1)
    cos, sin = _cos_sin(r)
    x1 = cx - w / 2 * cos - h / 2 * sin
    y1 = cy - h / 2 * cos + w / 2 * sin
    return _finish(ember.stack((x1, y1, w, h, r), dim=-1), boxes.dtype)


def _box_xywhr_to_cxcywhr(boxes: Tensor) -> Tensor:
    x1, y1, w, h, r = _float(boxes).unbind(-1)
    cos, sin = _cos_sin(r)
    cx = x1 + w / 2 * cos + h / 2 * sin
    cy = y1 - w / 2 * sin + h / 2 * cos
    return _finish(ember.stack((cx, cy, w, h, r), dim=-1), boxes.dtype)


def _box_xywhr_to_xyxyxyxy(boxes: Tensor) -> Tensor:
    x1, y1, w, h, r = _float(boxes).unbind(-1)
    cos, sin = _cos_sin(r)
    x2 = x1 + w * cos
    y2 = y1 - w * sin
    x3 = x2 + h * sin
    y3 = y2 + h * cos
    x4 = x1 + h * sin
    y4 = y1 + h * cos
    return _finish(ember.stack((x1, y1, x2, y2, x3, y3, x4, y4), dim=-1), boxes.dtype)


def _box_xyxyxyxy_to_xywhr(boxes: Tensor) -> Tensor:
    x1, y1, x2, y2, x3, y3, _, _ = _float(boxes).unbind(-1)
    r = ember.atan2(y1 - y2, x2 - x1) * 180 / math.pi
    w = ((x2 - x1) ** 2 + (y1 - y2) ** 2).sqrt()
    h = ((x3 - x2) ** 2 + (y3 - y2) ** 2).sqrt()
    return _finish(ember.stack((x1, y1, w, h, r), dim=-1), boxes.dtype)


ROTATED = {
    ("cxcywhr", "xywhr"): [_box_cxcywhr_to_xywhr],
    ("xywhr", "cxcywhr"): [_box_xywhr_to_cxcywhr],
    ("cxcywhr", "xyxyxyxy"): [_box_cxcywhr_to_xywhr, _box_xywhr_to_xyxyxyxy],
    ("xyxyxyxy", "cxcywhr"): [_box_xyxyxyxy_to_xywhr, _box_xywhr_to_cxcywhr],
    ("xywhr", "xyxyxyxy"): [_box_xywhr_to_xyxyxyxy],
    ("xyxyxyxy", "xywhr"): [_box_xyxyxyxy_to_xywhr],
}
COORDS = {"xywhr": 5, "cxcywhr": 5, "xyxyxyxy": 8}
