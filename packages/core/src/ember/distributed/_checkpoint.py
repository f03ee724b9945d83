"""``save_on_rank0``: rank 0 writes a checkpoint atomically, then every rank syncs."""

from __future__ import annotations

import os

from ember.distributed._collectives import barrier
from ember.distributed._core import ProcessGroup, _resolve, is_initialized

__all__ = ["save_on_rank0"]


def save_on_rank0(obj, path: str | os.PathLike, group: ProcessGroup | None = None) -> None:
    """Save ``obj`` with ``ember.save`` from the group's rank 0 only, then barrier.

    ``ember.save`` already writes a temp file in the target directory, fsyncs and
    ``os.replace``-s it, so readers never see a half-written checkpoint; the barrier makes
    every rank return only once the file is complete. Without an initialised process group
    it just saves.
    """
    import ember

    if not is_initialized():
        ember.save(obj, path)
        return
    pg = _resolve(group, "save_on_rank0")
    if pg.rank() == 0:
        ember.save(obj, path)
    barrier(pg)
