"""AlexNet, as ``torchvision.models.alexnet`` (the "One weird trick" variant).

Same submodule names and ``AlexNet_Weights`` as torchvision 0.29; layers keep PyTorch's
default initialisation, as torchvision's does.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import ember
from ember import Tensor, nn

from ..transforms._presets import ImageClassification
from ._api import Weights, WeightsEnum, _ovewrite_named_param, register_model
from ._meta import _IMAGENET_CATEGORIES

__all__ = ["AlexNet", "AlexNet_Weights", "alexnet"]


class AlexNet(nn.Module):
    """Five conv layers with max pooling, a 6x6 adaptive average pool and three linear
    layers with dropout ``dropout``; input ``(N, 3, H, W)`` with H, W >= 63, output
    ``(N, num_classes)``.

    >>> AlexNet(num_classes=5)(ember.zeros(1, 3, 63, 63)).shape
    ember.Size([1, 5])
    """

    def __init__(self, num_classes: int = 1000, dropout: float = 0.5) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(64, 192, kernel_size=5, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(192, 384, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout),
            nn.Linear(256 * 6 * 6, 4096),
            nn.ReLU(inplace=True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, 4096),
            nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        x = self.features(x)
        x = self.avgpool(x)
        x = ember.flatten(x, 1)
        return self.classifier(x)


_COMMON_META = {"categories": _IMAGENET_CATEGORIES}


class AlexNet_Weights(WeightsEnum):
    """ImageNet-1K checkpoints for :func:`alexnet` (members as torchvision's)."""

    IMAGENET1K_V1 = Weights(
        url="https://download.pytorch.org/models/alexnet-owt-7be5be79.pth",
        transforms=partial(ImageClassification, crop_size=224),
        meta={
            **_COMMON_META,
            "num_params": 61100840,
            "min_size": (63, 63),
            "recipe": "https://github.com/pytorch/vision/tree/main/references/classification#alexnet-and-vgg",
            "_metrics": {"ImageNet-1K": {"acc@1": 56.522, "acc@5": 79.066}},
            "_ops": 0.714,
            "_file_size": 233.087,
            "_docs": (
                "\n                These weights reproduce closely the results of the paper "
                "using a simplified training recipe.\n            "
            ),
        },
    )
    DEFAULT = IMAGENET1K_V1


@register_model()
def alexnet(
    *, weights: AlexNet_Weights | None = None, progress: bool = True, **kwargs: Any
) -> AlexNet:
    """AlexNet (the variant of the paper below rather than the 2012 original), from
    `One weird trick for parallelizing convolutional neural networks
    <https://arxiv.org/abs/1404.5997>`_.

    ``weights``: a :class:`AlexNet_Weights` member, its name or
    ``"DEFAULT"`` (None: random init); ``progress``: show the download bar; other
    ``kwargs`` go to :class:`AlexNet`.

    >>> alexnet(num_classes=10)(ember.zeros(1, 3, 63, 63)).shape
    ember.Size([1, 10])
    """
    weights = AlexNet_Weights.verify(weights)
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    model = AlexNet(**kwargs)
    if weights is not None:
        model.load_state_dict(weights.get_state_dict(progress=progress, check_hash=True))
    return model
