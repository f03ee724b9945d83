"""Devices and their array modules: ``cpu`` -> numpy, ``cuda:N`` -> cupy (imported lazily).

This is the only place that imports cupy; everything else asks for ``xp`` here.
"""

from __future__ import annotations

import numpy

from ember.backend import dtypes

__all__ = ["device", "array_module", "device_of", "to_device", "cupy", "dtypes", "CPU"]

_cupy_module = None


def cupy():
    """The cupy module, imported on first use; ``RuntimeError`` if cupy or a GPU is missing."""
    global _cupy_module
    if _cupy_module is None:
        try:
            import cupy as cp
        except ImportError as error:
            raise RuntimeError(
                "CUDA tensors need cupy: install Ember with the cuda extra "
                '(pip install "ember[cuda]")'
            ) from error
        if not cupy_available(cp):
            raise RuntimeError("CUDA tensors need a GPU, but cupy found no usable CUDA device")
        _cupy_module = cp
    return _cupy_module


_available: list = []  # cached answer of cupy_available(): importing a missing module is slow


def cupy_available(cp=None) -> bool:
    """Whether cupy imports and sees at least one CUDA device (checked once, then cached)."""
    if cp is None and _available:
        return _available[0]
    try:
        if cp is None:
            import cupy as cp
        answer = bool(cp.cuda.is_available())
    except Exception:  # cupy raises various CUDA errors when no driver is present
        answer = False
    _available[:] = [answer]
    return answer


class device:  # noqa: N801 - PyTorch's name
    """Where a tensor lives, as ``torch.device``: ``device('cpu')``, ``device('cuda:1')``.

    >>> ember.device("cuda:1").index, str(ember.device("cpu"))
    (1, 'cpu')
    """

    __slots__ = ("type", "index")

    def __init__(self, type: str | device, index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        if isinstance(type, int) and index is None:  # device(0) means cuda:0, as in PyTorch
            type, index = "cuda", type  # noqa: A001
        if not isinstance(type, str):
            raise TypeError(f"device() expected a string or device, got {type!r}")
        if ":" in type:
            if index is not None:
                raise RuntimeError(f"device(): type {type!r} already has an index")
            type, _, text = type.partition(":")  # noqa: A001
            if not text.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}:{text}'")
            index = int(text)
        if type not in ("cpu", "cuda"):
            raise RuntimeError(
                f"Expected one of cpu, cuda device type at start of device string: {type}"
            )
        if type == "cpu" and index not in (None, 0):
            raise RuntimeError(f"CPU device index must be 0 or None, got {index}")
        self.type = type
        self.index = None if type == "cpu" else index

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __reduce__(self):
        return (device, (str(self),))


CPU = device("cpu")
_cuda_devices: dict[int, device] = {}


def as_device(d) -> device:
    """Normalise a device spec; ``cuda`` without an index means the current cupy device."""
    if d is None or d is CPU:
        return CPU
    if not isinstance(d, device):
        d = device(d)
    if d.type == "cuda" and d.index is None:
        d = device("cuda", cupy().cuda.runtime.getDevice())
    return d


def array_module(d):
    """numpy for the CPU, cupy for a CUDA device; accepts a device, a string or an array."""
    if type(d) is numpy.ndarray:
        return numpy
    if isinstance(d, (device, str)):
        return numpy if device(d).type == "cpu" else cupy()
    return numpy if isinstance(d, (numpy.ndarray, numpy.generic)) else cupy()


def device_of(array) -> device:
    """The device an array lives on."""
    if type(array) is numpy.ndarray:
        return CPU
    index = array.device.id
    cached = _cuda_devices.get(index)
    if cached is None:
        cached = _cuda_devices[index] = device("cuda", index)
    return cached


def to_device(array, d: device):
    """Copy ``array`` onto device ``d`` (returns it unchanged when it is already there)."""
    if d.type == "cpu":
        return array if type(array) is numpy.ndarray else array.get()
    cp = cupy()
    if type(array) is not numpy.ndarray and array.device.id == d.index:
        return array
    with cp.cuda.Device(d.index):
        return cp.asarray(array)
