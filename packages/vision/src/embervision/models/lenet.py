"""LeNetDigits: Ember's own small zoo model, a LeNet-style CNN for 8x8 handwritten digits.

Unlike the torchvision architectures beside it, this model and its weights are Ember's: it
was trained on scikit-learn's 8x8 digits by ``scripts/train_lenet_digits.py`` and its
checkpoint ships inside the package (``models/_weights``), so ``lenet_digits(weights=
"DEFAULT")`` works with no network: the weights' url is a ``file://`` URI that
``ember.hub.load_state_dict_from_url`` copies into the hub cache, checking its sha256.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy

import ember
from ember import Tensor, nn

from ._api import Weights, WeightsEnum, _ovewrite_named_param, register_model

__all__ = ["DigitsClassification", "LeNetDigits", "LeNet_Digits_Weights", "lenet_digits"]

# The hex after the last "-" is the first 8 digits of the file's sha256, which
# ``check_hash=True`` verifies; scripts/train_lenet_digits.py prints this name.
_WEIGHTS_FILE = "lenet_digits-2eacf1e9.safetensors"
_WEIGHTS_URL = (Path(__file__).parent / "_weights" / _WEIGHTS_FILE).as_uri()
_DIGITS_CATEGORIES = [str(digit) for digit in range(10)]


class LeNetDigits(nn.Module):
    """LeNet-5's shape scaled to 1x8x8 inputs: two conv(3x3)-ReLU-maxpool(2) blocks (16 and
    32 channels, 8x8 -> 4x4 -> 2x2) and three linear layers (128 -> 120 -> 84 ->
    ``num_classes``) with dropout before the first two. Input ``(N, 1, 8, 8)`` as made by
    :class:`DigitsClassification`; output ``(N, num_classes)`` logits.

    >>> from embervision.models import LeNetDigits
    >>> LeNetDigits()(ember.zeros(2, 1, 8, 8)).shape
    ember.Size([2, 10])
    """

    def __init__(self, num_classes: int = 10, dropout: float = 0.25) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=2),
            nn.Conv2d(16, 32, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=2),
        )
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout),
            nn.Linear(32 * 2 * 2, 120),
            nn.ReLU(inplace=True),
            nn.Dropout(p=dropout),
            nn.Linear(120, 84),
            nn.ReLU(inplace=True),
            nn.Linear(84, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 4 or tuple(x.shape[1:]) != (1, 8, 8):
            raise ValueError(
                f"LeNetDigits: expected input of shape (N, 1, 8, 8), got {tuple(x.shape)}; "
                "prepare images with LeNet_Digits_Weights.DEFAULT.transforms()"
            )
        x = self.features(x)
        x = ember.flatten(x, 1)
        return self.classifier(x)


class DigitsClassification(nn.Module):
    """Evaluation preset of the digits weights: takes one 8x8 digit on scikit-learn's scale
    (values 0..16, as ``sklearn.datasets.load_digits().images``) as a ``PIL.Image``, a numpy
    array or an Ember tensor of any real or uint8 dtype, shaped ``(8, 8)`` or ``(1, 8, 8)``,
    or a batch ``(B, 8, 8)`` / ``(B, 1, 8, 8)``, and returns float32 ``(1, 8, 8)`` (or
    ``(B, 1, 8, 8)``): the values divided by 16, then normalised with the training set's
    ``mean`` and ``std``. Images on another scale (0..255 grayscale) must be rescaled to
    0..16 first; values above 16 raise ValueError rather than silently saturating.

    >>> from embervision.models import DigitsClassification
    >>> DigitsClassification()(numpy.full((8, 8), 16, dtype=numpy.uint8)).shape
    ember.Size([1, 8, 8])
    """

    def __init__(self, *, mean: float = 0.3054, std: float = 0.3761, scale: float = 16.0) -> None:
        super().__init__()
        self.mean = mean
        self.std = std
        self.scale = scale

    def forward(self, img: Any) -> Tensor:
        name = type(self).__name__
        if not isinstance(img, Tensor):
            # PIL images and numpy arrays are host data: numpy is the right tool here.
            array = numpy.asarray(img)
            if array.dtype.kind not in "uif":
                raise TypeError(f"{name}: expected uint8/int/float pixels, got {array.dtype}")
            img = ember.from_numpy(numpy.ascontiguousarray(array, dtype=numpy.float32))
        elif img.dtype.is_complex or img.dtype == ember.bool:
            raise TypeError(f"{name}: expected uint8/int/float pixels, got {img.dtype}")
        shape = tuple(img.shape)
        if (
            img.ndim < 2
            or img.ndim > 4
            or shape[-2:] != (8, 8)
            or (img.ndim == 4 and shape[1] != 1)
        ):
            raise ValueError(
                f"{name}: expected an 8x8 digit shaped (8, 8), (1, 8, 8), (B, 8, 8) or "
                f"(B, 1, 8, 8), got shape {shape}"
            )
        img = img.to(ember.float32)
        if img.numel() and img.max().item() > self.scale:
            raise ValueError(
                f"{name}: pixel values must lie in 0..{self.scale:g} (scikit-learn's digits "
                f"scale), got a maximum of {img.max().item():g}; rescale 0..255 images with "
                f"img * {self.scale:g} / 255 first"
            )
        if img.ndim == 2:
            img = img.unsqueeze(0)
        elif img.ndim == 3 and shape[0] != 1:
            img = img.unsqueeze(1)  # a batch of (8, 8) digits
        return (img / self.scale - self.mean) / self.std

    def __repr__(self) -> str:
        return f"{type(self).__name__}(mean={self.mean}, std={self.std}, scale={self.scale})"

    def describe(self) -> str:
        return (
            "Accepts ``PIL.Image``, numpy arrays and ``ember.Tensor`` digits shaped ``(8, 8)``, "
            "``(1, 8, 8)`` or batched ``(B, 8, 8)``/``(B, 1, 8, 8)`` with values in "
            f"``0..{self.scale:g}``. The values are divided by ``{self.scale:g}`` and "
            f"normalised using ``mean={self.mean}`` and ``std={self.std}``."
        )


class LeNet_Digits_Weights(WeightsEnum):
    """Weights for :func:`lenet_digits`, trained on scikit-learn's digits; see ``meta``."""

    DIGITS_V1 = Weights(
        url=_WEIGHTS_URL,
        transforms=DigitsClassification,
        meta={
            "num_params": 31294,
            "min_size": (8, 8),
            "categories": _DIGITS_CATEGORIES,
            "recipe": "scripts/train_lenet_digits.py",
            "_metrics": {"digits": {"acc@1": 98.611}},
            "_ops": 0.0001,
            "_file_size": 0.120,
            "_docs": """
                Trained from scratch by scripts/train_lenet_digits.py on 1,437 of
                scikit-learn's 1,797 8x8 digits (a stratified split with random_state=0);
                acc@1 is on the other 360. The checkpoint ships inside the package.
            """,
        },
    )
    DEFAULT = DIGITS_V1


@register_model()
def lenet_digits(
    *, weights: LeNet_Digits_Weights | None = None, progress: bool = True, **kwargs: Any
) -> LeNetDigits:
    """A LeNet-style CNN for 8x8 grayscale digits (:class:`LeNetDigits`); ``weights``
    (``LeNet_Digits_Weights``, its name or ``"DEFAULT"``) loads the packaged checkpoint
    through the hub cache with its sha256 checked, ``progress`` shows the copy's progress
    bar, and other keyword arguments (``num_classes``, ``dropout``) go to the model.

    >>> from embervision.models import lenet_digits
    >>> sum(p.numel() for p in lenet_digits().parameters())
    31294
    """
    weights = LeNet_Digits_Weights.verify(weights)
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    model = LeNetDigits(**kwargs)
    if weights is not None:
        model.load_state_dict(weights.get_state_dict(progress=progress, check_hash=True))
    return model
