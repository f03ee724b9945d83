"""Dropout layers, as in ``torch.nn``: Dropout, Dropout1d/2d/3d, AlphaDropout,
FeatureAlphaDropout (active in training mode only)."""

from __future__ import annotations

from ember._ops import dropout as F
from ember._tensor import Tensor
from ember.nn.modules.module import Module

__all__ = [
    "Dropout",
    "Dropout1d",
    "Dropout2d",
    "Dropout3d",
    "AlphaDropout",
    "FeatureAlphaDropout",
]


class _DropoutNd(Module):
    _fn = None

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """The dropout function in training mode, identity in eval mode."""
        return type(self)._fn(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero elements with probability ``p`` in training, scaling the rest by 1/(1-p), as
    ``torch.nn.Dropout``.

    >>> ember.nn.Dropout(0.2)
    Dropout(p=0.2, inplace=False)
    """

    _fn = staticmethod(F.dropout)


class Dropout1d(_DropoutNd):
    """Zero whole channels of (N, C, L) or (C, L) inputs, as ``torch.nn.Dropout1d``.

    >>> ember.nn.Dropout1d().eval()(ember.ones(1, 2, 3)).shape
    ember.Size([1, 2, 3])
    """

    _fn = staticmethod(F.dropout1d)


class Dropout2d(_DropoutNd):
    """Zero whole channels of (N, C, H, W) or (C, H, W) inputs, as ``torch.nn.Dropout2d``.

    >>> ember.nn.Dropout2d(0.1)
    Dropout2d(p=0.1, inplace=False)
    """

    _fn = staticmethod(F.dropout2d)


class Dropout3d(_DropoutNd):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) inputs, as
    ``torch.nn.Dropout3d``.

    >>> ember.nn.Dropout3d(0.1)
    Dropout3d(p=0.1, inplace=False)
    """

    _fn = staticmethod(F.dropout3d)


class AlphaDropout(_DropoutNd):
    """Alpha dropout (keeps SELU's self-normalising statistics), as ``torch.nn.AlphaDropout``.

    >>> ember.nn.AlphaDropout(0.2)
    AlphaDropout(p=0.2, inplace=False)
    """

    _fn = staticmethod(F.alpha_dropout)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels, as ``torch.nn.FeatureAlphaDropout``.

    >>> ember.nn.FeatureAlphaDropout(0.2)
    FeatureAlphaDropout(p=0.2, inplace=False)
    """

    _fn = staticmethod(F.feature_alpha_dropout)
