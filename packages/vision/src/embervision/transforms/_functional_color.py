"""Colour and pixel-value ops of ``functional`` (split out to keep files short).

Each dispatches PIL images to Pillow and Ember tensors to Ember ops, as torchvision.
"""

from __future__ import annotations

from typing import Any

from PIL import Image

from ember import Tensor

from . import _functional_pil as F_pil
from . import _functional_tensor as F_t
from . import _functional_tensor_color as F_tc

__all__ = [
    "adjust_brightness",
    "adjust_contrast",
    "adjust_gamma",
    "adjust_hue",
    "adjust_saturation",
    "adjust_sharpness",
    "autocontrast",
    "equalize",
    "erase",
    "gaussian_blur",
    "invert",
    "posterize",
    "rgb_to_grayscale",
    "solarize",
    "to_grayscale",
]


def adjust_brightness(img: Tensor | Image.Image, brightness_factor: float) -> Any:
    """Scale brightness: 0 gives black, 1 the original, 2 twice as bright (clamped).

    >>> import ember
    >>> adjust_brightness(ember.full((3, 1, 1), 0.25), 2.0).tolist()
    [[[0.5]], [[0.5]], [[0.5]]]
    """
    if not isinstance(img, Tensor):
        return F_pil.adjust_brightness(img, brightness_factor)
    return F_tc.adjust_brightness(img, brightness_factor)


def adjust_contrast(img: Tensor | Image.Image, contrast_factor: float) -> Any:
    """Blend with the image's mean grey: 0 gives a solid grey image, 1 the original.

    >>> import ember
    >>> round(adjust_contrast(ember.full((3, 2, 2), 0.5), 0.0).mean().item(), 3)
    0.5
    """
    if not isinstance(img, Tensor):
        return F_pil.adjust_contrast(img, contrast_factor)
    return F_tc.adjust_contrast(img, contrast_factor)


def adjust_saturation(img: Tensor | Image.Image, saturation_factor: float) -> Any:
    """Blend with the grayscale image: 0 gives grey, 1 the original, 2 doubles saturation.

    >>> import ember
    >>> adjust_saturation(ember.ones(3, 2, 2), 0.5).shape
    ember.Size([3, 2, 2])
    """
    if not isinstance(img, Tensor):
        return F_pil.adjust_saturation(img, saturation_factor)
    return F_tc.adjust_saturation(img, saturation_factor)


def adjust_hue(img: Tensor | Image.Image, hue_factor: float) -> Any:
    """Rotate the hue channel by ``hue_factor`` in [-0.5, 0.5] turns (via HSV).

    >>> import ember
    >>> adjust_hue(ember.zeros(3, 2, 2), 0.25).sum().item()
    0.0
    """
    if not isinstance(img, Tensor):
        return F_pil.adjust_hue(img, hue_factor)
    return F_tc.adjust_hue(img, hue_factor)


def adjust_gamma(img: Tensor | Image.Image, gamma: float, gain: float = 1) -> Any:
    """Gamma correction ``gain * x**gamma`` on [0, 1] values.

    >>> import ember
    >>> adjust_gamma(ember.full((1, 1, 1), 0.25), 0.5).item()
    0.5
    """
    if not isinstance(img, Tensor):
        return F_pil.adjust_gamma(img, gamma, gain)
    return F_tc.adjust_gamma(img, gamma, gain)


def adjust_sharpness(img: Tensor | Image.Image, sharpness_factor: float) -> Any:
    """Blend with PIL's SMOOTH-filtered copy: 0 blurs, 1 keeps, 2 sharpens.

    >>> import ember
    >>> adjust_sharpness(ember.ones(3, 4, 4), 2.0).shape
    ember.Size([3, 4, 4])
    """
    if not isinstance(img, Tensor):
        return F_pil.adjust_sharpness(img, sharpness_factor)
    return F_tc.adjust_sharpness(img, sharpness_factor)


def to_grayscale(img: Image.Image, num_output_channels: int = 1) -> Image.Image:
    """Convert a PIL image to grayscale with 1 or 3 channels (PIL images only).

    >>> from PIL import Image
    >>> to_grayscale(Image.new("RGB", (2, 2)), 3).mode
    'RGB'
    """
    if isinstance(img, Image.Image):
        return F_pil.to_grayscale(img, num_output_channels)
    raise TypeError("Input should be PIL Image")


def rgb_to_grayscale(img: Tensor | Image.Image, num_output_channels: int = 1) -> Any:
    """Convert RGB to grayscale (ITU-R 601-2 luma) with 1 or 3 output channels.

    >>> import ember
    >>> rgb_to_grayscale(ember.ones(3, 2, 2)).shape
    ember.Size([1, 2, 2])
    """
    if not isinstance(img, Tensor):
        return F_pil.to_grayscale(img, num_output_channels)
    return F_tc.rgb_to_grayscale(img, num_output_channels)


def erase(img: Tensor, i: int, j: int, h: int, w: int, v: Tensor, inplace: bool = False) -> Tensor:
    """Set the box at row ``i``, column ``j`` of size ``h`` x ``w`` to ``v`` (tensors only).

    >>> import ember
    >>> erase(ember.ones(1, 3, 3), 0, 0, 2, 2, ember.tensor(0.0)).sum().item()
    5.0
    """
    if not isinstance(img, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(img)}")
    return F_t.erase(img, i, j, h, w, v, inplace=inplace)


def gaussian_blur(
    img: Tensor | Image.Image,
    kernel_size: int | list[int],
    sigma: float | list[float] | None = None,
) -> Any:
    """Gaussian blur with odd ``kernel_size`` ([x, y]) and ``sigma`` (default ``0.3 * ((k - 1)
    * 0.5 - 1) + 0.8``); PIL images are blurred through the tensor kernel, as torchvision.

    >>> import ember
    >>> round(gaussian_blur(ember.ones(3, 5, 5), 3).mean().item(), 5)
    1.0
    """
    if not isinstance(kernel_size, (int, list, tuple)):
        raise TypeError(
            f"kernel_size should be int or a sequence of integers. Got {type(kernel_size)}"
        )
    if isinstance(kernel_size, int):
        kernel_size = [kernel_size, kernel_size]
    if len(kernel_size) != 2:
        raise ValueError(
            f"If kernel_size is a sequence its length should be 2. Got {len(kernel_size)}"
        )
    for ksize in kernel_size:
        if ksize % 2 == 0 or ksize < 0:
            raise ValueError(
                f"kernel_size should have odd and positive integers. Got {kernel_size}"
            )
    if sigma is None:
        sigma = [ksize * 0.15 + 0.35 for ksize in kernel_size]
    if not isinstance(sigma, (int, float, list, tuple)):
        raise TypeError(f"sigma should be either float or sequence of floats. Got {type(sigma)}")
    if isinstance(sigma, (int, float)):
        sigma = [float(sigma), float(sigma)]
    if isinstance(sigma, (list, tuple)) and len(sigma) == 1:
        sigma = [sigma[0], sigma[0]]
    if len(sigma) != 2:
        raise ValueError(f"If sigma is a sequence, its length should be 2. Got {len(sigma)}")
    for s in sigma:
        if s <= 0.0:
            raise ValueError(f"sigma should have positive values. Got {sigma}")
    from .functional import pil_to_tensor, to_pil_image

    t_img = img
    if not isinstance(img, Tensor):
        if not F_pil._is_pil_image(img):
            raise TypeError(f"img should be PIL Image or Tensor. Got {type(img)}")
        t_img = pil_to_tensor(img)
    output = F_t.gaussian_blur(t_img, kernel_size, sigma)
    if not isinstance(img, Tensor):
        output = to_pil_image(output, mode=img.mode)
    return output


def invert(img: Tensor | Image.Image) -> Any:
    """Invert colours: ``max_value - img``.

    >>> import ember
    >>> invert(ember.tensor([[[0, 255]]], dtype=ember.uint8)).tolist()
    [[[255, 0]]]
    """
    if not isinstance(img, Tensor):
        return F_pil.invert(img)
    return F_tc.invert(img)


def posterize(img: Tensor | Image.Image, bits: int) -> Any:
    """Keep the ``bits`` (0..8) most significant bits of each uint8 channel.

    >>> import ember
    >>> posterize(ember.tensor([[[255]]], dtype=ember.uint8), 2).item()
    192
    """
    if not 0 <= bits <= 8:
        raise ValueError(f"The number if bits should be between 0 and 8. Got {bits}")
    if not isinstance(img, Tensor):
        return F_pil.posterize(img, bits)
    return F_tc.posterize(img, bits)


def solarize(img: Tensor | Image.Image, threshold: float) -> Any:
    """Invert every pixel at or above ``threshold``.

    >>> import ember
    >>> solarize(ember.tensor([[[10, 200]]], dtype=ember.uint8), 128).tolist()
    [[[10, 55]]]
    """
    if not isinstance(img, Tensor):
        return F_pil.solarize(img, threshold)
    return F_tc.solarize(img, threshold)


def autocontrast(img: Tensor | Image.Image) -> Any:
    """Stretch each channel linearly so its minimum maps to 0 and maximum to the top value.

    >>> import ember
    >>> autocontrast(ember.tensor([[[0.25, 0.5]]])).tolist()
    [[[0.0, 1.0]]]
    """
    if not isinstance(img, Tensor):
        return F_pil.autocontrast(img)
    return F_tc.autocontrast(img)


def equalize(img: Tensor | Image.Image) -> Any:
    """Equalize the histogram of each channel (uint8 tensors or PIL images), as PIL.

    >>> import ember
    >>> equalize(ember.tensor([[[0, 0, 128, 255]]], dtype=ember.uint8)).tolist()
    [[[0, 0, 128, 255]]]
    """
    if not isinstance(img, Tensor):
        return F_pil.equalize(img)
    return F_tc.equalize(img)
