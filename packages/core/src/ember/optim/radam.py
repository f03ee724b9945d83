"""``RAdam``: rectified Adam, as ``torch.optim.RAdam``."""

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

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """RAdam (Liu et al.): Adam whose adaptive term is switched on once the variance
    estimate is tractable (rho_t > 5), with L2 or decoupled weight decay and ``maximize``, as
    ``torch.optim.RAdam``.

    >>> p = ember.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = ember.optim.RAdam([p], lr=0.1)
    >>> (p * p).sum().backward()
    >>> _ = opt.step()
    >>> p
    tensor([ 0.8000, -0.8000], requires_grad=True)
    """

    def __init__(
        self,
        params,
        lr: float | Tensor = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_adam_args(lr, betas, eps, weight_decay)
        _check_differentiable("RAdam", differentiable)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "decoupled_weight_decay": decoupled_weight_decay,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("decoupled_weight_decay", False)
            group.setdefault("capturable", False)

    def step(self, closure=None):
        """Perform one RAdam step (``closure`` re-evaluates the loss, optional)."""
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr = _to_scalar(group["lr"])
            beta1, beta2 = group["betas"]
            weight_decay, decoupled = group["weight_decay"], group["decoupled_weight_decay"]
            for p in _params_with_grad(group):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _scalar_state(0.0)
                    state["exp_avg"] = _zeros_state(p)
                    state["exp_avg_sq"] = _zeros_state(p)
                xp, grad = _grad_arrays(p, group["maximize"], 0 if decoupled else weight_decay)
                grad = _real(grad)
                param = _real(p._data, True)
                exp_avg = _real(state["exp_avg"]._data, True)
                exp_avg_sq = _real(state["exp_avg_sq"]._data, True)
                state["step"]._data += 1
                step = float(state["step"]._data)
                if weight_decay != 0 and decoupled:
                    param *= 1 - lr * weight_decay
                _lerp_(xp, exp_avg, grad, 1 - beta1)
                exp_avg_sq *= beta2
                exp_avg_sq += (1 - beta2) * grad * grad
                bias_correction1 = 1 - beta1**step
                bias_correction2 = 1 - beta2**step
                corrected = exp_avg / bias_correction1
                rho_inf = 2 / (1 - beta2) - 1
                rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
                if rho_t > 5.0:
                    rect = (
                        (rho_t - 4)
                        * (rho_t - 2)
                        * rho_inf
                        / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
                    ) ** 0.5
                    sq = xp.sqrt(exp_avg_sq)
                    sq += group["eps"]
                    adaptive = (bias_correction2**0.5) / sq
                    param -= corrected * lr * adaptive * rect
                else:
                    param -= corrected * lr
                p._bump_version()
        return loss
