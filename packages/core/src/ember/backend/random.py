"""Random number generators: one default ``Generator`` per device, seeded as PyTorch's are.

CPU generators wrap numpy's PCG64 bit generator. The numbers differ from PyTorch's (it uses
Mersenne Twister / Philox), but the contract is the same: one seed gives one stream.
"""

from __future__ import annotations

import json

import numpy

from ember.backend import CPU, as_device, cupy

__all__ = [
    "Generator",
    "default_generator",
    "manual_seed",
    "seed",
    "initial_seed",
    "get_rng_state",
    "set_rng_state",
    "generator_for",
    "cuda_generators",
    "manual_seed_cuda",
]

_DEFAULT_SEED = 67280421310721  # PyTorch's default_rng_seed_val
_MASK64 = 0xFFFF_FFFF_FFFF_FFFF


class Generator:
    """A stream of random numbers on one device, as ``torch.Generator``.

    CPU generators wrap numpy's PCG64; CUDA generators wrap ``cupy.random.RandomState`` (see
    Note [CUDA generator state]). The numbers differ from PyTorch's, the contract does not.

    >>> g = ember.Generator().manual_seed(0)
    >>> ember.rand(2, generator=g).shape
    ember.Size([2])
    """

    def __init__(self, device="cpu") -> None:
        self.device = as_device(device)
        self._epoch = 0
        self._cuda_state = None
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed: int) -> Generator:
        """Reseed this generator and return it."""
        seed = int(seed) & _MASK64  # negative seeds wrap, as in PyTorch
        self._seed = seed
        self._epoch = 0
        self._reset()
        return self

    def _reset(self) -> None:
        if self.device.type == "cpu":
            self._np = numpy.random.Generator(numpy.random.PCG64(self._seed))
        else:
            self._np = None
            self._cuda_state = None  # built on first use, on the generator's device

    @property
    def _cuda(self):
        # Note [CUDA generator state]: cupy's curand generators cannot export their state,
        # so a CUDA generator is identified by (seed, epoch). get_state() starts a new epoch
        # (a fresh stream seeded from both) and returns it; set_state() re-enters that epoch.
        if self._cuda_state is None:
            cp = cupy()
            mixed = numpy.random.SeedSequence([self._seed, self._epoch]).generate_state(1)[0]
            with cp.cuda.Device(self.device.index):
                self._cuda_state = cp.random.RandomState(int(mixed))
        return self._cuda_state

    def seed(self) -> int:
        """Reseed from a non-deterministic source and return the new seed."""
        new = int(numpy.random.SeedSequence().entropy) & _MASK64
        self.manual_seed(new)
        return new

    def initial_seed(self) -> int:
        """The seed this generator was last seeded with."""
        return self._seed

    def get_state(self):
        """The generator state as a ``uint8`` tensor (restorable with ``set_state``)."""
        from ember._tensor import Tensor

        if self.device.type == "cpu":
            state = {"seed": self._seed, "bit_generator": self._np.bit_generator.state}
        else:
            self._epoch += 1
            self._cuda_state = None
            state = {"seed": self._seed, "epoch": self._epoch}
        raw = numpy.frombuffer(json.dumps(state).encode(), dtype=numpy.uint8).copy()
        return Tensor._make(raw)

    def set_state(self, new_state) -> Generator:
        """Restore a state returned by ``get_state``."""
        raw = new_state if isinstance(new_state, numpy.ndarray) else None
        if raw is None:
            data = getattr(new_state, "_data", None)
            if data is None:
                raise TypeError(
                    f"Generator.set_state: expected a uint8 tensor, got {type(new_state).__name__}"
                )
            raw = data if type(data) is numpy.ndarray else data.get()
        try:
            state = json.loads(bytes(raw.astype(numpy.uint8)).decode())
            if self.device.type == "cpu":
                bit_generator = numpy.random.PCG64()
                bit_generator.state = state["bit_generator"]
            else:
                epoch = int(state["epoch"])
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as error:
            raise RuntimeError(
                f"Generator.set_state: expected a state tensor from get_state() of a "
                f"{self.device.type} generator"
            ) from error
        self._seed = state["seed"]
        if self.device.type == "cpu":
            self._np = numpy.random.Generator(bit_generator)
        else:
            self._epoch, self._cuda_state = epoch, None
        return self

    # -- sampling kernels: raw arrays on the generator's device ------------------------------
    def _uniform(self, shape: tuple, np_dtype):
        """Uniform [0, 1) samples, computed in float32 or float64 and cast to ``np_dtype``."""
        work = numpy.float32 if np_dtype == numpy.float32 else numpy.float64
        if self.device.type == "cpu":
            out = self._np.random(shape, dtype=work)
        else:
            out = self._cuda.random_sample(shape, dtype=work)
        return out.astype(np_dtype, copy=False)

    def _normal(self, shape: tuple, np_dtype):
        """Standard normal samples cast to ``np_dtype``."""
        work = numpy.float32 if np_dtype == numpy.float32 else numpy.float64
        if self.device.type == "cpu":
            out = self._np.standard_normal(shape, dtype=work)
        else:
            out = self._cuda.standard_normal(shape, dtype=work)
        return out.astype(np_dtype, copy=False)

    def _exponential(self, shape: tuple, np_dtype):
        """Standard exponential samples cast to ``np_dtype``."""
        work = numpy.float32 if np_dtype == numpy.float32 else numpy.float64
        if self.device.type == "cpu":
            out = self._np.standard_exponential(shape, dtype=work)
        else:
            out = self._cuda.standard_exponential(shape, dtype=work)
        return out.astype(np_dtype, copy=False)

    def _integers(self, low: int, high: int, shape: tuple, np_dtype):
        """Integers uniform in [low, high) cast to ``np_dtype``."""
        if self.device.type == "cpu":
            out = self._np.integers(low, high, shape, dtype=numpy.int64)
        else:
            out = self._cuda.randint(low, high, shape, dtype=numpy.int64)
        return out.astype(np_dtype, copy=False)

    def _permutation(self, n: int):
        """A random permutation of ``range(n)`` as int64."""
        if self.device.type == "cpu":
            return self._np.permutation(n).astype(numpy.int64, copy=False)
        return self._cuda.permutation(n).astype(numpy.int64, copy=False)

    def __repr__(self) -> str:
        return f"<ember.Generator object on {self.device}>"


default_generator = Generator(CPU)
_cuda_generators: dict[int, Generator] = {}
_cuda_seed: list = [None]


def generator_for(device, generator: Generator | None = None) -> Generator:
    """``generator`` if given, else the default generator of ``device``."""
    if generator is not None:
        return generator
    if device.type == "cpu":
        return default_generator
    gen = _cuda_generators.get(device.index)
    if gen is None:
        gen = _cuda_generators[device.index] = Generator(device)
        if _cuda_seed[0] is not None:  # seeded by manual_seed before this device was used
            gen.manual_seed(_cuda_seed[0])
    return gen


def manual_seed(seed: int) -> Generator:
    """Seed every default generator (CPU and all CUDA devices), as ``torch.manual_seed``.

    >>> _ = ember.manual_seed(0)
    >>> a = ember.rand(3)
    >>> _ = ember.manual_seed(0)
    >>> bool((a == ember.rand(3)).all())
    True
    """
    manual_seed_cuda(seed)
    return default_generator.manual_seed(seed)


def manual_seed_cuda(seed: int) -> None:
    """Seed the default generator of every CUDA device, including ones not used yet."""
    _cuda_seed[0] = int(seed) & _MASK64
    for gen in _cuda_generators.values():
        gen.manual_seed(seed)


def seed() -> int:
    """Seed the default generators non-deterministically and return the seed."""
    new = default_generator.seed()
    manual_seed_cuda(new)
    return new


def initial_seed() -> int:
    """The seed of the default CPU generator."""
    return default_generator.initial_seed()


def get_rng_state():
    """The default CPU generator's state as a ``uint8`` tensor, as ``torch.get_rng_state``.

    >>> s = ember.get_rng_state()
    >>> a = ember.rand(2)
    >>> ember.set_rng_state(s)
    >>> bool((a == ember.rand(2)).all())
    True
    """
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    """Restore the default CPU generator from ``get_rng_state()``, as ``torch.set_rng_state``.

    >>> ember.set_rng_state(ember.get_rng_state())
    """
    default_generator.set_state(new_state)


def cuda_generators() -> dict:
    """The default CUDA generators created so far, by device index."""
    return _cuda_generators
