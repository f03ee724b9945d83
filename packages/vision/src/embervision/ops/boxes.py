"""Box utilities as ``torchvision.ops.boxes``: NMS, IoU variants, format conversion.

Boxes are ``(x1, y1, x2, y2)`` unless a ``fmt`` says otherwise. Everything is written with
Ember tensor ops, so it runs on CPU and GPU and is differentiable where torchvision's is.
Rotated-box formats (``xywhr``, ``cxcywhr``, ``xyxyxyxy``) are supported by ``box_convert``
only (rotated IoU is not implemented).
"""

from __future__ import annotations

import numpy

import ember
from ember import Tensor

from . import _box_convert
from ._utils import _upcast

__all__ = [
    "nms",
    "batched_nms",
    "remove_small_boxes",
    "clip_boxes_to_image",
    "box_convert",
    "box_area",
    "box_iou",
    "generalized_box_iou",
    "distance_box_iou",
    "complete_box_iou",
    "masks_to_boxes",
]

_AXIS_FMTS = ("xyxy", "xywh", "cxcywh")
_ROTATED_FMTS = ("xywhr", "cxcywhr", "xyxyxyxy")


def _check_boxes(op: str, boxes: Tensor, name: str = "boxes") -> None:
    if not isinstance(boxes, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(boxes).__name__}")
    if boxes.dim() < 1 or boxes.size(-1) != 4:
        raise ValueError(f"{op}: {name} must have shape [..., 4], got {tuple(boxes.shape)}")


def _check_nms_inputs(op: str, boxes: Tensor, scores: Tensor) -> None:
    if not isinstance(boxes, Tensor) or not isinstance(scores, Tensor):
        raise TypeError(f"{op}: boxes and scores must be Tensors")
    if boxes.dim() != 2 or boxes.size(1) != 4:
        raise RuntimeError(
            f"{op}: boxes should be a 2d tensor of shape [N, 4], got {tuple(boxes.shape)}"
        )
    if scores.dim() != 1:
        raise RuntimeError(f"{op}: scores should be a 1d tensor, got {tuple(scores.shape)}")
    if boxes.size(0) != scores.size(0):
        raise RuntimeError(
            f"{op}: boxes and scores should have same number of elements in dimension 0, got "
            f"{boxes.size(0)} and {scores.size(0)}"
        )


def nms(boxes: Tensor, scores: Tensor, iou_threshold: float) -> Tensor:
    """Greedy non-maximum suppression, as ``torchvision.ops.nms``: visit boxes by decreasing
    score (ties keep input order) and drop every later box whose IoU with a kept one exceeds
    ``iou_threshold``. ``boxes`` is ``Tensor[N, 4]`` in xyxy, ``scores`` ``Tensor[N]``;
    returns the int64 indices of the kept boxes, by decreasing score.

    The pairwise IoU matrix is computed at once with tensor ops; the greedy pass then loops
    over the *kept* boxes only, on a host copy of the boolean overlap matrix (as
    torchvision's CUDA kernel does), each step masking out all boxes it suppresses.

    >>> b = ember.tensor([[0.0, 0.0, 2.0, 2.0], [0.1, 0.0, 2.0, 2.0], [3.0, 3.0, 4.0, 4.0]])
    >>> nms(b, ember.tensor([0.9, 0.8, 0.7]), 0.5).tolist()
    [0, 2]
    """
    _check_nms_inputs("nms", boxes, scores)
    n = boxes.size(0)
    if n == 0:
        return ember.empty((0,), dtype=ember.int64, device=boxes.device)
    with ember.no_grad():
        order = ember.sort(scores.detach(), descending=True, stable=True).indices
        ordered = boxes.detach()[order]
        over = (box_iou(ordered, ordered) > iou_threshold).cpu().numpy()
    keep = []
    remaining = numpy.arange(n)
    while remaining.size:
        i = remaining[0]
        keep.append(i)
        rest = remaining[1:]
        remaining = rest[~over[i, rest]]
    keep_t = ember.as_tensor(numpy.asarray(keep, dtype=numpy.int64), device=boxes.device)
    return order[keep_t]


def batched_nms(boxes: Tensor, scores: Tensor, idxs: Tensor, iou_threshold: float) -> Tensor:
    """NMS applied independently per category ``idxs`` (``Tensor[N]`` of ints), as
    ``torchvision.ops.batched_nms``. Small inputs offset every category's boxes by
    ``idxs * (max coordinate + 1)`` so one NMS call never compares categories; large ones
    (over 4000 coordinates on CPU) run one NMS per category, as torchvision does. Returns
    int64 indices sorted by decreasing score.

    >>> b = ember.tensor([[0.0, 0.0, 2.0, 2.0], [0.0, 0.0, 2.0, 2.0]])
    >>> batched_nms(b, ember.tensor([0.9, 0.8]), ember.tensor([0, 1]), 0.5).tolist()
    [0, 1]
    """
    _check_nms_inputs("batched_nms", boxes, scores)
    if idxs.dim() != 1 or idxs.size(0) != boxes.size(0):
        raise RuntimeError(
            f"batched_nms: idxs should be a 1d tensor of length {boxes.size(0)}, got "
            f"{tuple(idxs.shape)}"
        )
    limit = 4000 if boxes.device.type == "cpu" else 100_000
    if boxes.numel() > limit:
        return _batched_nms_vanilla(boxes, scores, idxs, iou_threshold)
    return _batched_nms_coordinate_trick(boxes, scores, idxs, iou_threshold)


def _batched_nms_coordinate_trick(
    boxes: Tensor, scores: Tensor, idxs: Tensor, iou_threshold: float
) -> Tensor:
    if boxes.numel() == 0:
        return ember.empty((0,), dtype=ember.int64, device=boxes.device)
    max_coordinate = boxes.max()
    offsets = idxs.to(boxes.dtype) * (max_coordinate + 1)
    return nms(boxes + offsets[:, None], scores, iou_threshold)


def _batched_nms_vanilla(
    boxes: Tensor, scores: Tensor, idxs: Tensor, iou_threshold: float
) -> Tensor:
    keep_mask = ember.zeros(scores.shape, dtype=ember.bool, device=scores.device)
    for class_id in ember.unique(idxs).tolist():
        curr = ember.where(idxs == class_id)[0]
        curr_keep = nms(boxes[curr], scores[curr], iou_threshold)
        keep_mask[curr[curr_keep]] = True
    keep = ember.where(keep_mask)[0]
    return keep[ember.sort(scores[keep], descending=True, stable=True).indices]


def remove_small_boxes(boxes: Tensor, min_size: float) -> Tensor:
    """Indices of the boxes (``Tensor[..., 4]``, xyxy) whose width and height are both at
    least ``min_size``, as ``torchvision.ops.remove_small_boxes``.

    >>> remove_small_boxes(ember.tensor([[0.0, 0.0, 1.0, 1.0], [0.0, 0.0, 5.0, 5.0]]), 2).tolist()
    [1]
    """
    _check_boxes("remove_small_boxes", boxes)
    ws, hs = boxes[..., 2] - boxes[..., 0], boxes[..., 3] - boxes[..., 1]
    keep = (ws >= min_size) & (hs >= min_size)
    return ember.where(keep)[0]


def clip_boxes_to_image(boxes: Tensor, size: tuple[int, int]) -> Tensor:
    """Clamp xyxy ``boxes`` (``Tensor[..., 4]``) into an image of ``size = (height, width)``,
    as ``torchvision.ops.clip_boxes_to_image``.

    >>> clip_boxes_to_image(ember.tensor([[-1.0, 2.0, 9.0, 3.0]]), (4, 5)).tolist()
    [[0.0, 2.0, 5.0, 3.0]]
    """
    _check_boxes("clip_boxes_to_image", boxes)
    dim = boxes.dim()
    height, width = size
    boxes_x = boxes[..., 0::2].clamp(min=0, max=width)
    boxes_y = boxes[..., 1::2].clamp(min=0, max=height)
    return ember.stack((boxes_x, boxes_y), dim=dim).reshape(boxes.shape)


def _cxcywh_to_xyxy(boxes: Tensor) -> Tensor:
    cx, cy, w, h = boxes.unbind(-1)
    return ember.stack((cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h), dim=-1)


def _xyxy_to_cxcywh(boxes: Tensor) -> Tensor:
    x1, y1, x2, y2 = boxes.unbind(-1)
    return ember.stack(((x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1), dim=-1)


def _xywh_to_xyxy(boxes: Tensor) -> Tensor:
    x, y, w, h = boxes.unbind(-1)
    return ember.stack((x, y, x + w, y + h), dim=-1)


def _xyxy_to_xywh(boxes: Tensor) -> Tensor:
    x1, y1, x2, y2 = boxes.unbind(-1)
    return ember.stack((x1, y1, x2 - x1, y2 - y1), dim=-1)


def box_convert(boxes: Tensor, in_fmt: str, out_fmt: str) -> Tensor:
    """Convert ``boxes`` (``Tensor[..., K]``) between ``'xyxy'``, ``'xywh'`` and ``'cxcywh'``
    (K = 4), or between the rotated ``'xywhr'``, ``'cxcywhr'`` (K = 5, angle in degrees) and
    ``'xyxyxyxy'`` (K = 8), as ``torchvision.ops.box_convert``.

    >>> box_convert(ember.tensor([[1.0, 2.0, 3.0, 6.0]]), "xyxy", "cxcywh").tolist()
    [[2.0, 4.0, 2.0, 4.0]]
    """
    allowed = _AXIS_FMTS + _ROTATED_FMTS
    if in_fmt not in allowed or out_fmt not in allowed:
        raise ValueError(
            f"Unsupported Bounding Box Conversions for given in_fmt {in_fmt} and out_fmt {out_fmt}"
        )
    if in_fmt == out_fmt:
        return boxes.clone()
    if in_fmt in _ROTATED_FMTS or out_fmt in _ROTATED_FMTS:
        chain = _box_convert.ROTATED.get((in_fmt, out_fmt))
        if chain is None:
            raise NotImplementedError(
                f"Unsupported Bounding Box Conversions for given in_fmt {in_fmt} and out_fmt "
                f"{out_fmt}"
            )
        n = _box_convert.COORDS[in_fmt]
        if not isinstance(boxes, Tensor) or boxes.dim() < 1 or boxes.size(-1) != n:
            shape = tuple(boxes.shape) if isinstance(boxes, Tensor) else type(boxes).__name__
            raise ValueError(f"box_convert: {in_fmt} boxes must have shape [..., {n}], got {shape}")
        for step in chain:
            boxes = step(boxes)
        return boxes
    _check_boxes("box_convert", boxes)
    if in_fmt == "xywh":
        boxes = _xywh_to_xyxy(boxes)
    elif in_fmt == "cxcywh":
        boxes = _cxcywh_to_xyxy(boxes)
    if out_fmt == "xywh":
        boxes = _xyxy_to_xywh(boxes)
    elif out_fmt == "cxcywh":
        boxes = _xyxy_to_cxcywh(boxes)
    return boxes


def box_area(boxes: Tensor, fmt: str = "xyxy") -> Tensor:
    """Area of each box in ``boxes`` (``Tensor[..., 4]``) given in ``fmt``, as
    ``torchvision.ops.box_area``; integer boxes give integer areas.

    >>> box_area(ember.tensor([[0.0, 0.0, 2.0, 3.0]])).tolist()
    [6.0]
    """
    if fmt not in _AXIS_FMTS:
        raise ValueError(f"Unsupported Bounding Box area for given format {fmt}")
    _check_boxes("box_area", boxes)
    boxes = _upcast(boxes)
    if fmt == "xyxy":
        return (boxes[..., 2] - boxes[..., 0]) * (boxes[..., 3] - boxes[..., 1])
    return boxes[..., 2] * boxes[..., 3]


def _box_inter_union(boxes1: Tensor, boxes2: Tensor, fmt: str = "xyxy") -> tuple[Tensor, Tensor]:
    if fmt not in _AXIS_FMTS:
        raise ValueError(f"Unsupported Box IoU Calculation for given fmt {fmt}.")
    area1 = box_area(boxes1, fmt=fmt)
    area2 = box_area(boxes2, fmt=fmt)
    if fmt == "xyxy":
        lo1, hi1 = boxes1[..., :2], boxes1[..., 2:]
        lo2, hi2 = boxes2[..., :2], boxes2[..., 2:]
    elif fmt == "xywh":
        lo1, hi1 = boxes1[..., :2], boxes1[..., :2] + boxes1[..., 2:]
        lo2, hi2 = boxes2[..., :2], boxes2[..., :2] + boxes2[..., 2:]
    else:
        lo1, hi1 = boxes1[..., :2] - boxes1[..., 2:] / 2, boxes1[..., :2] + boxes1[..., 2:] / 2
        lo2, hi2 = boxes2[..., :2] - boxes2[..., 2:] / 2, boxes2[..., :2] + boxes2[..., 2:] / 2
    lt = ember.maximum(lo1[..., :, None, :], lo2[..., None, :, :])  # [..., N, M, 2]
    rb = ember.minimum(hi1[..., :, None, :], hi2[..., None, :, :])
    wh = _upcast(rb - lt).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    union = area1[..., :, None] + area2[..., None, :] - inter
    return inter, union


def box_iou(boxes1: Tensor, boxes2: Tensor, fmt: str = "xyxy") -> Tensor:
    """Pairwise intersection-over-union of ``boxes1`` (``Tensor[..., N, 4]``) and ``boxes2``
    (``Tensor[..., M, 4]``) in ``fmt`` (xyxy, xywh or cxcywh): ``Tensor[..., N, M]``, as
    ``torchvision.ops.box_iou``.

    >>> box_iou(ember.tensor([[0.0, 0.0, 2.0, 2.0]]), ember.tensor([[1.0, 0.0, 3.0, 2.0]]))
    tensor([[0.3333]])
    """
    if fmt in _ROTATED_FMTS:
        raise NotImplementedError(f"box_iou: rotated box format {fmt!r} is not supported yet")
    if fmt not in _AXIS_FMTS:
        raise ValueError(
            f"Unsupported format '{fmt}'. Supported axis-aligned formats: {_AXIS_FMTS}. "
            f"Supported rotated formats: {_ROTATED_FMTS}."
        )
    _check_boxes("box_iou", boxes1, "boxes1")
    _check_boxes("box_iou", boxes2, "boxes2")
    inter, union = _box_inter_union(boxes1, boxes2, fmt=fmt)
    return inter / union


def _enclosing_wh(boxes1: Tensor, boxes2: Tensor) -> Tensor:
    lti = ember.minimum(boxes1[..., :, None, :2], boxes2[..., None, :, :2])
    rbi = ember.maximum(boxes1[..., :, None, 2:], boxes2[..., None, :, 2:])
    return _upcast(rbi - lti).clamp(min=0)


def generalized_box_iou(boxes1: Tensor, boxes2: Tensor) -> Tensor:
    """Pairwise generalized IoU of xyxy boxes (``Tensor[..., N, 4]`` and ``[..., M, 4]``):
    IoU minus the fraction of the enclosing box not covered by the union, as
    ``torchvision.ops.generalized_box_iou``.

    >>> a, b = ember.tensor([[0.0, 0.0, 1.0, 1.0]]), ember.tensor([[2.0, 0.0, 3.0, 1.0]])
    >>> generalized_box_iou(a, b)
    tensor([[-0.3333]])
    """
    _check_boxes("generalized_box_iou", boxes1, "boxes1")
    _check_boxes("generalized_box_iou", boxes2, "boxes2")
    inter, union = _box_inter_union(boxes1, boxes2)
    iou = inter / union
    whi = _enclosing_wh(boxes1, boxes2)
    areai = whi[..., 0] * whi[..., 1]
    return iou - (areai - union) / areai


def _box_diou_iou(boxes1: Tensor, boxes2: Tensor, eps: float = 1e-7) -> tuple[Tensor, Tensor]:
    iou = box_iou(boxes1, boxes2)
    whi = _enclosing_wh(boxes1, boxes2)
    diagonal_distance_squared = (whi[..., 0] ** 2) + (whi[..., 1] ** 2) + eps
    x_p = (boxes1[..., 0] + boxes1[..., 2]) / 2
    y_p = (boxes1[..., 1] + boxes1[..., 3]) / 2
    x_g = (boxes2[..., 0] + boxes2[..., 2]) / 2
    y_g = (boxes2[..., 1] + boxes2[..., 3]) / 2
    centers_distance_squared = (_upcast(x_p[..., :, None] - x_g[..., None, :]) ** 2) + (
        _upcast(y_p[..., :, None] - y_g[..., None, :]) ** 2
    )
    return iou - (centers_distance_squared / diagonal_distance_squared), iou


def distance_box_iou(boxes1: Tensor, boxes2: Tensor, eps: float = 1e-7) -> Tensor:
    """Pairwise distance IoU of xyxy boxes: IoU minus the squared centre distance over the
    squared diagonal of the enclosing box, as ``torchvision.ops.distance_box_iou``.

    >>> distance_box_iou(ember.tensor([[0.0, 0.0, 1.0, 1.0]]), ember.tensor([[0.0, 0.0, 1.0, 1.0]]))
    tensor([[1.]])
    """
    _check_boxes("distance_box_iou", boxes1, "boxes1")
    _check_boxes("distance_box_iou", boxes2, "boxes2")
    diou, _ = _box_diou_iou(_upcast(boxes1), _upcast(boxes2), eps=eps)
    return diou


def complete_box_iou(boxes1: Tensor, boxes2: Tensor, eps: float = 1e-7) -> Tensor:
    """Pairwise complete IoU of xyxy boxes: distance IoU minus an aspect-ratio consistency
    term, as ``torchvision.ops.complete_box_iou`` (its ``alpha`` weight is not
    differentiated, as there).

    >>> complete_box_iou(ember.tensor([[0.0, 0.0, 1.0, 1.0]]), ember.tensor([[0.0, 0.0, 1.0, 1.0]]))
    tensor([[1.]])
    """
    _check_boxes("complete_box_iou", boxes1, "boxes1")
    _check_boxes("complete_box_iou", boxes2, "boxes2")
    boxes1 = _upcast(boxes1)
    boxes2 = _upcast(boxes2)
    diou, iou = _box_diou_iou(boxes1, boxes2, eps)
    w_pred = boxes1[..., :, None, 2] - boxes1[..., :, None, 0]
    h_pred = boxes1[..., :, None, 3] - boxes1[..., :, None, 1]
    w_gt = boxes2[..., None, :, 2] - boxes2[..., None, :, 0]
    h_gt = boxes2[..., None, :, 3] - boxes2[..., None, :, 1]
    v = (4 / (numpy.pi**2)) * ember.pow(ember.atan(w_pred / h_pred) - ember.atan(w_gt / h_gt), 2)
    with ember.no_grad():
        alpha = v / (1 - iou + v + eps)
    return diou - alpha * v


def masks_to_boxes(masks: Tensor) -> Tensor:
    """Tight xyxy boxes (``Tensor[N, 4]`` float) around the nonzero pixels of ``masks``
    (``Tensor[N, H, W]``), as ``torchvision.ops.masks_to_boxes``; empty masks give zeros.

    >>> m = ember.zeros(1, 4, 5); m[0, 1:3, 2:4] = 1
    >>> masks_to_boxes(m).tolist()
    [[2.0, 1.0, 3.0, 2.0]]
    """
    if not isinstance(masks, Tensor):
        raise TypeError(f"masks_to_boxes: masks must be a Tensor, got {type(masks).__name__}")
    if masks.numel() == 0:
        return ember.zeros((0, 4), device=masks.device, dtype=ember.float32)
    if masks.dim() != 3:
        raise ValueError(
            f"masks_to_boxes: masks must have shape [N, H, W], got {tuple(masks.shape)}"
        )
    _, h, w = masks.shape
    masks_bool = masks.bool()
    rows = ember.any(masks_bool, dim=2)
    cols = ember.any(masks_bool, dim=1)
    empty = ~ember.any(rows, dim=1)
    rows_f, cols_f = rows.float(), cols.float()
    y1 = rows_f.argmax(dim=1)
    x1 = cols_f.argmax(dim=1)
    y2 = (h - 1) - rows_f.flip(dims=[1]).argmax(dim=1)
    x2 = (w - 1) - cols_f.flip(dims=[1]).argmax(dim=1)
    boxes = ember.stack([x1, y1, x2, y2], dim=1).float()
    return ember.where(empty[:, None], ember.zeros_like(boxes), boxes)
