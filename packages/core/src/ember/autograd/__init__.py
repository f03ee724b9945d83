"""Reverse-mode automatic differentiation: ``backward``, ``grad``, ``Function``, grad modes."""

from __future__ import annotations

from ember.autograd import function as _function
from ember.autograd import functional
from ember.autograd.anomaly_mode import (
    detect_anomaly,
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    set_detect_anomaly,
)
from ember.autograd.engine import run_backward
from ember.autograd.function import FunctionCtx, once_differentiable
from ember.autograd.function import TensorFunction as Function
from ember.autograd.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from ember.autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = [
    "backward",
    "grad",
    "Function",
    "FunctionCtx",
    "once_differentiable",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "inference_mode",
    "is_grad_enabled",
    "is_inference_mode_enabled",
    "detect_anomaly",
    "set_detect_anomaly",
    "is_anomaly_enabled",
    "is_anomaly_check_nan_enabled",
    "gradcheck",
    "gradgradcheck",
    "GradcheckError",
    "functional",
]


def _as_tuple(x):
    if x is None:
        return ()
    if isinstance(x, (list, tuple)):
        return tuple(x)
    return (x,)


def _make_grads(outputs, grad_outputs):
    """The root gradients, and for each whether it was created here (implicit ones)."""
    Tensor = _function._Tensor
    grads = []
    owned = []
    for i, out in enumerate(outputs):
        g = grad_outputs[i] if i < len(grad_outputs) else None
        d = out._data
        if g is None:
            if d.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if d.dtype.kind not in "fV":
                raise RuntimeError(
                    f"grad can be implicitly created only for real scalar outputs but got "
                    f"{out.dtype}"
                )
            ones = type(d)(d.shape, d.dtype)
            ones.fill(1)
            grads.append(Tensor._make(ones))
            owned.append(True)
            continue
        if not isinstance(g, Tensor):
            from ember._ops.creation import tensor

            g = tensor(g, dtype=out.dtype, device=out.device)
        elif g._data.shape != d.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {tuple(g.shape)} and "
                f"output[{i}] has a shape of {tuple(out.shape)}."
            )
        grads.append(g)
        owned.append(False)
    return grads, owned


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate gradients of ``tensors`` w.r.t. graph leaves into their ``.grad``, as
    ``torch.autograd.backward``; ``inputs`` restricts which tensors accumulate.

    >>> x = ember.tensor([3.0], requires_grad=True)
    >>> ember.autograd.backward([(x * x).sum()])
    >>> x.grad
    tensor([6.])
    """
    tensors = _as_tuple(tensors)
    grad_tensors = _as_tuple(grad_tensors)
    if grad_tensors and len(grad_tensors) != len(tensors):
        raise RuntimeError(f"got {len(tensors)} tensors and {len(grad_tensors)} gradients")
    grads, owned = _make_grads(tensors, grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if not inputs:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    run_backward(
        tensors, grads, retain_graph, create_graph, inputs=inputs, accumulate=True, owned=owned
    )


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
    >>> ember.autograd.grad((x**3).sum(), x)
    (tensor([12.]),)
    """
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    if materialize_grads and allow_unused is False:
        raise ValueError(
            "Expected allow_unused to be True or not passed when materialize_grads=True, "
            "but got: allow_unused=False."
        )
    if is_grads_batched:
        return _batched_grad(
            outputs,
            inputs,
            grad_outputs,
            retain_graph,
            create_graph,
            allow_unused,
            materialize_grads,
        )
    for t in inputs:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    grad_outputs = _as_tuple(grad_outputs)
    if grad_outputs and len(grad_outputs) != len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grad_outputs)} gradients")
    grads, owned = _make_grads(outputs, grad_outputs)
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
        owned=owned,
    )
    if materialize_grads:
        from ember._ops.creation import zeros_like

        result = [zeros_like(t) if g is None else g for t, g in zip(inputs, result)]
    return tuple(result)


def _batched_grad(
    outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused, materialize_grads
):
    # PyTorch vmaps over the leading dim of each grad_output; here one backward per batch
    # entry (the graph is retained in between), results stacked along a new leading dim.
    from ember.autograd.functional import _Stack, _Unstack

    grad_outputs = _as_tuple(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grad_outputs)} gradients")
    sizes = {g.shape[0] if g.dim() else None for g in grad_outputs}
    if len(sizes) != 1 or None in sizes:
        raise RuntimeError(
            "autograd.grad: with is_grads_batched=True every grad_output needs the same "
            "leading batch dimension"
        )
    (batch,) = sizes
    slices = [_Unstack.apply(g) if batch > 1 else (_squeeze0(g),) for g in grad_outputs]
    per_entry = []
    for b in range(batch):
        keep = True if b < batch - 1 else retain_graph
        per_entry.append(
            grad(
                outputs,
                inputs,
                [s[b] for s in slices],
                retain_graph=keep,
                create_graph=create_graph,
                allow_unused=allow_unused,
                materialize_grads=materialize_grads,
            )
        )
    result = []
    for k in range(len(inputs)):
        column = [entry[k] for entry in per_entry]
        if all(c is None for c in column):
            result.append(None)
            continue
        if any(c is None for c in column):
            from ember._ops.creation import zeros_like

            column = [zeros_like(inputs[k]) if c is None else c for c in column]
        result.append(_Stack.apply(*column))
    return tuple(result)


def _squeeze0(g):
    from ember._ops.shape import reshape

    return reshape(g, tuple(g.shape[1:]))
