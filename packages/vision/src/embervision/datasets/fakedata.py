"""Random images for smoke tests and benchmarks, as ``torchvision.datasets.FakeData``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from PIL import Image

import ember

from .vision import VisionDataset

__all__ = ["FakeData"]


class FakeData(VisionDataset):
    """``size`` random PIL images of shape ``image_size`` (C, H, W) with random targets in
    ``[0, num_classes)``, as ``torchvision.datasets.FakeData``. Item ``i`` is drawn from a
    generator seeded with ``i + random_offset``, so it is the same on every access and in
    every worker; the global RNG is untouched. As in torchvision, ``target_transform``
    receives the target as a 0-d int64 tensor and the item's target is its ``.item()``.

    >>> from embervision.datasets import FakeData
    >>> img, target = FakeData(size=2, image_size=(3, 4, 5))[0]
    >>> img.mode, img.size, 0 <= target < 10
    ('RGB', (5, 4), True)
    """

    def __init__(
        self,
        size: int = 1000,
        image_size: tuple[int, int, int] = (3, 224, 224),
        num_classes: int = 10,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        random_offset: int = 0,
    ) -> None:
        super().__init__(transform=transform, target_transform=target_transform)
        self.size = size
        self.num_classes = num_classes
        self.image_size = image_size
        self.random_offset = random_offset

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        """``(image, target)`` for ``index``, reproducible per index."""
        if index >= len(self):
            raise IndexError(f"{self.__class__.__name__} index out of range")
        generator = ember.Generator()
        generator.manual_seed(index + self.random_offset)
        img = ember.randn(*self.image_size, generator=generator)
        target = ember.randint(0, self.num_classes, size=(1,), generator=generator)[0]

        # torchvision's ToPILImage does float.mul(255).byte(), which wraps modulo 256.
        pixels = (img.numpy() * 255).astype(np.int64).astype(np.uint8)
        channels = pixels.shape[0]
        if channels == 1:
            img = Image.fromarray(pixels[0])
        elif channels in (2, 3, 4):
            img = Image.fromarray(np.ascontiguousarray(pixels.transpose(1, 2, 0)))
        else:
            raise ValueError(
                f"FakeData: image_size {tuple(self.image_size)} has {channels} channels; "
                "a PIL image needs 1 to 4"
            )
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target.item()

    def __len__(self) -> int:
        return self.size
