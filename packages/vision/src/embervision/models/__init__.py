"""The model zoo: torchvision's architectures, builders, Weights enums and registry."""

from . import (
    alexnet,
    convnext,
    densenet,
    efficientnet,
    lenet,
    mobilenetv2,
    mobilenetv3,
    regnet,
    resnet,
    shufflenetv2,
    squeezenet,
    swin_transformer,
    vgg,
    vision_transformer,
)
from ._api import (
    Weights,
    WeightsEnum,
    get_model,
    get_model_builder,
    get_model_weights,
    get_weight,
    list_models,
)

# Every builder and Weights enum is public, as ``from torchvision.models import *`` gives.
__all__ = [
    "Weights",
    "WeightsEnum",
    "get_model",
    "get_model_builder",
    "get_model_weights",
    "get_weight",
    "list_models",
]
_name = None
for _module in (
    alexnet,
    convnext,
    densenet,
    efficientnet,
    lenet,
    mobilenetv2,
    mobilenetv3,
    regnet,
    resnet,
    shufflenetv2,
    squeezenet,
    swin_transformer,
    vgg,
    vision_transformer,
):
    for _name in getattr(_module, "__all__", ()):
        globals()[_name] = getattr(_module, _name)
        __all__.append(_name)
del _module, _name
