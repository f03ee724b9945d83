"""Functional transforms on PIL images and Ember tensors (``torchvision.transforms.functional``).

Each function dispatches on its input: PIL images go to Pillow (``_functional_pil``), Ember
tensors ``(..., C, H, W)`` to Ember ops (``_functional_tensor``), with torchvision's names,
defaults, results and error messages.
"""

from __future__ import annotations

import numbers
import sys
import warnings
from typing import Any

import numpy as np
from PIL import Image

import ember
from ember import Tensor

from . import _functional_pil as F_pil
from . import _functional_tensor as F_t
from ._functional_pil import _Image_fromarray
from ._interpolation import InterpolationMode, _interpolation_modes_from_int, pil_modes_mapping

__all__ = [
    "InterpolationMode",
    "adjust_brightness",
    "adjust_contrast",
    "adjust_gamma",
    "adjust_hue",
    "adjust_saturation",
    "adjust_sharpness",
    "affine",
    "autocontrast",
    "center_crop",
    "convert_image_dtype",
    "crop",
    "elastic_transform",
    "equalize",
    "erase",
    "five_crop",
    "gaussian_blur",
    "get_dimensions",
    "get_image_num_channels",
    "get_image_size",
    "hflip",
    "invert",
    "normalize",
    "pad",
    "perspective",
    "pil_to_tensor",
    "posterize",
    "resize",
    "resized_crop",
    "rgb_to_grayscale",
    "rotate",
    "solarize",
    "ten_crop",
    "to_grayscale",
    "to_pil_image",
    "to_tensor",
    "vflip",
]

_is_pil_image = F_pil._is_pil_image


def _check_interpolation(interpolation: Any) -> InterpolationMode:
    if isinstance(interpolation, int):
        return _interpolation_modes_from_int(interpolation)
    if not isinstance(interpolation, InterpolationMode):
        raise TypeError(
            "Argument interpolation should be a InterpolationMode or a corresponding Pillow "
            "integer constant"
        )
    return interpolation


def get_dimensions(img: Tensor | Image.Image) -> list[int]:
    """Return ``[channels, height, width]`` of a PIL image or ``(..., C, H, W)`` tensor.

    >>> get_dimensions(ember.zeros(3, 4, 5))
    [3, 4, 5]
    """
    if isinstance(img, Tensor):
        return F_t.get_dimensions(img)
    return F_pil.get_dimensions(img)


def get_image_size(img: Tensor | Image.Image) -> list[int]:
    """Return ``[width, height]`` of a PIL image or tensor.

    >>> get_image_size(ember.zeros(3, 4, 5))
    [5, 4]
    """
    if isinstance(img, Tensor):
        return F_t.get_image_size(img)
    return F_pil.get_image_size(img)


def get_image_num_channels(img: Tensor | Image.Image) -> int:
    """Return the number of channels of a PIL image or tensor.

    >>> get_image_num_channels(ember.zeros(4, 5))
    1
    """
    if isinstance(img, Tensor):
        return F_t.get_image_num_channels(img)
    return F_pil.get_image_num_channels(img)


def to_tensor(pic: Image.Image | np.ndarray) -> Tensor:
    """Convert a PIL image or ``(H, W[, C])`` ndarray to a ``(C, H, W)`` tensor.

    uint8 data is rescaled to float in [0, 1] (default float dtype); other dtypes keep
    their values, as torchvision.

    >>> to_tensor(np.full((2, 3, 1), 255, dtype=np.uint8)).max().item()
    1.0
    """
    if not (F_pil._is_pil_image(pic) or isinstance(pic, np.ndarray)):
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    if isinstance(pic, np.ndarray) and pic.ndim not in {2, 3}:
        raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
    default_float_dtype = ember.get_default_dtype()
    if isinstance(pic, np.ndarray):
        if pic.ndim == 2:
            pic = pic[:, :, None]
        img = ember.from_numpy(np.ascontiguousarray(pic.transpose((2, 0, 1))))
        if img.dtype == ember.uint8:
            return img.to(default_float_dtype).div(255)
        return img
    # Pillow modes whose pixels are not uint8
    mode_to_nptype = {
        "I": np.int32,
        "I;16" if sys.byteorder == "little" else "I;16B": np.int16,
        "F": np.float32,
    }
    arr = np.array(pic, mode_to_nptype.get(pic.mode, np.uint8), copy=True)
    if pic.mode == "1":
        arr = 255 * arr
    arr = arr.reshape(pic.size[1], pic.size[0], F_pil.get_image_num_channels(pic))
    img = ember.from_numpy(np.ascontiguousarray(arr.transpose((2, 0, 1))))
    if img.dtype == ember.uint8:
        return img.to(default_float_dtype).div(255)
    return img


def pil_to_tensor(pic: Any) -> Tensor:
    """Convert a PIL image to a ``(C, H, W)`` tensor of the same dtype, without rescaling.

    >>> from PIL import Image
    >>> pil_to_tensor(Image.new("RGB", (5, 4))).shape
    ember.Size([3, 4, 5])
    """
    if not F_pil._is_pil_image(pic):
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    arr = np.array(pic, copy=True)
    arr = arr.reshape(pic.size[1], pic.size[0], F_pil.get_image_num_channels(pic))
    return ember.from_numpy(np.ascontiguousarray(arr.transpose((2, 0, 1))))


def convert_image_dtype(image: Tensor, dtype: ember.dtype = ember.float) -> Tensor:
    """Convert a tensor image to ``dtype``, rescaling values (uint8 255 <-> float 1.0).

    >>> convert_image_dtype(ember.tensor([[[255]]], dtype=ember.uint8)).item()
    1.0
    """
    if not isinstance(image, Tensor):
        raise TypeError("Input img should be Tensor Image")
    return F_t.convert_image_dtype(image, dtype)


def to_pil_image(pic: Tensor | np.ndarray, mode: str | None = None) -> Image.Image:
    """Convert a ``(C, H, W)`` tensor or ``(H, W, C)`` ndarray to a PIL image.

    Floats are scaled by 255 and truncated to uint8 unless ``mode='F'``; the mode is
    inferred from channels and dtype as torchvision does.

    >>> to_pil_image(ember.zeros(3, 4, 5)).size
    (5, 4)
    """
    if isinstance(pic, Tensor):
        if pic.ndim == 3:
            pic = pic.permute((1, 2, 0))
        pic = pic.detach().cpu().numpy()
    elif not isinstance(pic, np.ndarray):
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
    if pic.ndim == 2:
        pic = np.expand_dims(pic, 2)
    if pic.ndim != 3:
        raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
    if pic.shape[-1] > 4:
        raise ValueError(f"pic should not have > 4 channels. Got {pic.shape[-1]} channels.")
    npimg = pic
    if np.issubdtype(npimg.dtype, np.floating) and mode != "F":
        npimg = (npimg * 255).astype(np.uint8)
    if npimg.shape[2] == 1:
        expected_mode = None
        npimg = npimg[:, :, 0]
        if npimg.dtype == np.uint8:
            expected_mode = "L"
        elif npimg.dtype == np.int16:
            expected_mode = "I;16" if sys.byteorder == "little" else "I;16B"
        elif npimg.dtype == np.int32:
            expected_mode = "I"
        elif npimg.dtype == np.float32:
            expected_mode = "F"
        if mode is not None and mode != expected_mode:
            raise ValueError(
                f"Incorrect mode ({mode}) supplied for input type {np.dtype}. "
                f"Should be {expected_mode}"
            )
        mode = expected_mode
    elif npimg.shape[2] == 2:
        permitted_2_channel_modes = ["LA"]
        if mode is not None and mode not in permitted_2_channel_modes:
            raise ValueError(f"Only modes {permitted_2_channel_modes} are supported for 2D inputs")
        if mode is None and npimg.dtype == np.uint8:
            mode = "LA"
    elif npimg.shape[2] == 4:
        permitted_4_channel_modes = ["RGBA", "CMYK", "RGBX"]
        if mode is not None and mode not in permitted_4_channel_modes:
            raise ValueError(f"Only modes {permitted_4_channel_modes} are supported for 4D inputs")
        if mode is None and npimg.dtype == np.uint8:
            mode = "RGBA"
    else:
        permitted_3_channel_modes = ["RGB", "YCbCr", "HSV"]
        if mode is not None and mode not in permitted_3_channel_modes:
            raise ValueError(f"Only modes {permitted_3_channel_modes} are supported for 3D inputs")
        if mode is None and npimg.dtype == np.uint8:
            mode = "RGB"
    if mode is None:
        raise TypeError(f"Input type {npimg.dtype} is not supported")
    return _Image_fromarray(npimg, mode=mode)


def normalize(tensor: Tensor, mean: list[float], std: list[float], inplace: bool = False) -> Tensor:
    """Normalize a float ``(..., C, H, W)`` tensor per channel: ``(x - mean) / std``.

    >>> normalize(ember.ones(1, 2, 2), [0.5], [0.25]).max().item()
    2.0
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
    return F_t.normalize(tensor, mean=mean, std=std, inplace=inplace)


def _compute_resized_output_size(
    image_size: tuple[int, int],
    size: list[int] | None,
    max_size: int | None = None,
    allow_size_none: bool = False,
) -> list[int]:
    h, w = image_size
    short, long = (w, h) if w <= h else (h, w)
    if size is None:
        if not allow_size_none:
            raise ValueError("This should never happen!!")
        if not isinstance(max_size, int):
            raise ValueError(
                f"max_size must be an integer when size is None, but got {max_size} instead."
            )
        new_short, new_long = int(max_size * short / long), max_size
        new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    elif len(size) == 1:
        requested_new_short = size if isinstance(size, int) else size[0]
        new_short, new_long = requested_new_short, int(requested_new_short * long / short)
        if max_size is not None:
            if max_size <= requested_new_short:
                raise ValueError(
                    f"max_size = {max_size} must be strictly greater than the requested "
                    f"size for the smaller edge size = {size}"
                )
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
        new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    else:
        new_w, new_h = size[1], size[0]
    return [new_h, new_w]


def resize(
    img: Tensor | Image.Image,
    size: int | list[int],
    interpolation: InterpolationMode = InterpolationMode.BILINEAR,
    max_size: int | None = None,
    antialias: bool | None = True,
) -> Tensor | Image.Image:
    """Resize to ``size`` ([h, w], or an int/[int] for the smaller edge, capped by ``max_size``).

    Tensors use Ember's interpolate (antialiased bilinear/bicubic when ``antialias``, as
    torch's separable AA kernel); PIL images always antialias.

    >>> resize(ember.zeros(3, 8, 10), [4, 5]).shape
    ember.Size([3, 4, 5])
    """
    interpolation = _check_interpolation(interpolation)
    if isinstance(size, (list, tuple)):
        if len(size) not in [1, 2]:
            raise ValueError(
                "Size must be an int or a 1 or 2 element tuple/list, not a "
                f"{len(size)} element tuple/list"
            )
        if max_size is not None and len(size) != 1:
            raise ValueError(
                "max_size should only be passed if size specifies the length of the smaller "
                "edge, i.e. size should be an int or a sequence of length 1 in torchscript mode."
            )
    _, image_height, image_width = get_dimensions(img)
    if isinstance(size, int):
        size = [size]
    output_size = _compute_resized_output_size((image_height, image_width), size, max_size)
    if [image_height, image_width] == output_size:
        return img
    if not isinstance(img, Tensor):
        if antialias is False:
            warnings.warn(
                "Anti-alias option is always applied for PIL Image input. Argument antialias "
                "is ignored.",
                stacklevel=2,
            )
        pil_interpolation = pil_modes_mapping[interpolation]
        return F_pil.resize(img, size=output_size, interpolation=pil_interpolation)
    return F_t.resize(img, size=output_size, interpolation=interpolation.value, antialias=antialias)


def pad(
    img: Tensor | Image.Image,
    padding: int | list[int],
    fill: float | list[float] = 0,
    padding_mode: str = "constant",
) -> Tensor | Image.Image:
    """Pad the borders (int, [all], [left/right, top/bottom] or [l, t, r, b]).

    ``padding_mode`` is ``constant`` (with ``fill``), ``edge``, ``reflect`` or ``symmetric``.

    >>> pad(ember.zeros(1, 2, 2), [1, 2]).shape
    ember.Size([1, 6, 4])
    """
    if not isinstance(img, Tensor):
        return F_pil.pad(img, padding=padding, fill=fill, padding_mode=padding_mode)
    return F_t.pad(img, padding=padding, fill=fill, padding_mode=padding_mode)


def crop(img: Tensor | Image.Image, top: int, left: int, height: int, width: int) -> Any:
    """Crop the box at (``top``, ``left``) of ``height`` x ``width``; outside is zero-padded.

    >>> crop(ember.zeros(3, 8, 8), 1, 2, 4, 5).shape
    ember.Size([3, 4, 5])
    """
    if not isinstance(img, Tensor):
        return F_pil.crop(img, top, left, height, width)
    return F_t.crop(img, top, left, height, width)


def center_crop(img: Tensor | Image.Image, output_size: int | list[int]) -> Any:
    """Crop the center ``output_size`` ([h, w] or int); zero-pads images that are too small.

    >>> center_crop(ember.zeros(3, 8, 8), 4).shape
    ember.Size([3, 4, 4])
    """
    if isinstance(output_size, numbers.Number):
        output_size = (int(output_size), int(output_size))
    elif isinstance(output_size, (tuple, list)) and len(output_size) == 1:
        output_size = (output_size[0], output_size[0])
    _, image_height, image_width = get_dimensions(img)
    crop_height, crop_width = output_size
    if crop_width > image_width or crop_height > image_height:
        padding_ltrb = [
            (crop_width - image_width) // 2 if crop_width > image_width else 0,
            (crop_height - image_height) // 2 if crop_height > image_height else 0,
            (crop_width - image_width + 1) // 2 if crop_width > image_width else 0,
            (crop_height - image_height + 1) // 2 if crop_height > image_height else 0,
        ]
        img = pad(img, padding_ltrb, fill=0)
        _, image_height, image_width = get_dimensions(img)
        if crop_width == image_width and crop_height == image_height:
            return img
    crop_top = int(round((image_height - crop_height) / 2.0))
    crop_left = int(round((image_width - crop_width) / 2.0))
    return crop(img, crop_top, crop_left, crop_height, crop_width)


def resized_crop(
    img: Tensor | Image.Image,
    top: int,
    left: int,
    height: int,
    width: int,
    size: list[int],
    interpolation: InterpolationMode = InterpolationMode.BILINEAR,
    antialias: bool | None = True,
) -> Any:
    """Crop then resize to ``size``, as ``crop`` followed by ``resize``.

    >>> resized_crop(ember.zeros(3, 8, 8), 0, 0, 4, 4, [2, 2]).shape
    ember.Size([3, 2, 2])
    """
    img = crop(img, top, left, height, width)
    return resize(img, size, interpolation, antialias=antialias)


def hflip(img: Tensor | Image.Image) -> Any:
    """Flip horizontally (along the last axis).

    >>> hflip(ember.tensor([[[1, 2, 3]]])).tolist()
    [[[3, 2, 1]]]
    """
    if not isinstance(img, Tensor):
        return F_pil.hflip(img)
    return F_t.hflip(img)


def vflip(img: Tensor | Image.Image) -> Any:
    """Flip vertically (along H).

    >>> vflip(ember.tensor([[[1], [2]]])).tolist()
    [[[2], [1]]]
    """
    if not isinstance(img, Tensor):
        return F_pil.vflip(img)
    return F_t.vflip(img)


def _get_perspective_coeffs(
    startpoints: list[list[int]], endpoints: list[list[int]]
) -> list[float]:
    # Solve the 8x8 system mapping endpoints back to startpoints (least squares, float64),
    # rounded to float32 as torchvision does; host-side geometry on 4 points
    if len(startpoints) != 4 or len(endpoints) != 4:
        raise ValueError(
            f"Please provide exactly four corners, got {len(startpoints)} startpoints and "
            f"{len(endpoints)} endpoints."
        )
    a_matrix = np.zeros((8, 8), dtype=np.float64)
    for i, (p1, p2) in enumerate(zip(endpoints, startpoints, strict=True)):
        a_matrix[2 * i, :] = [p1[0], p1[1], 1, 0, 0, 0, -p2[0] * p1[0], -p2[0] * p1[1]]
        a_matrix[2 * i + 1, :] = [0, 0, 0, p1[0], p1[1], 1, -p2[1] * p1[0], -p2[1] * p1[1]]
    b_matrix = np.array(startpoints, dtype=np.float64).reshape(8)
    res = np.linalg.lstsq(a_matrix, b_matrix, rcond=None)[0].astype(np.float32)
    return [float(v) for v in res]


def perspective(
    img: Tensor | Image.Image,
    startpoints: list[list[int]],
    endpoints: list[list[int]],
    interpolation: InterpolationMode = InterpolationMode.BILINEAR,
    fill: list[float] | None = None,
) -> Any:
    """Warp so the 4 ``startpoints`` ([x, y] corners) land on ``endpoints``.

    >>> pts = [[0, 0], [4, 0], [4, 4], [0, 4]]
    >>> perspective(ember.ones(1, 5, 5), pts, pts).shape
    ember.Size([1, 5, 5])
    """
    coeffs = _get_perspective_coeffs(startpoints, endpoints)
    interpolation = _check_interpolation(interpolation)
    if not isinstance(img, Tensor):
        pil_interpolation = pil_modes_mapping[interpolation]
        return F_pil.perspective(img, coeffs, interpolation=pil_interpolation, fill=fill)
    return F_t.perspective(img, coeffs, interpolation=interpolation.value, fill=fill)


def five_crop(img: Tensor | Image.Image, size: int | list[int]) -> tuple:
    """Crop the four corners and the center: ``(tl, tr, bl, br, center)``.

    >>> len(five_crop(ember.zeros(1, 4, 4), 2))
    5
    """
    if isinstance(size, numbers.Number):
        size = (int(size), int(size))
    elif isinstance(size, (tuple, list)) and len(size) == 1:
        size = (size[0], size[0])
    if len(size) != 2:
        raise ValueError("Please provide only two dimensions (h, w) for size.")
    _, image_height, image_width = get_dimensions(img)
    crop_height, crop_width = size
    if crop_width > image_width or crop_height > image_height:
        msg = "Requested crop size {} is bigger than input size {}"
        raise ValueError(msg.format(size, (image_height, image_width)))
    tl = crop(img, 0, 0, crop_height, crop_width)
    tr = crop(img, 0, image_width - crop_width, crop_height, crop_width)
    bl = crop(img, image_height - crop_height, 0, crop_height, crop_width)
    br = crop(img, image_height - crop_height, image_width - crop_width, crop_height, crop_width)
    center = center_crop(img, [crop_height, crop_width])
    return tl, tr, bl, br, center


def ten_crop(
    img: Tensor | Image.Image, size: int | list[int], vertical_flip: bool = False
) -> tuple:
    """``five_crop`` of the image and of its flipped copy (horizontal unless ``vertical_flip``).

    >>> len(ten_crop(ember.zeros(1, 4, 4), 2))
    10
    """
    if isinstance(size, numbers.Number):
        size = (int(size), int(size))
    elif isinstance(size, (tuple, list)) and len(size) == 1:
        size = (size[0], size[0])
    if len(size) != 2:
        raise ValueError("Please provide only two dimensions (h, w) for size.")
    first_five = five_crop(img, size)
    img = vflip(img) if vertical_flip else hflip(img)
    return first_five + five_crop(img, size)


def elastic_transform(
    img: Tensor | Image.Image,
    displacement: Tensor,
    interpolation: InterpolationMode = InterpolationMode.BILINEAR,
    fill: list[float] | None = None,
) -> Any:
    """Move each pixel by ``displacement`` (``(1, H, W, 2)``, in grid_sample's [-1, 1] units).

    >>> elastic_transform(ember.ones(1, 4, 4), ember.zeros(1, 4, 4, 2)).sum().item()
    16.0
    """
    if isinstance(interpolation, int):
        warnings.warn(
            "Argument interpolation should be of type InterpolationMode instead of int. "
            "Please, use InterpolationMode enum.",
            stacklevel=2,
        )
        interpolation = _interpolation_modes_from_int(interpolation)
    if not isinstance(displacement, Tensor):
        raise TypeError("Argument displacement should be a Tensor")
    t_img = img
    if not isinstance(img, Tensor):
        if not F_pil._is_pil_image(img):
            raise TypeError(f"img should be PIL Image or Tensor. Got {type(img)}")
        t_img = pil_to_tensor(img)
    shape = (1, *t_img.shape[-2:], 2)
    if shape != tuple(displacement.shape):
        raise ValueError(
            f"Argument displacement shape should be {shape}, but given {displacement.shape}"
        )
    output = F_t.elastic_transform(
        t_img, displacement, interpolation=interpolation.value, fill=fill
    )
    if not isinstance(img, Tensor):
        output = to_pil_image(output, mode=img.mode)
    return output


from ._functional_color import (  # noqa: E402  (they use the dispatch helpers above)
    adjust_brightness,
    adjust_contrast,
    adjust_gamma,
    adjust_hue,
    adjust_saturation,
    adjust_sharpness,
    autocontrast,
    equalize,
    erase,
    gaussian_blur,
    invert,
    posterize,
    rgb_to_grayscale,
    solarize,
    to_grayscale,
)
from ._functional_geometry import (  # noqa: E402
    _get_inverse_affine_matrix,  # noqa: F401  (torchvision exposes it here)
    affine,
    rotate,
)
