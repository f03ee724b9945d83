"""STL-10, as ``torchvision.datasets.STL10``, read from the binary release."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from .utils import (
    _lock,
    _not_found_error,
    check_integrity,
    download_and_extract_archive,
    extract_archive,
    verify_str_arg,
)
from .vision import VisionDataset

__all__ = ["STL10"]


class STL10(VisionDataset):
    """STL-10 (96x96 RGB, 10 classes plus 100k unlabeled), as ``torchvision.datasets.STL10``.

    Reads ``root/stl10_binary/{train,test}_{X,y}.bin`` and ``unlabeled_X.bin`` (md5-checked):
    raw uint8 images stored column-major per channel, labels 1-10 (shifted to 0-9).
    ``split`` is ``train``, ``test``, ``unlabeled`` or ``train+unlabeled`` (unlabeled
    targets are -1); ``folds`` (0-9) keeps one of the 1k-sample training folds listed in
    ``fold_indices.txt``. ``data`` is a uint8 array (N, 3, 96, 96), ``labels`` a numpy array.
    """

    base_folder = "stl10_binary"
    url = "http://ai.stanford.edu/~acoates/stl10/stl10_binary.tar.gz"
    filename = "stl10_binary.tar.gz"
    tgz_md5 = "91f7769df0f17e558f3565bffb0c7dfb"
    class_names_file = "class_names.txt"
    folds_list_file = "fold_indices.txt"
    train_list = [
        ["train_X.bin", "918c2871b30a85fa023e0c44e0bee87f"],
        ["train_y.bin", "5a34089d4802c674881badbb80307741"],
        ["unlabeled_X.bin", "5242ba1fed5e4be9e1e742405eb56ca4"],
    ]
    test_list = [
        ["test_X.bin", "7f263ba9f9e0b06b93213547f721ac82"],
        ["test_y.bin", "36f9794fa4beb8a2c72628de14fa638e"],
    ]
    splits = ("train", "train+unlabeled", "unlabeled", "test")

    def __init__(
        self,
        root: str | Path,
        split: str = "train",
        folds: int | None = None,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        download: bool = False,
    ) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.split = verify_str_arg(split, "split", self.splits)
        self.folds = self._verify_folds(folds)

        if download:
            self.download()
        if not self._check_integrity():
            self._extract_local_archive()
        if not self._check_integrity():
            raise _not_found_error(
                self.root,
                [(self.filename, self.tgz_md5, self.url)],
                extract=True,
                bad=self._bad_files(),
            )

        self.labels: np.ndarray | None
        if self.split == "train":
            self.data, self.labels = self._loadfile(self.train_list[0][0], self.train_list[1][0])
            self._load_folds(folds)
        elif self.split == "train+unlabeled":
            self.data, self.labels = self._loadfile(self.train_list[0][0], self.train_list[1][0])
            self._load_folds(folds)
            unlabeled_data, _ = self._loadfile(self.train_list[2][0])
            self.data = np.concatenate((self.data, unlabeled_data))
            self.labels = np.concatenate(
                (self.labels, np.full(unlabeled_data.shape[0], -1, dtype=np.int64))
            )
        elif self.split == "unlabeled":
            self.data, _ = self._loadfile(self.train_list[2][0])
            self.labels = np.full(self.data.shape[0], -1, dtype=np.int64)
        else:
            self.data, self.labels = self._loadfile(self.test_list[0][0], self.test_list[1][0])

        class_file = os.path.join(self.root, self.base_folder, self.class_names_file)
        if os.path.isfile(class_file):
            with open(class_file) as f:
                self.classes = f.read().splitlines()

    def _verify_folds(self, folds: int | None) -> int | None:
        if folds is None:
            return folds
        if isinstance(folds, int):
            if folds in range(10):
                return folds
            raise ValueError(
                f"Value for argument folds should be in the range [0, 10), but got {folds}."
            )
        raise ValueError(
            f"Expected type None or int for argument folds, but got type {type(folds)}."
        )

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        """``(image, target)``: a 96x96 PIL RGB image and the class (-1 if unlabeled)."""
        target: int | None
        if self.labels is not None:
            img, target = self.data[index], int(self.labels[index])
        else:
            img, target = self.data[index], None
        img = Image.fromarray(np.transpose(img, (1, 2, 0)))
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return self.data.shape[0]

    def _loadfile(
        self, data_file: str, labels_file: str | None = None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        labels = None
        if labels_file:
            path_to_labels = os.path.join(self.root, self.base_folder, labels_file)
            # uint8 as torchvision keeps it, so 1-based labels become 0-based by wrapping 1 -> 0.
            labels = np.fromfile(path_to_labels, dtype=np.uint8) - 1
        path_to_data = os.path.join(self.root, self.base_folder, data_file)
        everything = np.fromfile(path_to_data, dtype=np.uint8)
        if everything.size % (3 * 96 * 96):
            raise RuntimeError(
                f"STL10: {path_to_data} has {everything.size} bytes, not a multiple of one "
                f"3x96x96 image ({3 * 96 * 96} bytes)"
            )
        # Each channel is stored column-major, hence the H/W swap.
        images = np.reshape(everything, (-1, 3, 96, 96)).transpose((0, 1, 3, 2))
        return images, labels

    def _bad_files(self) -> list[str]:
        files = [
            os.path.join(self.root, self.base_folder, name)
            for name, _ in self.train_list + self.test_list
        ]
        md5s = [md5 for _, md5 in self.train_list + self.test_list]
        return [path for path, md5 in zip(files, md5s) if not check_integrity(path, md5)]

    def _check_integrity(self) -> bool:
        for filename, md5 in self.train_list + self.test_list:
            fpath = os.path.join(self.root, self.base_folder, filename)
            if not check_integrity(fpath, md5):
                return False
        return True

    def _extract_local_archive(self) -> None:
        archive = os.path.join(self.root, self.filename)
        if check_integrity(archive, self.tgz_md5):
            with _lock(self.root):
                extract_archive(archive, self.root)

    def download(self) -> None:
        """Download and extract the archive unless the binaries are already there."""
        if self._check_integrity():
            return
        with _lock(self.root):
            if self._check_integrity():
                return
            download_and_extract_archive(
                self.url, self.root, filename=self.filename, md5=self.tgz_md5
            )

    def extra_repr(self) -> str:
        return f"Split: {self.split}"

    def _load_folds(self, folds: int | None) -> None:
        if folds is None:
            return
        path_to_folds = os.path.join(self.root, self.base_folder, self.folds_list_file)
        with open(path_to_folds) as f:
            str_idx = f.read().splitlines()[folds]
        list_idx = np.array(str_idx.split(), dtype=np.int64)
        self.data = self.data[list_idx, :, :, :]
        if self.labels is not None:
            self.labels = self.labels[list_idx]
