"""MNIST and its relatives (Fashion-MNIST, KMNIST, EMNIST, QMNIST), as torchvision.

Files are read in the IDX ("SN3 Pascal Vincent") format: a big-endian magic number giving
the element type and rank, the dimensions, then the raw array, loaded whole with
``numpy.frombuffer``. ``data`` is an Ember ``uint8`` tensor of shape (N, 28, 28) and
``targets`` an ``int64`` tensor, exactly as torchvision holds them.
"""

from __future__ import annotations

import os
import shutil
import string
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.error import URLError

import numpy as np
from PIL import Image

import ember

from .utils import (
    _lock,
    _not_found_error,
    check_integrity,
    download_and_extract_archive,
    download_url,
    extract_archive,
    verify_str_arg,
)
from .vision import VisionDataset

__all__ = [
    "MNIST",
    "FashionMNIST",
    "KMNIST",
    "EMNIST",
    "QMNIST",
    "read_sn3_pascalvincent_tensor",
    "read_image_file",
    "read_label_file",
]

# IDX type codes -> big-endian numpy dtypes.
_SN3_TYPEMAP = {8: "u1", 9: "i1", 11: ">i2", 12: ">i4", 13: ">f4", 14: ">f8"}


def _read_sn3_array(path: str, strict: bool = True) -> np.ndarray:
    with open(path, "rb") as f:
        data = bytearray(f.read())  # writable, so frombuffer needs no copy for uint8
    if len(data) < 4:
        raise ValueError(f"read_sn3_pascalvincent_tensor: {path} is too short to be an IDX file")
    magic = int.from_bytes(data[0:4], "big")
    nd, ty = magic % 256, magic // 256
    if not 1 <= nd <= 3 or ty not in _SN3_TYPEMAP:
        raise ValueError(
            f"read_sn3_pascalvincent_tensor: {path} is not an IDX file: magic number "
            f"{magic:#010x} gives rank {nd} and type code {ty}, expected rank 1-3 and a type "
            f"code in {sorted(_SN3_TYPEMAP)}"
        )
    shape = tuple(int(d) for d in np.frombuffer(data, ">u4", count=nd, offset=4))
    dtype = np.dtype(_SN3_TYPEMAP[ty])
    parsed = np.frombuffer(data, dtype, offset=4 * (nd + 1))
    expected = int(np.prod(shape))
    if parsed.size != expected and (strict or parsed.size < expected):
        raise ValueError(
            f"read_sn3_pascalvincent_tensor: {path} holds {parsed.size} values but its header "
            f"says shape {shape} ({expected} values)"
        )
    parsed = parsed[:expected]
    if dtype.itemsize > 1:
        parsed = parsed.astype(dtype.newbyteorder("="))
    return parsed.reshape(shape)


def read_sn3_pascalvincent_tensor(path: str, strict: bool = True) -> ember.Tensor:
    """Read an IDX file (MNIST's format: big-endian header, then a uint8/int8/int16/int32/
    float32/float64 array of rank 1-3) into an Ember tensor of that dtype and shape."""
    return ember.from_numpy(_read_sn3_array(path, strict))


def read_label_file(path: str) -> ember.Tensor:
    """Read an IDX label file (rank 1, uint8) as an ``int64`` tensor of shape (N,)."""
    x = _read_sn3_array(path, strict=False)
    if x.dtype != np.uint8:
        raise TypeError(f"read_label_file: {path} should be of dtype uint8 instead of {x.dtype}")
    if x.ndim != 1:
        raise ValueError(f"read_label_file: {path} should have 1 dimension instead of {x.ndim}")
    return ember.from_numpy(x.astype(np.int64))


def read_image_file(path: str) -> ember.Tensor:
    """Read an IDX image file (rank 3, uint8) as a ``uint8`` tensor of shape (N, H, W)."""
    x = _read_sn3_array(path, strict=False)
    if x.dtype != np.uint8:
        raise TypeError(f"read_image_file: {path} should be of dtype uint8 instead of {x.dtype}")
    if x.ndim != 3:
        raise ValueError(f"read_image_file: {path} should have 3 dimensions instead of {x.ndim}")
    return ember.from_numpy(x)


class MNIST(VisionDataset):
    """The MNIST digits, as ``torchvision.datasets.MNIST``: 28x28 grey images read from
    ``root/MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte`` (``train`` picks the split).

    Items are ``(PIL image in mode "L", int target)`` after ``transform`` /
    ``target_transform``. ``download=True`` fetches the four ``.gz`` files from ``mirrors``
    (md5-checked) and extracts them; without it, ``.gz`` files already in the raw folder are
    extracted, and anything missing raises ``RuntimeError`` saying what to put where.
    """

    mirrors = [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ]

    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]

    training_file = "training.pt"
    test_file = "test.pt"
    classes = [
        "0 - zero",
        "1 - one",
        "2 - two",
        "3 - three",
        "4 - four",
        "5 - five",
        "6 - six",
        "7 - seven",
        "8 - eight",
        "9 - nine",
    ]

    @property
    def train_labels(self):
        warnings.warn("train_labels has been renamed targets", stacklevel=2)
        return self.targets

    @property
    def test_labels(self):
        warnings.warn("test_labels has been renamed targets", stacklevel=2)
        return self.targets

    @property
    def train_data(self):
        warnings.warn("train_data has been renamed data", stacklevel=2)
        return self.data

    @property
    def test_data(self):
        warnings.warn("test_data has been renamed data", stacklevel=2)
        return self.data

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

        if self._check_legacy_exist():
            self.data, self.targets = self._load_legacy_data()
            return

        if download:
            self.download()

        if not self._check_exists():
            self._extract_local_archives()
        if not self._check_exists():
            raise self._not_found()

        self.data, self.targets = self._load_data()

    def _check_legacy_exist(self) -> bool:
        if not os.path.exists(self.processed_folder):
            return False
        return all(
            check_integrity(os.path.join(self.processed_folder, file))
            for file in (self.training_file, self.test_file)
        )

    def _load_legacy_data(self):
        # Old torchvision cached torch.save'd (data, targets) tuples; ember.load reads them
        # through its allow-listed (tensor-only) unpickler.
        data_file = self.training_file if self.train else self.test_file
        return ember.load(os.path.join(self.processed_folder, data_file), weights_only=True)

    def _load_data(self):
        prefix = "train" if self.train else "t10k"
        data = read_image_file(os.path.join(self.raw_folder, f"{prefix}-images-idx3-ubyte"))
        targets = read_label_file(os.path.join(self.raw_folder, f"{prefix}-labels-idx1-ubyte"))
        return data, targets

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        """``(image, target)``: a PIL image in mode ``"L"`` and the class index."""
        # Index the host arrays behind the tensors: half the cost of indexing Ember tensors.
        img = Image.fromarray(self.data.numpy()[index])
        target = int(self.targets.numpy()[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return len(self.data)

    @property
    def raw_folder(self) -> str:
        return os.path.join(self.root, self.__class__.__name__, "raw")

    @property
    def processed_folder(self) -> str:
        return os.path.join(self.root, self.__class__.__name__, "processed")

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {_class: i for i, _class in enumerate(self.classes)}

    def _check_exists(self) -> bool:
        return all(
            check_integrity(
                os.path.join(self.raw_folder, os.path.splitext(os.path.basename(url))[0])
            )
            for url, _ in self.resources
        )

    def _extract_local_archives(self) -> None:
        # A user who followed the error message put the .gz files in raw/ by hand.
        for filename, md5 in self.resources:
            archive = os.path.join(self.raw_folder, filename)
            extracted = os.path.splitext(archive)[0]
            if not check_integrity(extracted) and check_integrity(archive, md5):
                with _lock(self.raw_folder):
                    extract_archive(archive, self.raw_folder)

    def _not_found(self) -> RuntimeError:
        files = [
            (name, md5, f"{self.mirrors[0]}{name}")
            for name, md5 in self.resources
            if not check_integrity(os.path.join(self.raw_folder, os.path.splitext(name)[0]))
        ]
        return _not_found_error(self.raw_folder, files, extract=True)

    def download(self) -> None:
        """Download the MNIST data if it doesn't exist already (trying each mirror)."""
        if self._check_exists():
            return
        with _lock(self.raw_folder):
            for filename, md5 in self.resources:
                errors = []
                for mirror in self.mirrors:
                    url = f"{mirror}{filename}"
                    try:
                        download_and_extract_archive(
                            url, download_root=self.raw_folder, filename=filename, md5=md5
                        )
                    except (RuntimeError, URLError) as e:
                        errors.append(e)
                        continue
                    break
                else:
                    s = f"Error downloading {filename} (md5 {md5}):\n"
                    for mirror, err in zip(self.mirrors, errors):
                        s += f"Tried {mirror}, got:\n{err}\n"
                    s += f"Download it from one of these mirrors and put it into {self.raw_folder}"
                    raise RuntimeError(s)

    def extra_repr(self) -> str:
        split = "Train" if self.train is True else "Test"
        return f"Split: {split}"


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST (10 clothing classes, 28x28 grey), as
    ``torchvision.datasets.FashionMNIST``; same layout and arguments as :class:`MNIST`
    under ``root/FashionMNIST/raw``."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]

    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes = [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ]


class KMNIST(MNIST):
    """Kuzushiji-MNIST (10 cursive Japanese characters, 28x28 grey), as
    ``torchvision.datasets.KMNIST``; same layout and arguments as :class:`MNIST` under
    ``root/KMNIST/raw``."""

    mirrors = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]

    resources = [
        ("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
        ("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
        ("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
        ("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134"),
    ]
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]


class EMNIST(MNIST):
    """Extended MNIST (digits and letters), as ``torchvision.datasets.EMNIST``: ``split`` is
    one of ``byclass, bymerge, balanced, letters, digits, mnist`` and the files are
    ``root/EMNIST/raw/emnist-<split>-<train|test>-{images-idx3,labels-idx1}-ubyte``, which
    ``download=True`` extracts from NIST's ``gzip.zip`` (also extracted when put into the raw
    folder by hand). Images are stored transposed, as in the original files."""

    url = "https://biometrics.nist.gov/cs_links/EMNIST/gzip.zip"
    md5 = "58c8d27c78d21e728a6bc7b3cc06412e"
    splits = ("byclass", "bymerge", "balanced", "letters", "digits", "mnist")
    # Merged classes assume the same structure for upper- and lowercase.
    _merged_classes = {"c", "i", "j", "k", "l", "m", "o", "p", "s", "u", "v", "w", "x", "y", "z"}
    _all_classes = set(string.digits + string.ascii_letters)
    classes_split_dict = {
        "byclass": sorted(_all_classes),
        "bymerge": sorted(_all_classes - _merged_classes),
        "balanced": sorted(_all_classes - _merged_classes),
        "letters": ["N/A"] + list(string.ascii_lowercase),
        "digits": list(string.digits),
        "mnist": list(string.digits),
    }

    def __init__(self, root: str | Path, split: str, **kwargs: Any) -> None:
        self.split = verify_str_arg(split, "split", self.splits)
        self.training_file = self._training_file(split)
        self.test_file = self._test_file(split)
        super().__init__(root, **kwargs)
        self.classes = self.classes_split_dict[self.split]

    @staticmethod
    def _training_file(split) -> str:
        return f"training_{split}.pt"

    @staticmethod
    def _test_file(split) -> str:
        return f"test_{split}.pt"

    @property
    def _file_prefix(self) -> str:
        return f"emnist-{self.split}-{'train' if self.train else 'test'}"

    @property
    def images_file(self) -> str:
        return os.path.join(self.raw_folder, f"{self._file_prefix}-images-idx3-ubyte")

    @property
    def labels_file(self) -> str:
        return os.path.join(self.raw_folder, f"{self._file_prefix}-labels-idx1-ubyte")

    def _load_data(self):
        return read_image_file(self.images_file), read_label_file(self.labels_file)

    def _check_exists(self) -> bool:
        return all(check_integrity(file) for file in (self.images_file, self.labels_file))

    def _unpack_gzip_zip(self) -> None:
        extract_archive(os.path.join(self.raw_folder, os.path.basename(self.url)), self.raw_folder)
        gzip_folder = os.path.join(self.raw_folder, "gzip")
        for gzip_file in os.listdir(gzip_folder):
            if gzip_file.endswith(".gz"):
                extract_archive(os.path.join(gzip_folder, gzip_file), self.raw_folder)
        shutil.rmtree(gzip_folder)

    def _extract_local_archives(self) -> None:
        if check_integrity(os.path.join(self.raw_folder, os.path.basename(self.url)), self.md5):
            with _lock(self.raw_folder):
                self._unpack_gzip_zip()

    def _not_found(self) -> RuntimeError:
        files = [(os.path.basename(self.url), self.md5, self.url)]
        return _not_found_error(self.raw_folder, files, extract=True)

    def download(self) -> None:
        """Download and unpack the EMNIST archive if the split's files don't exist already."""
        if self._check_exists():
            return
        with _lock(self.raw_folder):
            if self._check_exists():
                return
            download_url(self.url, self.raw_folder, md5=self.md5)
            self._unpack_gzip_zip()


class QMNIST(MNIST):
    """QMNIST (MNIST reconstructed with full NIST metadata), as ``torchvision.datasets.QMNIST``.

    ``what`` is ``train``, ``test``, ``test10k``, ``test50k`` or ``nist`` (default: from
    ``train``); files are ``root/QMNIST/raw/qmnist-<train|test>-images-idx3-ubyte`` and
    ``...-labels-idx2-int`` (``xnist-*`` for ``nist``). ``targets`` is an int64 (N, 8) tensor
    of the full QMNIST record; with ``compat=True`` an item's target is its class (column 0),
    otherwise the whole row as a tensor.
    """

    subsets = {
        "train": "train",
        "test": "test",
        "test10k": "test",
        "test50k": "test",
        "nist": "nist",
    }
    resources: dict[str, list[tuple[str, str]]] = {  # type: ignore[assignment]
        "train": [
            (
                "https://raw.githubusercontent.com/facebookresearch/qmnist/master/qmnist-train-images-idx3-ubyte.gz",
                "ed72d4157d28c017586c42bc6afe6370",
            ),
            (
                "https://raw.githubusercontent.com/facebookresearch/qmnist/master/qmnist-train-labels-idx2-int.gz",
                "0058f8dd561b90ffdd0f734c6a30e5e4",
            ),
        ],
        "test": [
            (
                "https://raw.githubusercontent.com/facebookresearch/qmnist/master/qmnist-test-images-idx3-ubyte.gz",
                "1394631089c404de565df7b7aeaf9412",
            ),
            (
                "https://raw.githubusercontent.com/facebookresearch/qmnist/master/qmnist-test-labels-idx2-int.gz",
                "5b5b05890a5e13444e108efe57b788aa",
            ),
        ],
        "nist": [
            (
                "https://raw.githubusercontent.com/facebookresearch/qmnist/master/xnist-images-idx3-ubyte.xz",
                "7f124b3b8ab81486c9d8c2749c17f834",
            ),
            (
                "https://raw.githubusercontent.com/facebookresearch/qmnist/master/xnist-labels-idx2-int.xz",
                "5ed0e788978e45d4a8bd4b7caec3d79d",
            ),
        ],
    }
    classes = MNIST.classes

    def __init__(
        self,
        root: str | Path,
        what: str | None = None,
        compat: bool = True,
        train: bool = True,
        **kwargs: Any,
    ) -> None:
        if what is None:
            what = "train" if train else "test"
        self.what = verify_str_arg(what, "what", tuple(self.subsets.keys()))
        self.compat = compat
        self.data_file = what + ".pt"
        self.training_file = self.data_file
        self.test_file = self.data_file
        super().__init__(root, train, **kwargs)

    @property
    def _split_resources(self) -> list[tuple[str, str]]:
        return self.resources[self.subsets[self.what]]

    @property
    def images_file(self) -> str:
        (url, _), _ = self._split_resources
        return os.path.join(self.raw_folder, os.path.splitext(os.path.basename(url))[0])

    @property
    def labels_file(self) -> str:
        _, (url, _) = self._split_resources
        return os.path.join(self.raw_folder, os.path.splitext(os.path.basename(url))[0])

    def _check_exists(self) -> bool:
        return all(check_integrity(file) for file in (self.images_file, self.labels_file))

    def _load_data(self):
        data = _read_sn3_array(self.images_file)
        if data.dtype != np.uint8:
            raise TypeError(f"QMNIST: data should be of dtype uint8 instead of {data.dtype}")
        if data.ndim != 3:
            raise ValueError(f"QMNIST: data should have 3 dimensions instead of {data.ndim}")
        targets = _read_sn3_array(self.labels_file).astype(np.int64)
        if targets.ndim != 2:
            raise ValueError(f"QMNIST: targets should have 2 dimensions instead of {targets.ndim}")
        if self.what == "test10k":
            data, targets = data[:10000].copy(), targets[:10000].copy()
        elif self.what == "test50k":
            data, targets = data[10000:].copy(), targets[10000:].copy()
        return ember.from_numpy(data), ember.from_numpy(targets)

    def _extract_local_archives(self) -> None:
        for url, md5 in self._split_resources:
            archive = os.path.join(self.raw_folder, os.path.basename(url))
            if not check_integrity(os.path.splitext(archive)[0]) and check_integrity(archive, md5):
                with _lock(self.raw_folder):
                    extract_archive(archive, self.raw_folder)

    def _not_found(self) -> RuntimeError:
        files = [
            (os.path.basename(url), md5, url)
            for url, md5 in self._split_resources
            if not check_integrity(
                os.path.splitext(os.path.join(self.raw_folder, os.path.basename(url)))[0]
            )
        ]
        return _not_found_error(self.raw_folder, files, extract=True)

    def download(self) -> None:
        """Download the files of the requested subset (``what``) only, if missing."""
        if self._check_exists():
            return
        with _lock(self.raw_folder):
            for url, md5 in self._split_resources:
                download_and_extract_archive(url, self.raw_folder, md5=md5)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        """``(image, target)``: target is the class with ``compat``, else the (8,) record."""
        img = Image.fromarray(self.data.numpy()[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.compat:
            target = int(self.targets.numpy()[index, 0])
        else:
            target = self.targets[index]
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def extra_repr(self) -> str:
        return f"Split: {self.what}"
