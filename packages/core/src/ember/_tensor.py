"""``ember.Tensor``: one backend array plus its autograd fields.

The class is thin on purpose: properties, conversions and autograd entry points live here;
op methods (``x.sum()``, ``x + y``) are bound by the op families in ``ember._ops`` next to
the functions they call.
"""

from __future__ import annotations

import builtins

import numpy

from ember.autograd import function as _function
from ember.backend import as_device, device_of
from ember.backend.dtypes import NP_TO_DTYPE, bfloat16, get_default_dtype

__all__ = ["Tensor", "Size"]

NP_BFLOAT16 = bfloat16.np


class Size(tuple):
    """A tensor's shape, as ``torch.Size``: a tuple that prints as ``ember.Size([2, 3])``.

    >>> ember.zeros(2, 3).shape
    ember.Size([2, 3])
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"ember.Size({list(self)})"

    def numel(self) -> int:
        """The number of elements a tensor of this shape holds."""
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, key):
        out = tuple.__getitem__(self, key)
        return Size(out) if isinstance(key, slice) else out

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))


class Tensor:
    """A multi-dimensional array with autograd, as ``torch.Tensor``.

    Construct tensors with ``ember.tensor`` / ``ember.zeros`` and friends; ``ember.Tensor(data)``
    makes a default-dtype tensor from data, ``ember.Tensor(2, 3)`` an uninitialised one.

    >>> ember.Tensor([1, 2])
    tensor([1., 2.])
    """

    __slots__ = (
        "_data",
        "_requires_grad",
        "grad",
        "grad_fn",
        "_output_nr",
        "_vc",
        "_base",
        "_hooks",
        "__weakref__",
    )
    __array_priority__ = 1000  # numpy defers to our reflected operators

    def __init__(self, *args, device=None) -> None:
        np_dtype = get_default_dtype().np
        if len(args) == 1 and not isinstance(args[0], int):
            data = numpy.asarray(args[0], dtype=np_dtype)
        else:  # Tensor(2, 3) is uninitialised; Tensor() is empty, shape (0,)
            data = numpy.empty(tuple(args) if args else (0,), dtype=np_dtype)
        self._init(data)
        if device is not None:
            self._data = self.to(device)._data

    def _init(self, data, requires_grad=False, grad_fn=None, output_nr=0) -> None:
        self._data = data
        self._requires_grad = requires_grad
        self.grad = None
        self.grad_fn = grad_fn
        self._output_nr = output_nr
        self._vc = None
        self._base = None
        self._hooks = None

    @classmethod
    def _make(cls, data, requires_grad=False, grad_fn=None, output_nr=0) -> Tensor:
        t = object.__new__(cls)
        t._data = data
        t._requires_grad = requires_grad
        t.grad = None
        t.grad_fn = grad_fn
        t._output_nr = output_nr
        t._vc = t._base = t._hooks = None
        return t

    @staticmethod
    def _dtype_of(np_dtype):
        return NP_TO_DTYPE[np_dtype]

    # -- metadata -----------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        """The tensor's shape as an ``ember.Size``."""
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        """The shape, or the size of one dimension when ``dim`` is given."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim, "size")]

    @property
    def dtype(self):
        """The element type, an ``ember.dtype``."""
        return NP_TO_DTYPE[self._data.dtype]

    @property
    def device(self):
        """The ``ember.device`` the data lives on."""
        return device_of(self._data)

    @property
    def is_cuda(self) -> bool:
        """Whether the tensor lives on a CUDA device."""
        return type(self._data) is not numpy.ndarray

    @property
    def ndim(self) -> int:
        """The number of dimensions."""
        return self._data.ndim

    def dim(self) -> int:
        """The number of dimensions."""
        return self._data.ndim

    def ndimension(self) -> int:
        """The number of dimensions (old PyTorch name)."""
        return self._data.ndim

    def numel(self) -> int:
        """The number of elements."""
        return int(self._data.size)

    def nelement(self) -> int:
        """The number of elements (old PyTorch name)."""
        return int(self._data.size)

    def element_size(self) -> int:
        """Bytes per element."""
        return self._data.itemsize

    @property
    def itemsize(self) -> int:
        """Bytes per element."""
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        """Bytes the elements take."""
        return self._data.nbytes

    def stride(self, dim: int | None = None):
        """Strides in elements (not bytes, unlike numpy), as PyTorch reports them."""
        data = self._data
        if data.flags.c_contiguous:
            # PyTorch's contiguous strides (numpy reports 0s for empty arrays)
            strides, step = [], 1
            for size in reversed(data.shape):
                strides.append(step)
                step *= builtins.max(size, 1)
            strides = tuple(reversed(strides))
        else:
            strides = tuple(s // data.itemsize for s in data.strides)
        if dim is None:
            return strides
        return strides[_wrap_dim(dim, self._data.ndim, "stride")]

    def is_contiguous(self, memory_format=None) -> bool:
        """Whether the elements are laid out densely in row-major order."""
        return bool(self._data.flags.c_contiguous)

    def is_floating_point(self) -> bool:
        """Whether the dtype is a floating-point type."""
        return self._data.dtype.kind == "f" or self._data.dtype == NP_BFLOAT16

    def is_complex(self) -> bool:
        """Whether the dtype is a complex type."""
        return self._data.dtype.kind == "c"

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded op (user-created, or no grad)."""
        return self.grad_fn is None

    @property
    def _version(self) -> int:
        return 0 if self._vc is None else self._vc[0]

    def _bump_version(self) -> None:
        if self._vc is None:
            self._vc = [1]
        else:
            self._vc[0] += 1

    @property
    def _is_view(self) -> bool:
        return self._base is not None

    # -- autograd -----------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        """Whether gradients are computed for this tensor."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place (leaves only; float/complex dtypes only)."""
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use "
                "a computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if requires_grad and self._data.dtype.kind not in "fcV":
            raise RuntimeError(
                "only Tensors of floating point and complex dtype can require gradients, "
                f"got {self.dtype}"
            )
        if self.grad_fn is None:
            self._requires_grad = bool(requires_grad)
        return self

    @property
    def data(self) -> Tensor:
        """The same data, detached from autograd (writes to it are not tracked)."""
        t = Tensor._make(self._data)
        t._vc = None
        return t

    @data.setter
    def data(self, value: Tensor) -> None:
        self._data = value._data

    def detach(self) -> Tensor:
        """A tensor sharing this one's data, outside the graph."""
        t = Tensor._make(self._data)
        if self._vc is None:
            self._vc = [0]
        t._vc = self._vc
        return t

    def detach_(self) -> Tensor:
        """Detach this tensor from the graph in place."""
        self.grad_fn = None
        self._requires_grad = False
        return self

    def set_(self, source=None, storage_offset: int = 0, size=None, stride=None) -> Tensor:
        """Make this tensor share ``source``'s data, shape and strides (writes through either
        show in both), or become empty with ``set_()``, as ``Tensor.set_``. The storage and
        explicit ``size``/``stride`` forms are not supported (Ember has no storage objects).

        >>> a, b = ember.zeros(3), ember.ones(2, 2)
        >>> _ = a.set_(b)
        >>> _ = a.add_(1)
        >>> b
        tensor([[2., 2.],
                [2., 2.]])
        """
        from ember._ops._inplace import check_inplace_leaf
        from ember.autograd.grad_mode import is_grad_enabled

        if source is not None and not isinstance(source, Tensor):
            if isinstance(source, (bool, int, float, complex)):
                raise TypeError(
                    f"set_(): argument 'source' must be a Tensor or a storage, not "
                    f"{type(source).__name__}"
                )
            raise NotImplementedError(
                f"set_: a {type(source).__name__} source is not supported; Ember has no storage "
                "objects, use set_(tensor) or set_()"
            )
        if storage_offset != 0 or size is not None or stride is not None:
            raise NotImplementedError(
                "set_: the storage_offset/size/stride form is not supported; use set_(tensor) "
                "with a tensor of the wanted shape, or set_()"
            )
        check_inplace_leaf("set_", self)
        if source is not None and source._data.dtype != self._data.dtype:
            raise RuntimeError(
                f"set_: Could not set tensor of type {source.dtype} to a tensor of type "
                f"{self.dtype}"
            )
        if is_grad_enabled() and (
            self.grad_fn is not None or (source is not None and source._requires_grad)
        ):
            # PyTorch records a node whose backward is not implemented; refuse up front.
            raise NotImplementedError(
                "set_: differentiating through set_ is not supported; set_ tensors that do not "
                "require grad, or call it under ember.no_grad()"
            )
        if source is None:
            # A fresh (0,) array of the same dtype and device: the old memory is released.
            self._data = self._data.reshape(-1)[:0].copy()
        else:
            self._data = source._data
        self._base = None
        self._bump_version()
        return self

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``, as ``Tensor.backward``.

        >>> x = ember.tensor([1.0, 2.0], requires_grad=True)
        >>> (x * x).sum().backward()
        >>> x.grad
        tensor([2., 4.])
        """
        from ember.autograd import backward

        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; it may return a
        replacement gradient. Returns a handle with ``.remove()``."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            return self.grad_fn._add_pre_hook(self._output_nr, hook)
        return self._leaf_hook("pre", hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Call ``hook(tensor)`` after a gradient is accumulated into this leaf's ``.grad``."""
        if self.grad_fn is not None:
            raise RuntimeError(
                "post accumulate grad hooks cannot be registered on non-leaf tensors"
            )
        return self._leaf_hook("post", hook)

    def _leaf_hook(self, kind, hook):
        if self._hooks is None:
            self._hooks = {}
        hooks = self._hooks.setdefault(kind, [])
        hooks.append(hook)
        return _function._RemovableHandle(hooks, hook)

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if self.grad_fn is None:
            if not self._requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        if self._hooks is not None and "retain" in self._hooks:
            return
        import weakref

        ref = weakref.ref(self)

        def store(grad):
            t = ref()
            if t is not None:
                if t.grad is None:
                    t.grad = Tensor._make(grad._data.copy())
                else:
                    t.grad = t.grad + grad.detach()

        store._retains_grad = True  # the engine runs these after the tensor's other hooks
        self._hooks = self._hooks or {}
        self._hooks["retain"] = self.grad_fn._add_pre_hook(self._output_nr, store)

    @property
    def retains_grad(self) -> bool:
        """Whether ``retain_grad()`` was called on this non-leaf tensor."""
        return self._hooks is not None and "retain" in self._hooks

    # -- conversion ---------------------------------------------------------------------
    def numpy(self, *, force: bool = False):
        """The data as a numpy array sharing memory (CPU tensors not requiring grad)."""
        if type(self._data) is not numpy.ndarray:
            if not force:
                raise TypeError(
                    f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() "
                    "to copy the tensor to host memory first."
                )
            return self._data.get()
        if self._requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead."
            )
        return self._data

    def __array__(self, dtype=None, copy=None):
        on_host = type(self._data) is numpy.ndarray
        data = self._data if on_host else self._data.get()
        converts = dtype is not None and numpy.dtype(dtype) != data.dtype
        if copy is False and (converts or not on_host):
            raise ValueError(
                "Unable to avoid copy while creating an array as requested: the tensor is "
                f"{self.dtype} on {self.device}"
            )
        if converts:
            return data.astype(dtype)
        return data.copy() if copy and on_host else data

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar"
            )
        value = self._data.reshape(()) if type(self._data) is numpy.ndarray else self._data.get()
        return value.item() if self._data.dtype != NP_BFLOAT16 else float(value)

    def tolist(self):
        """The data as nested Python lists of Python numbers."""
        data = self._data if type(self._data) is numpy.ndarray else self._data.get()
        if data.dtype == NP_BFLOAT16:
            data = data.astype(numpy.float32)
        return data.tolist()

    def cpu(self) -> Tensor:
        """This tensor on the CPU (itself if it is already there)."""
        return self.to("cpu")

    def cuda(self, device=None, non_blocking: bool = False) -> Tensor:
        """This tensor on a CUDA device (the current one by default)."""
        if isinstance(device, int):
            device = f"cuda:{device}"
        return self.to(as_device("cuda" if device is None else device))

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            amount = "no values" if self._data.size == 0 else "more than one value"
            raise RuntimeError(f"Boolean value of Tensor with {amount} is ambiguous")
        return bool(self.item())

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __complex__(self) -> complex:
        return complex(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "biu" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        from ember._tensor_str import tensor_repr

        return tensor_repr(self)

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return format(self.item(), spec)
        return object.__format__(self, spec)

    def __reduce_ex__(self, protocol):
        data = self._data if type(self._data) is numpy.ndarray else self._data.get()
        return (_rebuild_tensor, (data, self._requires_grad, str(self.device)))

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the "
                "deepcopy protocol at the moment."
            )
        t = type(self)._make(self._data.copy(), self._requires_grad)
        if self.grad is not None:
            t.grad = self.grad.__deepcopy__(memo)
        memo[id(self)] = t
        return t


def bind_methods(**methods) -> None:
    """Attach op functions as Tensor methods (each op family binds its own)."""
    for name, fn in methods.items():
        setattr(Tensor, name, fn)


def _rebuild_tensor(data, requires_grad, device):
    t = Tensor._make(data, requires_grad)
    return t if device == "cpu" else t.to(device)


def _wrap_dim(dim: int, ndim: int, op: str) -> int:
    """Normalise a possibly negative ``dim`` for a tensor of ``ndim`` dims, PyTorch-style."""
    lo, hi = (-1, 0) if ndim == 0 else (-ndim, ndim - 1)
    if not isinstance(dim, int) and hasattr(dim, "__index__"):
        dim = dim.__index__()
    if not lo <= dim <= hi:
        raise IndexError(
            f"{op}: Dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim})"
        )
    return dim % ndim if ndim else 0


# Bind once: a second execution of this file (pytest's importlib mode imports it again under
# another name when collecting doctests) must not swap autograd's Tensor class.
if _function._Tensor is None:
    _function._Tensor = Tensor
