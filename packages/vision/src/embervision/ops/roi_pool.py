"""RoI max pooling (Fast R-CNN), as ``torchvision.ops.roi_pool`` / ``RoIPool``.

Bin bounds follow torchvision's kernel exactly (rounded box corners, ``floor``/``ceil`` of
the bin edges, clipped to the image; an empty bin gives 0). The position of each bin's
maximum (first in row-major order on ties, as the kernel's strict ``>``) is found without
grad: every bin's window, padded to the largest window (padding cells read an appended -inf
pixel), is gathered as whole channel rows of an NHWC copy, in chunks of RoIs to bound
memory. The output is then a plain gather of ``input`` at those positions, so its gradient
is the scatter of the upstream gradient to the argmax cells, as torchvision's backward.
"""

from __future__ import annotations

import ember
from ember import Tensor, nn

from ._utils import _pair, check_roi_boxes_shape, convert_boxes_to_roi_format
from .roi_align import _check_roi_input, _roi_batch_index

__all__ = ["roi_pool", "RoIPool"]

# Gather at most this many window cells at once; larger RoI batches are processed in chunks.
_CHUNK_CELLS = 1 << 24


def _round_half_away(x: Tensor) -> Tensor:
    # C's round(): halves go away from zero (numpy rounds them to even).
    return ember.sign(x) * ember.floor(ember.abs(x) + 0.5)


def _bin_bounds(start: Tensor, end: Tensor, pooled: int, size: int) -> tuple[Tensor, Tensor]:
    """Integer ``[K, pooled]`` start/end (exclusive) of each bin along one axis."""
    length = (end - start + 1).clamp(min=1)  # malformed RoIs are forced to 1 cell
    bin_size = length / pooled
    p = ember.arange(pooled, device=start.device).to(start.dtype)
    lo = ember.floor(p[None, :] * bin_size[:, None]) + start[:, None]
    hi = ember.ceil((p[None, :] + 1) * bin_size[:, None]) + start[:, None]
    return lo.clamp(min=0, max=size).long(), hi.clamp(min=0, max=size).long()


def _window_argmax(
    pixels: Tensor,
    image_base: Tensor,
    h_lo: Tensor,
    h_hi: Tensor,
    w_lo: Tensor,
    w_hi: Tensor,
    width: int,
    max_h: int,
    max_w: int,
) -> Tensor:
    """Pixel row (of ``pixels``, ``[N*H*W + 1, C]``) of the maximum of every ``[k, PH, PW, C]``
    window. Only the small ``[k, PH, PW, I*J]`` pixel index is built; the gather copies
    whole channel rows."""
    device = pixels.device
    i = ember.arange(max_h, device=device)
    j = ember.arange(max_w, device=device)
    rows = h_lo[:, :, None] + i  # [k, PH, I]
    cols = w_lo[:, :, None] + j  # [k, PW, J]
    ok = (rows < h_hi[:, :, None])[:, :, None, :, None] & (cols < w_hi[:, :, None])[
        :, None, :, None, :
    ]  # [k, PH, PW, I, J]
    index = (
        image_base[:, None, None, None, None]
        + rows[:, :, None, :, None] * width
        + cols[:, None, :, None, :]
    )
    # Cells outside a window read the -inf row appended after the last pixel.
    index = ember.where(ok, index, ember.full_like(index, pixels.size(0) - 1))
    k, ph, pw = index.shape[:3]
    index = index.reshape(k, ph, pw, -1)
    values = pixels[index.reshape(-1)].reshape(k, ph, pw, max_h * max_w, -1)
    pick = values.argmax(dim=3)  # [k, PH, PW, C]
    return ember.gather(index, 3, pick)  # [k, PH, PW, C]


def roi_pool(
    input: Tensor,
    boxes: Tensor | list[Tensor],
    output_size: int | tuple[int, int],
    spatial_scale: float = 1.0,
) -> Tensor:
    """RoI max pooling of ``input`` (``Tensor[N, C, H, W]``) over ``boxes``
    (``Tensor[K, 5]`` with the image index first, or a list of per-image ``Tensor[L, 4]``,
    xyxy scaled by ``spatial_scale``): ``Tensor[K, C, PH, PW]``, each entry the maximum of
    its bin, as ``torchvision.ops.roi_pool``; differentiable w.r.t. ``input``.

    >>> x = ember.arange(16.0).reshape(1, 1, 4, 4)
    >>> roi_pool(x, [ember.tensor([[0.0, 0.0, 3.0, 3.0]])], 2).tolist()
    [[[[5.0, 7.0], [13.0, 15.0]]]]
    """
    check_roi_boxes_shape(boxes)
    rois = boxes if isinstance(boxes, Tensor) else convert_boxes_to_roi_format(list(boxes))
    _check_roi_input("roi_pool", input, rois)
    pooled_h, pooled_w = _pair(output_size)
    n, c, height, width = input.shape
    k = rois.size(0)
    batch = _roi_batch_index("roi_pool", rois, n)
    if k == 0:
        return ember.zeros((0, c, pooled_h, pooled_w), dtype=input.dtype, device=input.device)
    with ember.no_grad():
        r = _round_half_away(rois.detach().to(input.dtype) * spatial_scale)
        h_lo, h_hi = _bin_bounds(r[:, 2], r[:, 4], pooled_h, height)
        w_lo, w_hi = _bin_bounds(r[:, 1], r[:, 3], pooled_w, width)
        empty = (h_hi <= h_lo)[:, :, None] | (w_hi <= w_lo)[:, None, :]  # [K, PH, PW]
        max_h = max(int((h_hi - h_lo).max()), 1)
        max_w = max(int((w_hi - w_lo).max()), 1)
        pixels = input.detach().permute(0, 2, 3, 1).reshape(-1, c)  # [N*H*W, C]
        pad = ember.full((1, c), float("-inf"), dtype=input.dtype, device=input.device)
        pixels = ember.cat([pixels, pad], 0)
        image_base = batch * (height * width)
        step = max(_CHUNK_CELLS // (c * pooled_h * pooled_w * max_h * max_w), 1)
        pixel = ember.cat(
            [
                _window_argmax(
                    pixels,
                    image_base[s : s + step],
                    h_lo[s : s + step],
                    h_hi[s : s + step],
                    w_lo[s : s + step],
                    w_hi[s : s + step],
                    width,
                    max_h,
                    max_w,
                )
                for s in range(0, k, step)
            ],
            0,
        )  # [K, PH, PW, C], flat (n, h, w) pixel
        # Empty windows (and all -inf ones) picked the padding row: they output 0.
        missing = pixel == pixels.size(0) - 1
        pixel = ember.where(missing, ember.zeros_like(pixel), pixel)
        empty = empty[:, None] | missing.permute(0, 3, 1, 2)  # [K, C, PH, PW]
        # Back to a flat index of input[N, C, H, W]: n*C*H*W + c*H*W + (h*W + w).
        hw = height * width
        chan = ember.arange(c, device=input.device) * hw
        argmax = (pixel + image_base[:, None, None, None] * (c - 1) + chan).permute(0, 3, 1, 2)
    flat = input.reshape(-1)
    out = flat[argmax]
    return ember.where(empty, ember.zeros_like(out), out)


class RoIPool(nn.Module):
    """Module form of :func:`roi_pool`, as ``torchvision.ops.RoIPool``.

    >>> RoIPool((2, 2), spatial_scale=0.5)
    RoIPool(output_size=(2, 2), spatial_scale=0.5)
    """

    def __init__(self, output_size: int | tuple[int, int], spatial_scale: float) -> None:
        super().__init__()
        self.output_size = output_size
        self.spatial_scale = spatial_scale

    def forward(self, input: Tensor, rois: Tensor | list[Tensor]) -> Tensor:
        return roi_pool(input, rois, self.output_size, self.spatial_scale)

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(output_size={self.output_size}, "
            f"spatial_scale={self.spatial_scale})"
        )
