"""CIFAR-10 and CIFAR-100, as torchvision, read from the python-pickle batches.

The batches are pickles, so they are read with the allow-list unpickler in ``_pickle``: a
tampered file cannot run code. ``data`` is a numpy uint8 array (N, 32, 32, 3) and
``targets`` a list of ints, exactly as torchvision holds them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ._pickle import safe_load
from .utils import _lock, _not_found_error, check_integrity, download_and_extract_archive
from .utils import extract_archive as _extract_archive
from .vision import VisionDataset

__all__ = ["CIFAR10", "CIFAR100"]


def _load_batch(path: str) -> dict[str, Any]:
    with open(path, "rb") as f:
        entry = safe_load(f, encoding="latin1")
    if not isinstance(entry, dict):
        raise RuntimeError(f"CIFAR: {path} should hold a dict, got {type(entry).__name__}")
    # Python 2 wrote the keys as str; a batch pickled by Python 3 has bytes keys.
    return {k.decode("latin1") if isinstance(k, bytes) else k: v for k, v in entry.items()}


def _to_str(name: Any) -> str:
    return name.decode("latin1") if isinstance(name, bytes) else name


class CIFAR10(VisionDataset):
    """CIFAR-10 (60k 32x32 colour images in 10 classes), as ``torchvision.datasets.CIFAR10``.

    Reads ``root/cifar-10-batches-py/{data_batch_1..5,test_batch,batches.meta}`` (md5-checked);
    ``train`` picks the split. Items are ``(PIL RGB image, int target)``. ``download=True``
    fetches and extracts ``cifar-10-python.tar.gz``; that archive put into ``root`` by hand is
    extracted on first use.
    """

    base_folder = "cifar-10-batches-py"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    train_list = [
        ["data_batch_1", "c99cafc152244af753f735de768cd75f"],
        ["data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"],
        ["data_batch_3", "54ebc095f3ab1f0389bbae665268c751"],
        ["data_batch_4", "634d18415352ddfa80567beed471001a"],
        ["data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"],
    ]
    test_list = [
        ["test_batch", "40351d587109b95175f43aff81a1287e"],
    ]
    meta = {
        "filename": "batches.meta",
        "key": "label_names",
        "md5": "5ff9c542aee3614f3951f8cda6e48888",
    }

    def __init__(
        self,
        root: str | Path,
        train: bool = True,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        download: bool = False,
    ) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train

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

        downloaded_list = self.train_list if self.train else self.test_list
        data: list[np.ndarray] = []
        self.targets: list[int] = []
        for file_name, _ in downloaded_list:
            entry = _load_batch(os.path.join(self.root, self.base_folder, file_name))
            data.append(np.asarray(entry["data"], dtype=np.uint8))
            labels = entry["labels"] if "labels" in entry else entry["fine_labels"]
            self.targets.extend(int(label) for label in labels)

        # The batches store each image as 3 planes of 1024 bytes (CHW); torchvision keeps HWC.
        self.data: Any = np.vstack(data).reshape(-1, 3, 32, 32).transpose((0, 2, 3, 1))
        self._load_meta()

    def _load_meta(self) -> None:
        path = os.path.join(self.root, self.base_folder, self.meta["filename"])
        if not check_integrity(path, self.meta["md5"]):
            raise RuntimeError(
                f"Dataset metadata file {path} not found or corrupted (md5 {self.meta['md5']}). "
                f"It is inside {self.filename} from {self.url}, or use download=True"
            )
        self.classes = [_to_str(name) for name in _load_batch(path)[self.meta["key"]]]
        self.class_to_idx = {_class: i for i, _class in enumerate(self.classes)}

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        """``(image, target)``: a 32x32 PIL RGB image and the class index."""
        img, target = self.data[index], self.targets[index]
        img = Image.fromarray(img)
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return len(self.data)

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
                _extract_archive(archive, self.root)

    def download(self) -> None:
        """Download and extract the archive unless the batches are already there."""
        if self._check_integrity():
            return
        with _lock(self.root):
            if self._check_integrity():
                return
            download_and_extract_archive(
                self.url, self.root, filename=self.filename, md5=self.tgz_md5
            )

    def extra_repr(self) -> str:
        split = "Train" if self.train is True else "Test"
        return f"Split: {split}"


class CIFAR100(CIFAR10):
    """CIFAR-100 (100 fine classes), as ``torchvision.datasets.CIFAR100``: same arguments as
    :class:`CIFAR10`, reading ``root/cifar-100-python/{train,test,meta}``; targets are the
    fine labels."""

    base_folder = "cifar-100-python"
    url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    filename = "cifar-100-python.tar.gz"
    tgz_md5 = "eb9058c3a382ffc7106e4002c42a8d85"
    train_list = [
        ["train", "16019d7e3df5f24257cddd939b257f8d"],
    ]
    test_list = [
        ["test", "f0ef6b0ae62326f3e7ffdfab6717acfc"],
    ]
    meta = {
        "filename": "meta",
        "key": "fine_label_names",
        "md5": "7973b15100ade9c7d40fb424638fde48",
    }
