"""``DistributedDataParallel``: data parallelism over ``ember.distributed`` process groups.

Each rank holds a full replica; parameters and buffers start equal (broadcast from rank 0)
and stay equal because every rank applies the same averaged gradient. Gradients are
averaged in buckets of about ``bucket_cap_mb`` megabytes, filled in reverse parameter order
(roughly the order backward produces them). A post-accumulate-grad hook on every parameter
marks it ready; once a bucket is full its flattened gradients go out as a non-blocking
all-reduce, so communication overlaps the rest of backward. When the last bucket has been
launched (from the last hook of the iteration) all reductions are waited for and the
averages written back into ``.grad`` before ``backward()`` returns.

Buckets are launched strictly in index order on every rank: MPI matches collectives by
order, so a rank whose hooks fire in another order must not start bucket 3 before bucket 2.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import ember
from ember.nn.modules.module import Module

__all__ = ["DistributedDataParallel"]

_FIRST_BUCKET_BYTES = 1024 * 1024


def _dist():
    # Imported lazily: ember.nn is imported by ember itself, ember.distributed needs ember.
    import ember.distributed as dist

    return dist


class _Bucket:
    __slots__ = ("params", "pending", "work", "flat")

    def __init__(self, params: list) -> None:
        self.params = params
        self.pending = len(params)
        self.work = None
        self.flat = None


def _graph_leaf_ids(outputs) -> set[int]:
    """ids of the leaf tensors reachable backwards from ``outputs`` (for unused params)."""
    roots = []
    stack: list = [outputs]
    while stack:  # outputs may be nested containers of tensors
        obj = stack.pop()
        if isinstance(obj, ember.Tensor):
            roots.append(obj)
        elif isinstance(obj, (list, tuple)):
            stack.extend(obj)
        elif isinstance(obj, dict):
            stack.extend(obj.values())
    leaves: set[int] = set()
    seen: set[int] = set()
    nodes = []
    for t in roots:
        if t.grad_fn is not None:
            nodes.append(t.grad_fn)
        elif t.requires_grad:
            leaves.add(id(t))
    while nodes:
        node = nodes.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for edge in node._edges:
            if not edge:
                continue
            nxt = edge[0]
            if isinstance(nxt, ember.Tensor):
                leaves.add(id(nxt))
            else:
                nodes.append(nxt)
    return leaves


class DistributedDataParallel(Module):
    """Synchronous data parallelism of ``module`` across the ranks of ``process_group``, as
    ``torch.nn.parallel.DistributedDataParallel``: parameters and buffers are broadcast from
    rank 0 at construction, gradients are averaged across ranks in buckets during backward,
    buffers are re-broadcast before each forward when ``broadcast_buffers``, and
    ``no_sync()`` skips the averaging for gradient accumulation. The wrapped model is
    ``.module``; state_dict keys carry the ``module.`` prefix.

    >>> import ember.distributed as dist  # doctest: +SKIP
    >>> ddp = DistributedDataParallel(ember.nn.Linear(4, 2))  # doctest: +SKIP
    """

    def __init__(
        self,
        module: Module,
        device_ids: list | None = None,
        output_device: Any = None,
        dim: int = 0,
        broadcast_buffers: bool = True,
        process_group: Any = None,
        bucket_cap_mb: float | None = 25,
        find_unused_parameters: bool = False,
        gradient_as_bucket_view: bool = False,
        static_graph: bool = False,
    ) -> None:
        super().__init__()
        dist = _dist()
        if not dist.is_initialized():
            raise RuntimeError(
                "DistributedDataParallel: the default process group has not been initialized; "
                "call ember.distributed.init_process_group() first"
            )
        if not isinstance(module, Module):
            raise TypeError(
                f"DistributedDataParallel: expected an ember.nn.Module, got {type(module).__name__}"
            )
        if not any(p.requires_grad for p in module.parameters()):
            raise RuntimeError(
                "DistributedDataParallel is not needed when a module doesn't have any "
                "parameter that requires a gradient."
            )
        self.module = module
        self.device_ids = device_ids
        self.output_device = output_device
        self.dim = dim
        self.broadcast_buffers = broadcast_buffers
        self.process_group = process_group
        self.find_unused_parameters = find_unused_parameters
        # Gradients are copied back from the flat buffer into each .grad; a bucket view
        # would save that copy but Ember tensors cannot alias a flat buffer per parameter
        # safely across optimizer resets, so the flag is accepted and has no effect.
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self.bucket_bytes_cap = int((25 if bucket_cap_mb is None else bucket_cap_mb) * 1024 * 1024)
        self._world = dist.get_world_size(process_group)
        # Collectives name their source by global rank: the group's first rank.
        self._src = 0 if process_group is None else dist.get_global_rank(process_group, 0)

        self._sync_module_states()
        self._params = [p for p in module.parameters() if p.requires_grad]
        self._build_buckets()
        self._hook_handles = [
            p.register_post_accumulate_grad_hook(self._grad_ready) for p in self._params
        ]
        self._reset_iteration(expect=False)

    # -- setup ---------------------------------------------------------------------------
    def _sync_module_states(self) -> None:
        dist = _dist()
        if self._world == 1:
            return
        with ember.no_grad():
            for t in list(self.module.parameters()) + list(self.module.buffers()):
                dist.broadcast(t, src=self._src, group=self.process_group)

    def _build_buckets(self) -> None:
        buckets: list[list] = []
        current: list = []
        size = 0
        # As PyTorch, the first bucket is small (1 MiB) so communication starts early.
        cap = min(_FIRST_BUCKET_BYTES, self.bucket_bytes_cap)
        for p in reversed(self._params):  # backward produces the last layers' grads first
            nbytes = p.numel() * p.element_size()
            # A bucket holds one dtype/device, so it can be flattened with one cat.
            if current and (
                size + nbytes > cap or p.dtype != current[0].dtype or p.device != current[0].device
            ):
                buckets.append(current)
                current, size, cap = [], 0, self.bucket_bytes_cap
            current.append(p)
            size += nbytes
        if current:
            buckets.append(current)
        self._bucket_params = buckets
        self._bucket_of = {id(p): i for i, ps in enumerate(buckets) for p in ps}

    def _reset_iteration(self, expect: bool) -> None:
        self._buckets = [_Bucket(ps) for ps in self._bucket_params]
        self._next_launch = 0
        self._ready: set[int] = set()
        self._expect_hooks = expect

    # -- forward -------------------------------------------------------------------------
    def forward(self, *inputs, **kwargs):
        """Re-broadcast buffers (when asked), run ``module`` and arm the gradient buckets."""
        if self._expect_hooks and self._ready:
            raise RuntimeError(
                "DistributedDataParallel: Expected to have finished reduction in the prior "
                "iteration before starting a new one. This error indicates that your module "
                "has parameters that were not used in producing loss. You can enable unused "
                "parameter detection by passing the keyword argument "
                "`find_unused_parameters=True` to `ember.nn.parallel.DistributedDataParallel`."
            )
        if self.broadcast_buffers and self.require_forward_param_sync and self._world > 1:
            dist = _dist()
            with ember.no_grad():
                for b in self.module.buffers():
                    dist.broadcast(b, src=self._src, group=self.process_group)
        output = self.module(*inputs, **kwargs)
        sync = ember.is_grad_enabled() and self.require_backward_grad_sync
        self._reset_iteration(expect=sync)
        if sync and self.find_unused_parameters:
            used = _graph_leaf_ids(output)
            for p in self._params:
                if id(p) not in used:
                    self._mark_ready(p, launch=False)
        return output

    # -- backward ------------------------------------------------------------------------
    def _grad_ready(self, param) -> None:
        if not self._expect_hooks or id(param) in self._ready:
            return
        self._mark_ready(param, launch=True)

    def _mark_ready(self, param, launch: bool) -> None:
        self._ready.add(id(param))
        self._buckets[self._bucket_of[id(param)]].pending -= 1
        if launch:
            self._launch_ready_buckets()

    def _launch_ready_buckets(self) -> None:
        dist = _dist()
        buckets = self._buckets
        while self._next_launch < len(buckets) and buckets[self._next_launch].pending == 0:
            b = buckets[self._next_launch]
            with ember.no_grad():
                parts = [
                    (p.grad if p.grad is not None else ember.zeros_like(p)).reshape(-1)
                    for p in b.params
                ]
                # Divide first, as PyTorch does, so the sum cannot overflow a half dtype.
                b.flat = ember.cat(parts) / self._world
            b.work = dist.all_reduce(
                b.flat, op=dist.ReduceOp.SUM, group=self.process_group, async_op=True
            )
            self._next_launch += 1
        if self._next_launch == len(buckets):
            self._finalize()

    def _finalize(self) -> None:
        with ember.no_grad():
            for b in self._buckets:
                if b.work is not None:  # None where this rank is not in the group
                    b.work.wait()
                offset = 0
                for p in b.params:
                    n = p.numel()
                    avg = b.flat[offset : offset + n].reshape(p.shape)
                    offset += n
                    if p.grad is None:
                        # Unused here; keep it None when no rank produced a gradient.
                        if not bool((avg != 0).any()):
                            continue
                        p.grad = avg.clone()
                    else:
                        p.grad.copy_(avg)
                b.flat = b.work = None
        self._expect_hooks = False
        self._ready = set()

    # -- user API ------------------------------------------------------------------------
    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Context in which backward accumulates local gradients without averaging them;
        the first backward after leaving it averages the accumulated sum."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old
