"""``Adamax``: Adam with the infinity norm, as ``torch.optim.Adamax``."""

from __future__ import annotations

from ember._tensor import Tensor
from ember.optim.adam import _check_adam_args
from ember.optim.optimizer import (
    Optimizer,
    _check_differentiable,
    _grad_arrays,
    _lerp_,
    _params_with_grad,
    _real,
    _scalar_state,
    _to_scalar,
    _zeros_state,
)

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax (the infinity-norm variant of Adam) with L2 ``weight_decay`` and ``maximize``,
    as ``torch.optim.Adamax``.

    >>> p = ember.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = ember.optim.Adamax([p], lr=0.1)
    >>> (p * p).sum().backward()
    >>> _ = opt.step()
    >>> p
    tensor([ 0.9000, -0.9000], requires_grad=True)
    """

    def __init__(
        self,
        params,
        lr: float | Tensor = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        _check_adam_args(lr, betas, eps, weight_decay)
        _check_differentiable("Adamax", differentiable)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("capturable", False)

    def step(self, closure=None):
        """Perform one Adamax step (``closure`` re-evaluates the loss, optional)."""
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr = _to_scalar(group["lr"])
            beta1, beta2 = group["betas"]
            for p in _params_with_grad(group):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _scalar_state(0.0)
                    state["exp_avg"] = _zeros_state(p)
                    state["exp_inf"] = _zeros_state(p)
                xp, grad = _grad_arrays(p, group["maximize"], group["weight_decay"])
                grad = _real(grad)
                param = _real(p._data, True)
                state["step"]._data += 1
                exp_avg = _real(state["exp_avg"]._data, True)
                exp_inf = _real(state["exp_inf"]._data, True)
                _lerp_(xp, exp_avg, grad, 1 - beta1)
                exp_inf *= beta2
                norm = xp.abs(grad)
                norm += group["eps"]
                xp.maximum(exp_inf, norm, out=exp_inf)
                clr = lr / (1 - beta1 ** float(state["step"]._data))
                param -= clr * exp_avg / exp_inf
                p._bump_version()
        return loss
