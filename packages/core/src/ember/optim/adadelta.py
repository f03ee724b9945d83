"""``Adadelta``, as ``torch.optim.Adadelta``."""

from __future__ import annotations

from ember._tensor import Tensor
from ember.optim.optimizer import (
    Optimizer,
    _check_differentiable,
    _check_lr,
    _grad_arrays,
    _params_with_grad,
    _real,
    _scalar_state,
    _to_scalar,
    _zeros_state,
)

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta (Zeiler) with decay ``rho``, L2 ``weight_decay`` and ``maximize``, as
    ``torch.optim.Adadelta``.

    >>> p = ember.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = ember.optim.Adadelta([p])
    >>> (p * p).sum().backward()
    >>> _ = opt.step()
    >>> p
    tensor([ 0.9968, -0.9968], requires_grad=True)
    """

    def __init__(
        self,
        params,
        lr: float | Tensor = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        _check_differentiable("Adadelta", differentiable)
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "capturable": capturable,
            "foreach": foreach,
            "differentiable": differentiable,
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
        """Perform one Adadelta step (``closure`` re-evaluates the loss, optional)."""
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr = _to_scalar(group["lr"])
            rho, eps = group["rho"], group["eps"]
            for p in _params_with_grad(group):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _scalar_state(0.0)
                    state["square_avg"] = _zeros_state(p)
                    state["acc_delta"] = _zeros_state(p)
                xp, grad = _grad_arrays(p, group["maximize"], group["weight_decay"])
                grad = _real(grad)
                param = _real(p._data, True)
                state["step"]._data += 1
                square_avg = _real(state["square_avg"]._data, True)
                acc_delta = _real(state["acc_delta"]._data, True)
                square_avg *= rho
                square_avg += (1 - rho) * grad * grad
                std = xp.sqrt(square_avg + eps)
                delta = xp.sqrt(acc_delta + eps)
                delta /= std
                delta *= grad
                acc_delta *= rho
                acc_delta += (1 - rho) * delta * delta
                param -= lr * delta
                p._bump_version()
        return loss
