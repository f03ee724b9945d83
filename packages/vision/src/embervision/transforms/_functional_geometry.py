"""``rotate`` and ``affine`` of ``functional`` (split out to keep files short)."""

from __future__ import annotations

import math
import numbers
from typing import Any

from PIL import Image

from ember import Tensor

from . import _functional_pil as F_pil
from . import _functional_tensor as F_t
from ._interpolation import InterpolationMode, _interpolation_modes_from_int, pil_modes_mapping

__all__ = ["affine", "rotate"]


def _check_interpolation(interpolation: Any) -> InterpolationMode:
    if isinstance(interpolation, int):
        return _interpolation_modes_from_int(interpolation)
    if not isinstance(interpolation, InterpolationMode):
        raise TypeError(
            "Argument interpolation should be a InterpolationMode or a corresponding Pillow "
            "integer constant"
        )
    return interpolation


def _get_inverse_affine_matrix(
    center: list[float],
    angle: float,
    translate: list[float],
    scale: float,
    shear: list[float],
    inverted: bool = True,
) -> list[float]:
    # Affine = T * C * RotateScaleShear * C^-1 with RSS = R(a) * S(s) * Shy(sy) * Shx(sx);
    # the inverse maps output pixels to input pixels, which is what samplers want
    rot = math.radians(angle)
    sx = math.radians(shear[0])
    sy = math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    if inverted:
        matrix = [d, -b, 0.0, -c, a, 0.0]
        matrix = [x / scale for x in matrix]
        matrix[2] += matrix[0] * (-cx - tx) + matrix[1] * (-cy - ty)
        matrix[5] += matrix[3] * (-cx - tx) + matrix[4] * (-cy - ty)
        matrix[2] += cx
        matrix[5] += cy
    else:
        matrix = [a, b, 0.0, c, d, 0.0]
        matrix = [x * scale for x in matrix]
        matrix[2] += matrix[0] * -cx + matrix[1] * -cy
        matrix[5] += matrix[3] * -cx + matrix[4] * -cy
        matrix[2] += cx + tx
        matrix[5] += cy + ty
    return matrix


def rotate(
    img: Tensor | Image.Image,
    angle: float,
    interpolation: InterpolationMode = InterpolationMode.NEAREST,
    expand: bool = False,
    center: list[int] | None = None,
    fill: list[float] | None = None,
) -> Any:
    """Rotate counter-clockwise by ``angle`` degrees about ``center`` (default: image center).

    ``expand`` grows the output to hold the whole rotated image; ``fill`` colours the area
    outside it. Tensors support NEAREST and BILINEAR.

    >>> import ember
    >>> rotate(ember.ones(1, 4, 6), 90.0, expand=True).shape
    ember.Size([1, 6, 4])
    """
    interpolation = _check_interpolation(interpolation)
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")
    if not isinstance(img, Tensor):
        pil_interpolation = pil_modes_mapping[interpolation]
        return F_pil.rotate(
            img,
            angle=angle,
            interpolation=pil_interpolation,
            expand=expand,
            center=center,
            fill=fill,
        )
    center_f = [0.0, 0.0]
    if center is not None:
        _, height, width = F_t.get_dimensions(img)
        # Center relative to the image center, the frame the tensor grid works in
        center_f = [1.0 * (c - s * 0.5) for c, s in zip(center, [width, height], strict=False)]
    # Negative angle: the matrix is the inverse map (output -> input)
    matrix = _get_inverse_affine_matrix(center_f, -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
    return F_t.rotate(
        img, matrix=matrix, interpolation=interpolation.value, expand=expand, fill=fill
    )


def affine(
    img: Tensor | Image.Image,
    angle: float,
    translate: list[int],
    scale: float,
    shear: list[float],
    interpolation: InterpolationMode = InterpolationMode.NEAREST,
    fill: list[float] | None = None,
    center: list[int] | None = None,
) -> Any:
    """Rotate by ``angle``, translate by ``translate`` (pixels), scale and shear (degrees).

    The image center stays fixed (or ``center``); as ``torchvision.transforms.functional.affine``.

    >>> import ember
    >>> affine(ember.ones(1, 4, 4), 0.0, [1, 0], 1.0, [0.0]).sum().item()
    12.0
    """
    interpolation = _check_interpolation(interpolation)
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    if not isinstance(translate, (list, tuple)):
        raise TypeError("Argument translate should be a sequence")
    if len(translate) != 2:
        raise ValueError("Argument translate should be a sequence of length 2")
    if scale <= 0.0:
        raise ValueError("Argument scale should be positive")
    if not isinstance(shear, (numbers.Number, (list, tuple))):
        raise TypeError("Shear should be either a single value or a sequence of two values")
    if isinstance(angle, int):
        angle = float(angle)
    if isinstance(translate, tuple):
        translate = list(translate)
    if isinstance(shear, numbers.Number):
        shear = [shear, 0.0]
    if isinstance(shear, tuple):
        shear = list(shear)
    if len(shear) == 1:
        shear = [shear[0], shear[0]]
    if len(shear) != 2:
        raise ValueError(f"Shear should be a sequence containing two values. Got {shear}")
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")
    if not isinstance(img, Tensor):
        _, height, width = F_pil.get_dimensions(img)
        if center is None:
            center = [width * 0.5, height * 0.5]
        matrix = _get_inverse_affine_matrix(center, angle, translate, scale, shear)
        pil_interpolation = pil_modes_mapping[interpolation]
        return F_pil.affine(img, matrix=matrix, interpolation=pil_interpolation, fill=fill)
    center_f = [0.0, 0.0]
    if center is not None:
        _, height, width = F_t.get_dimensions(img)
        center_f = [1.0 * (c - s * 0.5) for c, s in zip(center, [width, height], strict=False)]
    translate_f = [1.0 * t for t in translate]
    matrix = _get_inverse_affine_matrix(center_f, angle, translate_f, scale, shear)
    return F_t.affine(img, matrix=matrix, interpolation=interpolation.value, fill=fill)
