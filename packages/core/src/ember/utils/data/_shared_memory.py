"""Batches through shared memory: a worker packs every tensor of a batch into one
``SharedMemory`` block and sends only (name, offsets, shapes, dtypes) plus the structure.

Note [shared memory lifetime]: every block is named ``<prefix><worker>_<n>`` where the prefix
is unique to one loader iterator. The main process copies the arrays out as soon as it
receives a message; a worker reuses its blocks (Note [shared memory reuse]) and unlinks
them when it exits; when the iterator shuts down (after its workers have exited) it unlinks
whatever is left under its prefix, so a killed or terminated worker leaks nothing. All
processes share one resource tracker (started before the workers), whose register /
unregister pairs stay balanced: the worker's create and the main process's attach register
the name (a set: once), the unlink unregisters it.
"""

from __future__ import annotations

import os
from multiprocessing import shared_memory

import numpy

_ALIGN = 64
_SHM_DIR = "/dev/shm"


class _Slot:
    """Placeholder for the ``index``-th array of a packed batch."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index

    def __reduce__(self):
        return (_Slot, (self.index,))


def _replace(obj, arrays: list):
    # Tensors -> _Slot; containers rebuilt; anything else travels pickled as it is.
    from ember import Tensor

    if isinstance(obj, Tensor) and obj.device.type == "cpu":
        arrays.append(obj._data)
        return _Slot(len(arrays) - 1)
    t = type(obj)
    if t is list:
        return [_replace(o, arrays) for o in obj]
    if t is tuple:
        return tuple(_replace(o, arrays) for o in obj)
    if t is dict:
        return {k: _replace(v, arrays) for k, v in obj.items()}
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return t(*(_replace(o, arrays) for o in obj))
    return obj


def _restore(obj, tensors: list):
    t = type(obj)
    if t is _Slot:
        return tensors[obj.index]
    if t is list:
        return [_restore(o, tensors) for o in obj]
    if t is tuple:
        return tuple(_restore(o, tensors) for o in obj)
    if t is dict:
        return {k: _restore(v, tensors) for k, v in obj.items()}
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return t(*(_restore(o, tensors) for o in obj))
    return obj


class BlockRing:
    """A worker's ring of reusable blocks (Note [shared memory reuse]).

    Note [shared memory reuse]: first touches of fresh shared-memory pages are expensive
    (about 2 ms per MB here), so a worker writes batch ``n`` into slot ``n % size`` and keeps
    its blocks; the main process copies a batch out as soon as it receives it. The loader
    never has more than ``prefetch_factor * num_workers`` batches in flight, so with that
    many slots a slot is only rewritten after the main process has copied its last batch.
    A slot whose block is too small gets a new, bigger block under a new name.
    """

    def __init__(self, prefix: str, size: int) -> None:
        self.prefix, self.size = prefix, max(size, 1)
        self.slots: list = [None] * self.size
        self.count = 0

    def block(self, nbytes: int):
        slot = self.count % self.size
        self.count += 1
        shm = self.slots[slot]
        if shm is None or shm.size < nbytes:
            if shm is not None:
                shm.close()
                shm.unlink()
                self.slots[slot] = None
            # round up so that slightly bigger batches later reuse the block
            size = max(-(-nbytes // 65536) * 65536, 1)
            shm = shared_memory.SharedMemory(
                name=f"{self.prefix}{self.count}", create=True, size=size
            )
            self.slots[slot] = shm
        return shm

    def close(self) -> None:
        for shm in self.slots:
            if shm is not None:
                shm.close()
                try:
                    shm.unlink()
                except FileNotFoundError:
                    pass
        self.slots = [None] * self.size


def pack(batch, ring: BlockRing):
    """(structure, block name or None, [(offset, shape, dtype)]) for ``batch``."""
    arrays: list = []
    structure = _replace(batch, arrays)
    if not arrays:
        return structure, None, []
    metas, offset = [], 0
    for a in arrays:
        metas.append((offset, a.shape, a.dtype))  # the dtype object: keeps bfloat16
        offset += -(-a.nbytes // _ALIGN) * _ALIGN
    shm = ring.block(offset)
    for a, (off, shape, dtype) in zip(arrays, metas):
        dst = numpy.ndarray(shape, dtype=dtype, buffer=shm.buf, offset=off)
        numpy.copyto(dst, a, casting="no")
        del dst
    return structure, shm.name.lstrip("/"), metas


def unpack(structure, name, metas, cache: dict):
    """Rebuild a packed batch by copying its arrays out of the worker's block (mapped once
    and kept in ``cache``, which the caller closes with :func:`close_all`)."""
    if name is None:
        return structure
    from ember import Tensor

    shm = cache.get(name)
    if shm is None:
        shm = cache[name] = shared_memory.SharedMemory(name=name)
    tensors = []
    for off, shape, dtype in metas:
        src = numpy.ndarray(shape, dtype=dtype, buffer=shm.buf, offset=off)
        tensors.append(Tensor._make(src.copy()))
        del src
    return _restore(structure, tensors)


def close_all(cache: dict) -> None:
    """Unmap the blocks in ``cache`` (their workers unlink them, or :func:`sweep` does)."""
    for shm in cache.values():
        shm.close()
    cache.clear()


def discard(name) -> None:
    """Unlink the block ``name`` (a batch that will never be used)."""
    if name is None:
        return
    try:
        shm = shared_memory.SharedMemory(name=name)
    except FileNotFoundError:
        return
    shm.close()
    shm.unlink()


def sweep(prefix: str) -> None:
    """Unlink every block left under ``prefix``; call only after the workers have exited."""
    if not os.path.isdir(_SHM_DIR):
        return
    for entry in os.listdir(_SHM_DIR):
        if entry.startswith(prefix):
            discard(entry)
