"""Legacy hook-based spectral normalisation, as ``torch.nn.utils.spectral_norm``
(https://arxiv.org/abs/1802.05957): ``weight = weight_orig / sigma`` with ``sigma`` the
largest singular value estimated by power iteration.

The module keeps the Parameter ``<name>_orig`` and buffers ``<name>_u``/``<name>_v`` (the
power-iteration vectors, updated in place in training mode); a forward pre-hook recomputes
``<name>``. New code should prefer ``ember.nn.utils.parametrizations.spectral_norm``.
"""

from __future__ import annotations

from typing import Any

from ember._tensor import Tensor
from ember.autograd.grad_mode import no_grad
from ember.nn.modules.module import Module
from ember.nn.parameter import Parameter

__all__ = [
    "SpectralNorm",
    "SpectralNormLoadStateDictPreHook",
    "SpectralNormStateDictHook",
    "spectral_norm",
    "remove_spectral_norm",
]


def _normalize(x: Tensor, eps: float) -> Tensor:
    from ember.nn.functional import normalize

    return normalize(x, dim=0, eps=eps)


def _is_conv_transpose(module: Module) -> bool:
    import ember.nn as nn

    kinds = tuple(
        getattr(nn, name)
        for name in ("ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d")
        if hasattr(nn, name)
    )
    return bool(kinds) and isinstance(module, kinds)


class SpectralNorm:
    """The forward pre-hook behind ``spectral_norm``, as
    ``torch.nn.utils.spectral_norm.SpectralNorm``.

    >>> from ember.nn.utils.spectral_norm import SpectralNorm
    >>> SpectralNorm("weight", n_power_iterations=2).n_power_iterations
    2
    """

    _version: int = 1
    name: str
    dim: int
    n_power_iterations: int
    eps: float

    def __init__(
        self, name: str = "weight", n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12
    ) -> None:
        self.name = name
        self.dim = dim
        if n_power_iterations <= 0:
            raise ValueError(
                "Expected n_power_iterations to be positive, but got "
                f"n_power_iterations={n_power_iterations}"
            )
        self.n_power_iterations = n_power_iterations
        self.eps = eps

    def reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        """``weight`` with ``dim`` moved first, flattened to (size(dim), -1)."""
        weight_mat = weight
        if self.dim != 0:
            weight_mat = weight_mat.permute(
                self.dim, *[d for d in range(weight_mat.dim()) if d != self.dim]
            )
        return weight_mat.reshape(weight_mat.size(0), -1)

    def compute_weight(self, module: Module, do_power_iteration: bool) -> Tensor:
        """``weight_orig / sigma``; with ``do_power_iteration`` first refine ``u``/``v`` in
        place (their new values are constants for autograd, as in PyTorch)."""
        from ember._ops.linalg import dot, mv

        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        weight_mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            with no_grad():
                for _ in range(self.n_power_iterations):
                    v.copy_(_normalize(mv(weight_mat.t(), u), self.eps))
                    u.copy_(_normalize(mv(weight_mat, v), self.eps))
                u = u.clone()
                v = v.clone()
        sigma = dot(u, mv(weight_mat, v))
        return weight / sigma

    def remove(self, module: Module) -> None:
        """Fold the normalisation into one ``<name>`` Parameter and drop the buffers."""
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        delattr(module, self.name)
        delattr(module, self.name + "_u")
        delattr(module, self.name + "_v")
        delattr(module, self.name + "_orig")
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module, do_power_iteration=module.training))

    def _solve_v_and_rescale(self, weight_mat: Tensor, u: Tensor, target_sigma: Tensor):
        from ember._ops.linalg import dot, mv
        from ember.linalg import multi_dot, pinv

        v = multi_dot([pinv(weight_mat.t().mm(weight_mat)), weight_mat.t(), u.unsqueeze(1)])
        v = v.squeeze(1)
        return v * (target_sigma / dot(u, mv(weight_mat, v)))

    @staticmethod
    def apply(
        module: Module, name: str, n_power_iterations: int, dim: int, eps: float
    ) -> SpectralNorm:
        """Split ``module.<name>`` into ``<name>_orig`` and the ``u``/``v`` buffers (drawn
        from Ember's default generator) and register the hooks."""
        from ember._ops.creation import randn

        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise RuntimeError(
                    f"Cannot register two spectral_norm hooks on the same parameter {name}"
                )
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters[name]
        if weight is None:
            raise ValueError(f"`SpectralNorm` cannot be applied as parameter `{name}` is None")
        with no_grad():
            h, w = fn.reshape_weight_to_matrix(weight).shape
            u = _normalize(randn(h, dtype=weight.dtype, device=weight.device), fn.eps)
            v = _normalize(randn(w, dtype=weight.dtype, device=weight.device), fn.eps)
        delattr(module, fn.name)
        module.register_parameter(fn.name + "_orig", weight)
        # A plain attribute until the first forward (the pre-hook then overwrites it).
        setattr(module, fn.name, weight.data)
        module.register_buffer(fn.name + "_u", u)
        module.register_buffer(fn.name + "_v", v)
        module.register_forward_pre_hook(fn)
        module._register_state_dict_hook(SpectralNormStateDictHook(fn))
        module._register_load_state_dict_pre_hook(SpectralNormLoadStateDictPreHook(fn))
        return fn


class SpectralNormLoadStateDictPreHook:
    """Loads pre-version-1 state dicts (which stored ``<name>`` but no ``<name>_v``),
    solving for ``v``, as PyTorch does.

    >>> from ember.nn.utils.spectral_norm import SpectralNorm, SpectralNormLoadStateDictPreHook
    >>> SpectralNormLoadStateDictPreHook(SpectralNorm()).fn.name
    'weight'
    """

    def __init__(self, fn) -> None:
        self.fn = fn

    def __call__(
        self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
    ) -> None:
        fn = self.fn
        version = local_metadata.get("spectral_norm", {}).get(fn.name + ".version", None)
        if version is None or version < 1:
            weight_key = prefix + fn.name
            if (
                version is None
                and all(weight_key + s in state_dict for s in ("_orig", "_u", "_v"))
                and weight_key not in state_dict
            ):
                return
            has_missing_keys = False
            for suffix in ("_orig", "", "_u"):
                key = weight_key + suffix
                if key not in state_dict:
                    has_missing_keys = True
                    if strict:
                        missing_keys.append(key)
            if has_missing_keys:
                return
            with no_grad():
                weight_orig = state_dict[weight_key + "_orig"]
                weight = state_dict.pop(weight_key)
                sigma = (weight_orig / weight).mean()
                weight_mat = fn.reshape_weight_to_matrix(weight_orig)
                u = state_dict[weight_key + "_u"]
                state_dict[weight_key + "_v"] = fn._solve_v_and_rescale(weight_mat, u, sigma)


class SpectralNormStateDictHook:
    """Records ``spectral_norm.<name>.version`` in the state_dict metadata, as PyTorch.

    >>> from ember.nn.utils.spectral_norm import SpectralNorm, SpectralNormStateDictHook
    >>> SpectralNormStateDictHook(SpectralNorm()).fn.eps
    1e-12
    """

    def __init__(self, fn) -> None:
        self.fn = fn

    def __call__(self, module, state_dict, prefix, local_metadata) -> None:
        if "spectral_norm" not in local_metadata:
            local_metadata["spectral_norm"] = {}
        key = self.fn.name + ".version"
        if key in local_metadata["spectral_norm"]:
            raise RuntimeError(f"Unexpected key in metadata['spectral_norm']: {key}")
        local_metadata["spectral_norm"][key] = self.fn._version


def spectral_norm(
    module: Module,
    name: str = "weight",
    n_power_iterations: int = 1,
    eps: float = 1e-12,
    dim: int | None = None,
) -> Module:
    """Divide ``module.<name>`` by its spectral norm, estimated with ``n_power_iterations``
    power-iteration steps per training-mode forward (``u``/``v`` persist as buffers
    ``<name>_u``/``<name>_v``, the raw weight as ``<name>_orig``), as
    ``torch.nn.utils.spectral_norm``; ``dim`` defaults to 1 for ConvTranspose, else 0.

    >>> m = ember.nn.utils.spectral_norm(ember.nn.Linear(4, 3))
    >>> list(m.state_dict())
    ['bias', 'weight_orig', 'weight_u', 'weight_v']
    """
    if dim is None:
        dim = 1 if _is_conv_transpose(module) else 0
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module


def remove_spectral_norm(module: Module, name: str = "weight") -> Module:
    """Remove the ``spectral_norm`` reparametrization, leaving ``<name>`` a Parameter with
    the current normalised value, as ``torch.nn.utils.remove_spectral_norm``.

    >>> m = ember.nn.utils.spectral_norm(ember.nn.Linear(4, 3))
    >>> list(ember.nn.utils.remove_spectral_norm(m).state_dict())
    ['bias', 'weight']
    """
    for k, hook in module._forward_pre_hooks.items():
        if isinstance(hook, SpectralNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            break
    else:
        raise ValueError(f"spectral_norm of '{name}' not found in {module}")
    for k, hook in module._state_dict_hooks.items():
        if isinstance(hook, SpectralNormStateDictHook) and hook.fn.name == name:
            del module._state_dict_hooks[k]
            break
    for k, hook in module._load_state_dict_pre_hooks.items():
        if isinstance(hook, SpectralNormLoadStateDictPreHook) and hook.fn.name == name:
            del module._load_state_dict_pre_hooks[k]
            break
    return module
