"""The op families: one ``Function`` per primitive plus its public wrapper, by family."""

from ember._ops import creation, fft, indexing, linalg, pointwise, reduction, shape

FAMILIES = (creation, pointwise, reduction, shape, indexing, linalg, fft)

__all__ = ["FAMILIES"]
