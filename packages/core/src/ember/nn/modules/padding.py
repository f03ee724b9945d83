"""Padding layers, as in ``torch.nn``: Zero/Constant/Reflection/Replication/CircularPad
1d/2d/3d (``padding`` is an int or a (left, right[, top, bottom[, front, back]]) tuple)."""

from __future__ import annotations

from ember._ops import vision as F
from ember._tensor import Tensor
from ember.nn.modules.module import Module

__all__ = [
    "ZeroPad1d",
    "ZeroPad2d",
    "ZeroPad3d",
    "ConstantPad1d",
    "ConstantPad2d",
    "ConstantPad3d",
    "ReflectionPad1d",
    "ReflectionPad2d",
    "ReflectionPad3d",
    "ReplicationPad1d",
    "ReplicationPad2d",
    "ReplicationPad3d",
    "CircularPad1d",
    "CircularPad2d",
    "CircularPad3d",
]


def _ntuple(padding, n: int) -> tuple:
    if isinstance(padding, int):
        return (padding,) * (2 * n)
    padding = tuple(padding)
    if len(padding) != 2 * n:
        raise ValueError(f"padding must be an int or a {2 * n}-tuple, got {padding}")
    return padding


class _PadNd(Module):
    _n = 1
    _mode = "constant"

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _ntuple(padding, self._n)

    def forward(self, input: Tensor) -> Tensor:
        """``pad(input, padding, mode)``."""
        n = self._n
        if self._mode == "circular" and input.ndim not in (n + 1, n + 2):
            raise ValueError(f"expected {n + 1}D or {n + 2}D input (got {input.ndim}D input)")
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        """``pad(input, padding, 'constant', value)``."""
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ReflectionPad1d(_PadNd):
    """Pad the last 1 dim(s) of (N, C, W) or (C, W) inputs by
    reflecting the input at its edges, as ``torch.nn.ReflectionPad1d``.

    >>> ember.nn.ReflectionPad1d(1)(ember.ones(1, 2, 3)).shape
    ember.Size([1, 2, 5])
    """

    _n = 1
    _mode = "reflect"


class ReflectionPad2d(_PadNd):
    """Pad the last 2 dim(s) of (N, C, H, W) or (C, H, W) inputs by
    reflecting the input at its edges, as ``torch.nn.ReflectionPad2d``.

    >>> ember.nn.ReflectionPad2d(1)(ember.ones(1, 2, 3, 3)).shape
    ember.Size([1, 2, 5, 5])
    """

    _n = 2
    _mode = "reflect"


class ReflectionPad3d(_PadNd):
    """Pad the last 3 dim(s) of (N, C, D, H, W) or (C, D, H, W) inputs by
    reflecting the input at its edges, as ``torch.nn.ReflectionPad3d``.

    >>> ember.nn.ReflectionPad3d(1)(ember.ones(1, 1, 2, 2, 2)).shape
    ember.Size([1, 1, 4, 4, 4])
    """

    _n = 3
    _mode = "reflect"


class ReplicationPad1d(_PadNd):
    """Pad the last 1 dim(s) of (N, C, W) or (C, W) inputs by
    repeating the edge values, as ``torch.nn.ReplicationPad1d``.

    >>> ember.nn.ReplicationPad1d(1)(ember.ones(1, 2, 3)).shape
    ember.Size([1, 2, 5])
    """

    _n = 1
    _mode = "replicate"


class ReplicationPad2d(_PadNd):
    """Pad the last 2 dim(s) of (N, C, H, W) or (C, H, W) inputs by
    repeating the edge values, as ``torch.nn.ReplicationPad2d``.

    >>> ember.nn.ReplicationPad2d(1)(ember.ones(1, 2, 3, 3)).shape
    ember.Size([1, 2, 5, 5])
    """

    _n = 2
    _mode = "replicate"


class ReplicationPad3d(_PadNd):
    """Pad the last 3 dim(s) of (N, C, D, H, W) or (C, D, H, W) inputs by
    repeating the edge values, as ``torch.nn.ReplicationPad3d``.

    >>> ember.nn.ReplicationPad3d(1)(ember.ones(1, 1, 2, 2, 2)).shape
    ember.Size([1, 1, 4, 4, 4])
    """

    _n = 3
    _mode = "replicate"


class CircularPad1d(_PadNd):
    """Pad the last 1 dim(s) of (N, C, W) or (C, W) inputs by
    wrapping around, as ``torch.nn.CircularPad1d``.

    >>> ember.nn.CircularPad1d(1)(ember.ones(1, 2, 3)).shape
    ember.Size([1, 2, 5])
    """

    _n = 1
    _mode = "circular"


class CircularPad2d(_PadNd):
    """Pad the last 2 dim(s) of (N, C, H, W) or (C, H, W) inputs by
    wrapping around, as ``torch.nn.CircularPad2d``.

    >>> ember.nn.CircularPad2d(1)(ember.ones(1, 2, 3, 3)).shape
    ember.Size([1, 2, 5, 5])
    """

    _n = 2
    _mode = "circular"


class CircularPad3d(_PadNd):
    """Pad the last 3 dim(s) of (N, C, D, H, W) or (C, D, H, W) inputs by
    wrapping around, as ``torch.nn.CircularPad3d``.

    >>> ember.nn.CircularPad3d(1)(ember.ones(1, 1, 2, 2, 2)).shape
    ember.Size([1, 1, 4, 4, 4])
    """

    _n = 3
    _mode = "circular"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last 1 dim(s) with the constant ``value``, as ``torch.nn.ConstantPad1d``.

    >>> ember.nn.ConstantPad1d(1, 3.5)(ember.ones(1, 2, 3)).shape
    ember.Size([1, 2, 5])
    """

    _n = 1


class ZeroPad1d(ConstantPad1d):
    """Pad the last 1 dim(s) with zeros, as ``torch.nn.ZeroPad1d``.

    >>> ember.nn.ZeroPad1d(1)
    ZeroPad1d((1, 1))
    """

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ConstantPad2d(_ConstantPadNd):
    """Pad the last 2 dim(s) with the constant ``value``, as ``torch.nn.ConstantPad2d``.

    >>> ember.nn.ConstantPad2d(1, 3.5)(ember.ones(1, 2, 3, 3)).shape
    ember.Size([1, 2, 5, 5])
    """

    _n = 2


class ZeroPad2d(ConstantPad2d):
    """Pad the last 2 dim(s) with zeros, as ``torch.nn.ZeroPad2d``.

    >>> ember.nn.ZeroPad2d(1)
    ZeroPad2d((1, 1, 1, 1))
    """

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ConstantPad3d(_ConstantPadNd):
    """Pad the last 3 dim(s) with the constant ``value``, as ``torch.nn.ConstantPad3d``.

    >>> ember.nn.ConstantPad3d(1, 3.5)(ember.ones(1, 1, 2, 2, 2)).shape
    ember.Size([1, 1, 4, 4, 4])
    """

    _n = 3


class ZeroPad3d(ConstantPad3d):
    """Pad the last 3 dim(s) with zeros, as ``torch.nn.ZeroPad3d``.

    >>> ember.nn.ZeroPad3d(1)
    ZeroPad3d((1, 1, 1, 1, 1, 1))
    """

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"
