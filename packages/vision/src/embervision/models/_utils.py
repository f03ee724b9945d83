"""Helpers shared by the model builders, as ``torchvision.models._utils``.

``_make_divisible`` rounds channel counts (MobileNet, EfficientNet, RegNet);
``_ovewrite_value_param`` / ``_ovewrite_named_param`` let pretrained weights fix builder
arguments; ``IntermediateLayerGetter`` returns named intermediate activations.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, TypeVar

from ember import nn

from ._api import _ovewrite_named_param

__all__ = [
    "IntermediateLayerGetter",
    "_make_divisible",
    "_ovewrite_named_param",
    "_ovewrite_value_param",
]

V = TypeVar("V")


def _make_divisible(v: float, divisor: int, min_value: int | None = None) -> int:
    """Round ``v`` to the nearest multiple of ``divisor`` (at least ``min_value``, default
    ``divisor``), never going more than 10% below ``v``; the TensorFlow MobileNet rule.

    >>> _make_divisible(37.0, 8), _make_divisible(3.0, 8), _make_divisible(100, 8, 96)
    (40, 8, 104)
    """
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    # Make sure that rounding down does not go down by more than 10%.
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def _ovewrite_value_param(param: str, actual: V | None, expected: V) -> V:
    """Return ``expected``, raising ValueError when the user passed a different ``actual``.

    >>> _ovewrite_value_param("num_classes", None, 1000)
    1000
    """
    if actual is not None:
        if actual != expected:
            raise ValueError(
                f"The parameter '{param}' expected value {expected} but got {actual} instead."
            )
    return expected


class IntermediateLayerGetter(nn.ModuleDict):
    """Run ``model``'s direct children in registration order and return the outputs of
    those named in ``return_layers`` (``{child_name: output_name}``) as an OrderedDict.

    Children after the last requested one are dropped. Like torchvision's, this assumes
    the children are used in the order they were registered and each exactly once.

    >>> from embervision.models import resnet18
    >>> getter = IntermediateLayerGetter(resnet18(), {"layer1": "feat1", "layer2": "feat2"})
    >>> {k: tuple(v.shape) for k, v in getter(ember.zeros(1, 3, 32, 32)).items()}
    {'feat1': (1, 64, 8, 8), 'feat2': (1, 128, 4, 4)}
    """

    _version = 2

    def __init__(self, model: nn.Module, return_layers: dict[str, str]) -> None:
        if not set(return_layers).issubset([name for name, _ in model.named_children()]):
            raise ValueError(
                f"IntermediateLayerGetter: return_layers {sorted(return_layers)} are not all "
                f"children of the model ({[name for name, _ in model.named_children()]})"
            )
        orig_return_layers = return_layers
        remaining = {str(k): str(v) for k, v in return_layers.items()}
        layers: OrderedDict[str, nn.Module] = OrderedDict()
        for name, module in model.named_children():
            layers[name] = module
            remaining.pop(name, None)
            if not remaining:
                break
        super().__init__(layers)
        self.return_layers = orig_return_layers

    def forward(self, x: Any) -> OrderedDict[str, Any]:
        out: OrderedDict[str, Any] = OrderedDict()
        for name, module in self.items():
            x = module(x)
            if name in self.return_layers:
                out[self.return_layers[name]] = x
        return out
