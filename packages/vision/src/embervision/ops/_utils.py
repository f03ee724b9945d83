"""Helpers shared by the RoI ops and the box losses, as ``torchvision.ops._utils``."""

from __future__ import annotations

import ember
from ember import Tensor


def _cat(tensors: list[Tensor], dim: int = 0) -> Tensor:
    """``ember.cat`` that skips the copy when there is a single tensor."""
    if len(tensors) == 1:
        return tensors[0]
    return ember.cat(tensors, dim)


def convert_boxes_to_roi_format(boxes: list[Tensor]) -> Tensor:
    """Turn a list of per-image ``Tensor[L, 4]`` boxes into one ``Tensor[K, 5]`` whose first
    column is the image index.

    >>> convert_boxes_to_roi_format([ember.tensor([[0.0, 0.0, 2.0, 2.0]])]).tolist()
    [[0.0, 0.0, 0.0, 2.0, 2.0]]
    """
    concat_boxes = _cat(list(boxes), dim=0)
    ids = _cat([ember.full_like(b[:, :1], i) for i, b in enumerate(boxes)], dim=0)
    return ember.cat([ids, concat_boxes], dim=1)


def check_roi_boxes_shape(boxes: Tensor | list[Tensor]) -> None:
    """Raise ``AssertionError`` (torchvision's ``torch._assert``) unless ``boxes`` is a
    ``Tensor[K, 5]`` or a list of ``Tensor[L, 4]``."""
    if isinstance(boxes, (list, tuple)):
        for t in boxes:
            if not isinstance(t, Tensor) or t.dim() != 2 or t.size(1) != 4:
                shape = tuple(t.shape) if isinstance(t, Tensor) else type(t).__name__
                raise AssertionError(
                    "The shape of the tensor in the boxes list is not correct as "
                    f"List[Tensor[L, 4]]: got {shape}"
                )
    elif isinstance(boxes, Tensor):
        if boxes.dim() != 2 or boxes.size(1) != 5:
            raise AssertionError(
                f"The boxes tensor shape is not correct as Tensor[K, 5]: got {tuple(boxes.shape)}"
            )
    else:
        raise AssertionError(
            f"boxes is expected to be a Tensor[L, 5] or a List[Tensor[K, 4]], got {type(boxes)}"
        )


def _upcast(t: Tensor) -> Tensor:
    # Protects from numerical overflows in multiplications by upcasting to the equivalent
    # higher type, as torchvision does.
    if t.is_floating_point():
        return t if t.dtype in (ember.float32, ember.float64) else t.float()
    return t if t.dtype in (ember.int32, ember.int64) else t.int()


def _upcast_non_float(t: Tensor) -> Tensor:
    if t.dtype not in (ember.float32, ember.float64):
        return t.float()
    return t


def _pair(x: int | tuple[int, int] | list[int]) -> tuple[int, int]:
    if isinstance(x, (tuple, list)):
        if len(x) != 2:
            raise ValueError(f"output_size must be an int or a pair of ints, got {x}")
        return int(x[0]), int(x[1])
    return int(x), int(x)
