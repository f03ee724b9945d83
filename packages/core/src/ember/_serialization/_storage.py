"""Tensors <-> byte storages, and where loaded storages go (``map_location``).

Note [shared storages]
A storage is one contiguous run of bytes written as one archive entry. On save, tensors whose
arrays view the same base array (numpy's / cupy's ``.base``) go into one storage that covers
the bytes they use; each tensor records the byte offset of its element 0 in the storage, its
shape, its byte strides (negative ones included) and its dtype. On load every tensor is
rebuilt as a view of its loaded storage, so ``{"a": t, "b": t[1:]}`` comes back with ``b`` a
view of ``a``'s memory, and tensors of different dtypes over one buffer stay aliased. A base
array that is not C-contiguous (rare: a view of foreign memory) cannot be cut into one byte
run, so each of its tensors is saved as a contiguous copy of its own.
"""

from __future__ import annotations

import numpy

from ember._tensor import Tensor
from ember.backend import as_device, cupy, device, device_of, to_device
from ember.backend.dtypes import NP_TO_DTYPE

__all__ = [
    "StorageWriter",
    "restore_location",
    "make_view",
    "to_host",
    "byteswap",
    "read_entry",
    "as_parameter",
]


def to_host(array) -> numpy.ndarray:
    return array if isinstance(array, numpy.ndarray) else array.get()


def _address(array) -> int:
    if isinstance(array, numpy.ndarray):
        return array.__array_interface__["data"][0]
    return array.data.ptr


def _extent(array) -> tuple[int, int]:
    """[lo, hi) byte addresses that a non-empty array touches."""
    start = _address(array)
    lo = hi = start
    for size, step in zip(array.shape, array.strides):
        if step < 0:
            lo += (size - 1) * step
        else:
            hi += (size - 1) * step
    return lo, hi + array.itemsize


def _root(array):
    root = array
    while root.base is not None and type(root.base) is type(array):
        root = root.base
    return root


def _is_parameter(t) -> bool:
    import ember.nn

    parameter = getattr(ember.nn, "Parameter", None)
    return parameter is not None and isinstance(t, parameter)


class StorageWriter:
    """Collects tensors (each distinct Tensor object once) and cuts them into storages."""

    def __init__(self) -> None:
        self._index: dict[int, int] = {}
        self._tensors: list = []  # kept alive so that ids stay unique while saving

    def add(self, t: Tensor) -> int:
        """The tensor's index in the checkpoint's tensor table."""
        index = self._index.get(id(t))
        if index is None:
            index = self._index[id(t)] = len(self._tensors)
            self._tensors.append(t)
        return index

    def finish(self):
        """``(storages, tensors)``: storages as ``(host uint8 array, device str)``, tensors as
        JSON-ready records in index order. See Note [shared storages]."""
        storages: list = []
        records: list = [None] * len(self._tensors)
        groups: dict[int, tuple] = {}
        for index, t in enumerate(self._tensors):
            array = t._data
            root = _root(array)
            if array.size == 0 or not root.flags.c_contiguous:
                self._save_alone(index, t, storages, records)
            else:
                groups.setdefault(id(root), (root, []))[1].append(index)
        for root, members in groups.values():
            extents = [_extent(self._tensors[i]._data) for i in members]
            lo = min(e[0] for e in extents)
            hi = max(e[1] for e in extents)
            start = _address(root)
            xp = numpy if isinstance(root, numpy.ndarray) else cupy()
            flat = root.reshape(-1).view(xp.uint8)
            if lo < start or hi > start + root.nbytes:  # pragma: no cover - views stay inside
                for i in members:
                    self._save_alone(i, self._tensors[i], storages, records)
                continue
            storages.append((to_host(flat[lo - start : hi - start]), str(device_of(root))))
            for i in members:
                array = self._tensors[i]._data
                records[i] = self._record(self._tensors[i], len(storages) - 1, _address(array) - lo)
        return storages, records

    def _save_alone(self, index, t, storages, records) -> None:
        array = t._data
        if not array.flags.c_contiguous:
            array = array.copy(order="C")
        host = to_host(array).reshape(-1).view(numpy.uint8)
        storages.append((host, str(device_of(t._data))))
        records[index] = self._record(t, len(storages) - 1, 0, array.strides)

    @staticmethod
    def _record(t, storage: int, offset: int, strides=None) -> dict:
        array = t._data
        return {
            "storage": storage,
            "offset": offset,
            "shape": list(array.shape),
            "strides": list(array.strides if strides is None else strides),
            "dtype": NP_TO_DTYPE[array.dtype].name,
            "device": str(device_of(array)),
            "requires_grad": bool(t.requires_grad),
            "parameter": _is_parameter(t),
        }


# -- loading -------------------------------------------------------------------------------
def restore_location(host, location: str, map_location, op: str = "ember.load"):
    """Move a loaded host uint8 storage to where ``map_location`` says, as ``torch.load``:
    None (where it was saved), a device or string, a dict ``{saved: target}`` of location
    strings, or ``callable(storage, location)`` returning the storage placed (or None for
    the default). The callable gets the storage as a 1-D uint8 CPU tensor."""
    target = location
    if map_location is None:
        pass
    elif isinstance(map_location, (str, device)):
        target = map_location
    elif type(map_location).__name__ == "device":  # a torch.device from ported code
        target = str(map_location)
    elif isinstance(map_location, dict):
        mapping = {str(k): v for k, v in map_location.items()}
        target = mapping.get(location, location)
    elif callable(map_location):
        result = map_location(Tensor._make(host), location)
        if result is not None:
            if (
                not isinstance(result, Tensor)
                or result.shape != host.shape
                or (result._data.dtype != numpy.uint8)
            ):
                raise TypeError(
                    f"{op}: map_location(storage, location) must return the storage it was "
                    f"given (a uint8 tensor of shape {tuple(host.shape)}), possibly moved to "
                    f"another device, or None; got {type(result).__name__}"
                )
            return result._data
    else:
        raise TypeError(
            f"{op}: map_location must be None, a device, a string, a dict or a callable, "
            f"got {type(map_location).__name__}"
        )
    return _to_target(host, target, location, op)


def _to_target(host, target, location: str, op: str):
    try:
        d = device(target) if isinstance(target, str) else target
        if d.type == "cpu":
            return host
        return to_device(host, as_device(d))
    except (RuntimeError, TypeError) as error:
        raise RuntimeError(
            f"{op}: cannot restore tensors saved on {location!r} to {str(target)!r}: {error}. "
            "Pass map_location='cpu' (or another available device) to load them elsewhere."
        ) from None


def _corrupt(what: str, detail: str, op: str) -> RuntimeError:
    return RuntimeError(f"{op}: {what} is corrupt: {detail}")


def make_view(storage, np_dtype, shape, offset, strides, what: str, op: str = "ember.load"):
    """The array ``(shape, byte strides, byte offset)`` over a loaded uint8 storage, after
    checking that every element it addresses lies inside the storage."""
    if not (
        isinstance(shape, (list, tuple))
        and isinstance(strides, (list, tuple))
        and len(shape) == len(strides)
        and all(type(n) is int and n >= 0 for n in shape)
        and all(type(s) is int for s in strides)
        and type(offset) is int
    ):
        raise _corrupt(
            what, f"bad layout shape={shape!r} strides={strides!r} offset={offset!r}", op
        )
    xp = numpy if isinstance(storage, numpy.ndarray) else cupy()
    shape, strides = tuple(shape), tuple(strides)
    if 0 in shape:
        return xp.empty(shape, dtype=np_dtype)
    lo = hi = offset
    for n, s in zip(shape, strides):
        if s < 0:
            lo += (n - 1) * s
        else:
            hi += (n - 1) * s
    hi += numpy.dtype(np_dtype).itemsize
    if lo < 0 or hi > storage.nbytes:
        raise _corrupt(
            what,
            f"a tensor of shape {list(shape)} needs bytes [{lo}, {hi}) of a storage that has "
            f"{storage.nbytes} bytes (the file is truncated or was tampered with)",
            op,
        )
    if xp is numpy:
        return numpy.ndarray(shape, np_dtype, buffer=storage, offset=offset, strides=strides)
    return xp.ndarray(shape, np_dtype, memptr=storage.data + offset, strides=strides)


def byteswap(host, np_dtype) -> None:
    """Swap a host storage's bytes in place from the other byte order (element size of
    ``np_dtype``; complex numbers swap each half)."""
    itemsize = numpy.dtype(np_dtype).itemsize
    if numpy.dtype(np_dtype).kind == "c":
        itemsize //= 2
    if itemsize > 1 and host.nbytes % itemsize == 0:
        host.view(f"u{itemsize}").byteswap(inplace=True)


def read_entry(zf, info, source: str, op: str = "ember.load") -> numpy.ndarray:
    """A zip entry's bytes in a fresh, writable, aligned uint8 array (one copy, no bytes)."""
    host = numpy.empty(info.file_size, numpy.uint8)
    view, filled = memoryview(host), 0
    with zf.open(info) as entry:
        while filled < info.file_size:
            count = entry.readinto(view[filled:])
            if not count:
                raise RuntimeError(f"{op}: entry {info.filename!r} of {source} is truncated")
            filled += count
    return host


def as_parameter(t: Tensor, requires_grad: bool) -> Tensor:
    """``ember.nn.Parameter(t)`` when that class exists, else ``t`` itself requiring grad
    (floating/complex tensors only, as PyTorch)."""
    import ember.nn

    parameter = getattr(ember.nn, "Parameter", None)
    if parameter is not None:
        return parameter(t, requires_grad=bool(requires_grad))
    if t._data.dtype.kind in "fcV":
        t._requires_grad = bool(requires_grad)
    return t
