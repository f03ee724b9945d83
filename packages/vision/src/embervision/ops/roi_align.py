"""RoI Align (Mask R-CNN), as ``torchvision.ops.roi_align`` / ``RoIAlign``.

Note [separable RoI Align]: torchvision's kernel averages, per output bin, bilinear samples
on a ``grid_h x grid_w`` lattice; a sample is dropped when its y or x falls outside
``[-1, size]``. The sample weight is the product of a y part and an x part, and so is the
drop rule, so the whole op is linear and separable: for RoI ``k`` on image ``b``,
``out[k, c] = Ay[k] @ input[b, c] @ Ax[k].T`` where ``Ay[k]`` (``[PH, H]``) sums the
y-interpolation weights of every sample row of every bin (divided by ``grid_h``) and ``Ax``
likewise. Both are built at once for all RoIs with tensor ops (no loops); per image one
GEMM applies ``Ay`` and a gather of the two x taps per sample applies ``Ax`` (sparse), so
the gradient w.r.t. ``input`` is ordinary autograd through matmul and indexing. Boxes get
no gradient, as in torchvision.
"""

from __future__ import annotations

import ember
from ember import Tensor, nn

from ._utils import _pair, check_roi_boxes_shape, convert_boxes_to_roi_format

__all__ = ["roi_align", "RoIAlign"]


def _check_roi_input(op: str, input: Tensor, rois: Tensor) -> None:
    if not isinstance(input, Tensor) or input.dim() != 4:
        shape = tuple(input.shape) if isinstance(input, Tensor) else type(input).__name__
        raise ValueError(f"{op}: input must be a Tensor[N, C, H, W], got {shape}")
    if not input.is_floating_point():
        raise TypeError(f"{op}: input must be a floating point tensor, got {input.dtype}")
    if rois.device != input.device:
        raise RuntimeError(
            f"{op}: expected input and boxes on the same device, got {input.device} and "
            f"{rois.device}"
        )


def _roi_batch_index(op: str, rois: Tensor, n: int) -> Tensor:
    batch = rois[:, 0].detach().to(ember.int64)
    if batch.numel() and (int(batch.min()) < 0 or int(batch.max()) >= n):
        raise IndexError(
            f"{op}: box batch indices must lie in [0, {n - 1}], got values in "
            f"[{int(batch.min())}, {int(batch.max())}]"
        )
    return batch


def _apply_per_image(
    input: Tensor, batch: Tensor, ay: Tensor, x_cols: Tensor, x_w: Tensor
) -> Tensor:
    """``out[k, c] = Ay[k] @ input[batch[k], c] @ Ax[k].T`` (Note [separable RoI Align]).

    Per image, not per RoI: the y pass is one GEMM of the dense ``ay`` (``[K, PH, H]``) with
    the image; the x pass is sparse: it gathers the columns ``x_cols`` (``[K, PW, S]``, the
    two taps of each x sample) and sums them with weights ``x_w``, instead of a batched
    matmul with only ``PW`` columns, which BLAS handles poorly."""
    _, c, h, w = input.shape
    k, ph, pw = ay.size(0), ay.size(1), x_cols.size(1)
    if k == 0:
        return ember.zeros((0, c, ph, pw), dtype=input.dtype, device=input.device)
    pieces, order = [], []
    for image in ember.unique(batch).tolist():
        sel = ember.where(batch == image)[0]
        n = sel.size(0)
        x = input[image].permute(1, 0, 2).reshape(h, c * w)  # [H, C*W]
        rows = ember.matmul(ay[sel].reshape(-1, h), x).reshape(n, ph * c, w)  # [n, PH*C, W]
        near = ember.arange(n, device=input.device)[:, None]
        taps = rows[near, :, x_cols[sel].reshape(n, -1)]  # [n, PW*S, PH*C]
        taps = taps * x_w[sel].reshape(n, -1, 1)
        out = taps.reshape(n, pw, -1, ph, c).sum(dim=2)  # [n, PW, PH, C]
        pieces.append(out.permute(0, 3, 2, 1))
        order.append(sel)
    out = ember.cat(pieces, 0)
    if len(pieces) == 1 and bool((order[0] == ember.arange(k, device=batch.device)).all()):
        return out
    return out[ember.argsort(ember.cat(order, 0))]


def _axis_taps(
    start: Tensor, length: Tensor, pooled: int, size: int, sampling_ratio: int
) -> tuple[Tensor, Tensor]:
    """Tap indices and weights ``[K, pooled, 2 * max_grid]`` of one axis: the two
    interpolation neighbours of every sample, weights already divided by the grid size and
    zero for dropped or padding samples (Note [separable RoI Align])."""
    dtype, device = start.dtype, start.device
    bin_size = length / pooled  # [K]
    if sampling_ratio > 0:
        grid = ember.full_like(length, float(sampling_ratio))
        max_grid = sampling_ratio
    else:
        grid = ember.ceil(length / pooled)
        max_grid = max(int(grid.max()), 1) if grid.numel() else 1
    p = ember.arange(pooled, device=device).to(dtype)
    i = ember.arange(max_grid, device=device).to(dtype)
    # Same association order as the C++ kernel: start + p*bin + (i+.5)*bin/grid.
    coord = (
        start[:, None, None]
        + p[None, :, None] * bin_size[:, None, None]
        + (i[None, None, :] + 0.5) * bin_size[:, None, None] / grid[:, None, None]
    )  # [K, P, I]
    valid = (coord >= -1.0) & (coord <= size) & (i[None, None, :] < grid[:, None, None])
    # Dropped samples (and the NaNs of an empty adaptive grid) read cell 0 with weight 0.
    coord = ember.where(valid, coord, ember.zeros_like(coord)).clamp(min=0)
    low = ember.floor(coord)
    at_edge = low >= size - 1
    high = ember.where(at_edge, ember.full_like(low, size - 1), low + 1)
    low = ember.where(at_edge, ember.full_like(low, size - 1), low)
    coord = ember.where(at_edge, low, coord)
    frac = coord - low
    scale = valid / grid.clamp(min=1)[:, None, None]
    index = ember.cat([low, high], dim=2).long()
    weight = ember.cat([(1.0 - frac) * scale, frac * scale], dim=2)
    return index, weight


def _dense(index: Tensor, weight: Tensor, size: int) -> Tensor:
    """``[K, P, size]`` matrix summing ``weight`` at ``index`` (``[K, P, S]``)."""
    cells = ember.arange(size, device=index.device)
    return ((index[..., None] == cells) * weight[..., None]).sum(dim=2)


def roi_align(
    input: Tensor,
    boxes: Tensor | list[Tensor],
    output_size: int | tuple[int, int],
    spatial_scale: float = 1.0,
    sampling_ratio: int = -1,
    aligned: bool = False,
) -> Tensor:
    """RoI Align of ``input`` (``Tensor[N, C, H, W]``) over ``boxes`` (``Tensor[K, 5]`` with
    the image index first, or a list of per-image ``Tensor[L, 4]``, xyxy in image
    coordinates scaled by ``spatial_scale``): ``Tensor[K, C, PH, PW]`` of bilinear averages on
    ``sampling_ratio**2`` points per bin (adaptive ``ceil(roi_size / bins)`` when <= 0);
    ``aligned=True`` shifts boxes by -0.5 pixel (Detectron2). Matches torchvision's kernel
    and is differentiable w.r.t. ``input`` (Note [separable RoI Align]).

    >>> x = ember.arange(16.0).reshape(1, 1, 4, 4)
    >>> roi_align(x, [ember.tensor([[0.0, 0.0, 2.0, 2.0]])], 1, aligned=True).tolist()
    [[[[2.5]]]]
    """
    check_roi_boxes_shape(boxes)
    rois = boxes if isinstance(boxes, Tensor) else convert_boxes_to_roi_format(list(boxes))
    _check_roi_input("roi_align", input, rois)
    pooled_h, pooled_w = _pair(output_size)
    _, _, height, width = input.shape
    batch = _roi_batch_index("roi_align", rois, input.size(0))
    with ember.no_grad():
        r = rois.detach().to(input.dtype)
        offset = 0.5 if aligned else 0.0
        start_w = r[:, 1] * spatial_scale - offset
        start_h = r[:, 2] * spatial_scale - offset
        roi_w = (r[:, 3] * spatial_scale - offset) - start_w
        roi_h = (r[:, 4] * spatial_scale - offset) - start_h
        if not aligned:  # legacy: force malformed RoIs to be at least 1x1
            roi_w = roi_w.clamp(min=1.0)
            roi_h = roi_h.clamp(min=1.0)
        ay = _dense(*_axis_taps(start_h, roi_h, pooled_h, height, sampling_ratio), height)
        x_cols, x_w = _axis_taps(start_w, roi_w, pooled_w, width, sampling_ratio)
    return _apply_per_image(input, batch, ay, x_cols, x_w.to(input.dtype))


class RoIAlign(nn.Module):
    """Module form of :func:`roi_align`, as ``torchvision.ops.RoIAlign``.

    >>> RoIAlign((2, 2), spatial_scale=1.0, sampling_ratio=2)
    RoIAlign(output_size=(2, 2), spatial_scale=1.0, sampling_ratio=2, aligned=False)
    """

    def __init__(
        self,
        output_size: int | tuple[int, int],
        spatial_scale: float,
        sampling_ratio: int,
        aligned: bool = False,
    ) -> None:
        super().__init__()
        self.output_size = output_size
        self.spatial_scale = spatial_scale
        self.sampling_ratio = sampling_ratio
        self.aligned = aligned

    def forward(self, input: Tensor, rois: Tensor | list[Tensor]) -> Tensor:
        return roi_align(
            input, rois, self.output_size, self.spatial_scale, self.sampling_ratio, self.aligned
        )

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(output_size={self.output_size}, "
            f"spatial_scale={self.spatial_scale}, sampling_ratio={self.sampling_ratio}, "
            f"aligned={self.aligned})"
        )
