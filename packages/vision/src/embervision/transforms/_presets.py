"""Evaluation transforms attached to model ``Weights`` (``torchvision.transforms._presets``).

Private API, like torchvision's: reach these through ``weights.transforms()``. Model files
import this module at import time, so it imports only the enum eagerly and ``functional``
inside ``forward``.
"""

from __future__ import annotations

from typing import Any

import ember
from ember import nn

from ._interpolation import InterpolationMode

__all__ = ["ImageClassification"]


class ImageClassification(nn.Module):
    """Resize, center-crop, rescale to [0, 1] and normalize an image for classification.

    Accepts PIL images, single ``(C, H, W)`` and batched ``(B, C, H, W)`` tensors, as
    torchvision's preset; returns a float32 tensor.

    >>> t = ImageClassification(crop_size=4, resize_size=6)
    >>> t(ember.zeros(3, 8, 10, dtype=ember.uint8)).shape
    ember.Size([3, 4, 4])
    """

    def __init__(
        self,
        *,
        crop_size: int,
        resize_size: int = 256,
        mean: tuple[float, ...] = (0.485, 0.456, 0.406),
        std: tuple[float, ...] = (0.229, 0.224, 0.225),
        interpolation: InterpolationMode = InterpolationMode.BILINEAR,
        antialias: bool | None = True,
    ) -> None:
        super().__init__()
        self.crop_size = [crop_size]
        self.resize_size = [resize_size]
        self.mean = list(mean)
        self.std = list(std)
        self.interpolation = interpolation
        self.antialias = antialias

    def forward(self, img: Any) -> ember.Tensor:
        from . import functional as F

        img = F.resize(
            img, self.resize_size, interpolation=self.interpolation, antialias=self.antialias
        )
        img = F.center_crop(img, self.crop_size)
        if not isinstance(img, ember.Tensor):
            img = F.pil_to_tensor(img)
        img = F.convert_image_dtype(img, ember.float)
        img = F.normalize(img, mean=self.mean, std=self.std)
        return img

    def __repr__(self) -> str:
        format_string = self.__class__.__name__ + "("
        format_string += f"\n    crop_size={self.crop_size}"
        format_string += f"\n    resize_size={self.resize_size}"
        format_string += f"\n    mean={self.mean}"
        format_string += f"\n    std={self.std}"
        format_string += f"\n    interpolation={self.interpolation}"
        format_string += "\n)"
        return format_string

    def describe(self) -> str:
        """Describe the preprocessing in words, as torchvision's ``describe()``."""
        return (
            "Accepts ``PIL.Image``, batched ``(B, C, H, W)`` and single ``(C, H, W)`` image "
            "``torch.Tensor`` objects. "
            f"The images are resized to ``resize_size={self.resize_size}`` using "
            f"``interpolation={self.interpolation}``, "
            f"followed by a central crop of ``crop_size={self.crop_size}``. Finally the values "
            "are first rescaled to "
            f"``[0.0, 1.0]`` and then normalized using ``mean={self.mean}`` and "
            f"``std={self.std}``."
        )
