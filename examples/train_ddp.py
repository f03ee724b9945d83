"""Data-parallel training of a small CNN on scikit-learn's 8x8 digits with
``ember.nn.parallel.DistributedDataParallel``.

Every rank builds the same model (DDP broadcasts rank 0's weights anyway), reads its own
part of each epoch through ``DistributedSampler`` and averages gradients with the others
in backward, so all replicas stay identical. BatchNorm layers become ``SyncBatchNorm``
(statistics over the global batch). Rank 0 alone logs and writes the checkpoint; at the
end every rank checks that its weights equal rank 0's.

    mpiexec -n 2 python examples/train_ddp.py
    python -m ember.distributed.run --nproc-per-node 2 examples/train_ddp.py --epochs 3
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

# One BLAS thread per rank unless told otherwise (as torchrun does): N ranks each starting
# a thread per core oversubscribe the machine and run ~10x slower. Must precede numpy.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy  # noqa: E402

import ember  # noqa: E402
import ember.distributed as dist  # noqa: E402
from ember import nn  # noqa: E402
from ember.nn.parallel import DistributedDataParallel as DDP  # noqa: E402
from ember.utils.data import DataLoader, DistributedSampler, TensorDataset  # noqa: E402


class SmallCNN(nn.Module):
    """Two conv blocks and a linear classifier for 1x8x8 images."""

    def __init__(self, classes: int = 10) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, kernel_size=3, padding=1),
            nn.BatchNorm2d(16),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, kernel_size=3, padding=1),
            nn.BatchNorm2d(32),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Linear(32 * 2 * 2, classes)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


def load_digits():
    """The digits as float32 (N, 1, 8, 8) in [0, 1] and int64 labels, split 80/20."""
    from sklearn.datasets import load_digits as sklearn_digits

    digits = sklearn_digits()
    images = (digits.images / 16.0).astype(numpy.float32)[:, None]
    labels = digits.target.astype(numpy.int64)
    order = numpy.random.default_rng(0).permutation(len(labels))
    images, labels = images[order], labels[order]
    split = int(0.8 * len(labels))
    train = TensorDataset(ember.from_numpy(images[:split]), ember.from_numpy(labels[:split]))
    test = (ember.from_numpy(images[split:]), ember.from_numpy(labels[split:]))
    return train, test


def main(epochs: int = 3, batch_size: int = 32, checkpoint: str | None = None) -> dict:
    """Train on all ranks; returns rank 0's final test accuracy and loss (others: {})."""
    dist.init_process_group()
    rank, world = dist.get_rank(), dist.get_world_size()
    ember.manual_seed(0)
    model = DDP(nn.SyncBatchNorm.convert_sync_batchnorm(SmallCNN()))
    optimizer = ember.optim.SGD(model.parameters(), lr=0.05 * world, momentum=0.9)
    train, (x_test, y_test) = load_digits()
    sampler = DistributedSampler(train, num_replicas=world, rank=rank, shuffle=True, seed=0)
    # batch_size is per rank: the global batch is batch_size * world.
    loader = DataLoader(train, batch_size=batch_size, sampler=sampler)
    loss_fn = nn.CrossEntropyLoss()
    result: dict = {}
    for epoch in range(epochs):
        sampler.set_epoch(epoch)  # a new shuffle per epoch, the same on every rank
        model.train()
        start, total, seen = time.perf_counter(), 0.0, 0
        for x, y in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            total += float(loss) * len(y)
            seen += len(y)
        stats = ember.tensor([total, float(seen)], dtype=ember.float64)
        dist.all_reduce(stats)  # the epoch's mean loss over all ranks' samples
        model.eval()
        with ember.no_grad():
            logits = model.module(x_test)
            accuracy = float((logits.argmax(1) == y_test).float().mean())
            test_loss = float(loss_fn(logits, y_test))
        if rank == 0:
            rate = stats[1].item() / (time.perf_counter() - start)
            print(
                f"epoch {epoch + 1}/{epochs}  train loss {stats[0].item() / stats[1].item():.4f}"
                f"  test loss {test_loss:.4f}  test acc {accuracy:.3f}"
                f"  ({rate:.0f} samples/s on {world} ranks)",
                flush=True,
            )
            result = {"accuracy": accuracy, "test_loss": test_loss}
    if rank == 0:
        # model.module.state_dict(): plain keys, loadable without DDP.
        path = checkpoint or os.path.join(tempfile.gettempdir(), "ember_ddp_digits.pt")
        ember.save({"model": model.module.state_dict(), "epochs": epochs}, path)
        print(f"checkpoint written to {path}", flush=True)
    for name, p in model.module.state_dict().items():
        mine = p.clone()
        dist.broadcast(p, src=0)
        if not bool((mine == p).all()):
            raise RuntimeError(f"train_ddp: {name} differs between rank {rank} and rank 0")
    dist.barrier()
    if rank == 0:
        print(f"replicas identical on all {world} ranks", flush=True)
    dist.destroy_process_group()
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32, help="per rank")
    parser.add_argument("--checkpoint", default=None, help="where rank 0 saves the model")
    args = parser.parse_args()
    main(args.epochs, args.batch_size, args.checkpoint)
