"""The worker process loop, ``get_worker_info`` and seeding, as ``torch.utils.data._utils``."""

from __future__ import annotations

import os
import queue
import random
import signal
import sys
import traceback
from dataclasses import dataclass

import numpy

from ember.utils.data import _shared_memory

__all__ = ["WorkerInfo", "get_worker_info"]

# How often a blocked worker / main process wakes to check that its peer is alive.
MP_STATUS_CHECK_INTERVAL = 0.2

_worker_info = None


class WorkerInfo:
    """What a worker process knows about itself: ``id``, ``num_workers``, ``seed`` (the one
    Python's ``random``, numpy's global RNG and Ember's default generator were seeded with:
    the loader's per-epoch base seed + ``id``) and its copy of ``dataset``; read-only."""

    def __init__(self, **kwargs) -> None:
        for key, value in kwargs.items():
            object.__setattr__(self, key, value)
        object.__setattr__(self, "_keys", tuple(kwargs))

    def __setattr__(self, key, value):
        raise RuntimeError(f"Cannot assign attributes to {self.__class__.__name__} objects")

    def __repr__(self) -> str:
        items = ", ".join(f"{k}={getattr(self, k)}" for k in self._keys)
        return f"{self.__class__.__name__}({items})"


def get_worker_info() -> WorkerInfo | None:
    """This worker's :class:`WorkerInfo` inside a DataLoader worker process, ``None`` in the
    main process, as ``torch.utils.data.get_worker_info``; use it to shard an
    IterableDataset.

    >>> get_worker_info() is None
    True
    """
    return _worker_info


def seed_all(seed: int) -> None:
    """Seed Python's ``random``, numpy's global RNG and Ember's default generators."""
    import ember

    random.seed(seed)
    numpy.random.seed(seed % 2**32)
    ember.manual_seed(seed)


def batch_seed(base_seed: int, index: int) -> int:
    """The seed of the ``index``-th batch of an epoch (Note [deterministic augmentation])."""
    return int(numpy.random.SeedSequence([base_seed, index]).generate_state(2, numpy.uint64)[0])


class ExceptionWrapper:
    """An exception caught in a worker, carried to the main process with its traceback."""

    def __init__(self, exc_info, where: str) -> None:
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = KeyErrorMessage(msg)
        try:
            exception = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        raise exception


class KeyErrorMessage(str):
    """Keeps a KeyError's multi-line message readable (KeyError reprs its argument)."""

    def __repr__(self):
        return self


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    worker_id: int


@dataclass(frozen=True)
class _ResumeIteration:
    # the new epoch's base seed for per-batch seeding (the worker's own seed stays)
    base_seed: int


class MapFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last) -> None:
        self.dataset, self.auto_collation = dataset, auto_collation
        self.collate_fn, self.drop_last = collate_fn, drop_last

    def fetch(self, index):
        if self.auto_collation:
            getitems = getattr(self.dataset, "__getitems__", None)
            if getitems is not None:
                data = getitems(index)
            else:
                data = [self.dataset[i] for i in index]
        else:
            data = self.dataset[index]
        return self.collate_fn(data)


class IterableFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last) -> None:
        self.dataset_iter = iter(dataset)
        self.auto_collation, self.collate_fn, self.drop_last = auto_collation, collate_fn, drop_last
        self.ended = False

    def fetch(self, index):
        if self.ended:
            raise StopIteration
        if self.auto_collation:
            data = []
            for _ in index:
                try:
                    data.append(next(self.dataset_iter))
                except StopIteration:
                    self.ended = True
                    break
            if len(data) == 0 or (self.drop_last and len(data) < len(index)):
                raise StopIteration
        else:
            data = next(self.dataset_iter)
        return self.collate_fn(data)


def make_fetcher(is_iterable, dataset, auto_collation, collate_fn, drop_last):
    cls = IterableFetcher if is_iterable else MapFetcher
    return cls(dataset, auto_collation, collate_fn, drop_last)


def _worker_loop(
    is_iterable,
    dataset,
    index_queue,
    data_queue,
    done_event,
    auto_collation,
    collate_fn,
    drop_last,
    base_seed,
    init_fn,
    worker_id,
    num_workers,
    persistent_workers,
    shm_prefix,
    ring_size,
):
    # Ctrl-C reaches the whole process group: the main process raises KeyboardInterrupt
    # and shuts the workers down, so the workers ignore it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    global _worker_info
    parent = os.getppid()
    ring = _shared_memory.BlockRing(f"{shm_prefix}{worker_id}_", ring_size)
    try:
        seed = base_seed + worker_id
        seed_all(seed)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
        init_exception = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = make_fetcher(is_iterable, dataset, auto_collation, collate_fn, drop_last)
        except Exception:
            init_exception = ExceptionWrapper(
                sys.exc_info(), f"in DataLoader worker process {worker_id}"
            )
        iteration_end = False
        while True:
            try:
                r = index_queue.get(timeout=MP_STATUS_CHECK_INTERVAL)
            except queue.Empty:
                # The main process died, or shut down while its queues were being
                # finalized by the garbage collector (the None sentinel may never come).
                if os.getppid() != parent or done_event.is_set():
                    break
                continue
            if isinstance(r, _ResumeIteration):
                data_queue.put((r, None))
                base_seed, iteration_end = r.base_seed, False
                fetcher = make_fetcher(is_iterable, dataset, auto_collation, collate_fn, drop_last)
                continue
            if r is None:
                break
            if done_event.is_set() or iteration_end:
                continue
            idx, index = r
            if init_exception is not None:
                data, init_exception = init_exception, None
            else:
                try:
                    if not is_iterable:
                        seed_all(batch_seed(base_seed, idx))
                    data = _shared_memory.pack(fetcher.fetch(index), ring)
                except StopIteration:
                    if is_iterable:
                        data = _IterableDatasetStopIteration(worker_id)
                        iteration_end = True
                    else:
                        data = ExceptionWrapper(
                            sys.exc_info(), f"in DataLoader worker process {worker_id}"
                        )
                except Exception:
                    data = ExceptionWrapper(
                        sys.exc_info(), f"in DataLoader worker process {worker_id}"
                    )
            data_queue.put((idx, data))
            del data, r
    except KeyboardInterrupt:
        pass
    finally:
        ring.close()
    if done_event.is_set():
        data_queue.cancel_join_thread()
        data_queue.close()
