"""``ember.cuda``: CUDA device queries, RNG seeding and memory stats, backed by cupy.

Everything is lazy: importing Ember never imports cupy, and ``is_available()`` is False
(not an error) when cupy or a GPU is missing. Memory figures come from cupy's default
memory pool: ``memory_allocated`` is the bytes held by live arrays, ``memory_reserved`` the
bytes the pool holds from the driver. cupy keeps no peak counters, so the ``max_*`` figures
are the largest values seen by any ``ember.cuda`` memory query (or ``synchronize``) since
the last ``reset_peak_memory_stats``.
"""

from __future__ import annotations

from ember import backend
from ember.backend import random as _random

__all__ = [
    "is_available",
    "is_initialized",
    "init",
    "device_count",
    "current_device",
    "set_device",
    "device",
    "synchronize",
    "get_device_name",
    "get_device_capability",
    "get_device_properties",
    "manual_seed",
    "manual_seed_all",
    "seed",
    "seed_all",
    "initial_seed",
    "get_rng_state",
    "set_rng_state",
    "memory_allocated",
    "max_memory_allocated",
    "memory_reserved",
    "max_memory_reserved",
    "reset_peak_memory_stats",
    "empty_cache",
]

_peak = {"allocated": 0, "reserved": 0}


def is_available() -> bool:
    """Whether cupy imports and sees at least one CUDA device (never raises).

    >>> isinstance(ember.cuda.is_available(), bool)
    True
    """
    return backend.cupy_available()


def is_initialized() -> bool:
    """Whether cupy has been imported and a CUDA device used by Ember."""
    return backend._cupy_module is not None


def init() -> None:
    """Initialise CUDA (import cupy); ``RuntimeError`` if cupy or a GPU is missing."""
    backend.cupy()


def _cp():
    return backend.cupy()


def device_count() -> int:
    """The number of CUDA devices (0 without cupy or a GPU).

    >>> ember.cuda.device_count() >= 0
    True
    """
    if not is_available():
        return 0
    return int(_cp().cuda.runtime.getDeviceCount())


def _index(d) -> int:
    """A device index from an int, a string, an ``ember.device`` or None (current)."""
    if d is None:
        return current_device()
    if isinstance(d, int):
        return d
    d = backend.device(d)
    if d.type != "cuda":
        raise ValueError(f"Expected a cuda device, but got: {d}")
    return current_device() if d.index is None else d.index


def current_device() -> int:
    """The index of the current CUDA device."""
    return int(_cp().cuda.runtime.getDevice())


def set_device(device) -> None:
    """Make ``device`` (index, ``'cuda:N'`` or ``ember.device``) the current CUDA device."""
    index = _index(device)
    if index >= 0:
        _cp().cuda.runtime.setDevice(index)


class device:  # noqa: N801 - PyTorch's name
    """Context manager that makes ``device`` current inside the block, as
    ``torch.cuda.device``."""

    def __init__(self, device) -> None:
        self.index = -1 if device is None else _index(device)
        self.previous = -1

    def __enter__(self):
        if self.index >= 0:
            self.previous = current_device()
            set_device(self.index)
        return self

    def __exit__(self, *exc) -> None:
        if self.previous >= 0:
            set_device(self.previous)


def synchronize(device=None) -> None:
    """Wait for all kernels on ``device`` (the current one by default) to finish."""
    cp = _cp()
    with cp.cuda.Device(_index(device)):
        cp.cuda.Device().synchronize()
    _update_peaks()


def get_device_name(device=None) -> str:
    """The name of a CUDA device, e.g. ``'NVIDIA H100 80GB HBM3'``."""
    return get_device_properties(device).name


def get_device_capability(device=None) -> tuple:
    """The (major, minor) compute capability of a CUDA device."""
    props = get_device_properties(device)
    return (props.major, props.minor)


class _DeviceProperties:
    def __init__(self, raw: dict) -> None:
        name = raw.get("name", b"")
        self.name = name.decode() if isinstance(name, bytes) else str(name)
        self.major = int(raw.get("major", 0))
        self.minor = int(raw.get("minor", 0))
        self.total_memory = int(raw.get("totalGlobalMem", 0))
        self.multi_processor_count = int(raw.get("multiProcessorCount", 0))

    def __repr__(self) -> str:
        return (
            f"_CudaDeviceProperties(name='{self.name}', major={self.major}, "
            f"minor={self.minor}, total_memory={self.total_memory // 2**20}MB, "
            f"multi_processor_count={self.multi_processor_count})"
        )


def get_device_properties(device=None) -> _DeviceProperties:
    """Name, compute capability, total memory and SM count of a CUDA device."""
    return _DeviceProperties(_cp().cuda.runtime.getDeviceProperties(_index(device)))


# -- random ----------------------------------------------------------------------------------
def _generator(device=None):
    return _random.generator_for(backend.device("cuda", _index(device)))


def manual_seed(seed: int) -> None:
    """Seed the current CUDA device's default generator (works without a GPU: it is then a
    no-op, as in PyTorch)."""
    if not is_available():
        return
    _generator().manual_seed(seed)


def manual_seed_all(seed: int) -> None:
    """Seed the default generators of all CUDA devices (including ones not used yet)."""
    _random.manual_seed_cuda(seed)


def seed() -> None:
    """Seed the current CUDA device's generator non-deterministically."""
    if is_available():
        _generator().seed()


def seed_all() -> None:
    """Seed every CUDA device's generator with one non-deterministic seed."""
    if is_available():
        _random.manual_seed_cuda(_generator().seed())


def initial_seed() -> int:
    """The seed of the current CUDA device's generator."""
    return _generator().initial_seed()


def get_rng_state(device="cuda"):
    """The state of a CUDA device's generator as a ``uint8`` tensor."""
    return _generator(device).get_state()


def set_rng_state(new_state, device="cuda") -> None:
    """Restore a CUDA device's generator from ``get_rng_state``."""
    _generator(device).set_state(new_state)


# -- memory ----------------------------------------------------------------------------------
def _pool(device=None):
    cp = _cp()
    if device is not None:
        with cp.cuda.Device(_index(device)):
            return cp.get_default_memory_pool()
    return cp.get_default_memory_pool()


def _update_peaks(device=None) -> None:
    if backend._cupy_module is None:
        return
    pool = _pool(device)
    _peak["allocated"] = max(_peak["allocated"], int(pool.used_bytes()))
    _peak["reserved"] = max(_peak["reserved"], int(pool.total_bytes()))


def memory_allocated(device=None) -> int:
    """Bytes held by live CUDA arrays (cupy's memory pool ``used_bytes``); 0 before CUDA is
    used.

    >>> ember.cuda.memory_allocated() >= 0
    True
    """
    if backend._cupy_module is None:
        return 0
    _update_peaks(device)
    return int(_pool(device).used_bytes())


def max_memory_allocated(device=None) -> int:
    """The largest ``memory_allocated`` seen (see the module note on peaks)."""
    if backend._cupy_module is None:
        return 0
    _update_peaks(device)
    return _peak["allocated"]


def memory_reserved(device=None) -> int:
    """Bytes cupy's memory pool holds from the driver (``total_bytes``)."""
    if backend._cupy_module is None:
        return 0
    _update_peaks(device)
    return int(_pool(device).total_bytes())


def max_memory_reserved(device=None) -> int:
    """The largest ``memory_reserved`` seen (see the module note on peaks)."""
    if backend._cupy_module is None:
        return 0
    _update_peaks(device)
    return _peak["reserved"]


def reset_peak_memory_stats(device=None) -> None:
    """Restart the peak counters from the current figures."""
    _peak["allocated"] = _peak["reserved"] = 0
    _update_peaks(device)


def empty_cache() -> None:
    """Return the memory pool's unused blocks to the driver (a no-op before CUDA is used)."""
    if backend._cupy_module is None:
        return
    cp = _cp()
    cp.get_default_memory_pool().free_all_blocks()
    cp.get_default_pinned_memory_pool().free_all_blocks()
