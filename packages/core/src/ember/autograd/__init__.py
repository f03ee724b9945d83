"""Reverse-mode automatic differentiation: ``backward``, ``grad``, ``Function``, grad modes."""

from __future__ import annotations

from ember.autograd.engine import run_backward
from ember.autograd.function import TensorFunction as Function
from ember.autograd.function import once_differentiable
from ember.autograd.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)

__all__ = [
    "backward",
    "grad",
    "Function",
    "once_differentiable",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "inference_mode",
    "is_grad_enabled",
]


def _as_tuple(x):
    if x is None:
        return ()
    if isinstance(x, (list, tuple)):
        return tuple(x)
    return (x,)


def _make_grads(outputs, grad_outputs):
    from ember._tensor import Tensor

    grads = []
    for i, out in enumerate(outputs):
        g = grad_outputs[i] if i < len(grad_outputs) else None
        if g is None:
            if out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if out._data.dtype.kind not in "fV":
                raise RuntimeError(
                    f"grad can be implicitly created only for real scalar outputs but got "
                    f"{out.dtype}"
                )
            g = Tensor._make(type(out._data)(out._data.shape, out._data.dtype))
            g._data.fill(1)
        elif not isinstance(g, Tensor):
            from ember._ops.creation import tensor

            g = tensor(g, dtype=out.dtype, device=out.device)
        elif g._data.shape != out._data.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {tuple(g.shape)} and "
                f"output[{i}] has a shape of {tuple(out.shape)}."
            )
        grads.append(g)
    return grads


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate gradients of ``tensors`` w.r.t. graph leaves into their ``.grad``, as
    ``torch.autograd.backward``; ``inputs`` restricts which tensors accumulate.

    >>> x = ember.tensor([3.0], requires_grad=True)
    >>> ember.autograd.backward([(x * x).sum()]); x.grad
    tensor([6.])
    """
    tensors = _as_tuple(tensors)
    grads = _make_grads(tensors, _as_tuple(grad_tensors))
    if retain_graph is None:
        retain_graph = create_graph
    inputs = _as_tuple(inputs) or None
    run_backward(tensors, grads, retain_graph, create_graph, inputs=inputs, accumulate=True)


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph=None,
    create_graph=False,
    only_inputs=True,
    allow_unused=None,
    is_grads_batched=False,
    materialize_grads=False,
):
    """Gradients of ``outputs`` w.r.t. ``inputs``, returned (not accumulated), as
    ``torch.autograd.grad``; ``create_graph=True`` makes them differentiable again.

    >>> x = ember.tensor([2.0], requires_grad=True)
    >>> ember.autograd.grad((x ** 3).sum(), x)
    (tensor([12.]),)
    """
    outputs = _as_tuple(outputs)
    single = not isinstance(inputs, (list, tuple))
    inputs = _as_tuple(inputs)
    for t in inputs:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    grads = _make_grads(outputs, _as_tuple(grad_outputs))
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    result = run_backward(
        outputs,
        grads,
        retain_graph,
        create_graph,
        inputs=inputs,
        accumulate=False,
        allow_unused=allow_unused,
    )
    if materialize_grads:
        from ember._ops.creation import zeros_like

        result = [zeros_like(t) if g is None else g for t, g in zip(inputs, result)]
    del single
    return tuple(result)
