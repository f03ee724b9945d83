"""embervision.datasets MNIST family (MNIST, FashionMNIST, KMNIST, EMNIST, QMNIST): IDX files
written into tmp_path in the real layouts; downloads run against a real HTTP server on
127.0.0.1."""

import gzip
import hashlib
import http.server
import io
import os
import socket
import threading
import zipfile
from functools import partial

import numpy as np
import pytest
from PIL import Image

import ember
from embervision import datasets

# ---------------------------------------------------------------- helpers


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # record requests instead of printing them
        self.server.requests.append((self.command, self.path))


@pytest.fixture
def server(tmp_path):
    """A real HTTP server on 127.0.0.1 serving tmp_path/srv; yields (base_url, dir, requests)."""
    serve_dir = tmp_path / "srv"
    serve_dir.mkdir()
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(_Handler, directory=str(serve_dir))
    )
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/", serve_dir, httpd.requests
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def _gets(requests):
    return [path for method, path in requests if method == "GET"]


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def _idx_bytes(array: np.ndarray) -> bytes:
    """The IDX format: 0, 0, type code, rank, big-endian dims, big-endian data."""
    codes = {np.uint8: 8, np.int8: 9, np.int16: 11, np.int32: 12, np.float32: 13, np.float64: 14}
    code = codes[array.dtype.type]
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def _mnist_arrays(n: int, seed: int = 0, height: int = 28):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, height, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, n, dtype=np.uint8)
    return images, labels


def _write_mnist_raw(raw, n=5, seed=0, gz=False):
    """Both splits' IDX files (MNIST checks for all four); returns {prefix: (images, labels)}."""
    raw.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for offset, prefix in enumerate(("train", "t10k")):
        images, labels = arrays[prefix] = _mnist_arrays(n + offset, seed + offset)
        files = {
            f"{prefix}-images-idx3-ubyte": _idx_bytes(images),
            f"{prefix}-labels-idx1-ubyte": _idx_bytes(labels),
        }
        for name, data in files.items():
            if gz:
                (raw / f"{name}.gz").write_bytes(gzip.compress(data))
            else:
                (raw / name).write_bytes(data)
    return arrays


def _mnist_gz_files(n=4):
    """All four MNIST .gz archives as bytes, plus the arrays of each split."""
    out, arrays = {}, {}
    for seed, prefix in enumerate(("train", "t10k")):
        images, labels = _mnist_arrays(n + seed, seed)
        arrays[prefix] = (images, labels)
        out[f"{prefix}-images-idx3-ubyte.gz"] = gzip.compress(_idx_bytes(images))
        out[f"{prefix}-labels-idx1-ubyte.gz"] = gzip.compress(_idx_bytes(labels))
    return out, arrays


class _Recorder:
    def __init__(self):
        self.seen = []

    def __call__(self, x):
        self.seen.append(x)
        return ("transformed", x)

    def __repr__(self):
        return "Recorder()"


# ---------------------------------------------------------------- MNIST family


def test_mnist_reads_idx_files(tmp_path):
    images, labels = _write_mnist_raw(tmp_path / "MNIST" / "raw", n=5)["train"]
    ds = datasets.MNIST(tmp_path)
    assert len(ds) == 5
    assert isinstance(ds.data, ember.Tensor) and ds.data.dtype == ember.uint8
    assert tuple(ds.data.shape) == (5, 28, 28)
    assert isinstance(ds.targets, ember.Tensor) and ds.targets.dtype == ember.int64
    np.testing.assert_array_equal(ds.data.numpy(), images)
    np.testing.assert_array_equal(ds.targets.numpy(), labels)
    img, target = ds[3]
    assert isinstance(img, Image.Image) and img.mode == "L" and img.size == (28, 28)
    np.testing.assert_array_equal(np.asarray(img), images[3])
    assert type(target) is int and target == labels[3]
    assert ds.classes[0] == "0 - zero" and ds.class_to_idx["9 - nine"] == 9


def test_mnist_test_split_transforms_and_repr(tmp_path):
    images, labels = _write_mnist_raw(tmp_path / "MNIST" / "raw", n=2, seed=4)["t10k"]
    transform, target_transform = _Recorder(), _Recorder()
    ds = datasets.MNIST(
        str(tmp_path), train=False, transform=transform, target_transform=target_transform
    )
    img, target = ds[1]
    assert img[0] == "transformed" and isinstance(img[1], Image.Image)
    assert target == ("transformed", int(labels[1]))
    assert repr(ds) == (
        "Dataset MNIST\n"
        "    Number of datapoints: 3\n"
        f"    Root location: {tmp_path}\n"
        "    Split: Test\n"
        "    StandardTransform\n"
        "Transform: Recorder()\n"
        "Target transform: Recorder()"
    )


def test_mnist_extracts_gz_files_put_into_raw_by_hand(tmp_path):
    # The raw folder is named after the class, as in torchvision.
    raw = tmp_path / "HandMNIST" / "raw"
    _, labels = _write_mnist_raw(raw, n=4, gz=True)["train"]

    class HandMNIST(datasets.MNIST):
        resources = [
            (name, _md5((raw / name).read_bytes())) for name, _ in datasets.MNIST.resources
        ]

    ds = HandMNIST(tmp_path)
    np.testing.assert_array_equal(ds.targets.numpy(), labels)
    assert (raw / "train-images-idx3-ubyte").exists()


def test_mnist_missing_files_error_says_what_to_put_where(tmp_path):
    with pytest.raises(RuntimeError) as info:
        datasets.MNIST(tmp_path)
    message = str(info.value)
    assert message.startswith("Dataset not found or corrupted. Put train-images-idx3-ubyte.gz")
    assert "f68b3c2dcbeaaa9fbdd348bbdeb94873" in message
    assert "https://ossci-datasets.s3.amazonaws.com/mnist/train-images-idx3-ubyte.gz" in message
    assert os.path.join(str(tmp_path), "MNIST", "raw") in message
    assert "download=True" in message


def test_mnist_rejects_a_file_that_is_not_idx(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    _write_mnist_raw(raw, n=2)
    (raw / "train-images-idx3-ubyte").write_bytes(b"\x12\x34\x56\x78garbage")
    with pytest.raises(ValueError, match=r"is not an IDX file: magic number 0x12345678"):
        datasets.MNIST(tmp_path)


@pytest.mark.slow  # importing torch to write the legacy files takes seconds
def test_mnist_reads_legacy_processed_files(tmp_path):
    torch = pytest.importorskip("torch")
    processed = tmp_path / "MNIST" / "processed"
    processed.mkdir(parents=True)
    data = torch.arange(2 * 28 * 28).reshape(2, 28, 28).to(torch.uint8)
    torch.save((data, torch.tensor([7, 3])), processed / "training.pt")
    torch.save((data[:1], torch.tensor([1])), processed / "test.pt")
    ds = datasets.MNIST(tmp_path, train=True)
    assert len(ds) == 2 and ds[1][1] == 3
    np.testing.assert_array_equal(np.asarray(ds[0][0]), data[0].numpy())


@pytest.mark.parametrize(
    ("cls", "first_class"),
    [(datasets.FashionMNIST, "T-shirt/top"), (datasets.KMNIST, "o")],
)
def test_mnist_variants_use_their_own_folder_and_classes(tmp_path, cls, first_class):
    _, labels = _write_mnist_raw(tmp_path / cls.__name__ / "raw", n=3)["train"]
    ds = cls(tmp_path)
    assert len(ds) == 3 and ds[2][1] == labels[2]
    assert ds.classes[0] == first_class and len(ds.classes) == 10


def test_mnist_download_from_local_mirror(tmp_path, server):
    base, serve_dir, requests = server
    files, arrays = _mnist_gz_files()
    for name, data in files.items():
        (serve_dir / name).write_bytes(data)

    class LocalMNIST(datasets.MNIST):
        mirrors = [_dead_url(), base]  # the first mirror is down: the next one is tried
        resources = [(name, _md5(data)) for name, data in files.items()]

    ds = LocalMNIST(tmp_path / "data", download=True)
    np.testing.assert_array_equal(ds.data.numpy(), arrays["train"][0])
    test = LocalMNIST(tmp_path / "data", train=False, download=True)
    np.testing.assert_array_equal(test.targets.numpy(), arrays["t10k"][1])
    assert sorted(_gets(requests)) == sorted(f"/{name}" for name in files)
    LocalMNIST(tmp_path / "data", download=True)
    assert len(_gets(requests)) == 4  # already present: nothing requested again


def test_mnist_download_corrupt_archive_is_a_clear_error(tmp_path, server):
    base, serve_dir, _ = server
    files, _ = _mnist_gz_files()
    for name, data in files.items():
        (serve_dir / name).write_bytes(data)

    class LocalMNIST(datasets.MNIST):
        mirrors = [base]
        resources = [(name, "0" * 32) for name in files]

    with pytest.raises(RuntimeError) as info:
        LocalMNIST(tmp_path, download=True)
    message = str(info.value)
    assert "Error downloading train-images-idx3-ubyte.gz (md5 " + "0" * 32 in message
    assert "corrupted" in message and base in message
    assert os.path.join(str(tmp_path), "LocalMNIST", "raw") in message


def _dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/"


def test_mnist_download_offline_is_a_clear_error(tmp_path):
    class OfflineMNIST(datasets.MNIST):
        mirrors = [_dead_url()]

    with pytest.raises(RuntimeError, match=r"Error downloading train-images-idx3-ubyte.gz"):
        OfflineMNIST(tmp_path, download=True)


def test_emnist_split_layout(tmp_path):
    raw = tmp_path / "EMNIST" / "raw"
    raw.mkdir(parents=True)
    images, labels = _mnist_arrays(4)
    labels = labels + 1  # letters are 1..26
    (raw / "emnist-letters-test-images-idx3-ubyte").write_bytes(_idx_bytes(images))
    (raw / "emnist-letters-test-labels-idx1-ubyte").write_bytes(_idx_bytes(labels))
    ds = datasets.EMNIST(tmp_path, split="letters", train=False)
    assert len(ds) == 4 and ds[0][1] == labels[0]
    assert ds.classes[:3] == ["N/A", "a", "b"]
    assert "Split: Test" in repr(ds)
    with pytest.raises(ValueError, match="Unknown value 'nope' for argument split"):
        datasets.EMNIST(tmp_path, split="nope")


def test_emnist_download_unpacks_gzip_zip(tmp_path, server):
    base, serve_dir, _ = server
    images, labels = _mnist_arrays(3)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for part in ("train", "test"):
            z.writestr(
                f"gzip/emnist-digits-{part}-images-idx3-ubyte.gz", gzip.compress(_idx_bytes(images))
            )
            z.writestr(
                f"gzip/emnist-digits-{part}-labels-idx1-ubyte.gz", gzip.compress(_idx_bytes(labels))
            )
    (serve_dir / "gzip.zip").write_bytes(buffer.getvalue())

    class LocalEMNIST(datasets.EMNIST):
        url = base + "gzip.zip"
        md5 = _md5(buffer.getvalue())

    ds = LocalEMNIST(tmp_path, split="digits", download=True)
    np.testing.assert_array_equal(ds.targets.numpy(), labels)
    assert ds.classes == list("0123456789")
    assert not (tmp_path / "LocalEMNIST" / "raw" / "gzip").exists()


def _write_qmnist(raw, prefix, n):
    raw.mkdir(parents=True, exist_ok=True)
    images, _ = _mnist_arrays(n)
    rng = np.random.default_rng(1)
    targets = rng.integers(0, 10000, (n, 8)).astype(np.int32)
    (raw / f"{prefix}-images-idx3-ubyte").write_bytes(_idx_bytes(images))
    (raw / f"{prefix}-labels-idx2-int").write_bytes(_idx_bytes(targets))
    return images, targets


def test_qmnist_compat_and_full_targets(tmp_path):
    images, targets = _write_qmnist(tmp_path / "QMNIST" / "raw", "qmnist-train", 4)
    ds = datasets.QMNIST(tmp_path, what="train")
    assert ds.targets.dtype == ember.int64 and tuple(ds.targets.shape) == (4, 8)
    img, target = ds[2]
    assert img.mode == "L" and target == targets[2, 0] and type(target) is int
    full = datasets.QMNIST(tmp_path, compat=False)
    row = full[2][1]
    assert isinstance(row, ember.Tensor)
    np.testing.assert_array_equal(row.numpy(), targets[2])
    assert repr(full).endswith("Split: train")


def test_qmnist_test50k_is_everything_after_the_first_10k(tmp_path):
    images, targets = _write_qmnist(tmp_path / "QMNIST" / "raw", "qmnist-test", 10003)
    test50k = datasets.QMNIST(tmp_path, what="test50k")
    assert len(test50k) == 3
    np.testing.assert_array_equal(test50k.targets.numpy(), targets[10000:])
    assert len(datasets.QMNIST(tmp_path, what="test10k")) == 10000
    assert len(datasets.QMNIST(tmp_path, train=False)) == 10003


def test_qmnist_download_fetches_only_the_requested_subset(tmp_path, server):
    base, serve_dir, requests = server
    images, _ = _mnist_arrays(2)
    targets = np.arange(16, dtype=np.int32).reshape(2, 8)
    files = {
        "qmnist-train-images-idx3-ubyte.gz": gzip.compress(_idx_bytes(images)),
        "qmnist-train-labels-idx2-int.gz": gzip.compress(_idx_bytes(targets)),
    }
    for name, data in files.items():
        (serve_dir / name).write_bytes(data)

    class LocalQMNIST(datasets.QMNIST):
        resources = {
            **datasets.QMNIST.resources,
            "train": [(base + name, _md5(data)) for name, data in files.items()],
        }

    ds = LocalQMNIST(tmp_path, download=True)
    assert ds[1][1] == 8
    assert sorted(_gets(requests)) == sorted(f"/{name}" for name in files)


# ---------------------------------------------------------------- with the DataLoader


def test_datasets_work_with_the_data_loader(tmp_path):
    _write_mnist_raw(tmp_path / "MNIST" / "raw", n=6)
    ds = datasets.MNIST(
        tmp_path, transform=lambda im: ember.from_numpy(np.asarray(im, dtype=np.float32) / 255)
    )
    batches = list(ember.utils.data.DataLoader(ds, batch_size=4))
    assert tuple(batches[0][0].shape) == (4, 28, 28) and tuple(batches[1][1].shape) == (2,)
    assert batches[0][1].dtype == ember.int64
