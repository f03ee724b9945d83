"""Activation checkpointing, as ``torch.utils.checkpoint``: trade compute for memory.

``checkpoint(fn, *args)`` runs ``fn`` under ``no_grad`` so none of its intermediate
activations are kept; the graph holds one ``CheckpointFunction`` node that saved only the
inputs. Its backward re-runs ``fn`` on detached copies of the inputs with grad enabled
(after restoring the RNG state the forward started from, so dropout draws the same masks)
and backpropagates through that fresh graph, which is freed right after.

Note [reentrant vs non-reentrant]
``use_reentrant=True`` is PyTorch's original variant: the inner backward is a full
``autograd.backward`` that accumulates straight into the ``.grad`` of every leaf ``fn``
uses (parameters included), so it only makes sense under an outer ``.backward()``.
``use_reentrant=False`` (the recommended one) also supports keyword arguments and
``autograd.grad``: the parameters of modules that ``fn`` is, is bound to, or closes over
become inputs of the node, so their gradients flow through the outer engine; the
recomputation uses ``autograd.grad`` and any other leaf it reaches gets its gradient
accumulated into ``.grad`` directly. PyTorch's non-reentrant variant is built on
saved-tensor hooks and unpacks lazily; here both variants recompute the whole segment once
per backward.
"""

from __future__ import annotations

import contextlib
import functools
import warnings
from collections.abc import Callable
from typing import Any

from ember._tensor import Tensor
from ember.autograd.function import TensorFunction
from ember.autograd.grad_mode import enable_grad, no_grad

__all__ = [
    "checkpoint",
    "checkpoint_sequential",
    "CheckpointError",
    "CheckpointFunction",
    "detach_variable",
    "noop_context_fn",
]


class CheckpointError(RuntimeError):
    """Raised when the recomputed forward does not match the original one."""


def noop_context_fn():
    """The default ``context_fn``: two do-nothing context managers.

    >>> from ember.utils.checkpoint import noop_context_fn
    >>> len(noop_context_fn())
    2
    """
    return contextlib.nullcontext(), contextlib.nullcontext()


def detach_variable(inputs: tuple) -> tuple:
    """Detach every tensor of the tuple ``inputs``, keeping its ``requires_grad``, as
    ``torch.utils.checkpoint.detach_variable``.

    >>> from ember.utils.checkpoint import detach_variable
    >>> (x,) = detach_variable((ember.ones(1, requires_grad=True) * 2,))
    >>> x.requires_grad, x.grad_fn is None
    (True, True)
    """
    if not isinstance(inputs, tuple):
        raise RuntimeError(
            "Only tuple of tensors is supported. Got Unsupported input type: "
            f"{type(inputs).__name__}"
        )
    out = []
    for inp in inputs:
        if not isinstance(inp, Tensor):
            out.append(inp)
            continue
        x = inp.detach()
        x.requires_grad_(inp.requires_grad)
        out.append(x)
    return tuple(out)


# -- RNG state -----------------------------------------------------------------------------
def _rng_generators(tensors) -> list:
    from ember.backend.random import default_generator, generator_for

    gens = [default_generator]
    seen = set()
    for t in tensors:
        dev = t.device
        if dev.type != "cpu" and dev.index not in seen:
            seen.add(dev.index)
            gens.append(generator_for(dev))
    return gens


def _get_states(gens) -> list:
    return [g.get_state() for g in gens]


def _set_states(gens, states) -> None:
    for g, s in zip(gens, states):
        g.set_state(s)


# -- parameters a function uses ------------------------------------------------------------
def _module_params(obj, found: dict, depth: int = 0) -> None:
    from ember.nn.modules.module import Module

    if depth > 3:
        return
    if isinstance(obj, Module):
        for p in obj.parameters():
            if p.requires_grad:
                found[id(p)] = p
    elif isinstance(obj, (list, tuple)):
        for item in obj:
            _module_params(item, found, depth + 1)
    elif isinstance(obj, functools.partial):
        _module_params(obj.func, found, depth + 1)
        _module_params(obj.args, found, depth + 1)
        _module_params(tuple(obj.keywords.values()), found, depth + 1)
    elif callable(obj):
        owner = getattr(obj, "__self__", None)
        if owner is not None:
            _module_params(owner, found, depth + 1)
        for cell in getattr(obj, "__closure__", None) or ():
            try:
                content = cell.cell_contents
            except ValueError:  # an empty cell
                continue
            _module_params(content, found, depth + 1)


def _leaves_of(outputs, stop) -> dict:
    """Every leaf requiring grad reachable from ``outputs``' graph, by id, not walking
    past the nodes in ``stop`` (the histories of the checkpoint's own inputs)."""
    leaves: dict = {}
    seen: set = {id(node) for node in stop}
    stack = [o.grad_fn for o in outputs if o.grad_fn is not None]
    for o in outputs:
        if o.grad_fn is None and o.requires_grad:
            leaves[id(o)] = o
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for edge in getattr(node, "_edges", ()) or ():
            if not edge:
                continue
            target = edge[0]
            if isinstance(target, Tensor):
                leaves[id(target)] = target
            else:
                stack.append(target)
    return leaves


class CheckpointFunction(TensorFunction):
    """The graph node of ``checkpoint``: ``forward`` runs the function without recording,
    ``backward`` recomputes it with grad on and backpropagates (see Note [reentrant vs
    non-reentrant]); called through ``checkpoint``, not directly.

    >>> from ember.utils.checkpoint import CheckpointFunction
    >>> CheckpointFunction.__name__
    'CheckpointFunction'
    """

    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, spec, *tensors):
        # spec: (reentrant, template args, template kwargs, tensor slots, n inputs,
        # recompute context, determinism check); tensors: inputs then extra parameters.
        reentrant, args, kwargs, slots, n_inputs, context_fn, check = spec
        inputs = tensors[:n_inputs]
        ctx.run_function = run_function
        ctx.preserve_rng_state = preserve_rng_state
        ctx.spec = spec
        if preserve_rng_state:
            ctx.gens = _rng_generators(inputs)
            ctx.fwd_states = _get_states(ctx.gens)
        ctx.save_for_backward(*tensors)
        forward_ctx, ctx.recompute_ctx = context_fn()
        call_args, call_kwargs = _fill(args, kwargs, slots, inputs)
        with no_grad(), forward_ctx:
            outputs = run_function(*call_args, **call_kwargs)
        single = isinstance(outputs, Tensor)
        outs = (outputs,) if single else tuple(outputs)
        if check:
            ctx.out_meta = [(o.shape, o.dtype) if isinstance(o, Tensor) else None for o in outs]
        return outputs

    @staticmethod
    def backward(ctx, *grad_outputs):
        from ember import autograd
        from ember.autograd.grad_mode import is_grad_enabled

        reentrant, args, kwargs, slots, n_inputs, _, check = ctx.spec
        create_graph = is_grad_enabled()
        tensors = ctx.saved_tensors
        inputs, params = tensors[:n_inputs], tensors[n_inputs:]
        # Recompute on detached inputs, except when the gradient itself must be
        # differentiable (create_graph, non-reentrant): then on the inputs themselves, so the
        # recomputed graph, and the gradients built from it, connect to their history.
        attached = create_graph and not reentrant
        detached = tuple(inputs) if attached else detach_variable(tuple(inputs))
        call_args, call_kwargs = _fill(args, kwargs, slots, detached)
        rng = contextlib.nullcontext()
        if ctx.preserve_rng_state:
            rng = _forked_rng(ctx.gens, ctx.fwd_states)
        with rng, enable_grad(), ctx.recompute_ctx:
            outputs = ctx.run_function(*call_args, **call_kwargs)
        outs = (outputs,) if isinstance(outputs, Tensor) else tuple(outputs)
        if check:
            meta = [(o.shape, o.dtype) if isinstance(o, Tensor) else None for o in outs]
            if meta != ctx.out_meta:
                raise CheckpointError(
                    "ember.utils.checkpoint: Recomputed values have different metadata than "
                    f"during the original forward: {ctx.out_meta} vs {meta}. The function is "
                    "not deterministic (pass determinism_check='none' to skip this check)"
                )
        outs_with_grad, grads_with = [], []
        for o, g in zip(outs, grad_outputs):
            if isinstance(o, Tensor) and o.requires_grad:
                outs_with_grad.append(o)
                grads_with.append(g)
        if not outs_with_grad:
            raise RuntimeError(
                "none of output has requires_grad=True, this checkpoint() is not necessary"
            )
        if reentrant:
            autograd.backward(outs_with_grad, grads_with)
            grads = [d.grad if isinstance(d, Tensor) else None for d in detached]
            return (None, None, None, *grads, *(None for _ in params))
        # Non-reentrant: gradients of inputs and known parameters go back through the outer
        # engine; any other leaf the function touched accumulates here.
        wanted = [d for d in detached if d.requires_grad] + list(params)
        known = {id(t) for t in wanted}
        stop = [d.grad_fn for d in detached if d.grad_fn is not None]
        others = [t for k, t in _leaves_of(outs_with_grad, stop).items() if k not in known]
        targets = wanted + others
        if not targets:
            return (None, None, None, *(None for _ in tensors))
        result = autograd.grad(
            outs_with_grad, targets, grads_with, create_graph=create_graph, allow_unused=True
        )
        by_id = {id(t): g for t, g in zip(targets, result)}
        with no_grad():
            for leaf in others:
                g = by_id[id(leaf)]
                if g is not None:
                    leaf.grad = g.detach().clone() if leaf.grad is None else leaf.grad + g
        grads = [by_id.get(id(d)) if d.requires_grad else None for d in detached]
        return (None, None, None, *grads, *(by_id.get(id(p)) for p in params))


@contextlib.contextmanager
def _forked_rng(gens, states):
    outer = _get_states(gens)
    _set_states(gens, states)
    try:
        yield
    finally:
        _set_states(gens, outer)


def _fill(args: tuple, kwargs: dict, slots: list, tensors) -> tuple[list, dict]:
    """Put ``tensors`` back into the argument slots they were taken from."""
    args, kwargs = list(args), dict(kwargs)
    for slot, t in zip(slots, tensors):
        if isinstance(slot, int):
            args[slot] = t
        else:
            kwargs[slot] = t
    return args, kwargs


def checkpoint(
    function: Callable,
    *args,
    use_reentrant: bool | None = None,
    context_fn: Callable = noop_context_fn,
    determinism_check: str = "default",
    debug: bool = False,
    **kwargs,
) -> Any:
    """Run ``function(*args, **kwargs)`` without keeping its intermediate activations and
    recompute them during backward, as ``torch.utils.checkpoint.checkpoint``: gradients
    equal the un-checkpointed ones while the graph holds only the inputs. With
    ``preserve_rng_state=True`` (a keyword, default) the recomputation replays the
    forward's random draws. Pass ``use_reentrant`` explicitly (None warns and means True,
    as PyTorch 2.13); see Note [reentrant vs non-reentrant] for the difference, and
    ``context_fn`` (non-reentrant only) returns the (forward, recompute) context managers.

    >>> from ember.utils.checkpoint import checkpoint
    >>> layer = ember.nn.Linear(3, 3)
    >>> x = ember.randn(2, 3, requires_grad=True)
    >>> y = checkpoint(lambda t: layer(t).tanh(), x, use_reentrant=False)
    >>> y.sum().backward()
    >>> x.grad.shape, layer.weight.grad.shape
    (ember.Size([2, 3]), ember.Size([3, 3]))
    """
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. "
            "Starting in PyTorch 2.9, calling checkpoint without use_reentrant will raise an "
            "exception. use_reentrant=False is recommended, but if you need to preserve the "
            "current default behavior, you can pass use_reentrant=True. Refer to docs for more "
            "details on the differences between the two variants.",
            stacklevel=2,
        )
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs and use_reentrant:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    if determinism_check not in ("default", "none"):
        raise ValueError(
            f"determinism_check should be one of ['default', 'none'], but got {determinism_check}"
        )
    if use_reentrant:
        if context_fn is not noop_context_fn or debug is not False:
            raise ValueError(
                "Passing `context_fn` or `debug` is only supported when use_reentrant=False."
            )
        if not any(isinstance(a, Tensor) and a.requires_grad for a in args):
            warnings.warn(
                "None of the inputs have requires_grad=True. Gradients will be None",
                stacklevel=2,
            )
    slots: list = []
    inputs: list = []
    for i, a in enumerate(args):
        if isinstance(a, Tensor):
            slots.append(i)
            inputs.append(a)
    for k, v in kwargs.items():
        if isinstance(v, Tensor):
            slots.append(k)
            inputs.append(v)
    params: list = []
    if not use_reentrant:
        found: dict = {}
        _module_params(function, found)
        input_ids = {id(t) for t in inputs}
        params = [p for k, p in found.items() if k not in input_ids]
    spec = (
        bool(use_reentrant),
        tuple(None if isinstance(a, Tensor) else a for a in args),
        {k: (None if isinstance(v, Tensor) else v) for k, v in kwargs.items()},
        slots,
        len(inputs),
        context_fn,
        determinism_check == "default" and not use_reentrant,
    )
    return CheckpointFunction.apply(function, preserve, spec, *inputs, *params)


def checkpoint_sequential(
    functions, segments: int, input: Tensor, use_reentrant: bool | None = None, **kwargs
) -> Tensor:
    """Run a sequence of modules/functions (an ``nn.Sequential`` or a list) on ``input``
    in ``segments`` chunks, checkpointing every chunk but the last, as
    ``torch.utils.checkpoint.checkpoint_sequential``; ``preserve_rng_state`` may be passed
    as a keyword.

    >>> from ember.utils.checkpoint import checkpoint_sequential
    >>> model = ember.nn.Sequential(*[ember.nn.Linear(4, 4) for _ in range(4)])
    >>> x = ember.randn(2, 4, requires_grad=True)
    >>> checkpoint_sequential(model, 2, x, use_reentrant=False).shape
    ember.Size([2, 4])
    """
    from ember.nn.modules.container import Sequential

    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should be "
            "passed explicitly. In version 2.9 we will raise an exception if use_reentrant is "
            "not passed. use_reentrant=False is recommended, but if you need to preserve the "
            "current default behavior, you can pass use_reentrant=True. Refer to docs for more "
            "details on the differences between the two variants.",
            stacklevel=2,
        )
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))

    def run_function(start, end, functions):
        def forward(input):
            for j in range(start, end + 1):
                input = functions[j](input)
            return input

        return forward

    if isinstance(functions, Sequential):
        functions = list(functions.children())
    segment_size = len(functions) // segments
    end = -1  # the last chunk is not checkpointed: its activations are needed right away
    for start in range(0, segment_size * (segments - 1), segment_size):
        end = start + segment_size - 1
        input = checkpoint(
            run_function(start, end, functions),
            input,
            use_reentrant=use_reentrant,
            preserve_rng_state=preserve,
        )
    return run_function(end + 1, len(functions) - 1, functions)(input)
