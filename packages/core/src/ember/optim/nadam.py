"""``NAdam``: Adam with Nesterov momentum, as ``torch.optim.NAdam``."""

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

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam (Dozat) with ``momentum_decay``, L2 or decoupled (``decoupled_weight_decay``)
    weight decay and ``maximize``, as ``torch.optim.NAdam``; ``mu_product`` is kept in the
    scalar dtype (float32) as PyTorch keeps it, as PyTorch rounds it.

    >>> p = ember.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = ember.optim.NAdam([p], lr=0.1)
    >>> (p * p).sum().backward()
    >>> _ = opt.step()
    >>> p
    tensor([ 0.8944, -0.8944], requires_grad=True)
    """

    def __init__(
        self,
        params,
        lr: float | Tensor = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_adam_args(lr, betas, eps, weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        _check_differentiable("NAdam", differentiable)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum_decay": momentum_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("capturable", False)
            group.setdefault("differentiable", False)
            group.setdefault("decoupled_weight_decay", False)

    def step(self, closure=None):
        """Perform one NAdam step (``closure`` re-evaluates the loss, optional)."""
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr = _to_scalar(group["lr"])
            beta1, beta2 = group["betas"]
            weight_decay, decoupled = group["weight_decay"], group["decoupled_weight_decay"]
            momentum_decay = group["momentum_decay"]
            for p in _params_with_grad(group):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _scalar_state(0.0)
                    state["mu_product"] = _scalar_state(1.0)
                    state["exp_avg"] = _zeros_state(p)
                    state["exp_avg_sq"] = _zeros_state(p)
                xp, grad = _grad_arrays(p, group["maximize"], 0 if decoupled else weight_decay)
                grad = _real(grad)
                param = _real(p._data, True)
                exp_avg = _real(state["exp_avg"]._data, True)
                exp_avg_sq = _real(state["exp_avg_sq"]._data, True)
                state["step"]._data += 1
                step = float(state["step"]._data)
                bias_correction2 = 1 - beta2**step
                if weight_decay != 0 and decoupled:
                    param *= 1 - lr * weight_decay
                mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
                mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
                # mu_product stays in the scalar dtype, as PyTorch's 0-d state tensor does.
                state["mu_product"]._data *= mu
                mu_product = float(state["mu_product"]._data)
                _lerp_(xp, exp_avg, grad, 1 - beta1)
                exp_avg_sq *= beta2
                exp_avg_sq += (1 - beta2) * grad * grad
                denom = exp_avg_sq / bias_correction2
                xp.sqrt(denom, out=denom)
                denom += group["eps"]
                mu_product_next = mu_product * mu_next
                param += (-lr * (1.0 - mu) / (1.0 - mu_product)) * grad / denom
                param += ((-lr * mu_next) / (1.0 - mu_product_next)) * exp_avg / denom
                p._bump_version()
        return loss
