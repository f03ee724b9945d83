"""``ember.nn``: modules, parameters, layers and losses, as ``torch.nn``."""

from ember.nn import functional, init, modules, parallel, utils
from ember.nn.parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter

__all__ = [
    "functional",
    "init",
    "modules",
    "parallel",
    "utils",
    "Parameter",
    "Buffer",
    "UninitializedParameter",
    "UninitializedBuffer",
    *modules.__all__,
]
for _name in modules.__all__:  # every layer family's classes, as torch.nn exposes them
    globals()[_name] = getattr(modules, _name)
del _name
