"""``SGD``: stochastic gradient descent with momentum, as ``torch.optim.SGD``."""

from __future__ import annotations

from ember._tensor import Tensor
from ember.optim.optimizer import (
    Optimizer,
    _check_differentiable,
    _check_lr,
    _grad_arrays,
    _params_with_grad,
    _real,
    _to_scalar,
)

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent (optionally with momentum, dampening, Nesterov momentum,
    L2 ``weight_decay`` and ``maximize``), as ``torch.optim.SGD``; the momentum buffer starts
    as the first gradient, as PyTorch's does.

    >>> p = ember.tensor([1.0, 2.0], requires_grad=True)
    >>> opt = ember.optim.SGD([p], lr=0.1, momentum=0.9)
    >>> (p * p).sum().backward()
    >>> _ = opt.step()
    >>> p
    tensor([0.8000, 1.6000], requires_grad=True)
    """

    def __init__(
        self,
        params,
        lr: float | Tensor = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        _check_lr(lr)
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        _check_differentiable("SGD", differentiable)
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
            "foreach": foreach,
            "differentiable": differentiable,
            "fused": fused,
        }
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("nesterov", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("differentiable", False)
            group.setdefault("fused", False)

    def step(self, closure=None):
        """Perform one SGD step (``closure`` re-evaluates the loss, optional)."""
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr = _to_scalar(group["lr"])
            momentum, dampening = group["momentum"], group["dampening"]
            for p in _params_with_grad(group):
                xp, grad = _grad_arrays(p, group["maximize"], _to_scalar(group["weight_decay"]))
                grad = _real(grad)
                if momentum != 0:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = state["momentum_buffer"] = Tensor._make(xp.empty_like(p._data))
                        _real(buf._data, True)[...] = grad
                    else:
                        b = _real(buf._data, True)
                        b *= momentum
                        b += (1 - dampening) * grad
                    b = _real(buf._data, True)
                    grad = grad + momentum * b if group["nesterov"] else b
                data = _real(p._data, True)
                data -= lr * grad
                p._bump_version()
        return loss
