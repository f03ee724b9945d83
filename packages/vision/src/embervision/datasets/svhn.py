"""The Street View House Numbers dataset, as ``torchvision.datasets.SVHN``."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from .utils import _lock, _not_found_error, check_integrity, download_url, verify_str_arg
from .vision import VisionDataset

__all__ = ["SVHN"]


class SVHN(VisionDataset):
    """SVHN cropped digits (32x32 RGB), as ``torchvision.datasets.SVHN``, read from
    ``root/{train,test,extra}_32x32.mat`` (MATLAB files, via ``scipy.io.loadmat``).

    ``split`` is ``train``, ``test`` or ``extra``. ``data`` is a uint8 array (N, 3, 32, 32)
    and ``labels`` an int64 array; the file's label 10 for the digit 0 becomes 0, as in
    torchvision. Items are ``(PIL RGB image, int target)``.
    """

    split_list = {
        "train": [
            "http://ufldl.stanford.edu/housenumbers/train_32x32.mat",
            "train_32x32.mat",
            "e26dedcc434d2e4c54c9b2d4a06d8373",
        ],
        "test": [
            "http://ufldl.stanford.edu/housenumbers/test_32x32.mat",
            "test_32x32.mat",
            "eb5a983be6a315427106f1b164d9cef3",
        ],
        "extra": [
            "http://ufldl.stanford.edu/housenumbers/extra_32x32.mat",
            "extra_32x32.mat",
            "a93ce644f1a588dc4d68dda5feec44a7",
        ],
    }

    def __init__(
        self,
        root: str | Path,
        split: str = "train",
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        download: bool = False,
    ) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.split = verify_str_arg(split, "split", tuple(self.split_list.keys()))
        self.url = self.split_list[split][0]
        self.filename = self.split_list[split][1]
        self.file_md5 = self.split_list[split][2]

        if download:
            self.download()

        if not self._check_integrity():
            raise _not_found_error(self.root, [(self.filename, self.file_md5, self.url)])

        import scipy.io as sio

        loaded_mat = sio.loadmat(os.path.join(self.root, self.filename))
        # The .mat holds X as (32, 32, 3, N) and y as (N, 1) with 10 meaning the digit 0.
        self.labels = loaded_mat["y"].astype(np.int64).squeeze(1)
        np.place(self.labels, self.labels == 10, 0)
        self.data = np.transpose(loaded_mat["X"], (3, 2, 0, 1))

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        """``(image, target)``: a 32x32 PIL RGB image and the digit."""
        img, target = self.data[index], int(self.labels[index])
        img = Image.fromarray(np.transpose(img, (1, 2, 0)))
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return len(self.data)

    def _check_integrity(self) -> bool:
        return check_integrity(os.path.join(self.root, self.filename), self.file_md5)

    def download(self) -> None:
        """Download the split's .mat file unless it is already there (md5-checked)."""
        with _lock(self.root):
            download_url(self.url, self.root, self.filename, self.file_md5)

    def extra_repr(self) -> str:
        return f"Split: {self.split}"
