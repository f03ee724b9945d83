"""Minimal activations (``ReLU``, ``Tanh``, ``Sigmoid``), as in ``torch.nn``."""

from __future__ import annotations

from ember._tensor import Tensor
from ember.nn.modules.module import Module

__all__ = ["ReLU", "Tanh", "Sigmoid"]


class ReLU(Module):
    """``max(x, 0)`` element-wise, as ``torch.nn.ReLU``; ``inplace=True`` overwrites the
    input.

    >>> ember.nn.ReLU()(ember.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """``relu(input)`` (in place when ``inplace``)."""
        return input.relu_() if self.inplace else input.relu()

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Tanh(Module):
    """``tanh(x)`` element-wise, as ``torch.nn.Tanh``.

    >>> ember.nn.Tanh()(ember.tensor([0.0]))
    tensor([0.])
    """

    def forward(self, input: Tensor) -> Tensor:
        """``tanh(input)``."""
        return input.tanh()


class Sigmoid(Module):
    """``1 / (1 + exp(-x))`` element-wise, as ``torch.nn.Sigmoid``.

    >>> ember.nn.Sigmoid()(ember.tensor([0.0]))
    tensor([0.5000])
    """

    def forward(self, input: Tensor) -> Tensor:
        """``sigmoid(input)``."""
        return input.sigmoid()
