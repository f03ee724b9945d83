"""``ember.nn``: modules, parameters, layers and losses, as ``torch.nn``."""

from ember.nn import init, utils
from ember.nn.modules import (
    Identity,
    Linear,
    Module,
    ModuleDict,
    ModuleList,
    ParameterDict,
    ParameterList,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
)
from ember.nn.parameter import Buffer, Parameter

__all__ = [
    "init",
    "utils",
    "Parameter",
    "Buffer",
    "Module",
    "Sequential",
    "ModuleList",
    "ModuleDict",
    "ParameterList",
    "ParameterDict",
    "Identity",
    "Linear",
    "ReLU",
    "Tanh",
    "Sigmoid",
]
