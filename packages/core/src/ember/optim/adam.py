"""``Adam``: adaptive moment estimation, as ``torch.optim.Adam``."""

from __future__ import annotations

from ember._tensor import Tensor
from ember.optim.optimizer import (
    Optimizer,
    _check_differentiable,
    _check_lr,
    _grad_arrays,
    _lerp_,
    _params_with_grad,
    _real,
    _scalar_state,
    _to_scalar,
    _zeros_state,
)

__all__ = ["Adam"]


def _check_adam_args(lr, betas, eps, weight_decay) -> None:
    _check_lr(lr)
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


class Adam(Optimizer):
    """Adam (Kingma & Ba) with optional ``amsgrad``, L2 ``weight_decay`` (or decoupled, as
    AdamW, with ``decoupled_weight_decay=True``) and ``maximize``, as ``torch.optim.Adam``.
    ``foreach``/``fused``/``capturable`` are accepted and run the same single-tensor maths.

    >>> p = ember.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = ember.optim.Adam([p], lr=0.1)
    >>> (p * p).sum().backward()
    >>> _ = opt.step()
    >>> p
    tensor([ 0.9000, -0.9000], requires_grad=True)
    """

    def __init__(
        self,
        params,
        lr: float | Tensor = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        _check_adam_args(lr, betas, eps, weight_decay)
        _check_differentiable(type(self).__name__, differentiable)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
            "fused": fused,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("amsgrad", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("capturable", False)
            group.setdefault("differentiable", False)
            group.setdefault("decoupled_weight_decay", False)
            group.setdefault("fused", None)

    def step(self, closure=None):
        """Perform one Adam step (``closure`` re-evaluates the loss, optional)."""
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr = _to_scalar(group["lr"])
            beta1, beta2 = (_to_scalar(b) for b in group["betas"])
            eps, amsgrad = group["eps"], group["amsgrad"]
            weight_decay = group["weight_decay"]
            decoupled = group["decoupled_weight_decay"]
            for p in _params_with_grad(group):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _scalar_state(0.0)
                    state["exp_avg"] = _zeros_state(p)
                    state["exp_avg_sq"] = _zeros_state(p)
                    if amsgrad:
                        state["max_exp_avg_sq"] = _zeros_state(p)
                xp, grad = _grad_arrays(p, group["maximize"], 0 if decoupled else weight_decay)
                param = _real(p._data, True)
                if weight_decay != 0 and decoupled:
                    param *= 1 - lr * weight_decay
                grad = _real(grad)
                exp_avg = _real(state["exp_avg"]._data, True)
                exp_avg_sq = _real(state["exp_avg_sq"]._data, True)
                state["step"]._data += 1
                step = float(state["step"]._data)
                _lerp_(xp, exp_avg, grad, 1 - beta1)
                exp_avg_sq *= beta2
                exp_avg_sq += (1 - beta2) * grad * grad
                bias_correction1 = 1 - beta1**step
                bias_correction2_sqrt = (1 - beta2**step) ** 0.5
                step_size = lr / bias_correction1
                if amsgrad:
                    max_sq = _real(state["max_exp_avg_sq"]._data, True)
                    xp.maximum(max_sq, exp_avg_sq, out=max_sq)
                    denom = xp.sqrt(max_sq)
                else:
                    denom = xp.sqrt(exp_avg_sq)
                denom /= bias_correction2_sqrt
                denom += eps
                param -= step_size * exp_avg / denom
                p._bump_version()
        return loss
