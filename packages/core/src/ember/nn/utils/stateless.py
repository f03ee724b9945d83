"""Call a module with some parameters/buffers swapped for given tensors, as
``torch.nn.utils.stateless`` / ``torch.func.functional_call``.

The given tensors are placed in the owning modules' ``_parameters``/``_buffers`` dicts for
the duration of the call (so gradients flow to them, not to the module's own parameters)
and the originals are put back afterwards, even if the call raises.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Mapping
from typing import Any

from ember._tensor import Tensor
from ember.nn.modules.module import Module

__all__ = ["functional_call"]


def _owner(module: Module, name: str) -> tuple[Module, str]:
    *path, leaf = name.split(".")
    for part in path:
        module = getattr(module, part)
    return module, leaf


@contextlib.contextmanager
def _reparametrize_module(module: Module, tensors: Mapping[str, Any], tie_weights: bool, strict):
    tensors = dict(tensors)
    if tie_weights:
        # Every name of a tied tensor takes the given value (PyTorch's tie_weights=True).
        by_id: dict = {}
        for name, t in module.named_parameters(remove_duplicate=False):
            by_id.setdefault(id(t), []).append(name)
        for name, t in module.named_buffers(remove_duplicate=False):
            by_id.setdefault(id(t), []).append(name)
        for names in by_id.values():
            given = [n for n in names if n in tensors]
            if not given:
                continue
            value = tensors[given[0]]
            for n in given[1:]:
                if tensors[n] is not value:
                    raise ValueError(
                        f"functional_call got multiple values for keys {given}, which are "
                        "tied. Consider using tie_weights=False"
                    )
            for n in names:
                tensors[n] = value
    if strict:
        expected = {n for n, _ in module.named_parameters(remove_duplicate=False)}
        expected |= {n for n, _ in module.named_buffers(remove_duplicate=False)}
        missing = sorted(expected - set(tensors))
        unexpected = sorted(set(tensors) - expected)
        if missing or unexpected:
            parts = []
            if unexpected:
                parts.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
            if missing:
                parts.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
            raise RuntimeError(
                f"Error(s) in reparametrizing for {module._get_name()}:\n\t" + "\n\t".join(parts)
            )
    saved = []
    try:
        for name, value in tensors.items():
            owner, leaf = _owner(module, name)
            if leaf in owner._parameters:
                saved.append((owner._parameters, leaf, owner._parameters[leaf]))
                owner._parameters[leaf] = value
            elif leaf in owner._buffers:
                saved.append((owner._buffers, leaf, owner._buffers[leaf]))
                owner._buffers[leaf] = value
            else:
                had = leaf in owner.__dict__
                saved.append((owner.__dict__, leaf, owner.__dict__.get(leaf) if had else _MISSING))
                owner.__dict__[leaf] = value
        yield
    finally:
        for store, leaf, old in reversed(saved):
            if old is _MISSING:
                store.pop(leaf, None)
            else:
                store[leaf] = old


_MISSING = object()


def _functional_call(
    module: Module,
    parameters_and_buffers: Mapping[str, Tensor] | tuple,
    args=None,
    kwargs=None,
    *,
    tie_weights: bool = True,
    strict: bool = False,
):
    if isinstance(parameters_and_buffers, (list, tuple)):
        merged: dict = {}
        for d in parameters_and_buffers:
            for key in d:
                if key in merged:
                    raise ValueError(
                        f"{key} appeared in multiple dictionaries; behavior of functional call "
                        "is ambiguous"
                    )
            merged.update(d)
        parameters_and_buffers = merged
    if kwargs is None:
        kwargs = {}
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    with _reparametrize_module(module, parameters_and_buffers, tie_weights, strict):
        return module(*args, **kwargs)


def functional_call(
    module: Module,
    parameters_and_buffers: Mapping[str, Tensor],
    args=None,
    kwargs=None,
    *,
    tie_weights: bool = True,
    strict: bool = False,
):
    """Call ``module(*args, **kwargs)`` with the named parameters/buffers replaced by the
    given tensors for this call only, as ``torch.nn.utils.stateless.functional_call``
    (deprecated there in favour of ``torch.func.functional_call``; it warns
    ``FutureWarning`` likewise). ``args`` may be a single tensor.

    >>> import warnings
    >>> from ember.nn.utils.stateless import functional_call
    >>> m = ember.nn.Linear(2, 1)
    >>> params = {"weight": ember.ones(1, 2), "bias": ember.zeros(1)}
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     functional_call(m, params, ember.tensor([[1.0, 2.0]]))
    tensor([[3.]])
    """
    warnings.warn(
        "This API is deprecated as of PyTorch 2.0 and will be removed in a future version of "
        "PyTorch. Please use torch.func.functional_call instead which is a drop-in replacement.",
        FutureWarning,
        stacklevel=2,
    )
    return _functional_call(
        module, parameters_and_buffers, args, kwargs, tie_weights=tie_weights, strict=strict
    )
