"""Feature Pyramid Network and its extra blocks, as
``torchvision.ops.feature_pyramid_network``.

Submodule names (``inner_blocks.<i>.0``, ``layer_blocks.<i>.0``, ``p6``, ``p7``) equal
torchvision's, so FPN checkpoints load one-to-one; version-1 checkpoints (keys without the
``.0``) are renamed on load, as torchvision does.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from ember import Tensor, nn
from ember.nn import functional as F

from .misc import Conv2dNormActivation

__all__ = ["ExtraFPNBlock", "FeaturePyramidNetwork", "LastLevelMaxPool", "LastLevelP6P7"]


class ExtraFPNBlock(nn.Module):
    """Base class of blocks that extend the FPN output: ``forward(results, x, names)`` takes
    the FPN maps, the original feature maps and their names, and returns the extended lists
    of maps and names."""

    def forward(
        self, results: list[Tensor], x: list[Tensor], names: list[str]
    ) -> tuple[list[Tensor], list[str]]:
        raise NotImplementedError(f"{type(self).__name__} must implement forward")


class FeaturePyramidNetwork(nn.Module):
    """FPN over an ordered dict of feature maps of increasing depth, as
    ``torchvision.ops.FeaturePyramidNetwork``: 1x1 lateral convs (``inner_blocks``), a
    nearest-upsampled top-down path, 3x3 output convs (``layer_blocks``) and an optional
    ``extra_blocks``; returns an ``OrderedDict`` of ``out_channels`` maps, highest
    resolution first.

    >>> from collections import OrderedDict
    >>> m = FeaturePyramidNetwork([2, 4], 3)
    >>> out = m(OrderedDict(a=ember.rand(1, 2, 8, 8), b=ember.rand(1, 4, 4, 4)))
    >>> [(k, tuple(v.shape)) for k, v in out.items()]
    [('a', (1, 3, 8, 8)), ('b', (1, 3, 4, 4))]
    """

    _version = 2

    def __init__(
        self,
        in_channels_list: list[int],
        out_channels: int,
        extra_blocks: ExtraFPNBlock | None = None,
        norm_layer: Callable[..., nn.Module] | None = None,
    ) -> None:
        super().__init__()
        self.inner_blocks = nn.ModuleList()
        self.layer_blocks = nn.ModuleList()
        for in_channels in in_channels_list:
            if in_channels == 0:
                raise ValueError("in_channels=0 is currently not supported")
            self.inner_blocks.append(
                Conv2dNormActivation(
                    in_channels,
                    out_channels,
                    kernel_size=1,
                    padding=0,
                    norm_layer=norm_layer,
                    activation_layer=None,
                )
            )
            self.layer_blocks.append(
                Conv2dNormActivation(
                    out_channels,
                    out_channels,
                    kernel_size=3,
                    norm_layer=norm_layer,
                    activation_layer=None,
                )
            )
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_uniform_(m.weight, a=1)
                if m.bias is not None:
                    nn.init.constant_(m.bias, 0)
        if extra_blocks is not None and not isinstance(extra_blocks, ExtraFPNBlock):
            raise TypeError(
                f"extra_blocks should be of type ExtraFPNBlock not {type(extra_blocks)}"
            )
        self.extra_blocks = extra_blocks

    def _load_from_state_dict(
        self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
    ):
        version = local_metadata.get("version", None)
        if version is None or version < 2:
            for block in ("inner_blocks", "layer_blocks"):
                for i in range(len(self.inner_blocks)):
                    for kind in ("weight", "bias"):
                        old_key = f"{prefix}{block}.{i}.{kind}"
                        if old_key in state_dict:
                            state_dict[f"{prefix}{block}.{i}.0.{kind}"] = state_dict.pop(old_key)
        super()._load_from_state_dict(
            state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
        )

    def get_result_from_inner_blocks(self, x: Tensor, idx: int) -> Tensor:
        """``self.inner_blocks[idx](x)`` (kept for torchvision API parity)."""
        return self.inner_blocks[idx](x)

    def get_result_from_layer_blocks(self, x: Tensor, idx: int) -> Tensor:
        """``self.layer_blocks[idx](x)`` (kept for torchvision API parity)."""
        return self.layer_blocks[idx](x)

    def forward(self, x: dict[str, Tensor]) -> dict[str, Tensor]:
        names = list(x.keys())
        feats = list(x.values())
        if len(feats) != len(self.inner_blocks):
            raise ValueError(
                f"FeaturePyramidNetwork: expected {len(self.inner_blocks)} feature maps, got "
                f"{len(feats)}"
            )
        last_inner = self.get_result_from_inner_blocks(feats[-1], -1)
        results = [self.get_result_from_layer_blocks(last_inner, -1)]
        for idx in range(len(feats) - 2, -1, -1):
            inner_lateral = self.get_result_from_inner_blocks(feats[idx], idx)
            feat_shape = tuple(inner_lateral.shape[-2:])
            inner_top_down = F.interpolate(last_inner, size=feat_shape, mode="nearest")
            last_inner = inner_lateral + inner_top_down
            results.insert(0, self.get_result_from_layer_blocks(last_inner, idx))
        if self.extra_blocks is not None:
            results, names = self.extra_blocks(results, feats, names)
        return OrderedDict(zip(names, results))


class LastLevelMaxPool(ExtraFPNBlock):
    """Adds a ``'pool'`` level: the last FPN map subsampled by 2 (a 1x1 max pool of stride
    2), as torchvision's.

    >>> r, n = LastLevelMaxPool()([ember.rand(1, 1, 4, 4)], [], ["a"])
    >>> n, tuple(r[-1].shape)
    (['a', 'pool'], (1, 1, 2, 2))
    """

    def forward(
        self, x: list[Tensor], y: list[Tensor], names: list[str]
    ) -> tuple[list[Tensor], list[str]]:
        names.append("pool")
        x.append(F.max_pool2d(x[-1], kernel_size=1, stride=2, padding=0))
        return x, names


class LastLevelP6P7(ExtraFPNBlock):
    """RetinaNet's extra levels ``p6`` (3x3 stride-2 conv of P5, or of C5 when the channel
    counts differ) and ``p7`` (3x3 stride-2 conv of relu(p6)), as torchvision's.

    >>> m = LastLevelP6P7(2, 2)
    >>> r, n = m([ember.rand(1, 2, 8, 8)], [ember.rand(1, 2, 8, 8)], ["p5"])
    >>> n, [tuple(t.shape) for t in r]
    (['p5', 'p6', 'p7'], [(1, 2, 8, 8), (1, 2, 4, 4), (1, 2, 2, 2)])
    """

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.p6 = nn.Conv2d(in_channels, out_channels, 3, 2, 1)
        self.p7 = nn.Conv2d(out_channels, out_channels, 3, 2, 1)
        for module in (self.p6, self.p7):
            nn.init.kaiming_uniform_(module.weight, a=1)
            nn.init.constant_(module.bias, 0)
        self.use_P5 = in_channels == out_channels

    def forward(
        self, p: list[Tensor], c: list[Tensor], names: list[str]
    ) -> tuple[list[Tensor], list[str]]:
        p5, c5 = p[-1], c[-1]
        x = p5 if self.use_P5 else c5
        p6 = self.p6(x)
        p7 = self.p7(F.relu(p6))
        p.extend([p6, p7])
        names.extend(["p6", "p7"])
        return p, names
