"""``nn.Parameter`` and ``nn.Buffer``: tensors that a Module registers when assigned.

A ``Parameter`` is an ``ember.Tensor`` subclass with no extra fields: it shares the data (and
the version counter) of the tensor it wraps, requires grad by default, and ops on it return
plain Tensors, as in PyTorch.

``UninitializedParameter``/``UninitializedBuffer`` are the placeholders of lazy modules: an
empty tensor of the future dtype and device whose ``materialize(shape)`` gives it data and
turns the same object into a ``Parameter``/``Tensor`` (a ``__class__`` swap, as PyTorch does,
so optimizers built before that keep the object).
"""

from __future__ import annotations

import numpy

from ember._tensor import Tensor

__all__ = [
    "Parameter",
    "Buffer",
    "UninitializedParameter",
    "UninitializedBuffer",
    "UninitializedTensorMixin",
    "is_lazy",
]


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


class UninitializedTensorMixin:
    """What uninitialised parameters and buffers share: no shape until ``materialize``."""

    __slots__ = ()
    cls_to_become: type = Tensor

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Give this tensor uninitialised data of ``shape`` (on its own device and dtype
        unless given) and turn it into a ``cls_to_become`` in place."""
        from ember._ops.creation import empty

        device = self.device if device is None else device
        dtype = self.dtype if dtype is None else dtype
        self._data = empty(shape, device=device, dtype=dtype)._data
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError(
            "Can't access the shape of an uninitialized parameter or buffer. This error usually "
            "happens in `load_state_dict` when trying to load an uninitialized parameter into an "
            "initialized one. Call `forward` to initialize the parameters before accessing their "
            "attributes."
        )

    def numel(self) -> int:
        raise ValueError(
            f"Attempted to use an uninitialized parameter in numel. This error happens when you "
            f"are using a `LazyModule` or explicitly manipulating `ember.nn.parameter."
            f"{type(self).__name__}` objects. When using LazyModules Call `forward` with a dummy "
            "batch to initialize the parameters before calling ember functions"
        )

    def share_memory_(self):
        raise RuntimeError(
            "Can't share memory on an uninitialized parameter or buffer. Call `forward` to "
            "initialize the parameters before calling `module.share_memory()`."
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    def __reduce_ex__(self, protocol):
        return (_rebuild_uninitialized, (type(self), self._requires_grad, str(self.device)))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self._requires_grad, self.device, self.dtype)
        memo[id(self)] = result
        return result


def is_lazy(param) -> bool:
    """Whether ``param`` is an ``UninitializedParameter`` or ``UninitializedBuffer``.

    >>> from ember.nn.parameter import UninitializedParameter, is_lazy
    >>> is_lazy(UninitializedParameter()), is_lazy(ember.nn.Parameter(ember.ones(1)))
    (True, False)
    """
    return isinstance(param, UninitializedTensorMixin)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A parameter whose shape is not known yet, as ``torch.nn.UninitializedParameter``:
    lazy modules hold these until their first forward; ``materialize(shape)`` turns it into a
    ``Parameter`` in place. ``device``/``dtype`` are those it will materialise with.

    >>> p = ember.nn.UninitializedParameter()
    >>> p
    <UninitializedParameter>
    >>> p.materialize((2, 3))
    >>> type(p).__name__, p.shape
    ('Parameter', ember.Size([2, 3]))
    """

    __slots__ = ()
    cls_to_become = Parameter

    def __new__(cls, requires_grad: bool = True, device=None, dtype=None):
        from ember._ops.creation import empty

        t = cls._make(empty(0, device=device, dtype=dtype)._data)
        if requires_grad:
            t.requires_grad_(True)
        return t

    def __init__(self, requires_grad: bool = True, device=None, dtype=None) -> None:
        pass


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer whose shape is not known yet, as ``torch.nn.UninitializedBuffer``;
    ``materialize(shape)`` turns it into a plain ``Tensor`` in place. Only persistent
    uninitialised buffers are supported, and a module takes one as a buffer where it already
    registered that name (as lazy layers do).

    >>> b = ember.nn.UninitializedBuffer()
    >>> b.materialize(3, dtype=ember.int64)
    >>> type(b).__name__, b.dtype
    ('Tensor', ember.int64)
    """

    __slots__ = ()
    cls_to_become = Tensor
    persistent = True

    def __new__(cls, requires_grad: bool = False, device=None, dtype=None, persistent=True):
        from ember._ops.creation import empty

        if not persistent:
            raise NotImplementedError(
                "UninitializedBuffer: persistent=False is not supported; register the buffer "
                "with Module.register_buffer(name, None, persistent=False) and assign a tensor "
                "later"
            )
        return cls._make(empty(0, device=device, dtype=dtype)._data, requires_grad)

    def __init__(self, requires_grad: bool = False, device=None, dtype=None, persistent=True):
        pass

    def to(self, *args, **kwargs) -> UninitializedBuffer:
        """The future dtype/device changed; the result stays uninitialised (modules move
        and cast their buffers through this before the first forward)."""
        return self._keep_lazy(Tensor.to(self, *args, **kwargs))

    def _keep_lazy(self, moved: Tensor) -> UninitializedBuffer:
        return UninitializedBuffer._make(moved._data, self._requires_grad)


def _keeps_lazy(name: str):
    base = getattr(Tensor, name)

    def method(self, *args, **kwargs):
        return self._keep_lazy(base(self, *args, **kwargs))

    method.__name__ = name
    method.__doc__ = f"``Tensor.{name}`` that leaves the buffer uninitialised."
    return method


# Module.float()/.double()/.cuda() ... reach buffers through these methods, not ``to``.
for _name in ("float", "double", "half", "bfloat16", "cpu", "cuda"):
    setattr(UninitializedBuffer, _name, _keeps_lazy(_name))


def _rebuild_uninitialized(cls, requires_grad, device):
    return cls(requires_grad, device)


def _rebuild_parameter(data, requires_grad, device):
    t = Tensor._make(data)
    if device != "cpu":
        t = t.to(device)
    return Parameter(t, requires_grad)
