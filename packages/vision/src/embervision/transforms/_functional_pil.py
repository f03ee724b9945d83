"""PIL-image kernels behind ``functional`` (torchvision's ``_functional_pil``).

Host-side work: these call Pillow exactly as torchvision does, so PIL results match it
bit for bit; numpy appears only for Pillow round trips.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from PIL import Image, ImageEnhance, ImageOps

__all__: list[str] = []


def _Image_fromarray(obj: np.ndarray, mode: str) -> Image.Image:
    # Pillow >= 11.3 infers the mode in fromarray; torchvision relies on the old "read the
    # buffer as this mode" behaviour, which frombuffer still has.
    shape = obj.shape
    size = (1 if len(shape) == 1 else shape[1], shape[0])
    return Image.frombuffer(mode, size, np.ascontiguousarray(obj).tobytes(), "raw", mode, 0, 1)


def _is_pil_image(img: Any) -> bool:
    return isinstance(img, Image.Image)


def _check(img: Any) -> None:
    if not _is_pil_image(img):
        raise TypeError(f"img should be PIL Image. Got {type(img)}")


def get_dimensions(img: Any) -> list[int]:
    """Return ``[channels, height, width]`` of a PIL image."""
    if _is_pil_image(img):
        channels = len(img.getbands())
        width, height = img.size
        return [channels, height, width]
    raise TypeError(f"Unexpected type {type(img)}")


def get_image_size(img: Any) -> list[int]:
    """Return ``[width, height]`` of a PIL image."""
    if _is_pil_image(img):
        return list(img.size)
    raise TypeError(f"Unexpected type {type(img)}")


def get_image_num_channels(img: Any) -> int:
    """Return the number of bands of a PIL image."""
    if _is_pil_image(img):
        return len(img.getbands())
    raise TypeError(f"Unexpected type {type(img)}")


def hflip(img: Image.Image) -> Image.Image:
    """Mirror left-right."""
    _check(img)
    return img.transpose(Image.FLIP_LEFT_RIGHT)


def vflip(img: Image.Image) -> Image.Image:
    """Mirror top-bottom."""
    _check(img)
    return img.transpose(Image.FLIP_TOP_BOTTOM)


def adjust_brightness(img: Image.Image, brightness_factor: float) -> Image.Image:
    """Scale brightness with ``ImageEnhance.Brightness``."""
    _check(img)
    return ImageEnhance.Brightness(img).enhance(brightness_factor)


def adjust_contrast(img: Image.Image, contrast_factor: float) -> Image.Image:
    """Scale contrast with ``ImageEnhance.Contrast``."""
    _check(img)
    return ImageEnhance.Contrast(img).enhance(contrast_factor)


def adjust_saturation(img: Image.Image, saturation_factor: float) -> Image.Image:
    """Scale saturation with ``ImageEnhance.Color``."""
    _check(img)
    return ImageEnhance.Color(img).enhance(saturation_factor)


def adjust_hue(img: Image.Image, hue_factor: float) -> Image.Image:
    """Shift hue by ``hue_factor`` (in [-0.5, 0.5]) through HSV with uint8 wrap-around."""
    if not (-0.5 <= hue_factor <= 0.5):
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    _check(img)
    input_mode = img.mode
    if input_mode in {"L", "1", "I", "F"}:
        return img
    h, s, v = img.convert("HSV").split()
    np_h = np.array(h, dtype=np.uint8)
    # uint8 addition wraps around, which is exactly the hue rotation we want
    np_h += np.int32(hue_factor * 255).astype(np.uint8)
    h = _Image_fromarray(np_h, "L")
    return Image.merge("HSV", (h, s, v)).convert(input_mode)


def adjust_gamma(img: Image.Image, gamma: float, gain: float = 1.0) -> Image.Image:
    """Apply ``gain * x**gamma`` through a 256-entry lookup table."""
    _check(img)
    if gamma < 0:
        raise ValueError("Gamma should be a non-negative real number")
    input_mode = img.mode
    img = img.convert("RGB")
    gamma_map = [int((255 + 1 - 1e-3) * gain * pow(ele / 255.0, gamma)) for ele in range(256)] * 3
    img = img.point(gamma_map)
    return img.convert(input_mode)


def pad(
    img: Image.Image,
    padding: int | list[int] | tuple[int, ...],
    fill: float | list[float] | tuple[float, ...] | None = 0,
    padding_mode: Literal["constant", "edge", "reflect", "symmetric"] = "constant",
) -> Image.Image:
    """Pad with ``ImageOps.expand`` (constant) or ``np.pad`` (edge, reflect, symmetric)."""
    _check(img)
    if not isinstance(padding, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if fill is not None and not isinstance(fill, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate fill arg")
    if not isinstance(padding_mode, str):
        raise TypeError("Got inappropriate padding_mode arg")
    if isinstance(padding, list):
        padding = tuple(padding)
    if isinstance(padding, tuple) and len(padding) not in [1, 2, 4]:
        raise ValueError(
            "Padding must be an int or a 1, 2, or 4 element tuple, not a "
            f"{len(padding)} element tuple"
        )
    if isinstance(padding, tuple) and len(padding) == 1:
        padding = padding[0]
    if padding_mode not in ["constant", "edge", "reflect", "symmetric"]:
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")

    if padding_mode == "constant":
        opts = _parse_fill(fill, img, name="fill")
        if img.mode == "P":
            palette = img.getpalette()
            image = ImageOps.expand(img, border=padding, **opts)
            image.putpalette(palette)
            return image
        return ImageOps.expand(img, border=padding, **opts)

    if isinstance(padding, int):
        p = [padding] * 4
    elif len(padding) == 2:
        p = [padding[0], padding[1], padding[0], padding[1]]
    else:
        p = list(padding)
    cropping = -np.minimum(p, 0)
    if cropping.any():
        crop_left, crop_top, crop_right, crop_bottom = cropping
        img = img.crop((crop_left, crop_top, img.width - crop_right, img.height - crop_bottom))
    pad_left, pad_top, pad_right, pad_bottom = np.maximum(p, 0)
    if img.mode == "P":
        palette = img.getpalette()
        arr = np.pad(np.asarray(img), ((pad_top, pad_bottom), (pad_left, pad_right)), padding_mode)
        out = Image.fromarray(arr)
        out.putpalette(palette)
        return out
    arr = np.asarray(img)
    widths = [(pad_top, pad_bottom), (pad_left, pad_right)] + [(0, 0)] * (arr.ndim - 2)
    return Image.fromarray(np.pad(arr, widths, padding_mode))


def crop(img: Image.Image, top: int, left: int, height: int, width: int) -> Image.Image:
    """Crop a box; parts outside the image come out as zeros, as ``Image.crop`` does."""
    _check(img)
    return img.crop((left, top, left + width, top + height))


def resize(img: Image.Image, size: list[int], interpolation: int = Image.BILINEAR) -> Image.Image:
    """Resize to ``[h, w]`` with Pillow's (always antialiased) filters."""
    _check(img)
    if not (isinstance(size, list) and len(size) == 2):
        raise TypeError(f"Got inappropriate size arg: {size}")
    return img.resize(tuple(size[::-1]), interpolation)


def _parse_fill(
    fill: float | Sequence[float] | None, img: Image.Image, name: str = "fillcolor"
) -> dict[str, Any]:
    num_channels = get_image_num_channels(img)
    if fill is None:
        fill = 0
    if isinstance(fill, (int, float)) and num_channels > 1:
        fill = tuple([fill] * num_channels)
    if isinstance(fill, (list, tuple)):
        if len(fill) == 1:
            fill = fill * num_channels
        elif len(fill) != num_channels:
            msg = (
                "The number of elements in 'fill' does not match the number of channels "
                "of the image ({} != {})"
            )
            raise ValueError(msg.format(len(fill), num_channels))
        fill = tuple(fill)
    if img.mode != "F":
        fill = tuple(int(x) for x in fill) if isinstance(fill, (list, tuple)) else int(fill)
    return {name: fill}


def affine(
    img: Image.Image,
    matrix: list[float],
    interpolation: int = Image.NEAREST,
    fill: float | Sequence[float] | None = None,
) -> Image.Image:
    """Apply an inverse affine ``matrix`` (6 floats) with ``Image.transform``."""
    _check(img)
    opts = _parse_fill(fill, img)
    return img.transform(img.size, Image.AFFINE, matrix, interpolation, **opts)


def rotate(
    img: Image.Image,
    angle: float,
    interpolation: int = Image.NEAREST,
    expand: bool = False,
    center: tuple[int, int] | None = None,
    fill: float | Sequence[float] | None = None,
) -> Image.Image:
    """Rotate counter-clockwise by ``angle`` degrees with ``Image.rotate``."""
    _check(img)
    opts = _parse_fill(fill, img)
    return img.rotate(angle, interpolation, expand, center, **opts)


def perspective(
    img: Image.Image,
    perspective_coeffs: list[float],
    interpolation: int = Image.BICUBIC,
    fill: float | Sequence[float] | None = None,
) -> Image.Image:
    """Apply a projective transform given by 8 coefficients."""
    _check(img)
    opts = _parse_fill(fill, img)
    return img.transform(img.size, Image.PERSPECTIVE, perspective_coeffs, interpolation, **opts)


def to_grayscale(img: Image.Image, num_output_channels: int) -> Image.Image:
    """Convert to ``L`` (1 channel) or to ``L`` replicated into ``RGB`` (3 channels)."""
    _check(img)
    if num_output_channels == 1:
        return img.convert("L")
    if num_output_channels == 3:
        np_img = np.array(img.convert("L"), dtype=np.uint8)
        return _Image_fromarray(np.dstack([np_img, np_img, np_img]), "RGB")
    raise ValueError("num_output_channels should be either 1 or 3")


def invert(img: Image.Image) -> Image.Image:
    """Invert colours with ``ImageOps.invert``."""
    _check(img)
    return ImageOps.invert(img)


def posterize(img: Image.Image, bits: int) -> Image.Image:
    """Keep the ``bits`` most significant bits of each channel."""
    _check(img)
    return ImageOps.posterize(img, bits)


def solarize(img: Image.Image, threshold: int) -> Image.Image:
    """Invert pixels at or above ``threshold``."""
    _check(img)
    return ImageOps.solarize(img, threshold)


def adjust_sharpness(img: Image.Image, sharpness_factor: float) -> Image.Image:
    """Scale sharpness with ``ImageEnhance.Sharpness``."""
    _check(img)
    return ImageEnhance.Sharpness(img).enhance(sharpness_factor)


def autocontrast(img: Image.Image) -> Image.Image:
    """Stretch each channel to the full range with ``ImageOps.autocontrast``."""
    _check(img)
    return ImageOps.autocontrast(img)


def equalize(img: Image.Image) -> Image.Image:
    """Equalize the histogram with ``ImageOps.equalize``."""
    _check(img)
    return ImageOps.equalize(img)
