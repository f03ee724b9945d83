"""Train a small CNN on scikit-learn's 8x8 handwritten digits with ``ember.nn``/``optim``.

Conv2d -> BatchNorm2d -> ReLU -> MaxPool2d, twice, then Linear; Adam with a StepLR
schedule; a progress bar per epoch showing the loss and the throughput. The training curve
(loss per step; test accuracy, mean loss and learning rate per epoch) is logged with
``ember.utils.tensorboard.SummaryWriter`` under ``runs/`` (needs ``ember[tensorboard]``;
without it training goes on unlogged). After training the model is saved with
``ember.save``, reloaded into a fresh model with ``ember.load`` and evaluated again: the
outputs match exactly.

    python examples/train_cnn.py
    tensorboard --logdir runs
"""

from __future__ import annotations

import os
import tempfile
import time

import numpy
from tqdm import tqdm

import ember
from ember import nn


class SmallCNN(nn.Module):
    """Two conv blocks and a linear classifier for 1x8x8 images."""

    def __init__(self, classes: int = 10) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, kernel_size=3, padding=1),
            nn.BatchNorm2d(16),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, kernel_size=3, padding=1),
            nn.BatchNorm2d(32),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Linear(32 * 2 * 2, classes)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


def load_digits():
    """The 1797 digits as float32 (N, 1, 8, 8) in [0, 1] and int64 labels, split 80/20."""
    from sklearn.datasets import load_digits as sklearn_digits

    digits = sklearn_digits()
    images = (digits.images / 16.0).astype(numpy.float32)[:, None]
    labels = digits.target.astype(numpy.int64)
    order = numpy.random.default_rng(0).permutation(len(labels))
    images, labels = images[order], labels[order]
    split = int(0.8 * len(labels))
    x_train, y_train = ember.from_numpy(images[:split]), ember.from_numpy(labels[:split])
    x_test, y_test = ember.from_numpy(images[split:]), ember.from_numpy(labels[split:])
    return x_train, y_train, x_test, y_test


def evaluate(model, x, y):
    """(logits, accuracy) of ``model`` in eval mode."""
    model.eval()
    with ember.no_grad():
        logits = model(x)
    return logits, (logits.argmax(dim=1) == y).float().mean().item()


def open_writer(log_dir: str | None):
    """A SummaryWriter on ``log_dir`` (default ``runs/train_cnn-<time>``), or None with a
    note when tensorboardX is not installed: logging is optional, training is not."""
    from ember.utils.tensorboard import SummaryWriter

    log_dir = log_dir or os.path.join("runs", time.strftime("train_cnn-%Y%m%d-%H%M%S"))
    try:
        return SummaryWriter(log_dir)
    except ImportError as error:
        print(f"not logging the training curve: {error}")
        return None


def main(epochs: int = 8, batch_size: int = 64, seed: int = 0, log_dir: str | None = None) -> dict:
    """Train (logging to TensorBoard), checkpoint, reload and compare; returns the
    accuracies and the log folder (None when tensorboardX is missing)."""
    ember.manual_seed(seed)
    x_train, y_train, x_test, y_test = load_digits()
    model = SmallCNN()
    optimizer = ember.optim.Adam(model.parameters(), lr=3e-3)
    scheduler = ember.optim.lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.5)
    loss_fn = nn.CrossEntropyLoss()

    writer = open_writer(log_dir)
    _, before = evaluate(model, x_test, y_test)
    print(f"test accuracy before training: {before:.1%}")
    n = len(y_train)
    step = 0
    for epoch in range(epochs):
        model.train()
        order = ember.randperm(n)
        bar = tqdm(range(0, n, batch_size), desc=f"epoch {epoch + 1}/{epochs}", leave=False)
        total, start_time = 0.0, time.perf_counter()
        for start in bar:
            idx = order[start : start + batch_size]
            loss = loss_fn(model(x_train[idx]), y_train[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            value = loss.item()
            total += value * len(idx)
            step += 1
            if writer is not None:
                writer.add_scalar("train/loss", value, step)
            seen = min(start + batch_size, n)
            rate = seen / max(time.perf_counter() - start_time, 1e-9)
            bar.set_postfix(loss=f"{value:.3f}", throughput=f"{rate:.0f} img/s")
        lr = scheduler.get_last_lr()[0]  # the rate this epoch trained with
        scheduler.step()
        _, accuracy = evaluate(model, x_test, y_test)
        if writer is not None:
            writer.add_scalar("train/epoch_loss", total / n, epoch + 1)
            writer.add_scalar("test/accuracy", accuracy, epoch + 1)
            writer.add_scalar("lr", lr, epoch + 1)
        print(
            f"epoch {epoch + 1}: train loss {total / n:.4f}  test accuracy {accuracy:.1%}  "
            f"lr {lr:.2e}"
        )
    if writer is not None:
        writer.close()
        logdir = os.path.abspath(writer.get_logdir())
        print(f"training curve logged to {logdir}")
        print(f"view it with: tensorboard --logdir {os.path.dirname(logdir)}")

    logits, after = evaluate(model, x_test, y_test)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "cnn.pt")
        ember.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, path)
        fresh = SmallCNN()
        fresh.load_state_dict(ember.load(path)["model"])
    reloaded, reloaded_accuracy = evaluate(fresh, x_test, y_test)
    same = bool((reloaded == logits).all())
    print(
        f"checkpoint reloaded into a fresh model: identical outputs = {same}, "
        f"test accuracy {reloaded_accuracy:.1%}"
    )
    return {
        "before": before,
        "after": after,
        "reloaded_identical": same,
        "log_dir": writer.get_logdir() if writer is not None else None,
    }


if __name__ == "__main__":
    main()
