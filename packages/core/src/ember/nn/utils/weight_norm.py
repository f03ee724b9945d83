"""Legacy hook-based weight normalisation, as ``torch.nn.utils.weight_norm``
(https://arxiv.org/abs/1602.07868): ``weight = g * v / ||v||``.

The module keeps ``<name>_g`` and ``<name>_v`` Parameters and a forward pre-hook recomputes
``<name>`` (a plain attribute) before every call. New code should prefer
``ember.nn.utils.parametrizations.weight_norm``.
"""

from __future__ import annotations

import warnings
from typing import Any

from ember._tensor import Tensor
from ember.nn.modules.module import Module
from ember.nn.parameter import Parameter

__all__ = ["WeightNorm", "weight_norm", "remove_weight_norm"]


def _norm_except_dim(v: Tensor, dim: int) -> Tensor:
    """``torch.norm_except_dim(v, 2, dim)``: the 2-norm over every dim but ``dim``, kept
    broadcastable to ``v``; ``dim=-1`` means the norm of the whole tensor (0-d), a PyTorch
    quirk that ``weight_norm(dim=None)`` relies on."""
    from ember.linalg import vector_norm

    if dim == -1:
        return vector_norm(v)
    ndim = v.dim()
    if not -ndim <= dim < ndim:
        raise IndexError(
            f"weight_norm: dim {dim} is out of range for a weight with {ndim} dimensions"
        )
    dim %= ndim
    others = tuple(d for d in range(ndim) if d != dim)
    if not others:
        return v.abs()
    return vector_norm(v, 2, dim=others, keepdim=True)


def _weight_norm(v: Tensor, g: Tensor, dim: int) -> Tensor:
    """``torch._weight_norm``: ``v * (g / norm_except_dim(v, 2, dim))``."""
    return v * (g / _norm_except_dim(v, dim))


class WeightNorm:
    """The forward pre-hook behind ``weight_norm``: recomputes ``<name>`` from
    ``<name>_g`` and ``<name>_v``, as ``torch.nn.utils.weight_norm.WeightNorm``.

    >>> from ember.nn.utils.weight_norm import WeightNorm
    >>> WeightNorm("weight", None).dim
    -1
    """

    name: str
    dim: int

    def __init__(self, name: str, dim: int) -> None:
        if dim is None:
            dim = -1
        self.name = name
        self.dim = dim

    def compute_weight(self, module: Module) -> Any:
        """``g * v / ||v||`` from the module's current ``<name>_g`` and ``<name>_v``."""
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return _weight_norm(v, g, self.dim)

    @staticmethod
    def apply(module: Module, name: str, dim: int) -> WeightNorm:
        """Split ``module.<name>`` into ``<name>_g``/``<name>_v`` and register the hook."""
        warnings.warn(
            "`torch.nn.utils.weight_norm` is deprecated in favor of "
            "`torch.nn.utils.parametrizations.weight_norm`.",
            FutureWarning,
            stacklevel=3,
        )
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(
                    f"Cannot register two weight_norm hooks on the same parameter {name}"
                )
        if dim is None:
            dim = -1
        fn = WeightNorm(name, dim)
        weight = getattr(module, name)
        del module._parameters[name]
        module.register_parameter(name + "_g", Parameter(_norm_except_dim(weight, dim).data))
        module.register_parameter(name + "_v", Parameter(weight.data))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module: Module) -> None:
        """Fold ``g`` and ``v`` back into one ``<name>`` Parameter."""
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.data))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Reparametrize ``module.<name>`` as ``g * v / ||v||`` with Parameters ``<name>_g``
    (the norms over every dim but ``dim``; one scalar for ``dim=None``) and ``<name>_v``,
    recomputed by a forward pre-hook, as the deprecated ``torch.nn.utils.weight_norm``
    (warns ``FutureWarning`` as it does).

    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     m = ember.nn.utils.weight_norm(ember.nn.Linear(4, 3))
    >>> m.weight_g.shape, m.weight_v.shape
    (ember.Size([3, 1]), ember.Size([3, 4]))
    """
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module: Module, name: str = "weight") -> Module:
    """Remove the ``weight_norm`` reparametrization, leaving ``<name>`` a Parameter holding
    the current normalised value, as ``torch.nn.utils.remove_weight_norm``.

    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     m = ember.nn.utils.weight_norm(ember.nn.Linear(4, 3))
    >>> list(ember.nn.utils.remove_weight_norm(m).state_dict())
    ['bias', 'weight']
    """
    for k, hook in module._forward_pre_hooks.items():
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")
