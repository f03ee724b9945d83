"""Random number generators: one default ``Generator`` per device, seeded as PyTorch's are.

CPU generators wrap numpy's PCG64 bit generator. The numbers differ from PyTorch's (it uses
Mersenne Twister / Philox), but the contract is the same: one seed gives one stream.
"""

from __future__ import annotations

import json

import numpy

from ember.backend import CPU, as_device

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed"]

_DEFAULT_SEED = 67280421310721  # PyTorch's default_rng_seed_val


class Generator:
    """A stream of random numbers on one device, as ``torch.Generator``.

    >>> g = ember.Generator().manual_seed(0)
    >>> ember.rand(2, generator=g).shape
    ember.Size([2])
    """

    def __init__(self, device="cpu") -> None:
        self.device = as_device(device)
        self._seed = _DEFAULT_SEED
        self._np = numpy.random.Generator(numpy.random.PCG64(self._seed))

    def manual_seed(self, seed: int) -> Generator:
        """Reseed this generator and return it."""
        seed = int(seed) & 0xFFFF_FFFF_FFFF_FFFF  # negative seeds wrap, as in PyTorch
        self._seed = seed
        self._np = numpy.random.Generator(numpy.random.PCG64(seed))
        return self

    def seed(self) -> int:
        """Reseed from a non-deterministic source and return the new seed."""
        new = int(numpy.random.SeedSequence().entropy) & 0xFFFF_FFFF_FFFF_FFFF
        self.manual_seed(new)
        return new

    def initial_seed(self) -> int:
        """The seed this generator was last seeded with."""
        return self._seed

    def get_state(self):
        """The generator state as a ``uint8`` tensor (restorable with ``set_state``)."""
        from ember._tensor import Tensor

        state = {"seed": self._seed, "bit_generator": self._np.bit_generator.state}
        raw = numpy.frombuffer(json.dumps(state).encode(), dtype=numpy.uint8).copy()
        return Tensor._make(raw)

    def set_state(self, new_state) -> Generator:
        """Restore a state returned by ``get_state``."""
        raw = new_state.numpy() if hasattr(new_state, "numpy") else numpy.asarray(new_state)
        try:
            state = json.loads(bytes(raw.astype(numpy.uint8)).decode())
            bit_generator = numpy.random.PCG64()
            bit_generator.state = state["bit_generator"]
        except (ValueError, KeyError, TypeError) as error:
            raise RuntimeError(
                "Generator.set_state: expected a state tensor from get_state()"
            ) from error
        self._seed = state["seed"]
        self._np = numpy.random.Generator(bit_generator)
        return self

    def __repr__(self) -> str:
        return f"<ember.Generator object on {self.device}>"


default_generator = Generator(CPU)
_cuda_generators: dict[int, Generator] = {}


def generator_for(device, generator: Generator | None = None) -> Generator:
    """``generator`` if given, else the default generator of ``device``."""
    if generator is not None:
        return generator
    if device.type == "cpu":
        return default_generator
    gen = _cuda_generators.get(device.index)
    if gen is None:
        gen = _cuda_generators[device.index] = Generator(device)
    return gen


def manual_seed(seed: int) -> Generator:
    """Seed every default generator (CPU and all CUDA devices), as ``torch.manual_seed``.

    >>> _ = ember.manual_seed(0); a = ember.rand(3)
    >>> _ = ember.manual_seed(0); bool((a == ember.rand(3)).all())
    True
    """
    for gen in _cuda_generators.values():
        gen.manual_seed(seed)
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the default generators non-deterministically and return the seed."""
    new = default_generator.seed()
    for gen in _cuda_generators.values():
        gen.manual_seed(new)
    return new


def initial_seed() -> int:
    """The seed of the default CPU generator."""
    return default_generator.initial_seed()
