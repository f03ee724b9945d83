"""``SyncBatchNorm``: batch normalisation whose statistics span every rank of a group.

Forward all-reduces one vector ``[sum, sum of squares, count]`` per channel, so every rank
normalises with the mean and variance of the whole (concatenated) batch; backward
all-reduces ``[sum(dy), sum(dy * (x - mean))]`` so the input gradient is the one of the
whole batch too. Weight and bias gradients stay local sums, exactly like the other
parameters of the model, and are averaged by DDP (or whatever averages the others).
"""

from __future__ import annotations

from typing import Any

from ember._tensor import Tensor
from ember.autograd.function import Function, once_differentiable
from ember.autograd.grad_mode import no_grad
from ember.nn.modules.module import Module
from ember.nn.modules.normalization import _BatchNorm

__all__ = ["SyncBatchNorm"]


def _dist():
    import ember.distributed as dist  # lazy: ember.distributed imports ember.nn

    return dist


def _all_reduce_array(array, group):
    # Collectives work on Tensors; read the result back from the tensor, which the
    # backend may have rebound to a new array.
    t = Tensor._make(array)
    _dist().all_reduce(t, group=group)
    return t._data


class _SyncBatchNormFn(Function):
    @staticmethod
    def forward(ctx, x, mean, invstd, weight, bias, group, count):
        xp = ctx.xp
        shape = (1, -1) + (1,) * (x.ndim - 2)
        xmu = x - mean.reshape(shape)
        y = xmu * invstd.reshape(shape)
        if weight is not None:
            y = y * weight.reshape(shape)
        if bias is not None:
            y = y + bias.reshape(shape)
        ctx.group = group
        ctx.count = count  # samples per channel over all ranks
        ctx.save_for_backward(x, mean, invstd, weight)
        return xp.ascontiguousarray(y).astype(x.dtype, copy=False)

    @staticmethod
    @once_differentiable
    def backward(ctx, gy):
        x, mean, invstd, weight = (t._data if t is not None else None for t in ctx.saved_tensors)
        xp = ctx.xp
        g = gy._data
        axes = (0,) + tuple(range(2, x.ndim))
        shape = (1, -1) + (1,) * (x.ndim - 2)
        xmu = x - mean.reshape(shape)
        sum_dy = g.sum(axis=axes, dtype=xp.float64)
        sum_dy_xmu = (g * xmu).sum(axis=axes, dtype=xp.float64)
        gw = gb = gx = None
        needs = ctx.needs_input_grad
        if weight is not None and needs[3]:
            gw = Tensor._make((sum_dy_xmu * invstd).astype(weight.dtype))
        if len(needs) > 4 and needs[4]:
            gb = Tensor._make(sum_dy.astype(x.dtype))
        if needs[0]:
            c = sum_dy.shape[0]
            both = _all_reduce_array(xp.concatenate([sum_dy, sum_dy_xmu]), ctx.group)
            mean_dy = (both[:c] / ctx.count).astype(x.dtype).reshape(shape)
            mean_dy_xmu = (both[c:] / ctx.count).astype(x.dtype).reshape(shape)
            inv = invstd.reshape(shape)
            scale = inv if weight is None else inv * weight.reshape(shape)
            gx = (g - mean_dy - xmu * (inv * inv) * mean_dy_xmu) * scale
            gx = Tensor._make(xp.ascontiguousarray(gx).astype(x.dtype, copy=False))
        return gx, None, None, gw, gb, None, None


class SyncBatchNorm(_BatchNorm):
    """Batch normalisation over the batch of every rank of ``process_group``, as
    ``torch.nn.SyncBatchNorm``: in training the mean and variance come from all ranks'
    inputs together (so N ranks of B samples each match one ``BatchNorm`` on N*B samples);
    in eval, or with a single rank, it is plain batch norm. Accepts (N, C, *) inputs.

    >>> ember.nn.modules._sync_batchnorm.SyncBatchNorm(3)
    SyncBatchNorm(3, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        process_group: Any = None,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)
        self.process_group = process_group

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim < 2:
            raise ValueError(f"SyncBatchNorm: expected at least 2D input (got {input.ndim}D input)")

    def _world_size(self) -> int:
        dist = _dist()
        if not dist.is_available() or not dist.is_initialized():
            return 1
        return dist.get_world_size(self.process_group)

    def forward(self, input: Tensor) -> Tensor:
        """Global batch statistics in training across ranks, else ``BatchNorm``'s forward."""
        self._check_input_dim(input)
        if input.shape[1] != self.num_features:
            raise ValueError(
                f"SyncBatchNorm: expected input with {self.num_features} channels (dim 1), "
                f"got shape {tuple(input.shape)}"
            )
        bn_training = self.training or (self.running_mean is None and self.running_var is None)
        if not bn_training or self._world_size() == 1:
            return super().forward(input)

        factor = 0.0 if self.momentum is None else self.momentum
        if self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked._data[...] += 1
            self.num_batches_tracked._bump_version()
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked._data)

        x = input._data
        xp = _xp_of(input)
        c = self.num_features
        axes = (0,) + tuple(range(2, input.ndim))
        # float64 sums: E[x^2] - E[x]^2 in float32 would lose most digits of the variance.
        stats = xp.concatenate(
            [
                x.sum(axis=axes, dtype=xp.float64),
                (x.astype(xp.float64) ** 2).sum(axis=axes),
                xp.full((1,), float(x.size // c), dtype=xp.float64),
            ]
        )
        stats = _all_reduce_array(stats, self.process_group)
        n = float(stats[2 * c])
        if n <= 1:
            raise ValueError(
                "SyncBatchNorm: Expected more than 1 value per channel when training, got input "
                f"size {tuple(input.shape)} over all ranks"
            )
        mean = stats[:c] / n
        var = xp.maximum(stats[c : 2 * c] / n - mean * mean, 0.0)
        invstd = 1.0 / xp.sqrt(var + self.eps)
        if self.track_running_stats and self.running_mean is not None:
            with no_grad():
                rm, rv = self.running_mean, self.running_var
                rm._data[...] = (1 - factor) * rm._data + factor * mean.astype(rm._data.dtype)
                unbiased = (var * (n / (n - 1))).astype(rv._data.dtype)
                rv._data[...] = (1 - factor) * rv._data + factor * unbiased
                rm._bump_version()
                rv._bump_version()
        dtype = x.dtype
        return _SyncBatchNormFn.apply(
            input,
            Tensor._make(mean.astype(dtype)),
            Tensor._make(invstd.astype(dtype)),
            self.weight,
            self.bias,
            self.process_group,
            n,
        )

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group: Any = None) -> Module:
        """Return ``module`` with every ``BatchNorm*d`` layer replaced by a ``SyncBatchNorm``
        sharing its parameters and running statistics, as
        ``torch.nn.SyncBatchNorm.convert_sync_batchnorm``.

        >>> m = ember.nn.Sequential(ember.nn.Conv2d(3, 4, 1), ember.nn.BatchNorm2d(4))
        >>> from ember.nn.modules._sync_batchnorm import SyncBatchNorm
        >>> type(SyncBatchNorm.convert_sync_batchnorm(m)[1]).__name__
        'SyncBatchNorm'
        """
        output = module
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            output = cls(
                module.num_features,
                module.eps,
                module.momentum,
                module.affine,
                module.track_running_stats,
                process_group,
            )
            if module.affine:
                with no_grad():
                    output.weight = module.weight
                    output.bias = module.bias
            output.running_mean = module.running_mean
            output.running_var = module.running_var
            output.num_batches_tracked = module.num_batches_tracked
            output.training = module.training
        for name, child in module.named_children():
            output.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return output


def _xp_of(t: Tensor):
    from ember.backend import array_module

    return array_module(t.device)
