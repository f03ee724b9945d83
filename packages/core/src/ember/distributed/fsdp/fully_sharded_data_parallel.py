"""``FullyShardedDataParallel`` (FULL_SHARD): parameters, gradients and optimizer state
sharded across ranks.

Each FSDP unit flattens the parameters of its module (those not inside a nested unit) into
one vector, pads it to a multiple of the world size and keeps only this rank's slice as
the Parameter ``_flat_param`` (registered on the wrapped module, as PyTorch does); the
module's original parameters become plain attributes that exist only while the unit runs.

- forward: ``_Unshard`` all-gathers the flat vector and returns one tensor per original
  parameter (views of the gathered buffer) that the module uses as its weights. After
  forward those tensors' arrays are swapped for empty ones (autograd keeps the Tensor
  objects and reads their arrays only in backward). Limitation: an op that saved a
  *derived* view (``F.linear`` saves ``weight.T``) keeps the gathered buffer alive until
  the unit's backward, so the memory saving between forward and backward is partial; a
  saved-tensor pack/unpack hook in autograd would make it complete.
- backward: a hook on the unit's outputs fires before any of the unit's backward runs and
  re-gathers the buffer into those same tensors; ``_Unshard.backward`` then flattens the
  parameters' gradients, reduce-scatters them (averaged over ranks) into the shard and
  frees the gathered copy.
- The optimizer is built on ``fsdp.parameters()``, i.e. the shards, and steps only them.
- ``state_dict()`` gathers a full copy with the original (PyTorch) key names.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import ember
import ember.distributed as dist
from ember._tensor import Tensor
from ember.autograd.function import Function, once_differentiable
from ember.distributed.fsdp.api import (
    FullStateDictConfig,
    ShardingStrategy,
    StateDictConfig,
    StateDictType,
)
from ember.nn import Module, Parameter

__all__ = ["FullyShardedDataParallel"]

FSDP_WRAPPED_MODULE = "_fsdp_wrapped_module"
FLAT_PARAM = "_flat_param"


def _gather(unit: FullyShardedDataParallel, shard):
    """All-gather ``shard`` (raw array) into a new padded full array."""
    xp = ember.backend.array_module(unit._flat_param.device)
    full = Tensor._make(xp.empty(shard.size * unit._world, dtype=shard.dtype))
    dist.all_gather_into_tensor(full, Tensor._make(shard), group=unit.process_group)
    return full._data


class _Unshard(Function):
    # Primitive: forward is a collective and backward is its adjoint (a reduce-scatter).
    @staticmethod
    def forward(ctx, shard, unit):
        ctx.unit = unit
        full = _gather(unit, shard)
        return tuple(unit._views(full))

    @staticmethod
    @once_differentiable
    def backward(ctx, *grads):
        unit = ctx.unit
        xp = ctx.xp
        flat = xp.zeros(unit._padded_numel, dtype=unit._flat_param._data.dtype)
        for g, (offset, numel, _) in zip(grads, unit._layout):
            if g is not None:
                flat[offset : offset + numel] = g._data.reshape(-1)
        out = Tensor._make(xp.empty(unit._shard_numel, dtype=flat.dtype))
        dist.reduce_scatter_tensor(out, Tensor._make(flat), group=unit.process_group)
        # The unit's backward is over (every use of the views came before this node):
        # free the copy gathered for it.
        empty = xp.empty(0, dtype=flat.dtype)
        for v in getattr(ctx, "fsdp_views", ()):
            v._data = empty
        return Tensor._make(out._data / unit._world), None


class FullyShardedDataParallel(Module):
    """Shard ``module``'s parameters, gradients and optimizer state across the ranks of
    ``process_group``, as ``torch.distributed.fsdp.FullyShardedDataParallel`` with the
    ``FULL_SHARD`` strategy (``SHARD_GRAD_OP`` behaves the same here). ``auto_wrap_policy``
    (see ``ember.distributed.fsdp.wrap``) makes nested units of submodules; each unit
    gathers its parameters just for its forward and its backward. Build the optimizer on
    the FSDP module's parameters (the local shards); ``state_dict()`` returns the full
    state with the original module's key names.

    >>> fsdp = FullyShardedDataParallel(ember.nn.Linear(4, 2))  # doctest: +SKIP
    """

    def __init__(
        self,
        module: Module,
        process_group: Any = None,
        sharding_strategy: ShardingStrategy | None = None,
        cpu_offload: Any = None,
        auto_wrap_policy: Callable | None = None,
        backward_prefetch: Any = None,
        mixed_precision: Any = None,
        ignored_modules: Any = None,
        param_init_fn: Callable | None = None,
        device_id: Any = None,
        sync_module_states: bool = False,
        forward_prefetch: bool = False,
        limit_all_gathers: bool = True,
        use_orig_params: bool = False,
        ignored_states: Any = None,
        device_mesh: Any = None,
    ) -> None:
        super().__init__()
        if not dist.is_initialized():
            raise RuntimeError(
                "FullyShardedDataParallel: the default process group has not been "
                "initialized; call ember.distributed.init_process_group() first"
            )
        strategy = sharding_strategy or ShardingStrategy.FULL_SHARD
        if strategy not in (ShardingStrategy.FULL_SHARD, ShardingStrategy.SHARD_GRAD_OP):
            raise NotImplementedError(
                f"FullyShardedDataParallel: sharding_strategy={strategy} is not supported; "
                "Ember implements FULL_SHARD and SHARD_GRAD_OP"
            )
        for name, value in (
            ("mixed_precision", mixed_precision),
            ("ignored_modules", ignored_modules),
            ("ignored_states", ignored_states),
            ("device_mesh", device_mesh),
        ):
            if value:
                raise NotImplementedError(f"FullyShardedDataParallel: {name} is not supported")
        if use_orig_params:
            raise NotImplementedError(
                "FullyShardedDataParallel: use_orig_params=True is not supported; the "
                "optimizer sees the flat shards"
            )
        self.process_group = process_group
        self.sharding_strategy = strategy
        self._world = dist.get_world_size(process_group)
        self._rank = dist.get_rank(process_group)
        self._state_dict_type = StateDictType.FULL_STATE_DICT
        self._state_dict_config: StateDictConfig = FullStateDictConfig()
        self._summoned = False
        if auto_wrap_policy is not None:
            kwargs = {"process_group": process_group, "sharding_strategy": strategy}
            kwargs["sync_module_states"] = sync_module_states
            _recursive_wrap(module, auto_wrap_policy, type(self), kwargs, only_children=True)
        setattr(self, FSDP_WRAPPED_MODULE, module)
        if sync_module_states and self._world > 1:
            with ember.no_grad():
                for t in _managed_params(module) + list(module.buffers()):
                    src = 0 if process_group is None else dist.get_global_rank(process_group, 0)
                    dist.broadcast(t, src=src, group=process_group)
        self._shard_parameters(module)

    # -- construction --------------------------------------------------------------------
    def _shard_parameters(self, module: Module) -> None:
        # (owner module, attribute name, index into the unique params) for every slot, so
        # a parameter shared by two layers of one unit is flattened once.
        slots: list[tuple[Module, str, int]] = []
        unique: list[Parameter] = []
        index: dict[int, int] = {}
        for m in _unit_modules(module):
            for name, p in list(m._parameters.items()):
                if p is None:
                    continue
                if id(p) not in index:
                    index[id(p)] = len(unique)
                    unique.append(p)
                slots.append((m, name, index[id(p)]))
        self._slots = slots
        self._layout: list[tuple[int, int, tuple]] = []
        offset = 0
        for p in unique:
            self._layout.append((offset, p.numel(), tuple(p.shape)))
            offset += p.numel()
        self._numel = offset
        self._shard_numel = -(-offset // self._world) if offset else 0
        self._padded_numel = self._shard_numel * self._world
        self._last_views: list = []
        if not unique:
            return
        dtypes = {p.dtype for p in unique}
        if len(dtypes) > 1:
            raise ValueError(
                f"FullyShardedDataParallel: a unit's parameters must share one dtype, got "
                f"{sorted(str(d) for d in dtypes)}; wrap the odd ones in their own unit"
            )
        with ember.no_grad():
            flat = ember.cat([p.detach().reshape(-1) for p in unique])
            pad = self._padded_numel - self._numel
            if pad:
                flat = ember.cat([flat, ember.zeros(pad, dtype=flat.dtype, device=flat.device)])
            start = self._rank * self._shard_numel
            shard = flat[start : start + self._shard_numel].clone()
        requires_grad = any(p.requires_grad for p in unique)
        for m, name, _ in slots:
            del m._parameters[name]
        module.register_parameter(FLAT_PARAM, Parameter(shard, requires_grad=requires_grad))
        self._reshard_attrs()

    @property
    def _flat_param(self) -> Parameter | None:
        return getattr(self, FSDP_WRAPPED_MODULE)._parameters.get(FLAT_PARAM)

    @property
    def module(self) -> Module:
        """The wrapped module."""
        return getattr(self, FSDP_WRAPPED_MODULE)

    def _views(self, full) -> list:
        return [full[o : o + n].reshape(s) for o, n, s in self._layout]

    def _set_attrs(self, tensors: list) -> None:
        for m, name, i in self._slots:
            object.__setattr__(m, name, tensors[i])

    def _reshard_attrs(self) -> None:
        # Between uses the original names hold empty tensors, as PyTorch's freed params.
        flat = self._flat_param
        empty = ember.empty(0, dtype=flat.dtype, device=flat.device)
        self._set_attrs([empty] * len(self._layout))

    # -- forward / backward --------------------------------------------------------------
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Gather this unit's parameters, run the wrapped module, free the gathered copy."""
        flat = self._flat_param
        if flat is None:
            return self.module(*args, **kwargs)
        views = _Unshard.apply(flat, self)
        views = list(views) if isinstance(views, tuple) else [views]
        self._set_attrs(views)
        try:
            output = self.module(*args, **kwargs)
        finally:
            self._reshard_attrs()
        if self._summoned:
            return output
        if any(v.requires_grad for v in views):
            self._register_pre_backward(output, views)
            views[0].grad_fn.fsdp_views = views
        # Free the full buffer: autograd holds these Tensor objects and reads their arrays
        # only in backward, after the pre-backward hook has gathered them again.
        xp = ember.backend.array_module(flat.device)
        placeholder = xp.empty(0, dtype=flat._data.dtype)
        for v in views:
            v._data = placeholder
        return output

    def _register_pre_backward(self, output: Any, views: list) -> None:
        def regather(grad):
            # Once per backward (the hook fires per output); again after a retain_graph
            # backward freed the copy. Every rank decides alike, so collectives match.
            if views[0]._data.size != self._layout[0][1]:
                full = _gather(self, self._flat_param._data)
                for v, arr in zip(views, self._views(full)):
                    v._data = arr
            return None

        for t in _tensors(output):
            if t.requires_grad:
                t.register_hook(regather)

    # -- full parameters -----------------------------------------------------------------
    def _units(self) -> list[FullyShardedDataParallel]:
        return [m for m in self.modules() if isinstance(m, FullyShardedDataParallel)]

    @staticmethod
    @contextlib.contextmanager
    def summon_full_params(
        module: Module, recurse: bool = True, writeback: bool = True, **kwargs: Any
    ) -> Iterator[None]:
        """Context in which every FSDP unit in ``module`` holds its full parameters as
        ordinary Parameters (a collective: enter it on all ranks); with ``writeback`` the
        changes made inside are sharded back on exit."""
        units = [m for m in module.modules() if isinstance(m, FullyShardedDataParallel)]
        if not recurse:
            units = units[:1]
        restored = []
        for unit in units:
            flat = unit._flat_param
            if flat is None:
                continue
            full = _gather(unit, flat._data)
            params = [
                Parameter(Tensor._make(v.copy()), requires_grad=flat.requires_grad)
                for v in unit._views(full)
            ]
            wrapped = unit.module
            del wrapped._parameters[FLAT_PARAM]
            for m, name, i in unit._slots:
                m.__dict__.pop(name, None)
                m._parameters[name] = params[i]
            unit._summoned = True
            restored.append((unit, flat, params))
        try:
            yield
        finally:
            for unit, flat, params in restored:
                for m, name, _ in unit._slots:
                    m._parameters.pop(name, None)
                unit.module._parameters[FLAT_PARAM] = flat
                unit._summoned = False
                unit._reshard_attrs()
                if writeback:
                    with ember.no_grad():
                        full = ember.cat([p.detach().reshape(-1) for p in params])
                        start = unit._rank * unit._shard_numel
                        stop = min(start + unit._shard_numel, unit._numel)
                        if stop > start:
                            flat[: stop - start].copy_(full[start:stop])

    @staticmethod
    @contextlib.contextmanager
    def state_dict_type(
        module: Module,
        state_dict_type: StateDictType,
        state_dict_config: StateDictConfig | None = None,
        optim_state_dict_config: Any = None,
    ) -> Iterator[None]:
        """Context setting which state dict the FSDP units in ``module`` produce; Ember
        supports ``StateDictType.FULL_STATE_DICT`` with a ``FullStateDictConfig``."""
        if state_dict_type is not StateDictType.FULL_STATE_DICT:
            raise NotImplementedError(
                f"FullyShardedDataParallel.state_dict_type: {state_dict_type} is not "
                "supported; use StateDictType.FULL_STATE_DICT"
            )
        config = state_dict_config or FullStateDictConfig()
        units = [m for m in module.modules() if isinstance(m, FullyShardedDataParallel)]
        old = [(u._state_dict_type, u._state_dict_config) for u in units]
        for u in units:
            u._state_dict_type, u._state_dict_config = state_dict_type, config
        try:
            yield
        finally:
            for u, (t, c) in zip(units, old):
                u._state_dict_type, u._state_dict_config = t, c

    def state_dict(self, *args: Any, destination=None, prefix: str = "", keep_vars: bool = False):
        """The full (unsharded) state dict with the wrapped module's key names (a
        collective: call it on all ranks); with ``FullStateDictConfig(rank0_only=True)``
        the ranks other than 0 get an empty dict."""
        if self._summoned:  # a nested unit, reached from the root's state_dict
            return super().state_dict(
                *args, destination=destination, prefix=prefix, keep_vars=keep_vars
            )
        with FullyShardedDataParallel.summon_full_params(self, writeback=False):
            sd = super().state_dict(*args, prefix=prefix, keep_vars=keep_vars)
        clean = type(sd)()
        for key, value in sd.items():
            clean[key.replace(FSDP_WRAPPED_MODULE + ".", "")] = (
                value if keep_vars else value.detach()
            )
        config = self._state_dict_config
        if getattr(config, "rank0_only", False) and dist.get_rank() != 0:
            clean = type(sd)()
        if destination is not None:
            destination.update(clean)
            return destination
        return clean

    def load_state_dict(self, state_dict: Any, strict: bool = True, assign: bool = False):
        """Load a full state dict (original key names) on every rank, keeping each rank's
        shard of the parameters."""
        with FullyShardedDataParallel.summon_full_params(self, writeback=True):
            real = Module.state_dict(self, keep_vars=True)
            to_real = {k.replace(FSDP_WRAPPED_MODULE + ".", ""): k for k in real}
            mapped = {to_real.get(k, k): v for k, v in state_dict.items()}
            return Module.load_state_dict(self, mapped, strict=strict)


def _tensors(obj: Any) -> list[Tensor]:
    out, stack = [], [obj]
    while stack:
        o = stack.pop()
        if isinstance(o, Tensor):
            out.append(o)
        elif isinstance(o, (list, tuple)):
            stack.extend(o)
        elif isinstance(o, dict):
            stack.extend(o.values())
    return out


def _unit_modules(module: Module) -> list[Module]:
    """``module`` and its descendants, not descending into nested FSDP units."""
    out, stack = [], [module]
    while stack:
        m = stack.pop()
        out.append(m)
        stack.extend(
            c
            for c in reversed(list(m._modules.values()))
            if c is not None and not isinstance(c, FullyShardedDataParallel)
        )
    return out


def _managed_params(module: Module) -> list:
    return [p for m in _unit_modules(module) for p in m._parameters.values() if p is not None]


def _recursive_wrap(
    module: Module, policy: Callable, wrapper_cls: type, kwargs: dict, only_children: bool
) -> tuple[Module, int]:
    """Wrap ``module``'s subtree bottom-up where ``policy`` says so, as PyTorch's
    ``_recursive_wrap``; returns the (maybe wrapped) module and the parameters it wrapped."""
    nonwrapped = sum(p.numel() for p in module.parameters())
    if not policy(module=module, recurse=True, nonwrapped_numel=nonwrapped):
        return module, 0
    wrapped_numel = 0
    for name, child in list(module.named_children()):
        if isinstance(child, wrapper_cls):
            continue
        new_child, n = _recursive_wrap(child, policy, wrapper_cls, kwargs, only_children=False)
        if new_child is not child:
            setattr(module, name, new_child)
        wrapped_numel += n
    remainder = nonwrapped - wrapped_numel
    if not only_children and policy(module=module, recurse=False, nonwrapped_numel=remainder):
        return wrapper_cls(module, **kwargs), nonwrapped
    return module, wrapped_numel
