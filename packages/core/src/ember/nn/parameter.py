"""``nn.Parameter`` and ``nn.Buffer``: tensors that a Module registers when assigned.

A ``Parameter`` is an ``ember.Tensor`` subclass with no extra fields: it shares the data (and
the version counter) of the tensor it wraps, requires grad by default, and ops on it return
plain Tensors, as in PyTorch.
"""

from __future__ import annotations

import numpy

from ember._tensor import Tensor

__all__ = ["Parameter", "Buffer"]


def _empty():
    return numpy.empty((0,), dtype=_default_np_dtype())


def _default_np_dtype():
    from ember.backend.dtypes import get_default_dtype

    return get_default_dtype().np


class Parameter(Tensor):
    """A Tensor that a Module registers as a parameter when assigned to one of its
    attributes, as ``torch.nn.Parameter``; ``data`` defaults to an empty tensor.

    >>> p = ember.nn.Parameter(ember.ones(2))
    >>> p
    Parameter containing:
    tensor([1., 1.], requires_grad=True)
    >>> isinstance(p * 2, ember.nn.Parameter)
    False
    """

    __slots__ = ()

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            t = cls._make(_empty())
        elif isinstance(data, Tensor):
            t = cls._make(data._data)
            if data._vc is None:
                data._vc = [0]
            t._vc = data._vc  # shares data and version counter, as ``data.detach()``
        else:
            raise TypeError(
                f"Parameter(): expected data to be an ember.Tensor or None, got "
                f"{type(data).__name__}"
            )
        if requires_grad:
            t.requires_grad_(True)
        return t

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        pass  # everything happens in __new__; Tensor.__init__ would re-initialise

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol):
        data = self._data if type(self._data) is numpy.ndarray else self._data.get()
        return (_rebuild_parameter, (data, self._requires_grad, str(self.device)))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = Parameter(Tensor._make(self._data.copy()), self._requires_grad)
        if self.grad is not None:
            result.grad = self.grad.__deepcopy__(memo)
        memo[id(self)] = result
        return result


class Buffer(Tensor):
    """Marks a tensor as a buffer when assigned to a Module attribute, as
    ``torch.nn.Buffer``; ``persistent=False`` keeps it out of the ``state_dict``. The module
    stores a plain Tensor sharing the data.

    >>> m = ember.nn.Module()
    >>> m.steps = ember.nn.Buffer(ember.zeros(1), persistent=False)
    >>> list(m.state_dict()), [name for name, _ in m.named_buffers()]
    ([], ['steps'])
    """

    __slots__ = ("persistent",)

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True):
        if data is None:
            data = Tensor._make(_empty())
        t = cls._make(data._data, data._requires_grad)
        if data._vc is None:
            data._vc = [0]
        t._vc = data._vc
        t.persistent = persistent
        return t

    def __init__(self, data: Tensor | None = None, *, persistent: bool = True) -> None:
        pass

    def _as_tensor(self) -> Tensor:
        t = Tensor._make(self._data, self._requires_grad)
        t._vc = self._vc
        return t


def _rebuild_parameter(data, requires_grad, device):
    t = Tensor._make(data)
    if device != "cpu":
        t = t.to(device)
    return Parameter(t, requires_grad)
