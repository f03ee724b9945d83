"""``Rprop``: resilient backpropagation, as ``torch.optim.Rprop``."""

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

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """Rprop: per-element step sizes grown by ``etas[1]`` while the gradient keeps its sign
    and shrunk by ``etas[0]`` when it flips, clamped to ``step_sizes``, as
    ``torch.optim.Rprop``.

    >>> p = ember.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = ember.optim.Rprop([p], lr=0.1)
    >>> (p * p).sum().backward()
    >>> _ = opt.step()
    >>> p
    tensor([ 0.9000, -0.9000], requires_grad=True)
    """

    def __init__(
        self,
        params,
        lr: float | Tensor = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        *,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        _check_differentiable("Rprop", differentiable)
        defaults = {
            "lr": lr,
            "etas": etas,
            "step_sizes": step_sizes,
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
        """Perform one Rprop step (``closure`` re-evaluates the loss, optional)."""
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            etaminus, etaplus = group["etas"]
            step_size_min, step_size_max = group["step_sizes"]
            for p in _params_with_grad(group):
                state = self.state[p]
                if len(state) == 0:
                    lr = _to_scalar(group["lr"])
                    state["step"] = _scalar_state(0.0)
                    state["prev"] = _zeros_state(p)
                    state["step_size"] = _zeros_state(p, complex(lr, lr) if p.is_complex() else lr)
                xp, grad = _grad_arrays(p, group["maximize"], 0)
                grad = _real(grad)
                param = _real(p._data, True)
                prev = _real(state["prev"]._data, True)
                step_size = _real(state["step_size"]._data, True)
                state["step"]._data += 1
                sign = xp.sign(grad * prev)
                factor = xp.where(sign > 0, etaplus, xp.where(sign < 0, etaminus, 1))
                factor = factor.astype(step_size.dtype, copy=False)
                step_size *= factor
                xp.clip(step_size, step_size_min, step_size_max, out=step_size)
                # where the sign flipped the gradient is treated as zero (no step, no memory)
                grad = xp.where(sign < 0, 0, grad).astype(grad.dtype, copy=False)
                param -= xp.sign(grad) * step_size
                prev[...] = grad
                p._bump_version()
        return loss
