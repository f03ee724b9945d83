"""``Optimizer``: the base class of every optimizer, as ``torch.optim.Optimizer``.

Optimizers update parameters on their raw backend arrays (``p._data``) in place with ``xp``
calls, then bump the parameter's version counter; nothing is recorded by autograd, so a step
costs what the maths costs. State tensors are ember Tensors keyed by the parameter, laid out as
PyTorch's so a ``state_dict()`` moves between Ember and PyTorch unchanged.
"""

from __future__ import annotations

import functools
import warnings
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from copy import deepcopy
from itertools import chain
from typing import Any

import numpy

from ember._tensor import Tensor
from ember.autograd.grad_mode import enable_grad
from ember.backend import array_module, device_of, to_device
from ember.backend.dtypes import get_default_dtype

__all__ = [
    "Optimizer",
    "required",
    "register_optimizer_step_pre_hook",
    "register_optimizer_step_post_hook",
]


class _RequiredParameter:
    """Singleton marking an argument that a param group must specify."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()

_global_pre_hooks: OrderedDict = OrderedDict()
_global_post_hooks: OrderedDict = OrderedDict()


class _RemovableHandle:
    """Handle returned by hook registration; ``remove()`` unregisters the hook."""

    _next_id = 0

    def __init__(self, hooks_dict: OrderedDict) -> None:
        self.hooks_dict = hooks_dict
        self.id = _RemovableHandle._next_id
        _RemovableHandle._next_id += 1

    def remove(self) -> None:
        self.hooks_dict.pop(self.id, None)

    def __enter__(self) -> _RemovableHandle:
        return self

    def __exit__(self, *args) -> None:
        self.remove()


def _register(hooks: OrderedDict, hook: Callable, prepend: bool = False) -> _RemovableHandle:
    handle = _RemovableHandle(hooks)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


def register_optimizer_step_pre_hook(hook: Callable) -> _RemovableHandle:
    """Register a pre-step hook ``hook(optimizer, args, kwargs)`` for every optimizer, as
    ``torch.optim.optimizer.register_optimizer_step_pre_hook``.

    >>> from ember.optim.optimizer import register_optimizer_step_pre_hook
    >>> h = register_optimizer_step_pre_hook(lambda opt, args, kwargs: None)
    >>> h.remove()
    """
    return _register(_global_pre_hooks, hook)


def register_optimizer_step_post_hook(hook: Callable) -> _RemovableHandle:
    """Register a post-step hook ``hook(optimizer, args, kwargs)`` for every optimizer, as
    ``torch.optim.optimizer.register_optimizer_step_post_hook``.

    >>> from ember.optim.optimizer import register_optimizer_step_post_hook
    >>> h = register_optimizer_step_post_hook(lambda opt, args, kwargs: None)
    >>> h.remove()
    """
    return _register(_global_post_hooks, hook)


# -- helpers shared by the optimizer families ----------------------------------------------
def _scalar_np_dtype():
    # PyTorch keeps ``step`` (and NAdam's mu_product, ASGD's eta/mu) in float32, or float64
    # when that is the default dtype (torch.optim.optimizer._get_scalar_dtype).
    return numpy.float64 if get_default_dtype().np == numpy.float64 else numpy.float32


def _scalar_state(value: float = 0.0) -> Tensor:
    """A 0-d CPU tensor of the scalar dtype (PyTorch's layout for ``step`` and friends)."""
    return Tensor._make(numpy.array(value, dtype=_scalar_np_dtype()))


def _zeros_state(p: Tensor, fill: Any = 0) -> Tensor:
    """A state tensor shaped, typed and placed like ``p``, filled with ``fill``."""
    xp = array_module(p._data)
    data = xp.empty_like(p._data)
    data[...] = fill
    return Tensor._make(data)


def _real(a, write: bool = False):
    """Complex arrays as real ones with a trailing interleave (PyTorch's ``view_as_real``);
    ``write=True`` promises a view that in-place updates reach."""
    if a.dtype.kind == "c":
        if not a.flags.c_contiguous:
            if write:
                raise NotImplementedError(
                    "optimizers support complex parameters and state only when contiguous"
                )
            a = a.copy()
        return a.view(a.real.dtype)
    return a


def _to_scalar(x) -> float:
    return float(x) if isinstance(x, Tensor) else x


def _lerp_(xp, a, b, weight: float) -> None:
    """``a.lerp_(b, weight)`` in place with PyTorch's two-sided formula (exact at weight 1)."""
    if weight < 0.5:
        diff = xp.subtract(b, a)
        diff *= weight
        a += diff
    else:
        diff = xp.subtract(b, a)
        diff *= 1 - weight
        xp.subtract(b, diff, out=a)


def _grad_arrays(p: Tensor, maximize: bool, weight_decay: float):
    """``(xp, param, grad)`` raw arrays for an update; grad negated for ``maximize`` and with
    L2 weight decay folded in (never modifying ``p.grad``)."""
    xp = array_module(p._data)
    grad = p.grad._data
    if maximize:
        grad = xp.negative(grad)
    if weight_decay != 0:
        grad = grad + weight_decay * p._data
    return xp, grad


def _check_differentiable(name: str, differentiable: bool) -> None:
    if differentiable:
        raise NotImplementedError(
            f"{name}: differentiable=True is not supported by Ember; optimizer steps update "
            "the raw arrays outside autograd"
        )


def _check_lr(lr) -> None:
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def _hook_step(func: Callable) -> Callable:
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        self = args[0]
        for pre_hook in chain(_global_pre_hooks.values(), self._optimizer_step_pre_hooks.values()):
            result = pre_hook(self, args, kwargs)
            if result is not None:
                if isinstance(result, tuple) and len(result) == 2:
                    args, kwargs = result
                else:
                    raise RuntimeError(
                        f"{func} must return None or a tuple of (new_args, new_kwargs), "
                        f"but got {result}."
                    )
        out = func(*args, **kwargs)
        for post_hook in chain(
            self._optimizer_step_post_hooks.values(), _global_post_hooks.values()
        ):
            post_hook(self, args, kwargs)
        return out

    wrapper.hooked = True
    return wrapper


class Optimizer:
    """Base class of all optimizers, as ``torch.optim.Optimizer``: ``params`` is an iterable
    of tensors (or of ``(name, tensor)`` pairs) or of dicts defining param groups with
    per-group options; ``defaults`` fills the options a group leaves out. Subclasses
    implement ``step``; state lives in ``self.state[param]``.

    >>> p = ember.tensor([1.0, 2.0], requires_grad=True)
    >>> opt = ember.optim.SGD([p], lr=0.1)
    >>> len(opt.param_groups), opt.param_groups[0]["lr"]
    (1, 0.1)
    """

    def __init__(self, params, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self._optimizer_step_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_step_post_hooks: OrderedDict = OrderedDict()
        self._optimizer_state_dict_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_state_dict_post_hooks: OrderedDict = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_load_state_dict_post_hooks: OrderedDict = OrderedDict()
        self._patch_step_function()
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got {type(params).__module__}.{type(params).__name__}"
            )
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    def _patch_step_function(self) -> None:
        # As PyTorch: the most-derived class's ``step`` is wrapped once to run the hooks.
        cls = self.__class__
        if not getattr(cls.step, "hooked", False):
            cls.step = _hook_step(cls.step)

    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        for name in (
            "_optimizer_step_pre_hooks",
            "_optimizer_step_post_hooks",
            "_optimizer_state_dict_pre_hooks",
            "_optimizer_state_dict_post_hooks",
            "_optimizer_load_state_dict_pre_hooks",
            "_optimizer_load_state_dict_post_hooks",
        ):
            self.__dict__.setdefault(name, OrderedDict())
        self._patch_step_function()
        self.defaults.setdefault("differentiable", False)

    def __repr__(self) -> str:
        text = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"

    # -- hooks ------------------------------------------------------------------------------
    def register_step_pre_hook(self, hook: Callable) -> _RemovableHandle:
        """Register ``hook(optimizer, args, kwargs)`` to run before each ``step``; it may
        return ``(new_args, new_kwargs)``."""
        return _register(self._optimizer_step_pre_hooks, hook)

    def register_step_post_hook(self, hook: Callable) -> _RemovableHandle:
        """Register ``hook(optimizer, args, kwargs)`` to run after each ``step``."""
        return _register(self._optimizer_step_post_hooks, hook)

    def register_state_dict_pre_hook(self, hook: Callable, prepend: bool = False):
        """Register ``hook(optimizer)`` to run before ``state_dict()``."""
        return _register(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook: Callable, prepend: bool = False):
        """Register ``hook(optimizer, state_dict)`` to run after ``state_dict()``; it may
        return a replacement dict."""
        return _register(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook: Callable, prepend: bool = False):
        """Register ``hook(optimizer, state_dict)`` to run before ``load_state_dict``; it may
        return a replacement dict."""
        return _register(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook: Callable, prepend: bool = False):
        """Register ``hook(optimizer)`` to run after ``load_state_dict``."""
        return _register(self._optimizer_load_state_dict_post_hooks, hook, prepend)

    # -- state dicts -----------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The optimizer state in PyTorch's layout: ``{'state': {index: {...}},
        'param_groups': [{..., 'params': [indices]}]}`` (state tensors are not copied)."""
        for pre_hook in self._optimizer_state_dict_pre_hooks.values():
            pre_hook(self)
        param_mappings: dict[int, int] = {}
        start_index = 0

        def pack_group(group):
            nonlocal start_index
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start_index):
                param_mappings.setdefault(id(p), i)
            packed["params"] = [param_mappings[id(p)] for p in group["params"]]
            start_index += len(packed["params"])
            return packed

        param_groups = [pack_group(g) for g in self.param_groups]
        packed_state = {
            (param_mappings[id(k)] if isinstance(k, Tensor) else k): v
            for k, v in self.state.items()
        }
        state_dict = {"state": packed_state, "param_groups": param_groups}
        for post_hook in self._optimizer_state_dict_post_hooks.values():
            result = post_hook(self, state_dict)
            if result is not None:
                state_dict = result
        return state_dict

    @staticmethod
    def _cast_state_value(param: Tensor, value: Tensor, key, fused_or_capturable: bool):
        data = value._data
        if key == "step":
            if fused_or_capturable:
                xp = array_module(param._data)
                data = xp.asarray(to_device(data, device_of(param._data)), dtype=numpy.float32)
            return Tensor._make(data.copy())
        data = to_device(data, device_of(param._data))
        if param._data.dtype.kind in "fc":
            data = data.astype(param._data.dtype, copy=True)
        else:
            data = data.copy()
        return Tensor._make(data)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state from ``state_dict()`` (Ember's or a converted PyTorch one): group
        sizes must match; floating state is cast to each parameter's dtype and device."""
        state_dict = state_dict.copy()
        for pre_hook in self._optimizer_load_state_dict_pre_hooks.values():
            result = pre_hook(self, state_dict)
            if result is not None:
                state_dict = result
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match the size of "
                "optimizer's group"
            )
        id_map = dict(
            zip(
                chain.from_iterable(g["params"] for g in saved_groups),
                chain.from_iterable(g["params"] for g in groups),
            )
        )
        flags = {}
        for g in state_dict["param_groups"]:
            for pid in g["params"]:
                flags[pid] = bool(g.get("fused") or g.get("capturable"))

        def cast(param, value, pid, key=None):
            if isinstance(value, Tensor):
                return Optimizer._cast_state_value(param, value, key, flags.get(pid, False))
            if isinstance(value, dict):
                return {k: cast(param, v, pid, k) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return type(value)(cast(param, v, pid) for v in value)
            return value

        state: defaultdict = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                state[id_map[k]] = cast(id_map[k], v, k)
            else:
                state[k] = v

        def update_group(group, new_group):
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
            return new_group

        param_groups = [update_group(g, ng) for g, ng in zip(groups, saved_groups)]
        self.__setstate__({"state": state, "param_groups": param_groups})
        for post_hook in self._optimizer_load_state_dict_post_hooks.values():
            post_hook(self)

    # -- gradients and groups ---------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's ``.grad``: to ``None`` (default) or zeroed in place."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                    continue
                if p.grad.grad_fn is not None:
                    p.grad.detach_()
                else:
                    p.grad.requires_grad_(False)
                p.grad._data[...] = 0
                p.grad._bump_version()

    def step(self, closure: Callable[[], float] | None = None):
        """Perform one optimization step; ``closure`` re-evaluates the model and returns the
        loss (required by some optimizers, e.g. LBFGS)."""
        raise NotImplementedError

    def _eval_closure(self, closure):
        if closure is None:
            return None
        with enable_grad():
            return closure()

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a param group (a dict with ``params`` and optional per-group options); options
        it omits come from ``defaults``. A parameter may belong to one group only."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list "
                "instead."
            )
        else:
            param_group["params"] = list(params)
        tensors, names = [], []
        for param in param_group["params"]:
            if isinstance(param, tuple):
                names.append(param[0])
                tensors.append(param[1])
            else:
                tensors.append(param)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError(
                    "all optimizer params should be with/without names. Some param names are "
                    "missing"
                )
            param_group["param_names"] = names
        for param in tensors:
            if not isinstance(param, Tensor):
                raise TypeError(
                    "optimizer can only optimize Tensors, but one of the params is "
                    f"{type(param).__module__}.{type(param).__name__}"
                )
            if not self.defaults.get("differentiable", None) and not (
                param.is_leaf or param.retains_grad
            ):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(
                    "parameter group didn't specify a value of required optimization "
                    f"parameter {name}"
                )
            param_group.setdefault(name, default)
        ids = [id(p) for p in tensors]
        if len(ids) != len(set(ids)):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, "
                "this will cause an error; see github.com/pytorch/pytorch/issues/40967 for more "
                "information",
                stacklevel=3,
            )
        existing: set[int] = set()
        for group in self.param_groups:
            existing.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError(
                    "all optimizer param groups should be with/without names. cannot add "
                    f"param group {which} to the optimizer"
                )
        if not existing.isdisjoint(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)


def _params_with_grad(group: dict[str, Any]) -> Iterable[Tensor]:
    for p in group["params"]:
        if p.grad is not None:
            if getattr(p.grad, "is_sparse", False):
                raise RuntimeError("Ember optimizers do not support sparse gradients")
            yield p
