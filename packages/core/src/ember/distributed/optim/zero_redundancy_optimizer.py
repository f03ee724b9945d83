"""``ZeroRedundancyOptimizer``: optimizer state sharded across ranks (ZeRO stage 1).

Parameters are partitioned across ranks as PyTorch does it: within each param group,
largest first, each to the rank holding the fewest elements so far. Each rank builds the
wrapped optimizer on its own partition only, so only it holds that partition's state
(momentum, Adam moments, ...). ``step()`` steps the local partition and then every rank
broadcasts the parameters it owns, one flat buffer per (rank, dtype), so all replicas end
the step equal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ember
import ember.distributed as dist
from ember.optim.optimizer import Optimizer

__all__ = ["ZeroRedundancyOptimizer"]


class ZeroRedundancyOptimizer(Optimizer):
    """Wrap ``optimizer_class`` so each rank of ``process_group`` keeps the state of, and
    steps, only its shard of ``params``, then broadcasts the updated shard to the others;
    as ``torch.distributed.optim.ZeroRedundancyOptimizer``. Options in ``defaults`` go to
    ``optimizer_class``. ``consolidate_state_dict(to)`` gathers every shard's state on rank
    ``to``, whose ``state_dict()`` then returns the full optimizer state. Parameters are
    always broadcast through one flat buffer per (rank, dtype), so
    ``parameters_as_bucket_view`` changes nothing here.

    >>> opt = ZeroRedundancyOptimizer(  # doctest: +SKIP
    ...     model.parameters(), optimizer_class=ember.optim.Adam, lr=1e-3)
    """

    def __init__(
        self,
        params,
        optimizer_class: type[Optimizer],
        process_group: Any = None,
        parameters_as_bucket_view: bool = False,
        overlap_with_ddp: bool = False,
        **defaults: Any,
    ) -> None:
        if overlap_with_ddp:
            raise NotImplementedError(
                "ZeroRedundancyOptimizer: overlap_with_ddp=True needs a DDP communication hook, "
                "which Ember's DistributedDataParallel does not provide; use the default False"
            )
        if not dist.is_initialized():
            raise RuntimeError(
                "ZeroRedundancyOptimizer: the default process group has not been initialized; "
                "call ember.distributed.init_process_group() first"
            )
        super().__init__(params, defaults)
        self.process_group = process_group
        self.world_size = dist.get_world_size(process_group)
        self.rank = dist.get_rank(process_group)
        self.global_rank = dist.get_rank()
        self.parameters_as_bucket_view = parameters_as_bucket_view
        self._optim_constructor = optimizer_class
        self._optim_defaults = defaults
        self._all_state_dicts: list[dict] = []
        self._partition = self._partition_parameters()
        self.optim = optimizer_class(self._partition[self.rank], **defaults)
        self._sync_param_groups(self.param_groups, self.optim.param_groups)

    def _partition_parameters(self) -> list[list[dict]]:
        sizes = [0] * self.world_size
        per_rank: list[list[dict]] = [[] for _ in range(self.world_size)]
        for group in self.param_groups:
            params_per_rank: list[list] = [[] for _ in range(self.world_size)]
            for p in sorted(group["params"], key=lambda t: t.numel(), reverse=True):
                r = sizes.index(min(sizes))
                params_per_rank[r].append(p)
                sizes[r] += p.numel()
            for r in range(self.world_size):
                g = dict(group)
                g["params"] = params_per_rank[r]
                per_rank[r].append(g)
        return per_rank

    @staticmethod
    def _sync_param_groups(src: list[dict], dst: list[dict]) -> None:
        # Hyperparameters live in the global groups (LR schedulers edit those); mirror them.
        for s, d in zip(src, dst):
            for k, v in s.items():
                if k != "params":
                    d[k] = v

    def step(self, closure: Callable[[], float] | None = None, **kwargs: Any):
        """Step the local shard with the wrapped optimizer, then broadcast every shard from
        its owner so all ranks hold the updated parameters; returns the closure's loss."""
        self._sync_param_groups(self.param_groups, self.optim.param_groups)
        loss = (
            self.optim.step(closure, **kwargs) if closure is not None else self.optim.step(**kwargs)
        )
        self._sync_param_groups(self.optim.param_groups, self.param_groups)
        self._sync_params()
        return loss

    def _sync_params(self) -> None:
        with ember.no_grad():
            for r in range(self.world_size):
                params = [p for g in self._partition[r] for p in g["params"]]
                by_key: dict = {}
                for p in params:
                    by_key.setdefault((p.dtype, str(p.device)), []).append(p)
                for group in by_key.values():
                    flat = ember.cat([p.detach().reshape(-1) for p in group])
                    dist.broadcast(flat, src=self._global_rank_of(r), group=self.process_group)
                    if r == self.rank:
                        continue
                    offset = 0
                    for p in group:
                        n = p.numel()
                        p.copy_(flat[offset : offset + n].reshape(p.shape))
                        offset += n

    def _global_rank_of(self, group_rank: int) -> int:
        get = getattr(dist, "get_global_rank", None)
        if self.process_group is None or get is None:
            return group_rank
        return get(self.process_group, group_rank)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a param group, re-partitioning the parameters across ranks (as PyTorch)."""
        super().add_param_group(param_group)
        if hasattr(self, "optim"):  # not during __init__: rebuild the local optimizer
            self._partition = self._partition_parameters()
            local = self._partition[self.rank]
            if len(local) == len(self.optim.param_groups) + 1:
                self.optim.add_param_group(local[-1])
            else:  # earlier groups were re-partitioned too
                self.optim = self._optim_constructor(local, **self._optim_defaults)

    def consolidate_state_dict(self, to: int = 0) -> None:
        """Collect every rank's shard of the optimizer state on rank ``to`` (a collective:
        call it on all ranks); afterwards ``state_dict()`` works on that rank."""
        self._all_state_dicts = []
        local = self.optim.state_dict()
        for r in range(self.world_size):
            obj = [local if r == self.rank else None]
            dist.broadcast_object_list(obj, src=self._global_rank_of(r), group=self.process_group)
            sd = obj[0]
            if self.rank == to:
                self._all_state_dicts.append(sd)

    def state_dict(self) -> dict[str, Any]:
        """The full optimizer state in ``Optimizer.state_dict`` layout, global parameter
        indices; only on the rank that ``consolidate_state_dict`` targeted."""
        if not self._all_state_dicts:
            raise RuntimeError(
                "Optimizer state has not been consolidated on this rank. Please call "
                "`consolidate_state_dict(to=...)` on all ranks beforehand if you meant to "
                "save the global state."
            )
        index = self._param_to_index()
        state_dict = super().state_dict()
        for rank, local in enumerate(self._all_state_dicts):
            for lgroup, ggroup in zip(local["param_groups"], self._partition[rank]):
                for li, p in zip(lgroup["params"], ggroup["params"]):
                    if li in local["state"]:
                        state_dict["state"][index[id(p)]] = local["state"][li]
        state_dict["state"] = dict(sorted(state_dict["state"].items()))
        return state_dict

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a full state (from ``state_dict()``) on every rank, keeping this rank's shard."""
        index = self._param_to_index()
        for g, saved in zip(self.param_groups, state_dict["param_groups"]):
            for k, v in saved.items():
                if k != "params":
                    g[k] = v
        local_state: dict = {}
        local_groups = []
        start = 0
        for g in self._partition[self.rank]:
            ids = list(range(start, start + len(g["params"])))
            start += len(ids)
            for li, p in zip(ids, g["params"]):
                if index[id(p)] in state_dict["state"]:
                    local_state[li] = state_dict["state"][index[id(p)]]
            local_groups.append({**{k: v for k, v in g.items() if k != "params"}, "params": ids})
        self._sync_param_groups(self.param_groups, local_groups)
        self.optim.load_state_dict({"state": local_state, "param_groups": local_groups})

    def _param_to_index(self) -> dict[int, int]:
        return {id(p): i for i, p in enumerate(p for g in self.param_groups for p in g["params"])}

    def __repr__(self) -> str:
        return (
            f"ZeroRedundancyOptimizer(optimizer_class={self._optim_constructor.__name__}, "
            f"world_size={self.world_size}, rank={self.rank})\n" + repr(self.optim)
        )
