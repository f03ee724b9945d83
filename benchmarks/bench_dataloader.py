"""DataLoader throughput: one epoch of 20 batches of 64 3x64x64 float32 images.

Each item is built with light per-item work (a random-ish image from the index, normalised
and flipped), so the workload times what the loader adds: fetching in worker processes,
collating, and moving batches back to the main process (shared memory in both frameworks).
Target: Ember within 1.0x of PyTorch with 2 workers. Measured on a 2-core CPU box (shared
with other jobs, so expect noise): 0 workers 0.99-1.08x, 2 workers 0.74-0.82x. The win
with workers comes from reusing each worker's shared-memory blocks (Note [shared memory
reuse] in ember/utils/data/_shared_memory.py): first touches of fresh shm pages cost
about 2 ms per MB there, which PyTorch pays for every batch.
"""

from __future__ import annotations

import numpy
import torch
import torch.utils.data as tdata

import ember
import ember.utils.data as edata
from benchmarks._harness import Pair, workload

_BATCH, _BATCHES = 64, 20


def _image(index: int) -> numpy.ndarray:
    base = numpy.arange(3 * 64 * 64, dtype=numpy.float32).reshape(3, 64, 64)
    image = (base * (index % 7 + 1)) % 255.0
    image = (image - 127.5) / 64.0
    return image[:, :, ::-1] if index % 2 else image


class _EmberImages(edata.Dataset):
    def __len__(self) -> int:
        return _BATCH * _BATCHES

    def __getitem__(self, index: int):
        return ember.from_numpy(numpy.ascontiguousarray(_image(index))), index % 10


class _TorchImages(tdata.Dataset):
    def __len__(self) -> int:
        return _BATCH * _BATCHES

    def __getitem__(self, index: int):
        return torch.from_numpy(numpy.ascontiguousarray(_image(index))), index % 10


def _epoch(loader) -> None:
    for _images, _labels in loader:
        pass


def _pair(num_workers: int, quick: bool) -> Pair:
    extra = dict(num_workers=num_workers)
    if num_workers:
        extra["persistent_workers"] = True  # time steady-state epochs, not process start
    # quick: 2 batches of 4 from the same datasets, enough to exercise the workers.
    batch = 4 if quick else _BATCH
    ember_data, torch_data = _EmberImages(), _TorchImages()
    if quick:
        ember_data, torch_data = (
            edata.Subset(ember_data, range(8)),
            tdata.Subset(torch_data, range(8)),
        )
    ember_loader = edata.DataLoader(ember_data, batch_size=batch, shuffle=True, **extra)
    torch_loader = tdata.DataLoader(torch_data, batch_size=batch, shuffle=True, **extra)
    return Pair(
        lambda: _epoch(ember_loader),
        lambda: _epoch(torch_loader),
        repeat=1 if quick else 5,
        warmup=1,
    )


@workload("DataLoader epoch 20x64 3x64x64, 0 workers", target=1.0)
def dataloader_0_workers(quick: bool) -> Pair:
    return _pair(0, quick)


@workload("DataLoader epoch 20x64 3x64x64, 2 workers", target=1.0)
def dataloader_2_workers(quick: bool) -> Pair:
    return _pair(2, quick)
