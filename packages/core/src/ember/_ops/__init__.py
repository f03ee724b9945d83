"""The op families: one ``Function`` per primitive plus its public wrapper, by family."""

from ember._ops import creation, linalg, pointwise, reduction, shape

FAMILIES = (creation, pointwise, reduction, shape, linalg)

__all__ = ["FAMILIES"]
