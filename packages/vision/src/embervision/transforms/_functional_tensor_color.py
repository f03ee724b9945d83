"""Colour and pixel-value kernels on Ember tensors (torchvision's ``_functional_tensor``).

Split from ``_functional_tensor.py`` to keep files short; same conventions: ``(..., C, H, W)``
uint8 or float tensors, whole-tensor Ember ops only (histograms via ``scatter_add``).
"""

from __future__ import annotations

import ember
import ember.nn.functional as F
from ember import Tensor

from ._functional_tensor import (
    _assert_channels,
    _assert_image_tensor,
    _cast_squeeze_in,
    _cast_squeeze_out,
    _depthwise,
    _max_value,
    convert_image_dtype,
    get_dimensions,
)

__all__: list[str] = []


def rgb_to_grayscale(img: Tensor, num_output_channels: int = 1) -> Tensor:
    """ITU-R 601-2 luma (0.2989 R + 0.587 G + 0.114 B), truncated back to the input dtype."""
    if img.ndim < 3:
        raise TypeError(
            f"Input image tensor should have at least 3 dimensions, but found {img.ndim}"
        )
    _assert_channels(img, [1, 3])
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    if img.shape[-3] == 3:
        r, g, b = img.unbind(dim=-3)
        l_img = (0.2989 * r + 0.587 * g + 0.114 * b).to(img.dtype).unsqueeze(dim=-3)
    else:
        l_img = img.clone()
    if num_output_channels == 3:
        return l_img.expand(img.shape)
    return l_img


def _blend(img1: Tensor, img2: Tensor, ratio: float) -> Tensor:
    ratio = float(ratio)
    bound = _max_value(img1.dtype)
    return (ratio * img1 + (1.0 - ratio) * img2).clamp(0, bound).to(img1.dtype)


def adjust_brightness(img: Tensor, brightness_factor: float) -> Tensor:
    """Blend with black."""
    if brightness_factor < 0:
        raise ValueError(f"brightness_factor ({brightness_factor}) is not non-negative.")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    return _blend(img, ember.zeros_like(img), brightness_factor)


def adjust_contrast(img: Tensor, contrast_factor: float) -> Tensor:
    """Blend with the mean grey level of each image."""
    if contrast_factor < 0:
        raise ValueError(f"contrast_factor ({contrast_factor}) is not non-negative.")
    _assert_image_tensor(img)
    _assert_channels(img, [3, 1])
    c = get_dimensions(img)[0]
    dtype = img.dtype if img.is_floating_point() else ember.float32
    gray = rgb_to_grayscale(img) if c == 3 else img
    mean = ember.mean(gray.to(dtype), dim=(-3, -2, -1), keepdim=True)
    return _blend(img, mean, contrast_factor)


def _rgb2hsv(img: Tensor) -> Tensor:
    r, g, b = img.unbind(dim=-3)
    maxc = ember.amax(img, dim=-3)
    minc = ember.amin(img, dim=-3)
    # Grey pixels (max == min) have undefined hue and zero saturation: guard the divisions
    eqc = maxc == minc
    cr = maxc - minc
    ones = ember.ones_like(maxc)
    s = cr / ember.where(eqc, ones, maxc)
    cr_divisor = ember.where(eqc, ones, cr)
    rc = (maxc - r) / cr_divisor
    gc = (maxc - g) / cr_divisor
    bc = (maxc - b) / cr_divisor
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = hr + hg + hb
    h = ember.fmod(h / 6.0 + 1.0, 1.0)
    return ember.stack((h, s, maxc), dim=-3)


def _hsv2rgb(img: Tensor) -> Tensor:
    h, s, v = img.unbind(dim=-3)
    i = ember.floor(h * 6.0)
    f = (h * 6.0) - i
    i = i.to(ember.int32)
    p = ember.clamp(v * (1.0 - s), 0.0, 1.0)
    q = ember.clamp(v * (1.0 - s * f), 0.0, 1.0)
    t = ember.clamp(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    i = (i % 6).long().unsqueeze(dim=-3)
    # torchvision contracts a one-hot mask with einsum; gathering the selected value is the
    # same number (x * 1 + 0s) at a fraction of the work
    a1 = ember.stack((v, q, p, p, t, v), dim=-3).gather(-3, i)
    a2 = ember.stack((t, v, v, q, p, p), dim=-3).gather(-3, i)
    a3 = ember.stack((p, p, t, v, v, q), dim=-3).gather(-3, i)
    return ember.cat((a1, a2, a3), dim=-3).to(img.dtype)


def adjust_hue(img: Tensor, hue_factor: float) -> Tensor:
    """Rotate hue in HSV space by ``hue_factor`` turns."""
    if not (-0.5 <= hue_factor <= 0.5):
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    if not isinstance(img, Tensor):
        raise TypeError("Input img should be Tensor image")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    if get_dimensions(img)[0] == 1:  # Match PIL behaviour
        return img
    orig_dtype = img.dtype
    img = convert_image_dtype(img, ember.float32)
    h, s, v = _rgb2hsv(img).unbind(dim=-3)
    h = (h + hue_factor) % 1.0
    img_hue_adj = _hsv2rgb(ember.stack((h, s, v), dim=-3))
    return convert_image_dtype(img_hue_adj, orig_dtype)


def adjust_saturation(img: Tensor, saturation_factor: float) -> Tensor:
    """Blend with the grayscale image."""
    if saturation_factor < 0:
        raise ValueError(f"saturation_factor ({saturation_factor}) is not non-negative.")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    if get_dimensions(img)[0] == 1:  # Match PIL behaviour
        return img
    return _blend(img, rgb_to_grayscale(img), saturation_factor)


def adjust_gamma(img: Tensor, gamma: float, gain: float = 1) -> Tensor:
    """``gain * x**gamma`` on [0, 1] values, clamped."""
    if not isinstance(img, Tensor):
        raise TypeError("Input img should be a Tensor.")
    _assert_channels(img, [1, 3])
    if gamma < 0:
        raise ValueError("Gamma should be a non-negative real number")
    dtype = img.dtype
    result = img if img.is_floating_point() else convert_image_dtype(img, ember.float32)
    result = (gain * result.pow(gamma)).clamp(0, 1)
    return convert_image_dtype(result, dtype)


def invert(img: Tensor) -> Tensor:
    """``max_value - img``."""
    _assert_image_tensor(img)
    if img.ndim < 3:
        raise TypeError(
            f"Input image tensor should have at least 3 dimensions, but found {img.ndim}"
        )
    _assert_channels(img, [1, 3])
    return _max_value(img.dtype) - img


def posterize(img: Tensor, bits: int) -> Tensor:
    """Keep the ``bits`` high bits of a uint8 image."""
    _assert_image_tensor(img)
    if img.ndim < 3:
        raise TypeError(
            f"Input image tensor should have at least 3 dimensions, but found {img.ndim}"
        )
    if img.dtype != ember.uint8:
        raise TypeError(f"Only torch.uint8 image tensors are supported, but found {img.dtype}")
    _assert_channels(img, [1, 3])
    mask = -int(2 ** (8 - bits))  # ~(2 ** (8 - bits) - 1)
    return img & mask


def solarize(img: Tensor, threshold: float) -> Tensor:
    """Invert pixels at or above ``threshold``."""
    _assert_image_tensor(img)
    if img.ndim < 3:
        raise TypeError(
            f"Input image tensor should have at least 3 dimensions, but found {img.ndim}"
        )
    _assert_channels(img, [1, 3])
    if threshold > _max_value(img.dtype):
        raise TypeError("Threshold should be less than bound of img.")
    return ember.where(img >= threshold, invert(img), img)


def _blurred_degenerate_image(img: Tensor) -> Tensor:
    # PIL's SMOOTH filter on the interior; the one-pixel border is kept as is
    dtype = img.dtype if img.is_floating_point() else ember.float32
    kernel = ember.ones((3, 3), dtype=dtype, device=img.device)
    kernel[1, 1] = 5.0
    kernel = kernel / kernel.sum()
    kernel = kernel.expand(img.shape[-3], 1, kernel.shape[0], kernel.shape[1])
    result_tmp, need_cast, need_squeeze, out_dtype = _cast_squeeze_in(img, [kernel.dtype])
    result_tmp = _depthwise(result_tmp, kernel)
    result_tmp = _cast_squeeze_out(result_tmp, need_cast, need_squeeze, out_dtype)
    result = img.clone()
    result[..., 1:-1, 1:-1] = result_tmp
    return result


def adjust_sharpness(img: Tensor, sharpness_factor: float) -> Tensor:
    """Blend with a smoothed copy (factor > 1 sharpens)."""
    if sharpness_factor < 0:
        raise ValueError(f"sharpness_factor ({sharpness_factor}) is not non-negative.")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    if img.shape[-1] <= 2 or img.shape[-2] <= 2:
        return img
    return _blend(img, _blurred_degenerate_image(img), sharpness_factor)


def autocontrast(img: Tensor) -> Tensor:
    """Stretch each channel of each image to the full value range."""
    _assert_image_tensor(img)
    if img.ndim < 3:
        raise TypeError(
            f"Input image tensor should have at least 3 dimensions, but found {img.ndim}"
        )
    _assert_channels(img, [1, 3])
    bound = _max_value(img.dtype)
    dtype = img.dtype if img.is_floating_point() else ember.float32
    minimum = img.amin(dim=(-2, -1), keepdim=True).to(dtype)
    maximum = img.amax(dim=(-2, -1), keepdim=True).to(dtype)
    # Constant channels (max == min) give inf scale: leave them unchanged
    eq_idxs = maximum == minimum
    scale = bound / ember.where(eq_idxs, ember.ones_like(maximum), maximum - minimum)
    minimum = ember.where(eq_idxs, ember.zeros_like(minimum), minimum)
    scale = ember.where(eq_idxs, ember.ones_like(scale), scale)
    return ((img - minimum) * scale).clamp(0, bound).to(img.dtype)


def equalize(img: Tensor) -> Tensor:
    """Histogram-equalize each channel of a uint8 ``(C, H, W)`` or ``(N, C, H, W)`` image."""
    _assert_image_tensor(img)
    if not (3 <= img.ndim <= 4):
        raise TypeError(f"Input image tensor should have 3 or 4 dimensions, but found {img.ndim}")
    if img.dtype != ember.uint8:
        raise TypeError(f"Only torch.uint8 image tensors are supported, but found {img.dtype}")
    _assert_channels(img, [1, 3])
    # All channels at once: one scatter_add builds a (channels, 256) histogram
    flat = img.reshape(-1, img.shape[-2] * img.shape[-1]).long()
    rows, npix = flat.shape
    offsets = (ember.arange(rows, device=img.device) * 256).view(-1, 1)
    # float64 counts: Ember's float scatter_add is one bincount (its integer path sorts), and
    # float64 counts are exact far beyond any image size
    ones = ember.ones(rows * npix, dtype=ember.float64, device=img.device)
    hist = ember.zeros(rows * 256, dtype=ember.float64, device=img.device)
    hist = hist.scatter_add(0, (flat + offsets).reshape(-1), ones).long().view(rows, 256)
    # PIL's step: pixels outside the last occupied bin, over 255
    last = hist.gather(1, flat.amax(dim=1, keepdim=True))
    step = ember.div(npix - last, 255, rounding_mode="floor")
    safe_step = ember.where(step == 0, ember.ones_like(step), step)
    lut = ember.div(
        ember.cumsum(hist, 1) + ember.div(safe_step, 2, rounding_mode="floor"),
        safe_step,
        rounding_mode="floor",
    )
    lut = F.pad(lut, [1, 0])[:, :-1].clamp(0, 255)
    out = lut.gather(1, flat)
    out = ember.where(step == 0, flat, out)
    return out.to(ember.uint8).view(img.shape)
