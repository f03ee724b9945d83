"""``ASGD``: averaged stochastic gradient descent, as ``torch.optim.ASGD``."""

from __future__ import annotations

from ember._tensor import Tensor
from ember.backend.dtypes import get_default_dtype
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

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """Averaged SGD (Polyak & Juditsky) with decay ``lambd``, eta power ``alpha``, averaging
    start ``t0``, L2 ``weight_decay`` and ``maximize``, as ``torch.optim.ASGD``; the running
    average is ``state[p]['ax']``.

    >>> p = ember.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = ember.optim.ASGD([p], lr=0.1)
    >>> (p * p).sum().backward()
    >>> _ = opt.step()
    >>> p
    tensor([ 0.8000, -0.8000], requires_grad=True)
    """

    def __init__(
        self,
        params,
        lr: float | Tensor = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        _check_lr(lr)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        _check_differentiable("ASGD", differentiable)
        defaults = {
            "lr": lr,
            "lambd": lambd,
            "alpha": alpha,
            "t0": t0,
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
        """Perform one ASGD step (``closure`` re-evaluates the loss, optional)."""
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr = _to_scalar(group["lr"])
            lambd, alpha, t0 = group["lambd"], group["alpha"], group["t0"]
            for p in _params_with_grad(group):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _scalar_state(0.0)
                    state["eta"] = _scalar_state(lr)
                    state["mu"] = _scalar_state(1.0)
                    state["ax"] = _zeros_state(p)
                xp, grad = _grad_arrays(p, group["maximize"], group["weight_decay"])
                grad = _real(grad)
                param = _real(p._data, True)
                ax = _real(state["ax"]._data, True)
                state["step"]._data += 1
                eta = float(state["eta"]._data)
                param *= 1 - lambd * eta
                param -= eta * grad
                mu = float(state["mu"]._data)
                if mu != 1:
                    ax += (param - ax) * mu
                else:
                    ax[...] = param
                step = float(state["step"]._data)
                # PyTorch rounds new eta/mu through a default-dtype tensor (torch.as_tensor)
                # before copying them into the state, whatever the state's dtype.
                rounding = get_default_dtype().np.type
                state["eta"]._data[...] = rounding(lr / ((1 + lambd * lr * step) ** alpha))
                state["mu"]._data[...] = rounding(1 / max(1, step - t0))
                p._bump_version()
        return loss
