"""The base class of every embervision dataset, as ``torchvision.datasets.VisionDataset``."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ember.utils.data import Dataset

__all__ = ["VisionDataset", "StandardTransform"]


class VisionDataset(Dataset):
    """Base class of the vision datasets, as ``torchvision.datasets.VisionDataset``.

    Holds ``root`` (with ``~`` expanded), ``transform`` (applied to the sample),
    ``target_transform`` (applied to the target) and ``transforms`` (one callable taking and
    returning both; exclusive with the other two, which are wrapped into a
    :class:`StandardTransform`). Subclasses define ``__getitem__`` and ``__len__``; ``repr``
    prints the size, the root, :meth:`extra_repr` and the transforms as torchvision does.

    >>> from embervision.datasets import VisionDataset
    >>> class Three(VisionDataset):
    ...     def __len__(self):
    ...         return 3
    >>> print(Three("data"))
    Dataset Three
        Number of datapoints: 3
        Root location: data
    """

    _repr_indent = 4

    def __init__(
        self,
        root: str | Path | None = None,
        transforms: Callable | None = None,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
    ) -> None:
        if isinstance(root, str):
            root = os.path.expanduser(root)
        self.root = root

        has_transforms = transforms is not None
        has_separate_transform = transform is not None or target_transform is not None
        if has_transforms and has_separate_transform:
            raise ValueError(
                "Only transforms or transform/target_transform can be passed as argument"
            )

        self.transform = transform
        self.target_transform = target_transform

        if has_separate_transform:
            transforms = StandardTransform(transform, target_transform)
        self.transforms = transforms

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError

    def __repr__(self) -> str:
        head = "Dataset " + self.__class__.__name__
        body = [f"Number of datapoints: {self.__len__()}"]
        if self.root is not None:
            body.append(f"Root location: {self.root}")
        body += self.extra_repr().splitlines()
        if getattr(self, "transforms", None) is not None:
            body += [repr(self.transforms)]
        lines = [head] + [" " * self._repr_indent + line for line in body]
        return "\n".join(lines)

    def _format_transform_repr(self, transform: Callable, head: str) -> list[str]:
        return _format_transform_repr(transform, head)

    def extra_repr(self) -> str:
        """Extra lines for ``repr`` (e.g. ``"Split: Train"``); empty by default."""
        return ""


def _format_transform_repr(transform: Callable, head: str) -> list[str]:
    lines = repr(transform).splitlines()
    return [f"{head}{lines[0]}"] + [" " * len(head) + line for line in lines[1:]]


class StandardTransform:
    """Applies ``transform`` to the input and ``target_transform`` to the target, as
    ``torchvision.datasets.vision.StandardTransform``; either may be ``None``.

    >>> from embervision.datasets import StandardTransform
    >>> StandardTransform(str, abs)(1, -2)
    ('1', 2)
    """

    def __init__(
        self, transform: Callable | None = None, target_transform: Callable | None = None
    ) -> None:
        self.transform = transform
        self.target_transform = target_transform

    def __call__(self, input: Any, target: Any) -> tuple[Any, Any]:
        if self.transform is not None:
            input = self.transform(input)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return input, target

    def _format_transform_repr(self, transform: Callable, head: str) -> list[str]:
        return _format_transform_repr(transform, head)

    def __repr__(self) -> str:
        body = [self.__class__.__name__]
        if self.transform is not None:
            body += _format_transform_repr(self.transform, "Transform: ")
        if self.target_transform is not None:
            body += _format_transform_repr(self.target_transform, "Target transform: ")
        return "\n".join(body)
