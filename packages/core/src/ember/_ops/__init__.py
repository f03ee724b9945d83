"""The op families: one ``Function`` per primitive plus its public wrapper, by family."""

from ember._ops import (
    activation,
    attention,
    conv,
    creation,
    distance,
    dropout,
    embedding,
    fft,
    indexing,
    linalg,
    loss,
    norm,
    pointwise,
    pooling,
    reduction,
    shape,
    vision,
)

FAMILIES = (
    creation,
    pointwise,
    reduction,
    shape,
    indexing,
    linalg,
    fft,
    activation,
    conv,
    pooling,
    norm,
    loss,
    dropout,
    embedding,
    attention,
    vision,
    distance,
)

__all__ = ["FAMILIES"]
