"""The module classes of ``ember.nn``: the base ``Module``, containers and layers."""

from ember.nn.modules.activation import ReLU, Sigmoid, Tanh
from ember.nn.modules.container import (
    ModuleDict,
    ModuleList,
    ParameterDict,
    ParameterList,
    Sequential,
)
from ember.nn.modules.linear import Identity, Linear
from ember.nn.modules.module import Module

__all__ = [
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
