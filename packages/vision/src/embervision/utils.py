"""Image grids and drawing, as ``torchvision.utils``: ``make_grid``, ``save_image``,
``draw_bounding_boxes``, ``draw_segmentation_masks`` and ``flow_to_image``.

Grids and masks are computed with Ember tensor ops (no per-image or per-pixel loops); box
outlines and labels are drawn by Pillow on a host copy, as torchvision does, with Pillow's
default font unless a TrueType ``font`` file is given.
"""

from __future__ import annotations

import math
import os
import tempfile
import warnings
from pathlib import Path
from typing import BinaryIO

import numpy
from PIL import Image, ImageColor, ImageDraw, ImageFont

import ember
from ember import Tensor
from ember.nn import functional as F

__all__ = [
    "make_grid",
    "save_image",
    "draw_bounding_boxes",
    "draw_segmentation_masks",
    "draw_keypoints",
    "flow_to_image",
]

Color = str | tuple[int, int, int]


def _normalize(tensor: Tensor, value_range, scale_each: bool) -> Tensor:
    if value_range is not None:
        low, high = value_range
        return (tensor.clamp(min=low, max=high) - low) / max(high - low, 1e-5)
    if scale_each:
        dims = tuple(range(1, tensor.dim()))
        low = tensor.amin(dim=dims, keepdim=True)
        high = tensor.amax(dim=dims, keepdim=True)
        return (tensor - low) / (high - low).clamp(min=1e-5)
    low, high = float(tensor.min()), float(tensor.max())
    return (tensor - low) / max(high - low, 1e-5)


def make_grid(
    tensor: Tensor | list[Tensor],
    nrow: int = 8,
    padding: int = 2,
    normalize: bool = False,
    value_range: tuple[float, float] | None = None,
    scale_each: bool = False,
    pad_value: float = 0.0,
) -> Tensor:
    """Tile a batch ``Tensor[B, C, H, W]`` (or a list of ``[C, H, W]`` images) into one
    ``[C, H', W']`` image with ``nrow`` images per row, ``padding`` pixels of ``pad_value``
    around each; single-channel images become 3-channel. ``normalize`` maps
    ``value_range`` (default: the min and max, per image if ``scale_each``) to [0, 1].

    >>> make_grid(ember.zeros(5, 3, 4, 4), nrow=2).shape
    ember.Size([3, 20, 14])
    """
    if isinstance(tensor, list):
        for t in tensor:
            if not isinstance(t, Tensor):
                raise TypeError(
                    f"tensor or list of tensors expected, got a list containing {type(t)}"
                )
        tensor = ember.stack(tensor, dim=0)
    elif not isinstance(tensor, Tensor):
        raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
    if tensor.dim() == 2:
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 3:
        if tensor.size(0) == 1:
            tensor = ember.cat((tensor, tensor, tensor), 0)
        tensor = tensor.unsqueeze(0)
    if tensor.dim() != 4:
        raise ValueError(
            f"make_grid: expected a 2-D, 3-D or 4-D tensor, got shape {tuple(tensor.shape)}"
        )
    if tensor.size(1) == 1:
        tensor = ember.cat((tensor, tensor, tensor), 1)
    if normalize is True:
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError(
                "value_range has to be a tuple (min, max) if specified. min and max are numbers"
            )
        tensor = _normalize(tensor, value_range, scale_each)
    if tensor.size(0) == 1:
        return tensor.squeeze(0)
    nmaps, channels, height, width = tensor.shape
    xmaps = min(nrow, nmaps)
    ymaps = int(math.ceil(float(nmaps) / xmaps))
    # Pad every image on its top/left, lay the cells out by one reshape, then close the
    # bottom/right border; missing cells of the last row stay pad_value, as in torchvision.
    cells = F.pad(tensor, (padding, 0, padding, 0), value=pad_value)
    missing = ymaps * xmaps - nmaps
    if missing:
        blank = ember.full(
            (missing, channels, height + padding, width + padding),
            pad_value,
            dtype=tensor.dtype,
            device=tensor.device,
        )
        cells = ember.cat([cells, blank], 0)
    cells = cells.reshape(ymaps, xmaps, channels, height + padding, width + padding)
    grid = cells.permute(2, 0, 3, 1, 4).reshape(
        channels, ymaps * (height + padding), xmaps * (width + padding)
    )
    return F.pad(grid, (0, padding, 0, padding), value=pad_value)


def save_image(
    tensor: Tensor | list[Tensor],
    fp: str | os.PathLike | BinaryIO,
    format: str | None = None,
    **kwargs,
) -> None:
    """Save ``tensor`` (float images in [0, 1]; a batch becomes a :func:`make_grid` with
    ``kwargs``) to ``fp``, a path or a binary file object (then ``format`` is required).
    Paths are written atomically: a temporary file in the same folder, then ``os.replace``.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "grid.png")
    >>> save_image(ember.rand(4, 3, 8, 8), p, nrow=2)
    >>> os.path.getsize(p) > 0
    True
    """
    with ember.no_grad():
        grid = make_grid(tensor, **kwargs)
        ndarr = (grid * 255 + 0.5).clamp(0, 255).permute(1, 2, 0).to(ember.uint8).cpu().numpy()
    img = Image.fromarray(ndarr)
    if not isinstance(fp, (str, os.PathLike)):
        img.save(fp, format=format)
        return
    path = Path(fp)
    if format is None:
        format = Image.registered_extensions().get(path.suffix.lower())
        if format is None:
            raise ValueError(
                f"save_image: unknown file extension {path.suffix!r} for {str(path)!r}"
            )
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as f:
            img.save(f, format=format)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _generate_color_palette(num_objects: int) -> list[tuple[int, int, int]]:
    palette = (2**25 - 1, 2**15 - 1, 2**21 - 1)
    return [tuple((i * p) % 255 for p in palette) for i in range(num_objects)]


def _parse_colors(colors, *, num_objects: int, floating: bool = False) -> list[tuple]:
    if colors is None:
        colors = _generate_color_palette(num_objects)
    elif isinstance(colors, list):
        if len(colors) < num_objects:
            raise ValueError(
                "Number of colors must be equal or larger than the number of objects, but got "
                f"{len(colors)} < {num_objects}."
            )
    elif not isinstance(colors, (tuple, str)):
        raise ValueError(
            f"colors must be a tuple or a string, or a list thereof, but got {colors}."
        )
    elif isinstance(colors, tuple) and len(colors) != 3:
        raise ValueError(f"If passed as tuple, colors should be an RGB triplet, but got {colors}.")
    else:
        colors = [colors] * num_objects
    colors = [ImageColor.getrgb(c) if isinstance(c, str) else tuple(c) for c in colors]
    if floating:
        colors = [tuple(v / 255 for v in c) for c in colors]
    return colors


class _ImageDrawTV(ImageDraw.ImageDraw):
    """ImageDraw with torchvision's oriented rectangle: a dashed first edge marks the box's
    top, the other three edges are solid, and the polygon is filled."""

    def oriented_rectangle(self, xy, fill=None, outline=None, width=1):
        self.dashed_line(((xy[0], xy[1]), (xy[2], xy[3])), width=width, fill=outline)
        for i in range(2, len(xy), 2):
            self.line(
                ((xy[i], xy[i + 1]), (xy[(i + 2) % len(xy)], xy[(i + 3) % len(xy)])),
                width=width,
                fill=outline,
            )
        self.polygon(xy, fill=fill, outline=None, width=0)

    def dashed_line(self, xy, fill=None, width=0, joint=None, dash_length=5, space_length=5):
        current_dash = True
        for i in range(1, len(xy)):
            x1, y1 = xy[i - 1]
            x2, y2 = xy[i]
            segment_length = ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5
            while segment_length > 0:
                step = min(segment_length, dash_length if current_dash else space_length)
                angle = math.atan2(y2 - y1, x2 - x1)
                end_x = x1 + math.cos(angle) * step
                end_y = y1 + math.sin(angle) * step
                if current_dash:
                    self.line([(x1, y1), (end_x, end_y)], fill, width, joint)
                segment_length -= step
                x1, y1 = end_x, end_y
                current_dash = not current_dash


def draw_bounding_boxes(
    image: Tensor,
    boxes: Tensor,
    labels: list[str] | None = None,
    colors: list[Color] | Color | None = None,
    fill: bool | None = False,
    width: int = 1,
    font: str | None = None,
    font_size: int | None = None,
    label_colors: list[Color] | Color | None = None,
    label_background_colors: list[Color] | Color | None = None,
    fill_labels: bool = False,
) -> Tensor:
    """Draw ``boxes`` (xyxy ``Tensor[N, 4]``, or ``[N, 8]`` corners of rotated boxes, drawn
    with a dashed top edge) on ``image`` (``Tensor[C, H, W]``, C 1 or 3, uint8 or float in
    [0, 1]) with optional ``labels``, ``colors`` (names, ``#rrggbb`` or RGB tuples; default a
    fixed palette), translucent ``fill`` and outline ``width``, as
    ``torchvision.utils.draw_bounding_boxes``; returns a 3-channel image of the input dtype.

    >>> img = ember.zeros(3, 6, 6, dtype=ember.uint8)
    >>> out = draw_bounding_boxes(img, ember.tensor([[1.0, 1.0, 4.0, 4.0]]), colors="red")
    >>> out[:, 1, 1].tolist(), out[:, 2, 2].tolist()
    ([255, 0, 0], [0, 0, 0])
    """
    if not isinstance(image, Tensor):
        raise TypeError(f"Tensor expected, got {type(image)}")
    if not (image.dtype == ember.uint8 or image.is_floating_point()):
        raise ValueError(f"The image dtype must be uint8 or float, got {image.dtype}")
    if image.dim() != 3:
        raise ValueError("Pass individual images, not batches")
    if image.size(0) not in {1, 3}:
        raise ValueError("Only grayscale and RGB images are supported")
    if boxes.dim() != 2 or boxes.size(-1) not in (4, 8):
        raise ValueError(
            "draw_bounding_boxes: boxes must be a Tensor[N, 4] (xmin, ymin, xmax, ymax) or "
            f"Tensor[N, 8] (four corners), got shape {tuple(boxes.shape)}"
        )
    if boxes.size(-1) == 4 and (
        bool((boxes[:, 0] > boxes[:, 2]).any()) or bool((boxes[:, 1] > boxes[:, 3]).any())
    ):
        raise ValueError(
            "Boxes need to be in (xmin, ymin, xmax, ymax) format. Use "
            "embervision.ops.box_convert to convert them"
        )
    num_boxes = boxes.size(0)
    if num_boxes == 0:
        warnings.warn("boxes doesn't contain any box. No box was drawn", stacklevel=2)
        return image
    if labels is None:
        labels = [None] * num_boxes
    elif len(labels) != num_boxes:
        raise ValueError(
            f"Number of boxes ({num_boxes}) and labels ({len(labels)}) mismatch. Please "
            "specify labels for each box."
        )
    colors = _parse_colors(colors, num_objects=num_boxes)
    if label_colors or fill_labels:
        label_colors = _parse_colors(label_colors or "black", num_objects=num_boxes)
    else:
        label_colors = list(colors)
    if fill_labels and label_background_colors:
        label_background_colors = _parse_colors(label_background_colors, num_objects=num_boxes)
    else:
        label_background_colors = list(colors)
    if font is None:
        if font_size is not None:
            warnings.warn(
                "Argument 'font_size' will be ignored since 'font' is not set.", stacklevel=2
            )
        txt_font = ImageFont.load_default()
    else:
        txt_font = ImageFont.truetype(font=font, size=font_size or 10)

    original_dtype = image.dtype
    if image.size(0) == 1:
        image = ember.tile(image, (3, 1, 1))
    if original_dtype.is_floating_point:
        image = (image * (255 + 1.0 - 1e-3)).to(ember.uint8)
    img = Image.fromarray(numpy.ascontiguousarray(image.detach().cpu().numpy().transpose(1, 2, 0)))
    draw = _ImageDrawTV(img, "RGBA" if fill else None)
    for bbox, color, label, label_color, label_bg in zip(
        boxes.detach().to(ember.int64).tolist(),
        colors,
        labels,
        label_colors,
        label_background_colors,
    ):
        draw_method = draw.oriented_rectangle if len(bbox) > 4 else draw.rectangle
        draw_method(bbox, width=width, outline=color, fill=color + (100,) if fill else None)
        if label is not None:
            box_margin = 1
            margin = width + box_margin
            if fill_labels:
                left, top, right, bottom = draw.textbbox(
                    (bbox[0] + margin, bbox[1] + margin), label, font=txt_font
                )
                draw.rectangle(
                    (left - box_margin, top - box_margin, right + box_margin, bottom + box_margin),
                    fill=label_bg,
                )
            draw.text((bbox[0] + margin, bbox[1] + margin), label, fill=label_color, font=txt_font)
    out = ember.from_numpy(numpy.asarray(img).transpose(2, 0, 1).copy()).to(image.device)
    if original_dtype.is_floating_point:
        out = out.to(original_dtype) * (1.0 / 255)
    return out


def draw_segmentation_masks(
    image: Tensor,
    masks: Tensor,
    alpha: float = 0.8,
    colors: list[Color] | Color | None = None,
) -> Tensor:
    """Blend boolean ``masks`` (``Tensor[N, H, W]`` or ``[H, W]``) onto the RGB ``image``
    (``Tensor[3, H, W]``, uint8 or float in [0, 1]) with opacity ``alpha``, one colour per
    mask (later masks win; pixels under two or more masks turn black), as
    ``torchvision.utils.draw_segmentation_masks``.

    >>> img = ember.zeros(3, 2, 2, dtype=ember.uint8)
    >>> m = ember.tensor([[True, False], [False, False]])
    >>> draw_segmentation_masks(img, m, alpha=1.0, colors="blue")[:, 0, 0].tolist()
    [0, 0, 255]
    """
    if not isinstance(image, Tensor):
        raise TypeError(f"The image must be a tensor, got {type(image)}")
    if not (image.dtype == ember.uint8 or image.is_floating_point()):
        raise ValueError(f"The image dtype must be uint8 or float, got {image.dtype}")
    if image.dim() != 3:
        raise ValueError("Pass individual images, not batches")
    if image.size(0) != 3:
        raise ValueError("Pass an RGB image. Other Image formats are not supported")
    if masks.dim() == 2:
        masks = masks[None, :, :]
    if masks.dim() != 3:
        raise ValueError("masks must be of shape (H, W) or (batch_size, H, W)")
    if masks.dtype != ember.bool:
        raise ValueError(f"The masks must be of dtype bool. Got {masks.dtype}")
    if masks.shape[-2:] != image.shape[-2:]:
        raise ValueError("The image and the masks must have the same height and width")
    num_masks = masks.size(0)
    if num_masks == 0:
        warnings.warn("masks doesn't contain any mask. No mask was drawn", stacklevel=2)
        return image
    original_dtype = image.dtype
    palette = ember.tensor(
        _parse_colors(colors, num_objects=num_masks, floating=original_dtype.is_floating_point),
        dtype=original_dtype,
        device=image.device,
    )  # [N, 3]
    # The last mask covering a pixel paints it (torchvision paints masks in order).
    last = (num_masks - 1) - masks.flip(dims=[0]).to(ember.int64).argmax(dim=0)  # [H, W]
    painted = palette[last].permute(2, 0, 1)  # [3, H, W]
    covered = masks.sum(dim=0)
    drawn = ember.where(covered[None] == 1, painted, image.detach())
    drawn = ember.where(covered[None] > 1, ember.zeros_like(drawn), drawn)
    out = image * (1 - alpha) + drawn * alpha
    return out.to(original_dtype)


def draw_keypoints(
    image: Tensor,
    keypoints: Tensor,
    connectivity: list[tuple[int, int]] | None = None,
    colors: Color | None = None,
    radius: int = 2,
    width: int = 3,
    visibility: Tensor | None = None,
) -> Tensor:
    """Draw ``keypoints`` (``Tensor[N, K, 2]`` of x, y) as dots of ``radius`` on the RGB
    ``image`` (``Tensor[3, H, W]``, uint8 or float in [0, 1]), with lines of ``width``
    between the index pairs of ``connectivity``; keypoints whose ``visibility``
    (``Tensor[N, K]``) is false, and their lines, are skipped, as
    ``torchvision.utils.draw_keypoints``.

    >>> img = ember.zeros(3, 5, 5, dtype=ember.uint8)
    >>> draw_keypoints(img, ember.tensor([[[2.0, 2.0]]]), colors="red", radius=1)[:, 2, 2].tolist()
    [255, 0, 0]
    """
    if not isinstance(image, Tensor):
        raise TypeError(f"The image must be a tensor, got {type(image)}")
    if not (image.dtype == ember.uint8 or image.is_floating_point()):
        raise ValueError(f"The image dtype must be uint8 or float, got {image.dtype}")
    if image.dim() != 3:
        raise ValueError("Pass individual images, not batches")
    if image.size(0) != 3:
        raise ValueError("Pass an RGB image. Other Image formats are not supported")
    if keypoints.dim() != 3:
        raise ValueError("keypoints must be of shape (num_instances, K, 2)")
    if visibility is None:
        visibility = ember.ones(tuple(keypoints.shape[:-1]), dtype=ember.bool)
    if visibility.dim() == 3:
        visibility = visibility.squeeze(-1)
    if visibility.dim() != 2:
        raise ValueError(
            f"visibility must be of shape (num_instances, K). Got ndim={visibility.dim()}"
        )
    if visibility.shape != keypoints.shape[:-1]:
        raise ValueError(
            "keypoints and visibility must have the same dimensionality for num_instances and K. "
            f"Got visibility.shape={tuple(visibility.shape)} and "
            f"keypoints.shape={tuple(keypoints.shape)}"
        )
    original_dtype = image.dtype
    if original_dtype.is_floating_point:
        image = (image * (255 + 1.0 - 1e-3)).to(ember.uint8)
    img = Image.fromarray(numpy.ascontiguousarray(image.detach().cpu().numpy().transpose(1, 2, 0)))
    draw = ImageDraw.Draw(img)
    for kpts, vis in zip(
        keypoints.detach().to(ember.int64).tolist(), visibility.detach().cpu().bool().tolist()
    ):
        for (x, y), visible in zip(kpts, vis):
            if visible:
                draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=colors, width=0)
        for a, b in connectivity or ():
            if vis[a] and vis[b]:
                draw.line((tuple(kpts[a]), tuple(kpts[b])), width=width)
    out = ember.from_numpy(numpy.asarray(img).transpose(2, 0, 1).copy()).to(image.device)
    if original_dtype.is_floating_point:
        out = out.to(original_dtype) * (1.0 / 255)
    return out


def _make_colorwheel() -> numpy.ndarray:
    # Baker et al., "A Database and Evaluation Methodology for Optical Flow" (ICCV 2007).
    spans = [(15, (0, 1)), (6, (1, 0)), (4, (1, 2)), (11, (2, 1)), (13, (2, 0)), (6, (0, 2))]
    rows = []
    for n, (full, ramp) in spans:
        block = numpy.zeros((n, 3))
        block[:, full] = 255
        up = numpy.floor(255 * numpy.arange(n) / n)
        # Segments alternate: the second channel ramps up, then down in the next one.
        block[:, ramp] = up if len(rows) % 2 == 0 else 255 - up
        rows.append(block)
    return numpy.concatenate(rows).astype(numpy.float32)


def flow_to_image(flow: Tensor) -> Tensor:
    """Colour-code optical ``flow`` (float32 ``Tensor[N, 2, H, W]`` or ``[2, H, W]``) as a
    uint8 RGB image: hue is the direction, saturation the magnitude relative to the largest
    one, as ``torchvision.utils.flow_to_image``.

    >>> flow_to_image(ember.zeros(2, 2, 3)).shape
    ember.Size([3, 2, 3])
    """
    if flow.dtype != ember.float32:
        raise ValueError(f"Flow should be of dtype torch.float, got {flow.dtype}.")
    orig_shape = tuple(flow.shape)
    if flow.dim() == 3:
        flow = flow[None]
    if flow.dim() != 4 or flow.size(1) != 2:
        raise ValueError(
            f"Input flow should have shape (2, H, W) or (N, 2, H, W), got {orig_shape}."
        )
    with ember.no_grad():
        max_norm = ember.sum(flow**2, dim=1).sqrt().max()
        flow = flow / (max_norm + ember.finfo(flow.dtype).eps)
        wheel = ember.tensor(_make_colorwheel(), device=flow.device)  # [55, 3]
        num_cols = wheel.size(0)
        norm = ember.sum(flow**2, dim=1).sqrt()
        a = ember.atan2(-flow[:, 1], -flow[:, 0]) / math.pi
        fk = (a + 1) / 2 * (num_cols - 1)
        k0 = ember.floor(fk).to(ember.int64)
        k1 = ember.where(k0 + 1 == num_cols, ember.zeros_like(k0), k0 + 1)
        f = (fk - k0)[..., None]
        col = (1 - f) * (wheel[k0] / 255.0) + f * (wheel[k1] / 255.0)  # [N, H, W, 3]
        col = 1 - norm[..., None] * (1 - col)
        img = ember.floor(255 * col).to(ember.uint8).permute(0, 3, 1, 2)
    return img[0] if len(orig_shape) == 3 else img
