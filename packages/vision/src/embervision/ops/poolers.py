"""Multi-scale RoI Align over an FPN, as ``torchvision.ops.poolers``: each box is pooled
from the pyramid level chosen by the FPN paper's eq. 1 (``LevelMapper``), with level
scales inferred from the feature and image sizes on the first call."""

from __future__ import annotations

import math

import ember
from ember import Tensor, nn

from ._utils import convert_boxes_to_roi_format
from .boxes import box_area
from .roi_align import roi_align

__all__ = ["LevelMapper", "MultiScaleRoIAlign", "initLevelMapper"]


class LevelMapper:
    """Map boxes to FPN levels: ``floor(canonical_level + log2(sqrt(area) /
    canonical_scale) + eps)`` clamped to ``[k_min, k_max]``, returned minus ``k_min``.

    >>> LevelMapper(2, 5)([ember.tensor([[0.0, 0.0, 224.0, 224.0], [0, 0, 8, 8]])]).tolist()
    [2, 0]
    """

    def __init__(
        self,
        k_min: int,
        k_max: int,
        canonical_scale: int = 224,
        canonical_level: int = 4,
        eps: float = 1e-6,
    ) -> None:
        self.k_min = k_min
        self.k_max = k_max
        self.s0 = canonical_scale
        self.lvl0 = canonical_level
        self.eps = eps

    def __call__(self, boxlists: list[Tensor]) -> Tensor:
        s = ember.sqrt(ember.cat([box_area(boxlist) for boxlist in boxlists]))
        target = ember.floor(self.lvl0 + ember.log2(s / self.s0) + self.eps)
        target = ember.clamp(target, min=self.k_min, max=self.k_max)
        return target.to(ember.int64) - self.k_min


def initLevelMapper(  # noqa: N802 - torchvision's name
    k_min: int,
    k_max: int,
    canonical_scale: int = 224,
    canonical_level: int = 4,
    eps: float = 1e-6,
) -> LevelMapper:
    """A :class:`LevelMapper` with these settings (torchvision's factory)."""
    return LevelMapper(k_min, k_max, canonical_scale, canonical_level, eps)


def _infer_scale(feature: Tensor, original_size: list[int]) -> float:
    # The nearest power of two to feature size / image size (torchvision uses the height).
    approx = float(feature.shape[-2]) / float(original_size[0])
    return 2.0 ** round(math.log2(approx))


def _setup_scales(
    features: list[Tensor],
    image_shapes: list[tuple[int, int]],
    canonical_scale: int,
    canonical_level: int,
) -> tuple[list[float], LevelMapper]:
    if not image_shapes:
        raise ValueError("images list should not be empty")
    original = [max(s[0] for s in image_shapes), max(s[1] for s in image_shapes)]
    scales = [_infer_scale(feat, original) for feat in features]
    lvl_min = -math.log2(scales[0])
    lvl_max = -math.log2(scales[-1])
    mapper = initLevelMapper(
        int(lvl_min), int(lvl_max), canonical_scale=canonical_scale, canonical_level=canonical_level
    )
    return scales, mapper


def _multiscale_roi_align(
    features: list[Tensor],
    boxes: list[Tensor],
    output_size: tuple[int, int],
    sampling_ratio: int,
    scales: list[float],
    mapper: LevelMapper,
) -> Tensor:
    rois = convert_boxes_to_roi_format(list(boxes))
    if len(features) == 1:
        return roi_align(features[0], rois, output_size, scales[0], sampling_ratio)
    levels = mapper(boxes)
    pieces, order = [], []
    for level, (feature, scale) in enumerate(zip(features, scales)):
        idx = ember.where(levels == level)[0]
        if idx.numel():
            pieces.append(roi_align(feature, rois[idx], output_size, scale, sampling_ratio))
            order.append(idx)
    if not pieces:
        c = features[0].shape[1]
        return ember.zeros((0, c, *output_size), dtype=features[0].dtype, device=features[0].device)
    return ember.cat(pieces, 0)[ember.argsort(ember.cat(order, 0))]


class MultiScaleRoIAlign(nn.Module):
    """RoI Align over the feature maps ``featmap_names`` of an FPN output, each box pooled
    from the level its size maps to, as ``torchvision.ops.MultiScaleRoIAlign``. ``forward(x,
    boxes, image_shapes)`` takes the ordered feature dict, per-image ``Tensor[L, 4]`` boxes in
    image coordinates and the images' ``(height, width)``; returns ``[K, C, *output_size]``.

    >>> m = MultiScaleRoIAlign(["f1", "f2"], 2, 2)
    >>> x = {"f1": ember.rand(1, 3, 16, 16), "f2": ember.rand(1, 3, 8, 8)}
    >>> m(x, [ember.tensor([[0.0, 0.0, 20.0, 30.0]])], [(64, 64)]).shape
    ember.Size([1, 3, 2, 2])
    """

    def __init__(
        self,
        featmap_names: list[str],
        output_size: int | tuple[int] | list[int],
        sampling_ratio: int,
        *,
        canonical_scale: int = 224,
        canonical_level: int = 4,
    ) -> None:
        super().__init__()
        if isinstance(output_size, int):
            output_size = (output_size, output_size)
        self.featmap_names = featmap_names
        self.sampling_ratio = sampling_ratio
        self.output_size = tuple(output_size)
        self.scales: list[float] | None = None
        self.map_levels: LevelMapper | None = None
        self.canonical_scale = canonical_scale
        self.canonical_level = canonical_level

    def forward(
        self, x: dict[str, Tensor], boxes: list[Tensor], image_shapes: list[tuple[int, int]]
    ) -> Tensor:
        features = [v for k, v in x.items() if k in self.featmap_names]
        if not features:
            raise KeyError(
                f"MultiScaleRoIAlign: none of {self.featmap_names} in the features {list(x)}"
            )
        if self.scales is None or self.map_levels is None:
            self.scales, self.map_levels = _setup_scales(
                features, image_shapes, self.canonical_scale, self.canonical_level
            )
        return _multiscale_roi_align(
            features, boxes, self.output_size, self.sampling_ratio, self.scales, self.map_levels
        )

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(featmap_names={self.featmap_names}, "
            f"output_size={self.output_size}, sampling_ratio={self.sampling_ratio})"
        )
