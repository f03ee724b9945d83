"""``ChannelShuffle``, as in ``torch.nn``."""

from __future__ import annotations

from ember._ops import vision as F
from ember._tensor import Tensor
from ember.nn.modules.module import Module

__all__ = ["ChannelShuffle"]


class ChannelShuffle(Module):
    """Interleave the channels of (N, C, *) inputs from ``groups`` groups, as
    ``torch.nn.ChannelShuffle``.

    >>> ember.nn.ChannelShuffle(2)
    ChannelShuffle(groups=2)
    """

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, input: Tensor) -> Tensor:
        """``channel_shuffle(input, groups)``."""
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
