"""Colour, blur, erasing and random-photometric transforms (split out of ``transforms.py``)."""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Sequence
from typing import Any

import ember
from ember import Tensor, nn

from . import functional as F
from .transforms import _exp_uniform, _setup_size, _uniform

__all__ = [
    "ColorJitter",
    "GaussianBlur",
    "Grayscale",
    "LinearTransformation",
    "RandomAdjustSharpness",
    "RandomAutocontrast",
    "RandomEqualize",
    "RandomErasing",
    "RandomGrayscale",
    "RandomInvert",
    "RandomPosterize",
    "RandomSolarize",
]


class LinearTransformation(nn.Module):
    """Flatten, subtract ``mean_vector`` and multiply by a square ``transformation_matrix``
    (e.g. ZCA whitening); the image keeps its shape.

    >>> LinearTransformation(ember.eye(4), ember.zeros(4))(ember.ones(1, 2, 2)).shape
    ember.Size([1, 2, 2])
    """

    def __init__(self, transformation_matrix: Tensor, mean_vector: Tensor) -> None:
        super().__init__()
        if transformation_matrix.size(0) != transformation_matrix.size(1):
            raise ValueError(
                "transformation_matrix should be square. Got "
                f"{tuple(transformation_matrix.size())} rectangular matrix."
            )
        if mean_vector.size(0) != transformation_matrix.size(0):
            raise ValueError(
                f"mean_vector should have the same length {mean_vector.size(0)} as any one of "
                "the dimensions of the transformation_matrix "
                f"[{tuple(transformation_matrix.size())}]"
            )
        if transformation_matrix.device != mean_vector.device:
            raise ValueError(
                "Input tensors should be on the same device. Got "
                f"{transformation_matrix.device} and {mean_vector.device}"
            )
        if transformation_matrix.dtype != mean_vector.dtype:
            raise ValueError(
                "Input tensors should have the same dtype. Got "
                f"{transformation_matrix.dtype} and {mean_vector.dtype}"
            )
        self.transformation_matrix = transformation_matrix
        self.mean_vector = mean_vector

    def forward(self, tensor: Tensor) -> Tensor:
        shape = tensor.shape
        n = shape[-3] * shape[-2] * shape[-1]
        if n != self.transformation_matrix.shape[0]:
            raise ValueError(
                "Input tensor and transformation matrix have incompatible shape."
                f"[{shape[-3]} x {shape[-2]} x {shape[-1]}] != "
                f"{self.transformation_matrix.shape[0]}"
            )
        flat_tensor = tensor.reshape(-1, n) - self.mean_vector
        transformation_matrix = self.transformation_matrix.to(flat_tensor.dtype)
        return ember.mm(flat_tensor, transformation_matrix).reshape(shape)

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(transformation_matrix="
            f"{self.transformation_matrix.tolist()}, mean_vector={self.mean_vector.tolist()})"
        )


class ColorJitter(nn.Module):
    """Randomly change brightness, contrast, saturation and hue, in a random order.

    Each argument is a max deviation ``v`` (factor drawn from ``[max(0, 1 - v), 1 + v]``, hue
    from ``[-v, v]``) or a ``(min, max)`` range.

    >>> ColorJitter(0.4, 0.4, 0.4, 0.1)(ember.rand(3, 4, 4)).shape
    ember.Size([3, 4, 4])
    """

    def __init__(
        self,
        brightness: float | tuple[float, float] = 0,
        contrast: float | tuple[float, float] = 0,
        saturation: float | tuple[float, float] = 0,
        hue: float | tuple[float, float] = 0,
    ) -> None:
        super().__init__()
        self.brightness = self._check_input(brightness, "brightness")
        self.contrast = self._check_input(contrast, "contrast")
        self.saturation = self._check_input(saturation, "saturation")
        self.hue = self._check_input(
            hue, "hue", center=0, bound=(-0.5, 0.5), clip_first_on_zero=False
        )

    def _check_input(
        self,
        value: Any,
        name: str,
        center: float = 1,
        bound: tuple[float, float] = (0, float("inf")),
        clip_first_on_zero: bool = True,
    ) -> tuple[float, float] | None:
        if isinstance(value, numbers.Number):
            if value < 0:
                raise ValueError(f"If {name} is a single number, it must be non negative.")
            value = [center - float(value), center + float(value)]
            if clip_first_on_zero:
                value[0] = max(value[0], 0.0)
        elif isinstance(value, (tuple, list)) and len(value) == 2:
            value = [float(value[0]), float(value[1])]
        else:
            raise TypeError(f"{name} should be a single number or a list/tuple with length 2.")
        if not bound[0] <= value[0] <= value[1] <= bound[1]:
            raise ValueError(f"{name} values should be between {bound}, but got {value}.")
        # if value is 0 or (1., 1.) for brightness/contrast/saturation or (0., 0.) for hue,
        # do nothing
        if value[0] == value[1] == center:
            return None
        return tuple(value)

    @staticmethod
    def get_params(
        brightness: Sequence[float] | None,
        contrast: Sequence[float] | None,
        saturation: Sequence[float] | None,
        hue: Sequence[float] | None,
    ) -> tuple[Tensor, float | None, float | None, float | None, float | None]:
        """A random order of the four adjustments and a random factor for each enabled one."""
        fn_idx = ember.randperm(4)
        b = None if brightness is None else _uniform(brightness[0], brightness[1])
        c = None if contrast is None else _uniform(contrast[0], contrast[1])
        s = None if saturation is None else _uniform(saturation[0], saturation[1])
        h = None if hue is None else _uniform(hue[0], hue[1])
        return fn_idx, b, c, s, h

    def forward(self, img: Any) -> Any:
        fn_idx, brightness_factor, contrast_factor, saturation_factor, hue_factor = self.get_params(
            self.brightness, self.contrast, self.saturation, self.hue
        )
        for fn_id in fn_idx.tolist():
            if fn_id == 0 and brightness_factor is not None:
                img = F.adjust_brightness(img, brightness_factor)
            elif fn_id == 1 and contrast_factor is not None:
                img = F.adjust_contrast(img, contrast_factor)
            elif fn_id == 2 and saturation_factor is not None:
                img = F.adjust_saturation(img, saturation_factor)
            elif fn_id == 3 and hue_factor is not None:
                img = F.adjust_hue(img, hue_factor)
        return img

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(brightness={self.brightness}, contrast={self.contrast}, "
            f"saturation={self.saturation}, hue={self.hue})"
        )


class Grayscale(nn.Module):
    """Convert to grayscale with ``num_output_channels`` (1 or 3) channels.

    >>> Grayscale()(ember.ones(3, 2, 2)).shape
    ember.Size([1, 2, 2])
    """

    def __init__(self, num_output_channels: int = 1) -> None:
        super().__init__()
        self.num_output_channels = num_output_channels

    def forward(self, img: Any) -> Any:
        return F.rgb_to_grayscale(img, num_output_channels=self.num_output_channels)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(num_output_channels={self.num_output_channels})"


class RandomGrayscale(nn.Module):
    """With probability ``p``, convert to grayscale keeping the channel count.

    >>> RandomGrayscale(p=1.0)(ember.ones(3, 2, 2)).shape
    ember.Size([3, 2, 2])
    """

    def __init__(self, p: float = 0.1) -> None:
        super().__init__()
        self.p = p

    def forward(self, img: Any) -> Any:
        num_output_channels, _, _ = F.get_dimensions(img)
        if ember.rand(1) < self.p:
            return F.rgb_to_grayscale(img, num_output_channels=num_output_channels)
        return img

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(p={self.p})"


class RandomErasing(nn.Module):
    """With probability ``p``, erase a random box (area ``scale``, aspect ``ratio``) of a tensor
    image with ``value`` (a number, per-channel sequence, or ``'random'`` normal noise).

    >>> RandomErasing(p=1.0)(ember.ones(3, 8, 8)).shape
    ember.Size([3, 8, 8])
    """

    def __init__(
        self,
        p: float = 0.5,
        scale: tuple[float, float] = (0.02, 0.33),
        ratio: tuple[float, float] = (0.3, 3.3),
        value: float | str | Sequence[float] = 0,
        inplace: bool = False,
    ) -> None:
        super().__init__()
        if not isinstance(value, (numbers.Number, str, tuple, list)):
            raise TypeError("Argument value should be either a number or str or a sequence")
        if isinstance(value, str) and value != "random":
            raise ValueError("If value is str, it should be 'random'")
        if not isinstance(scale, Sequence):
            raise TypeError("Scale should be a sequence")
        if not isinstance(ratio, Sequence):
            raise TypeError("Ratio should be a sequence")
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            warnings.warn("Scale and ratio should be of kind (min, max)", stacklevel=2)
        if scale[0] < 0 or scale[1] > 1:
            raise ValueError("Scale should be between 0 and 1")
        if p < 0 or p > 1:
            raise ValueError("Random erasing probability should be between 0 and 1")
        self.p = p
        self.scale = scale
        self.ratio = ratio
        self.value = value
        self.inplace = inplace

    @staticmethod
    def get_params(
        img: Tensor,
        scale: tuple[float, float],
        ratio: tuple[float, float],
        value: list[float] | None = None,
    ) -> tuple[int, int, int, int, Tensor]:
        """Random ``(i, j, h, w, v)`` of the box to erase; the whole image if 10 tries fail."""
        img_c, img_h, img_w = img.shape[-3], img.shape[-2], img.shape[-1]
        area = img_h * img_w
        log_ratio = ember.log(ember.tensor(ratio))
        for _ in range(10):
            erase_area = area * _uniform(scale[0], scale[1])
            aspect_ratio = _exp_uniform(log_ratio)
            h = int(round(math.sqrt(erase_area * aspect_ratio)))
            w = int(round(math.sqrt(erase_area / aspect_ratio)))
            if not (h < img_h and w < img_w):
                continue
            if value is None:
                v = ember.empty([img_c, h, w], dtype=ember.float32).normal_()
            else:
                v = ember.tensor(value)[:, None, None]
            i = int(ember.randint(0, img_h - h + 1, size=(1,)).item())
            j = int(ember.randint(0, img_w - w + 1, size=(1,)).item())
            return i, j, h, w, v
        # Return original image
        return 0, 0, img_h, img_w, img

    def forward(self, img: Tensor) -> Tensor:
        if ember.rand(1) < self.p:
            if isinstance(self.value, (int, float)):
                value = [float(self.value)]
            elif isinstance(self.value, str):
                value = None
            else:
                value = [float(v) for v in self.value]
            if value is not None and len(value) not in (1, img.shape[-3]):
                raise ValueError(
                    "If value is a sequence, it should have either a single value or "
                    f"{img.shape[-3]} (number of input channels)"
                )
            x, y, h, w, v = self.get_params(img, scale=self.scale, ratio=self.ratio, value=value)
            return F.erase(img, x, y, h, w, v.to(img.dtype), self.inplace)
        return img

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(p={self.p}, scale={self.scale}, ratio={self.ratio}, "
            f"value={self.value}, inplace={self.inplace})"
        )


class GaussianBlur(nn.Module):
    """Gaussian blur with ``kernel_size`` and a sigma drawn uniformly from ``sigma`` (min, max).

    >>> GaussianBlur(3)(ember.ones(3, 5, 5)).shape
    ember.Size([3, 5, 5])
    """

    def __init__(
        self, kernel_size: int | Sequence[int], sigma: float | tuple[float, float] = (0.1, 2.0)
    ) -> None:
        super().__init__()
        self.kernel_size = _setup_size(
            kernel_size, "Kernel size should be a tuple/list of two integers"
        )
        for ks in self.kernel_size:
            if ks <= 0 or ks % 2 == 0:
                raise ValueError("Kernel size value should be an odd and positive number.")
        if isinstance(sigma, numbers.Number):
            if sigma <= 0:
                raise ValueError("If sigma is a single number, it must be positive.")
            sigma = (sigma, sigma)
        elif isinstance(sigma, Sequence) and len(sigma) == 2:
            if not 0.0 < sigma[0] <= sigma[1]:
                raise ValueError("sigma values should be positive and of the form (min, max).")
        else:
            raise ValueError("sigma should be a single number or a list/tuple with length 2.")
        self.sigma = sigma

    @staticmethod
    def get_params(sigma_min: float, sigma_max: float) -> float:
        """A uniform random sigma in ``[sigma_min, sigma_max]``."""
        return _uniform(sigma_min, sigma_max)

    def forward(self, img: Any) -> Any:
        sigma = self.get_params(self.sigma[0], self.sigma[1])
        return F.gaussian_blur(img, self.kernel_size, [sigma, sigma])

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(kernel_size={self.kernel_size}, sigma={self.sigma})"


class _RandomOp(nn.Module):
    # Shared shape of the "apply op with probability p" transforms
    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        self.p = p

    def _apply(self, img: Any) -> Any:
        raise NotImplementedError

    def forward(self, img: Any) -> Any:
        if ember.rand(1).item() < self.p:
            return self._apply(img)
        return img

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(p={self.p})"


class RandomInvert(_RandomOp):
    """Invert colours with probability ``p``.

    >>> RandomInvert(p=1.0)(ember.zeros(1, 1, 1)).item()
    1.0
    """

    def _apply(self, img: Any) -> Any:
        return F.invert(img)


class RandomAutocontrast(_RandomOp):
    """Autocontrast with probability ``p``.

    >>> RandomAutocontrast(p=1.0)(ember.tensor([[[0.2, 0.4]]])).tolist()
    [[[0.0, 1.0]]]
    """

    def _apply(self, img: Any) -> Any:
        return F.autocontrast(img)


class RandomEqualize(_RandomOp):
    """Histogram-equalize with probability ``p``.

    >>> RandomEqualize(p=0.0)(ember.zeros(1, 1, 1, dtype=ember.uint8)).item()
    0
    """

    def _apply(self, img: Any) -> Any:
        return F.equalize(img)


class RandomPosterize(_RandomOp):
    """Posterize to ``bits`` bits with probability ``p``.

    >>> RandomPosterize(1, p=1.0)(ember.tensor([[[255]]], dtype=ember.uint8)).item()
    128
    """

    def __init__(self, bits: int, p: float = 0.5) -> None:
        super().__init__(p)
        self.bits = bits

    def _apply(self, img: Any) -> Any:
        return F.posterize(img, self.bits)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(bits={self.bits},p={self.p})"


class RandomSolarize(_RandomOp):
    """Solarize above ``threshold`` with probability ``p``.

    >>> RandomSolarize(0.5, p=1.0)(ember.ones(1, 1, 1)).item()
    0.0
    """

    def __init__(self, threshold: float, p: float = 0.5) -> None:
        super().__init__(p)
        self.threshold = threshold

    def _apply(self, img: Any) -> Any:
        return F.solarize(img, self.threshold)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(threshold={self.threshold},p={self.p})"


class RandomAdjustSharpness(_RandomOp):
    """Adjust sharpness by ``sharpness_factor`` with probability ``p``.

    >>> RandomAdjustSharpness(2.0, p=1.0)(ember.ones(3, 4, 4)).shape
    ember.Size([3, 4, 4])
    """

    def __init__(self, sharpness_factor: float, p: float = 0.5) -> None:
        super().__init__(p)
        self.sharpness_factor = sharpness_factor

    def _apply(self, img: Any) -> Any:
        return F.adjust_sharpness(img, self.sharpness_factor)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(sharpness_factor={self.sharpness_factor},p={self.p})"
