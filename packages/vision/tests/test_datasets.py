"""embervision.datasets: CIFAR (pickled batches, read without running pickled code), SVHN
(.mat), STL10 (binaries), image folders, FakeData and the base class, each from a few
examples written in the real on-disk format into tmp_path; downloads run against a real HTTP
server on 127.0.0.1."""

import hashlib
import http.server
import io
import os
import pickle
import tarfile
import threading
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


# ---------------------------------------------------------------- CIFAR


def _cifar_batch(n, seed, label_key="labels"):
    rng = np.random.default_rng(seed)
    batch = {
        b"batch_label": b"training batch",
        b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
        b"filenames": [f"img_{i}.png".encode() for i in range(n)],
    }
    batch[label_key.encode()] = [int(x) for x in rng.integers(0, 10, n)]
    if label_key == "fine_labels":
        batch[b"coarse_labels"] = [0] * n
    return batch


def _write_pickle(path, obj):
    with open(path, "wb") as f:
        pickle.dump(obj, f, protocol=2)


CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer"]
CIFAR10_CLASSES += ["dog", "frog", "horse", "ship", "truck"]


def _make_cifar10(root):
    """The cifar-10-batches-py folder with 5 train batches (2 images each) and a test batch;
    returns a CIFAR10 subclass whose md5s are those of these files."""
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    batches = {f"data_batch_{i}": _cifar_batch(2, i) for i in range(1, 6)}
    batches["test_batch"] = _cifar_batch(3, 9)
    for name, batch in batches.items():
        _write_pickle(folder / name, batch)
    meta = {b"label_names": [c.encode() for c in CIFAR10_CLASSES], b"num_vis": 3072}
    _write_pickle(folder / "batches.meta", meta)
    md5 = {name: _md5((folder / name).read_bytes()) for name in [*batches, "batches.meta"]}

    class LocalCIFAR10(datasets.CIFAR10):
        train_list = [[f"data_batch_{i}", md5[f"data_batch_{i}"]] for i in range(1, 6)]
        test_list = [["test_batch", md5["test_batch"]]]
        meta = {**datasets.CIFAR10.meta, "md5": md5["batches.meta"]}

    return LocalCIFAR10, batches


def test_cifar10_reads_pickled_batches(tmp_path):
    cls, batches = _make_cifar10(tmp_path)
    ds = cls(tmp_path)
    assert len(ds) == 10
    assert isinstance(ds.data, np.ndarray) and ds.data.shape == (10, 32, 32, 3)
    assert ds.data.dtype == np.uint8
    assert ds.targets == sum((batches[f"data_batch_{i}"][b"labels"] for i in range(1, 6)), [])
    img, target = ds[3]
    assert img.mode == "RGB" and img.size == (32, 32)
    # Row 3 is data_batch_2's second image: stored as 3 planes of 32x32, red first.
    flat = batches["data_batch_2"][b"data"][1]
    np.testing.assert_array_equal(np.asarray(img), flat.reshape(3, 32, 32).transpose(1, 2, 0))
    assert target == batches["data_batch_2"][b"labels"][1]
    assert ds.classes == CIFAR10_CLASSES and ds.class_to_idx["truck"] == 9
    test = cls(tmp_path, train=False, transform=lambda im: im.size)
    assert len(test) == 3 and test[0] == ((32, 32), batches["test_batch"][b"labels"][0])
    assert "Split: Test" in repr(test)


def test_cifar10_reads_python2_style_pickles(tmp_path):
    # Real batches were written by Python 2: str keys and numpy.core (not numpy._core) names.
    cls, batches = _make_cifar10(tmp_path)
    folder = tmp_path / "cifar-10-batches-py"
    batch = {k.decode(): v for k, v in batches["test_batch"].items()}
    raw = pickle.dumps(batch, protocol=2).replace(
        b"numpy._core.multiarray", b"numpy.core.multiarray"
    )
    (folder / "test_batch").write_bytes(raw)

    class Py2CIFAR10(cls):
        test_list = [["test_batch", _md5(raw)]]

    ds = Py2CIFAR10(tmp_path, train=False)
    assert ds.targets == batches["test_batch"][b"labels"]
    np.testing.assert_array_equal(ds.data[2].transpose(2, 0, 1).reshape(-1), batch["data"][2])


class _Evil:
    def __reduce__(self):
        return (os.system, ("touch pwned_by_pickle",))


def test_cifar_refuses_malicious_pickle_and_runs_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cls, batches = _make_cifar10(tmp_path)
    folder = tmp_path / "cifar-10-batches-py"
    batch = dict(batches["test_batch"])
    batch[b"labels"] = _Evil()
    _write_pickle(folder / "test_batch", batch)

    class EvilCIFAR10(cls):
        test_list = [["test_batch", _md5((folder / "test_batch").read_bytes())]]

    with pytest.raises(
        pickle.UnpicklingError, match=r"refusing to load global '(posix|os).system'"
    ):
        EvilCIFAR10(tmp_path, train=False)
    assert not (tmp_path / "pwned_by_pickle").exists()


def test_cifar10_missing_files_error(tmp_path):
    with pytest.raises(RuntimeError) as info:
        datasets.CIFAR10(tmp_path)
    message = str(info.value)
    assert "cifar-10-python.tar.gz (missing, md5 c58f30108f718f92721af3b95e74349a)" in message
    assert "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz" in message
    assert f"into {tmp_path}" in message


def test_cifar10_corrupted_batch_is_named(tmp_path):
    cls, _ = _make_cifar10(tmp_path)
    batch = tmp_path / "cifar-10-batches-py" / "data_batch_3"
    batch.write_bytes(batch.read_bytes()[:-10])
    with pytest.raises(RuntimeError, match=rf"Missing or corrupted: {batch}\. Put cifar-10"):
        cls(tmp_path)


def _tgz_of(folder, arcname):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(folder, arcname=arcname)
    return buffer.getvalue()


def test_cifar10_download_verifies_md5_and_extracts(tmp_path, server):
    base, serve_dir, requests = server
    cls, batches = _make_cifar10(tmp_path / "src")
    archive = _tgz_of(tmp_path / "src" / "cifar-10-batches-py", "cifar-10-batches-py")
    (serve_dir / "cifar-10-python.tar.gz").write_bytes(archive)

    class LocalCIFAR10(cls):
        url = base + "cifar-10-python.tar.gz"
        tgz_md5 = _md5(archive)

    ds = LocalCIFAR10(tmp_path / "data", download=True)
    assert len(ds) == 10 and ds.classes == CIFAR10_CLASSES
    LocalCIFAR10(tmp_path / "data", train=False, download=True)
    assert _gets(requests) == ["/cifar-10-python.tar.gz"]

    class CorruptCIFAR10(LocalCIFAR10):
        tgz_md5 = "f" * 32

    with pytest.raises(RuntimeError, match=r"corrupted: md5 [0-9a-f]{32}, expected f{32}"):
        CorruptCIFAR10(tmp_path / "other", download=True)


def test_cifar10_archive_put_by_hand_is_extracted(tmp_path):
    cls, _ = _make_cifar10(tmp_path / "src")
    archive = _tgz_of(tmp_path / "src" / "cifar-10-batches-py", "cifar-10-batches-py")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "cifar-10-python.tar.gz").write_bytes(archive)

    class HandCIFAR10(cls):
        tgz_md5 = _md5(archive)

    assert len(HandCIFAR10(tmp_path / "data")) == 10


def test_cifar100_fine_labels_and_names(tmp_path):
    folder = tmp_path / "cifar-100-python"
    folder.mkdir()
    train, test = _cifar_batch(4, 0, "fine_labels"), _cifar_batch(2, 1, "fine_labels")
    _write_pickle(folder / "train", train)
    _write_pickle(folder / "test", test)
    names = [f"class{i}".encode() for i in range(100)]
    _write_pickle(folder / "meta", {b"fine_label_names": names, b"coarse_label_names": []})
    md5 = {name: _md5((folder / name).read_bytes()) for name in ("train", "test", "meta")}

    class LocalCIFAR100(datasets.CIFAR100):
        train_list = [["train", md5["train"]]]
        test_list = [["test", md5["test"]]]
        meta = {**datasets.CIFAR100.meta, "md5": md5["meta"]}

    ds = LocalCIFAR100(tmp_path)
    assert len(ds) == 4 and ds.targets == train[b"fine_labels"]
    assert ds.classes[:2] == ["class0", "class1"] and len(ds.classes) == 100
    assert len(LocalCIFAR100(tmp_path, train=False)) == 2


# ---------------------------------------------------------------- SVHN


def _write_svhn(root, split, n):
    import scipy.io

    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (32, 32, 3, n), dtype=np.uint8)
    y = np.arange(n, dtype=np.uint8).reshape(n, 1) % 10 + 1  # labels 1..10, 10 meaning "0"
    path = root / f"{split}_32x32.mat"
    scipy.io.savemat(path, {"X": X, "y": y})
    return X, y, _md5(path.read_bytes())


def _svhn_class(split, md5, url=None):
    entry = datasets.SVHN.split_list[split]
    split_list = {**datasets.SVHN.split_list, split: [url or entry[0], entry[1], md5]}
    return type("LocalSVHN", (datasets.SVHN,), {"split_list": split_list})


def test_svhn_reads_mat_file_and_maps_label_10_to_0(tmp_path):
    X, y, md5 = _write_svhn(tmp_path, "test", 10)
    ds = _svhn_class("test", md5)(tmp_path, split="test")
    assert len(ds) == 10 and ds.data.shape == (10, 3, 32, 32)
    assert ds.labels.dtype == np.int64
    assert [ds[i][1] for i in range(10)] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 0]
    img = ds[4][0]
    assert img.mode == "RGB" and img.size == (32, 32)
    np.testing.assert_array_equal(np.asarray(img), X[:, :, :, 4])
    assert "Split: test" in repr(ds)


def test_svhn_missing_file_and_bad_split(tmp_path):
    with pytest.raises(RuntimeError, match=r"Put train_32x32.mat \(missing, md5 e26dedcc"):
        datasets.SVHN(tmp_path)
    with pytest.raises(ValueError, match="Unknown value 'val' for argument split"):
        datasets.SVHN(tmp_path, split="val")


def test_svhn_download(tmp_path, server):
    base, serve_dir, requests = server
    _, _, md5 = _write_svhn(serve_dir, "extra", 3)
    cls = _svhn_class("extra", md5, url=base + "extra_32x32.mat")
    ds = cls(tmp_path, split="extra", download=True)
    assert len(ds) == 3
    cls(tmp_path, split="extra", download=True)
    assert _gets(requests) == ["/extra_32x32.mat"]


# ---------------------------------------------------------------- STL10


def _make_stl10(root, n_train=4, n_test=2, n_unlabeled=3):
    folder = root / "stl10_binary"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    arrays = {}
    for name, n in (("train", n_train), ("test", n_test), ("unlabeled", n_unlabeled)):
        arrays[name] = rng.integers(0, 256, (n, 3, 96, 96), dtype=np.uint8)
        (folder / f"{name}_X.bin").write_bytes(arrays[name].tobytes())
    for name, n in (("train", n_train), ("test", n_test)):
        arrays[f"{name}_y"] = (np.arange(n) % 10 + 1).astype(np.uint8)
        (folder / f"{name}_y.bin").write_bytes(arrays[f"{name}_y"].tobytes())
    (folder / "class_names.txt").write_text("\n".join(f"c{i}" for i in range(10)) + "\n")
    (folder / "fold_indices.txt").write_text("3 1\n0 2\n" + "0\n" * 8)
    md5 = {p.name: _md5(p.read_bytes()) for p in folder.iterdir()}

    class LocalSTL10(datasets.STL10):
        train_list = [[n, md5[n]] for n in ("train_X.bin", "train_y.bin", "unlabeled_X.bin")]
        test_list = [[n, md5[n]] for n in ("test_X.bin", "test_y.bin")]

    return LocalSTL10, arrays


def test_stl10_splits_folds_and_orientation(tmp_path):
    cls, arrays = _make_stl10(tmp_path)
    train = cls(tmp_path)
    assert len(train) == 4 and train.classes[0] == "c0"
    img, target = train[1]
    assert img.mode == "RGB" and img.size == (96, 96) and target == 1
    # Each channel is stored column-major: pixel (row r, col c) is plane[c, r].
    np.testing.assert_array_equal(np.asarray(img), arrays["train"][1].transpose(2, 1, 0))
    fold = cls(tmp_path, folds=0)
    assert [fold[i][1] for i in range(2)] == [3, 1]
    both = cls(tmp_path, split="train+unlabeled")
    assert len(both) == 7 and both[6][1] == -1
    unlabeled = cls(tmp_path, split="unlabeled")
    assert len(unlabeled) == 3 and unlabeled[0][1] == -1
    test = cls(tmp_path, split="test")
    assert [test[i][1] for i in range(2)] == [0, 1]
    with pytest.raises(ValueError, match=r"folds should be in the range \[0, 10\), but got 10"):
        cls(tmp_path, folds=10)


def test_stl10_missing_files_error(tmp_path):
    with pytest.raises(RuntimeError, match=r"stl10_binary.tar.gz \(missing, md5 91f7769d"):
        datasets.STL10(tmp_path)


# ---------------------------------------------------------------- folders


def _save(path, mode, size, color, fmt):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, color).save(path, format=fmt)


@pytest.fixture
def image_tree(tmp_path):
    root = tmp_path / "images"
    _save(root / "dog" / "b.jpg", "RGB", (6, 4), (10, 200, 30), "JPEG")
    _save(root / "cat" / "a.png", "L", (5, 3), 128, "PNG")
    _save(root / "dog" / "sub" / "c.PNG", "RGBA", (2, 2), (1, 2, 3, 255), "PNG")
    (root / "dog" / "notes.txt").write_text("not an image")
    return root


def test_image_folder_classes_samples_and_items(image_tree):
    ds = datasets.ImageFolder(image_tree)
    assert ds.classes == ["cat", "dog"] and ds.class_to_idx == {"cat": 0, "dog": 1}
    assert [os.path.relpath(p, image_tree) for p, _ in ds.samples] == [
        os.path.join("cat", "a.png"),
        os.path.join("dog", "b.jpg"),
        os.path.join("dog", "sub", "c.PNG"),
    ]
    assert ds.targets == [0, 1, 1] and ds.imgs is ds.samples
    img, target = ds[0]
    assert img.mode == "RGB" and img.size == (5, 3) and target == 0
    assert np.asarray(img)[0, 0].tolist() == [128, 128, 128]
    assert ds[2][0].size == (2, 2)
    sized = datasets.ImageFolder(str(image_tree), transform=lambda im: im.size)
    assert sized[1] == ((6, 4), 1)


def test_image_folder_is_valid_file_and_allow_empty(image_tree):
    (image_tree / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes empty"):
        datasets.ImageFolder(image_tree)
    ds = datasets.ImageFolder(image_tree, allow_empty=True)
    assert ds.classes == ["cat", "dog", "empty"] and len(ds) == 3
    jpgs = datasets.ImageFolder(
        image_tree, is_valid_file=lambda p: p.endswith(".jpg"), allow_empty=True
    )
    assert len(jpgs) == 1 and jpgs.targets == [1]


def test_find_classes_and_make_dataset_errors(tmp_path, image_tree):
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder"):
        datasets.find_classes(image_tree / "cat")
    with pytest.raises(ValueError, match="Both extensions and is_valid_file cannot be None"):
        datasets.make_dataset(image_tree)
    samples = datasets.make_dataset(image_tree, extensions=(".jpg",), allow_empty=True)
    assert [target for _, target in samples] == [1]
    with pytest.raises(ValueError, match="class_to_idx parameter cannot be None"):
        datasets.DatasetFolder.make_dataset(image_tree, None, extensions=(".png",))


def test_dataset_folder_with_custom_loader_and_extensions(tmp_path):
    for cls, value in (("neg", -1.0), ("pos", 2.0)):
        (tmp_path / cls).mkdir()
        np.save(tmp_path / cls / "x.npy", np.full(3, value))
    ds = datasets.DatasetFolder(tmp_path, loader=np.load, extensions=(".npy",))
    assert len(ds) == 2 and ds.classes == ["neg", "pos"]
    sample, target = ds[1]
    assert target == 1 and sample.tolist() == [2.0, 2.0, 2.0]
    assert datasets.pil_loader is not None and datasets.default_loader is not None
    assert datasets.IMG_EXTENSIONS[0] == ".jpg" and datasets.is_image_file("x.webp")


# ---------------------------------------------------------------- FakeData and base class


def test_fakedata_is_deterministic_per_index_and_leaves_global_rng(tmp_path):
    ds = datasets.FakeData(size=4, image_size=(3, 6, 5), num_classes=3)
    ember.manual_seed(1)
    expected_next = ember.randn(2)
    ember.manual_seed(1)
    img, target = ds[2]
    np.testing.assert_array_equal(ember.randn(2).numpy(), expected_next.numpy())
    assert img.mode == "RGB" and img.size == (5, 6) and 0 <= target < 3 and type(target) is int
    np.testing.assert_array_equal(np.asarray(ds[2][0]), np.asarray(img))
    shifted = datasets.FakeData(size=4, image_size=(3, 6, 5), random_offset=1)
    np.testing.assert_array_equal(np.asarray(shifted[1][0]), np.asarray(ds[2][0]))
    assert datasets.FakeData(size=1, image_size=(1, 4, 4))[0][0].mode == "L"
    assert len(ds) == 4
    with pytest.raises(IndexError, match="FakeData index out of range"):
        ds[4]


def test_vision_dataset_transforms_are_exclusive():
    with pytest.raises(ValueError, match="Only transforms or transform/target_transform"):
        datasets.VisionDataset("r", transforms=lambda x, y: (x, y), transform=abs)
    both = datasets.VisionDataset("~/data", transforms=lambda x, y: (y, x))
    assert both.root == os.path.expanduser("~/data") and both.transform is None
    standard = datasets.VisionDataset(None, transform=str).transforms
    assert isinstance(standard, datasets.StandardTransform) and standard(1, 2) == ("1", 2)
