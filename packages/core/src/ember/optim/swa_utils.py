"""Stochastic weight averaging and EMA, as ``torch.optim.swa_utils``: ``AveragedModel``,
the averaging-function factories, ``SWALR`` and ``update_bn``."""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable, Iterable
from copy import deepcopy
from typing import Any, Literal

from ember._tensor import Tensor
from ember.autograd.grad_mode import no_grad
from ember.backend import array_module, device_of, to_device
from ember.backend.dtypes import get_default_dtype
from ember.nn import Module
from ember.optim.lr_scheduler import LRScheduler, _format_param
from ember.optim.optimizer import _lerp_

__all__ = [
    "AveragedModel",
    "update_bn",
    "SWALR",
    "get_ema_multi_avg_fn",
    "get_swa_multi_avg_fn",
    "get_ema_avg_fn",
    "get_swa_avg_fn",
]


def _check_decay(decay: float) -> None:
    if decay < 0.0 or decay > 1.0:
        raise ValueError(
            f"Invalid decay value {decay} provided. Please provide a value in [0,1] range."
        )


def _count(num_averaged) -> int:
    return int(num_averaged.item()) if isinstance(num_averaged, Tensor) else int(num_averaged)


def get_ema_multi_avg_fn(decay: float = 0.999) -> Callable:
    """An in-place EMA update ``fn(ema_params, current_params, num_averaged)`` over lists of
    tensors (``ema = lerp(ema, current, 1 - decay)``), as PyTorch's.

    >>> ema, cur = [ember.tensor([0.0])], [ember.tensor([1.0])]
    >>> ember.optim.swa_utils.get_ema_multi_avg_fn(0.9)(ema, cur, 1)
    >>> ema[0]
    tensor([0.1000])
    """
    _check_decay(decay)

    def ema_update(ema_param_list, current_param_list, _) -> None:
        for p_ema, p_model in zip(ema_param_list, current_param_list):
            xp = array_module(p_ema._data)
            if p_ema._data.dtype.kind in "fc":
                _lerp_(xp, p_ema._data, p_model._data, 1 - decay)
            else:
                p_ema._data[...] = p_ema._data * decay + p_model._data * (1 - decay)
            p_ema._bump_version()

    return ema_update


def get_swa_multi_avg_fn() -> Callable:
    """An in-place running-mean update ``fn(averaged_params, current_params, num_averaged)``
    over lists of tensors, as PyTorch's.

    >>> avg, cur = [ember.tensor([0.0])], [ember.tensor([1.0])]
    >>> ember.optim.swa_utils.get_swa_multi_avg_fn()(avg, cur, 1)
    >>> avg[0]
    tensor([0.5000])
    """

    def swa_update(averaged_param_list, current_param_list, num_averaged) -> None:
        n = _count(num_averaged)
        weight = 1 / (n + 1)
        if isinstance(num_averaged, Tensor):
            # PyTorch's weight is ``1 / (n_averaged + 1)`` on an int64 tensor: a
            # default-dtype (float32) value, so it is rounded to that precision.
            weight = float(get_default_dtype().np.type(weight))
        for p_avg, p_model in zip(averaged_param_list, current_param_list):
            xp = array_module(p_avg._data)
            if p_avg._data.dtype.kind in "fc":
                _lerp_(xp, p_avg._data, p_model._data, weight)
            else:
                p_avg._data[...] = p_avg._data + (p_model._data - p_avg._data) / (n + 1)
            p_avg._bump_version()

    return swa_update


def get_ema_avg_fn(decay: float = 0.999) -> Callable:
    """An EMA function ``fn(ema, current, num_averaged) -> decay * ema + (1 - decay) *
    current``, as PyTorch's.

    >>> ember.optim.swa_utils.get_ema_avg_fn(0.5)(ember.tensor([0.0]), ember.tensor([1.0]), 1)
    tensor([0.5000])
    """
    _check_decay(decay)

    def ema_update(ema_param, current_param, num_averaged):
        with no_grad():
            return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn() -> Callable:
    """A running-mean function ``fn(avg, current, n) -> avg + (current - avg) / (n + 1)``,
    as PyTorch's.

    >>> ember.optim.swa_utils.get_swa_avg_fn()(ember.tensor([0.0]), ember.tensor([1.0]), 1)
    tensor([0.5000])
    """

    def swa_update(averaged_param, current_param, num_averaged):
        with no_grad():
            return averaged_param + (current_param - averaged_param) / (_count(num_averaged) + 1)

    return swa_update


class AveragedModel(Module):
    """A deep copy of ``model`` whose parameters (and buffers with ``use_buffers=True``)
    hold a running average (SWA by default, or ``avg_fn`` / ``multi_avg_fn``, e.g. EMA)
    updated by ``update_parameters(model)``, as ``torch.optim.swa_utils.AveragedModel``;
    ``n_averaged`` is an int64 buffer. Calling it runs the averaged module.

    >>> model = ember.nn.Linear(2, 1)
    >>> swa = ember.optim.swa_utils.AveragedModel(model)
    >>> swa.update_parameters(model)
    >>> int(swa.n_averaged)
    1
    """

    def __init__(
        self,
        model: Module,
        device=None,
        avg_fn: Callable | None = None,
        multi_avg_fn: Callable | None = None,
        use_buffers: bool = False,
    ) -> None:
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        import ember

        self.register_buffer("n_averaged", ember.tensor(0, dtype=ember.long, device=device))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def update_parameters(self, model: Module) -> None:
        """Fold ``model``'s current parameters into the average (the first call copies)."""
        if self.use_buffers:
            self_param = itertools.chain(self.module.parameters(), self.module.buffers())
            model_param = itertools.chain(model.parameters(), model.buffers())
        else:
            self_param, model_param = self.parameters(), model.parameters()
        n = int(self.n_averaged._data)
        averaged, current = [], []
        for p_averaged, p_model in zip(self_param, model_param):
            p_model_ = Tensor._make(to_device(p_model._data, device_of(p_averaged._data)))
            averaged.append(p_averaged)
            current.append(p_model_)
            if n == 0:
                p_averaged._data[...] = p_model_._data
                p_averaged._bump_version()
        if n > 0:
            if self.multi_avg_fn is not None:
                self.multi_avg_fn(averaged, current, self.n_averaged)
            elif self.avg_fn is None:
                # PyTorch's CPU path: avg + (current - avg) / (n + 1), exact division.
                for p_averaged, p_model in zip(averaged, current):
                    diff = p_model._data - p_averaged._data
                    p_averaged._data[...] = p_averaged._data + diff / (n + 1)
                    p_averaged._bump_version()
            else:
                for p_averaged, p_model in zip(averaged, current):
                    result = self.avg_fn(p_averaged.detach(), p_model, self.n_averaged)
                    p_averaged._data[...] = result._data
                    p_averaged._bump_version()
        if not self.use_buffers:
            for b_swa, b_model in zip(self.module.buffers(), model.buffers()):
                b_swa._data[...] = to_device(b_model._data, device_of(b_swa._data))
                b_swa._bump_version()
        self.n_averaged._data += 1
        self.n_averaged._bump_version()


def update_bn(loader: Iterable[Any], model: Module, device=None) -> None:
    """Recompute batch-norm running statistics with one pass over ``loader`` (cumulative
    average, ``momentum=None``), as ``torch.optim.swa_utils.update_bn``; a model without
    batch-norm layers is left untouched.

    >>> ember.optim.swa_utils.update_bn([ember.ones(1, 2)], ember.nn.Linear(2, 1))
    """
    momenta = {}
    for module in model.modules():
        if hasattr(module, "reset_running_stats") and hasattr(module, "momentum"):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    with no_grad():
        for batch in loader:
            if isinstance(batch, (list, tuple)):
                batch = batch[0]
            if device is not None:
                batch = batch.to(device)
            model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's lr to a fixed ``swa_lr`` over ``anneal_epochs`` (``cos`` or
    ``linear``) and hold it, as ``torch.optim.swa_utils.SWALR``.

    >>> opt = ember.optim.SGD([ember.zeros(1, requires_grad=True)], lr=0.1)
    >>> sched = ember.optim.swa_utils.SWALR(opt, swa_lr=0.05, anneal_epochs=2)
    >>> lrs = []
    >>> for _ in range(3):
    ...     opt.step()
    ...     sched.step()
    ...     lrs.append(round(sched.get_last_lr()[0], 6))
    >>> lrs
    [0.075, 0.05, 0.05]
    """

    def __init__(
        self,
        optimizer,
        swa_lr: float,
        anneal_epochs: int = 10,
        anneal_strategy: Literal["cos", "linear"] = "cos",
        last_epoch: int = -1,
    ) -> None:
        swa_lrs = _format_param("swa_lr", optimizer, swa_lr)
        for lr, group in zip(swa_lrs, optimizer.param_groups):
            group["swa_lr"] = lr
        if anneal_strategy not in ["cos", "linear"]:
            raise ValueError(
                f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}"
            )
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t):
        return t

    @staticmethod
    def _cosine_anneal(t):
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self):
        """The annealed lrs for the current step."""
        if not self._get_lr_called_within_step:
            warnings.warn(
                "To get the last learning rate computed by the scheduler, please use "
                "`get_last_lr()`.",
                UserWarning,
                stacklevel=2,
            )
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_t = max(0, min(1, (step - 1) / max(1, self.anneal_epochs)))
        prev_alpha = self.anneal_func(prev_t)
        prev_lrs = [
            self._get_initial_lr(group["lr"], group["swa_lr"], prev_alpha)
            for group in self.optimizer.param_groups
        ]
        t = max(0, min(1, step / max(1, self.anneal_epochs)))
        alpha = self.anneal_func(t)
        return [
            group["swa_lr"] * alpha + lr * (1 - alpha)
            for group, lr in zip(self.optimizer.param_groups, prev_lrs)
        ]

    def _set_anneal_func(self, anneal_strategy) -> None:
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" else self._linear_anneal

    def state_dict(self) -> dict[str, Any]:
        """The scheduler state (without the optimizer and the anneal function)."""
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state from ``state_dict()``."""
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
