"""Train ``embervision.models.lenet_digits`` on scikit-learn's 8x8 digits: the weights recipe.

The 1,797 digits are split once, stratified and seeded (1,437 train / 360 held out); the
model trains with Adam and a cosine learning-rate schedule (about half a minute on two CPU
cores), then its held-out accuracy is measured. The checkpoint is written as safetensors,
atomically, named ``lenet_digits-<first 8 hex of its sha256>.safetensors`` (the name
``check_hash=True`` verifies), and the script prints the lines to paste into
``LeNet_Digits_Weights`` in ``embervision/models/lenet.py``. With ``--heldout-npz`` it also
writes 200 held-out digits (uint8, 0..16) for the package tests, which may not use sklearn.

    python scripts/train_lenet_digits.py                        # into the package
    python scripts/train_lenet_digits.py --out-dir /tmp/w       # elsewhere
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import tempfile
from pathlib import Path

import numpy
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from tqdm import tqdm

import ember
from ember import nn
from embervision.models.lenet import DigitsClassification, LeNetDigits

ROOT = Path(__file__).resolve().parent.parent
WEIGHTS_DIR = ROOT / "packages/vision/src/embervision/models/_weights"
HELDOUT_NPZ = ROOT / "packages/vision/tests/golden/digits_heldout.npz"
TEST_SIZE = 360
SPLIT_SEED = 0
HELDOUT_SAMPLE = 200


def split_digits() -> tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray, numpy.ndarray]:
    """The fixed split as ``train_test_split`` orders it: (x_train, x_test, y_train, y_test),
    images uint8 (N, 8, 8) on sklearn's 0..16 scale, labels int64. The eval script uses it."""
    digits = load_digits()
    images = digits.images.astype(numpy.uint8)  # the values are whole numbers 0..16
    labels = digits.target.astype(numpy.int64)
    return tuple(
        train_test_split(
            images, labels, test_size=TEST_SIZE, stratify=labels, random_state=SPLIT_SEED
        )
    )


def accuracy(model: nn.Module, images: numpy.ndarray, labels: numpy.ndarray) -> float:
    """Top-1 accuracy (0..1) of ``model`` in eval mode on uint8 0..16 digits."""
    model.eval()
    with ember.no_grad():
        logits = model(DigitsClassification()(images))
    return (logits.argmax(dim=1) == ember.from_numpy(labels)).float().mean().item()


def shift(batch: numpy.ndarray, rng: numpy.random.Generator) -> numpy.ndarray:
    """Move each digit by up to one pixel in each direction, filling with zeros: the only
    augmentation, worth about a point of held-out accuracy on so small a training set."""
    padded = numpy.pad(batch, ((0, 0), (1, 1), (1, 1)))
    dy, dx = rng.integers(0, 3, size=(2, len(batch)))
    rows = dy[:, None] + numpy.arange(8)[None, :]
    cols = dx[:, None] + numpy.arange(8)[None, :]
    return padded[numpy.arange(len(batch))[:, None, None], rows[:, :, None], cols[:, None, :]]


def train(
    x_train: numpy.ndarray, y_train: numpy.ndarray, epochs: int, batch_size: int, seed: int
) -> LeNetDigits:
    """Train a fresh LeNetDigits with Adam + cosine annealing; returns it in eval mode."""
    ember.manual_seed(seed)
    rng = numpy.random.default_rng(seed)
    model = LeNetDigits()
    optimizer = ember.optim.Adam(model.parameters(), lr=3e-3, weight_decay=1e-4)
    steps_per_epoch = -(-len(y_train) // batch_size)
    scheduler = ember.optim.lr_scheduler.CosineAnnealingLR(
        optimizer, T_max=epochs * steps_per_epoch
    )
    loss_fn = nn.CrossEntropyLoss()
    preset = DigitsClassification()
    labels = ember.from_numpy(y_train)
    bar = tqdm(total=epochs * steps_per_epoch, desc="train lenet_digits", unit="step")
    for _ in range(epochs):
        model.train()
        order = rng.permutation(len(y_train))
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            loss = loss_fn(model(preset(shift(x_train[idx], rng))), labels[ember.from_numpy(idx)])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            bar.update()
            bar.set_postfix(loss=f"{loss.item():.4f}", lr=f"{scheduler.get_last_lr()[0]:.1e}")
    bar.close()
    return model.eval()


def write_atomic(data: bytes, path: Path) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder, fsync, rename."""
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    # NamedTemporaryFile creates 0600; package data and test files are world-readable.
    os.chmod(f.name, 0o644)
    os.replace(f.name, path)


def save_weights(model: nn.Module, out_dir: Path, metrics: dict[str, str]) -> Path:
    """Save the state_dict as ``lenet_digits-<sha256[:8]>.safetensors`` in ``out_dir``."""
    buffer = io.BytesIO()
    state = {name: tensor.contiguous() for name, tensor in model.state_dict().items()}
    ember.serialization.save_safetensors(state, buffer, metadata=metrics)
    data = buffer.getvalue()
    path = out_dir / f"lenet_digits-{hashlib.sha256(data).hexdigest()[:8]}.safetensors"
    out_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(data, path)
    return path


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=WEIGHTS_DIR, help="weights folder")
    parser.add_argument(
        "--heldout-npz", type=Path, default=None, help=f"also write {HELDOUT_SAMPLE} test digits"
    )
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    x_train, x_test, y_train, y_test = split_digits()
    model = train(x_train, y_train, args.epochs, args.batch_size, args.seed)
    acc = accuracy(model, x_test, y_test)
    num_params = sum(p.numel() for p in model.parameters())
    path = save_weights(model, args.out_dir, {"dataset": "sklearn-digits", "acc@1": f"{acc:.5f}"})
    size_mb = path.stat().st_size / 2**20
    print(f"held-out accuracy ({len(y_test)} digits): {acc:.2%}")
    print(f"wrote {path}")
    stale = sorted(p.name for p in path.parent.glob("lenet_digits-*.safetensors") if p != path)
    if stale:
        print(f"older checkpoints in {path.parent} (delete if superseded): {', '.join(stale)}")
    print("paste into packages/vision/src/embervision/models/lenet.py:")
    print(f'    _WEIGHTS_FILE = "{path.name}"')
    print(f'    "num_params": {num_params},')
    print(f'    "_metrics": {{"digits": {{"acc@1": {acc * 100:.3f}}}}},')
    print(f'    "_file_size": {size_mb:.3f},')
    if args.heldout_npz is not None:
        buffer = io.BytesIO()
        numpy.savez_compressed(
            buffer, images=x_test[:HELDOUT_SAMPLE], labels=y_test[:HELDOUT_SAMPLE]
        )
        args.heldout_npz.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(buffer.getvalue(), args.heldout_npz)
        print(f"wrote {HELDOUT_SAMPLE} held-out digits to {args.heldout_npz}")
    return {"accuracy": acc, "path": path, "num_params": num_params}


if __name__ == "__main__":
    main()
