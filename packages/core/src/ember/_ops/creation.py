"""Tensor creation: from data, filled, ranges and random, plus dtype/device conversion."""

from __future__ import annotations

import builtins
import numbers

import numpy

from ember._ops.shape import parse_shape
from ember._tensor import Tensor, bind_methods
from ember.autograd.function import Function
from ember.backend import CPU, array_module, as_device, device_of, to_device
from ember.backend.dtypes import NP_TO_DTYPE, from_numpy_dtype, get_default_dtype, int64
from ember.backend.random import generator_for

__all__ = [
    "tensor",
    "as_tensor",
    "asarray",
    "from_numpy",
    "zeros",
    "ones",
    "full",
    "empty",
    "zeros_like",
    "ones_like",
    "full_like",
    "empty_like",
    "arange",
    "rand",
    "randn",
    "randint",
    "rand_like",
    "randn_like",
    "randint_like",
    "clone",
]


def _np_dtype(dtype, fallback=None):
    if dtype is None:
        return fallback if fallback is not None else get_default_dtype().np
    if hasattr(dtype, "np"):
        return dtype.np
    return from_numpy_dtype(dtype).np


def _finish(array, device, requires_grad: bool) -> Tensor:
    d = as_device(device)
    if d is not CPU and d.type != "cpu":
        array = to_device(array, d)
    t = Tensor._make(array)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _infer_np_dtype(data):
    """The dtype PyTorch infers for nested Python data: bool < int64 < default float < complex."""
    kinds = set()
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, Tensor):
            kinds.add(("t", item._data.dtype))
        elif isinstance(item, (bool, numpy.bool_)):
            kinds.add("b")
        elif isinstance(item, numbers.Integral):
            kinds.add("i")
        elif isinstance(item, numbers.Real):
            kinds.add("f")
        elif isinstance(item, numbers.Complex):
            kinds.add("c")
        else:
            raise TypeError(f"tensor(): could not infer dtype of {type(item).__name__}")
    default = get_default_dtype().np
    tensor_dtypes = [k[1] for k in kinds if isinstance(k, tuple)]
    if "c" in kinds:
        return get_default_dtype().to_complex().np
    if "f" in kinds:
        return default
    if tensor_dtypes:
        return numpy.result_type(*tensor_dtypes)
    if "i" in kinds:
        return numpy.dtype(numpy.int64)
    if "b" in kinds:
        return numpy.dtype(numpy.bool_)
    return default  # empty list -> default float, as PyTorch


def _unwrap_nested(data):
    if isinstance(data, Tensor):
        return data._data if type(data._data) is numpy.ndarray else data._data.get()
    if isinstance(data, (list, tuple)):
        return [_unwrap_nested(d) for d in data]
    return data


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False, pin_memory=False):
    """A new tensor holding a copy of ``data`` (nested lists, scalars, numpy arrays,
    tensors), with PyTorch's dtype inference: floats -> default dtype, ints -> int64.

    >>> ember.tensor([[1, 2], [3, 4]], dtype=ember.float64)
    tensor([[1., 2.],
            [3., 4.]], dtype=ember.float64)
    """
    if isinstance(data, Tensor):
        arr = data._data.copy()
        if dtype is not None:
            arr = arr.astype(_np_dtype(dtype))
        return _finish(arr if device is None else to_device(arr, as_device(device)), device or
                       data.device, requires_grad)
    if isinstance(data, numpy.ndarray) or (
        hasattr(data, "__cuda_array_interface__") and not isinstance(data, (list, tuple))
    ):
        from_numpy_dtype(data.dtype)  # refuse unsupported dtypes with a clear message
        xp = array_module(data)
        arr = xp.array(data, dtype=_np_dtype(dtype, data.dtype), copy=True)
        return _finish(arr, device if device is not None else device_of(arr), requires_grad)
    if isinstance(data, numpy.generic):
        data = data.item()
    np_dtype = _np_dtype(dtype, _infer_np_dtype(data))
    arr = numpy.array(_unwrap_nested(data), dtype=np_dtype)
    return _finish(arr, device, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with a tensor or numpy array when dtype and device
    already match, as ``torch.as_tensor``.

    >>> a = numpy.zeros(2, dtype=numpy.float32); t = ember.as_tensor(a); a[0] = 1; t
    tensor([1., 0.])
    """
    if isinstance(data, Tensor):
        out = data
        if dtype is not None or device is not None:
            out = data.to(device=device, dtype=dtype)
        return out
    if isinstance(data, numpy.ndarray) and (dtype is None or _np_dtype(dtype) == data.dtype):
        if device is None or as_device(device).type == "cpu":
            return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


asarray = as_tensor


def from_numpy(ndarray) -> Tensor:
    """A CPU tensor sharing memory with a numpy array, as ``torch.from_numpy``.

    >>> ember.from_numpy(numpy.arange(3))
    tensor([0, 1, 2])
    """
    if not isinstance(ndarray, numpy.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    from_numpy_dtype(ndarray.dtype)
    return Tensor._make(ndarray)


def _filled(fill, size, dtype, device, requires_grad, np_default=None):
    shape = parse_shape(size)
    if any(s < 0 for s in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension: {list(shape)}")
    dt = _np_dtype(dtype, np_default)
    d = as_device(device)
    xp = numpy if d.type == "cpu" else array_module(d)
    if d.type != "cpu":
        with xp.cuda.Device(d.index):
            arr = fill(xp, shape, dt)
    else:
        arr = fill(xp, shape, dt)
    t = Tensor._make(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def zeros(*size, out=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A tensor of zeros of shape ``size``, as ``torch.zeros``.

    >>> ember.zeros(2, 2)
    tensor([[0., 0.],
            [0., 0.]])
    """
    return _filled(lambda xp, s, dt: xp.zeros(s, dt), size, dtype, device, requires_grad)


def ones(*size, out=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A tensor of ones of shape ``size``, as ``torch.ones``.

    >>> ember.ones(3, dtype=ember.int64)
    tensor([1, 1, 1])
    """
    return _filled(lambda xp, s, dt: xp.ones(s, dt), size, dtype, device, requires_grad)


def empty(*size, out=None, dtype=None, device=None, requires_grad=False, pin_memory=False,
          memory_format=None) -> Tensor:
    """An uninitialised tensor of shape ``size``, as ``torch.empty``.

    >>> ember.empty(2, 3).shape
    ember.Size([2, 3])
    """
    return _filled(lambda xp, s, dt: xp.empty(s, dt), size, dtype, device, requires_grad)


def full(size, fill_value, *, out=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A tensor of shape ``size`` filled with ``fill_value``; the dtype follows the value
    (bool, int64, default float, complex) unless given, as ``torch.full``.

    >>> ember.full((2,), 7)
    tensor([7, 7])
    """
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    default = _infer_np_dtype(fill_value)
    return _filled(
        lambda xp, s, dt: xp.full(s, fill_value, dt), (size,), dtype, device, requires_grad,
        default,
    )


def _like(fn, input, dtype, device, requires_grad, *extra):
    dtype = dtype if dtype is not None else input.dtype
    device = device if device is not None else input.device
    return fn(*extra, input._data.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def zeros_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    """Zeros with ``input``'s shape, dtype and device, as ``torch.zeros_like``.

    >>> ember.zeros_like(ember.ones(2))
    tensor([0., 0.])
    """
    return _like(zeros, input, dtype, device, requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    """Ones with ``input``'s shape, dtype and device, as ``torch.ones_like``.

    >>> ember.ones_like(ember.zeros(2))
    tensor([1., 1.])
    """
    return _like(ones, input, dtype, device, requires_grad)


def empty_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    """An uninitialised tensor like ``input``, as ``torch.empty_like``.

    >>> ember.empty_like(ember.zeros(2)).shape
    ember.Size([2])
    """
    return _like(empty, input, dtype, device, requires_grad)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False,
              memory_format=None):
    """``fill_value`` everywhere, with ``input``'s shape, dtype and device.

    >>> ember.full_like(ember.zeros(2), 3)
    tensor([3., 3.])
    """
    dtype = dtype if dtype is not None else input.dtype
    device = device if device is not None else input.device
    return full(input._data.shape, fill_value, dtype=dtype, device=device,
                requires_grad=requires_grad)


def arange(start, end=None, step=1, *, out=None, dtype=None, device=None,
           requires_grad=False) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 for integer arguments,
    the default float dtype otherwise, as ``torch.arange``.

    >>> ember.arange(1, 2.5, 0.5)
    tensor([1.0000, 1.5000, 2.0000])
    """
    if end is None:
        start, end = 0, start
    values = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = values
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(
            f"arange: upper bound and larger bound inconsistent with step sign "
            f"(start={start}, end={end}, step={step})"
        )
    default = _infer_np_dtype(values)
    dt = _np_dtype(dtype, default)
    d = as_device(device)
    xp = array_module(d)
    if all(isinstance(v, numbers.Integral) for v in values):
        arr = xp.arange(start, end, step, dtype=dt)
    else:
        # PyTorch computes the length as ceil((end - start) / step) in double precision.
        import math

        n = builtins.max(0, math.ceil((end - start) / step))
        arr = (start + step * xp.arange(n, dtype=numpy.float64)).astype(dt)
    return _finish(arr, d, requires_grad)


def _rng(device, generator):
    return generator_for(as_device(device), generator)


def _sample(fn, size, dtype, device, requires_grad, generator, default=None):
    shape = parse_shape(size)
    dt = _np_dtype(dtype, default)
    gen = _rng(device, generator)
    arr = fn(gen._np, shape, dt)
    arr = numpy.asarray(arr)
    return _finish(arr, device, requires_grad)


def rand(*size, generator=None, out=None, dtype=None, device=None, requires_grad=False):
    """Uniform samples in [0, 1), as ``torch.rand``; seeded by ``ember.manual_seed`` or a
    ``Generator``. (CUDA tensors are sampled on the host and copied.)

    >>> ember.rand(2, 3).shape
    ember.Size([2, 3])
    """
    def fn(g, s, dt):
        if dt.kind == "c":
            real = g.random(s + (2,), dtype=numpy.float64)
            return (real[..., 0] + 1j * real[..., 1]).astype(dt)
        return g.random(s, dtype=numpy.float64 if dt != numpy.float32 else numpy.float32).astype(
            dt, copy=False)

    return _sample(fn, size, dtype, device, requires_grad, generator)


def randn(*size, generator=None, out=None, dtype=None, device=None, requires_grad=False):
    """Standard normal samples, as ``torch.randn`` (complex: unit variance overall).

    >>> ember.randn(4).shape
    ember.Size([4])
    """
    def fn(g, s, dt):
        if dt.kind == "c":
            z = g.standard_normal(s + (2,)) / numpy.sqrt(2)
            return (z[..., 0] + 1j * z[..., 1]).astype(dt)
        std = numpy.float32 if dt == numpy.float32 else numpy.float64
        return g.standard_normal(s, dtype=std).astype(dt, copy=False)

    return _sample(fn, size, dtype, device, requires_grad, generator)


def randint(low, high=None, size=None, *, generator=None, out=None, dtype=None, device=None,
            requires_grad=False):
    """Integers uniform in [low, high), int64 by default, as ``torch.randint``.

    >>> ember.randint(0, 10, (3,)).dtype
    ember.int64
    """
    if size is None:
        low, high, size = 0, low, high
    elif high is None:
        raise TypeError("randint(): missing 'size' argument")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= "
                           f"to={high}")
    return _sample(
        lambda g, s, dt: g.integers(low, high, s).astype(dt), (size,), dtype, device,
        requires_grad, generator, numpy.dtype(numpy.int64),
    )


def rand_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    """``rand`` with ``input``'s shape, dtype and device."""
    return _like(rand, input, dtype, device, requires_grad)


def randn_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    """``randn`` with ``input``'s shape, dtype and device."""
    return _like(randn, input, dtype, device, requires_grad)


def randint_like(input, low=0, high=None, *, dtype=None, device=None, requires_grad=False,
                 memory_format=None):
    """``randint`` with ``input``'s shape, dtype and device."""
    if high is None:
        low, high = 0, low
    dtype = dtype if dtype is not None else input.dtype
    device = device if device is not None else input.device
    return randint(low, high, input._data.shape, dtype=dtype, device=device)


# -- conversion ----------------------------------------------------------------------------
class ToCopy(Function):
    @staticmethod
    def forward(ctx, x, dt, device, copy):
        ctx.src_device = device_of(x)
        y = x if x.dtype == dt else x.astype(dt)
        if device is not None and device != ctx.src_device:
            y = to_device(y, device)
        elif copy and y is x:
            y = x.copy()
        return y

    @staticmethod
    def backward(ctx, gy):
        if gy.device != ctx.src_device:
            gy = gy.to(ctx.src_device)
        return gy, None, None, None


def _parse_to(args, kwargs):
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    for a in args:
        if isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        elif hasattr(a, "np"):
            dtype = a
        elif a is not None:
            device = a
    return dtype, device


def to(self: Tensor, *args, non_blocking=False, copy=False, memory_format=None, **kwargs):
    """This tensor with another dtype and/or device: ``to(dtype)``, ``to(device)``,
    ``to(device, dtype)`` or ``to(other)``; ``self`` when nothing changes and not ``copy``.

    >>> ember.tensor([1.5]).to(ember.int64)
    tensor([1])
    """
    dtype, device = _parse_to(args, kwargs)
    if kwargs:
        raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
    dt = self._data.dtype if dtype is None else _np_dtype(dtype)
    d = None if device is None else as_device(device)
    if dt == self._data.dtype and (d is None or d == self.device) and not copy:
        return self
    if dt.kind not in "fcV" or self._data.dtype.kind not in "fcV":
        with _no_grad():
            return ToCopy.apply(self, dt, d, copy)
    return ToCopy.apply(self, dt, d, copy)


def _no_grad():
    from ember.autograd.grad_mode import no_grad

    return no_grad()


class Clone(Function):
    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, gy):
        return gy


def clone(input: Tensor, *, memory_format=None) -> Tensor:
    """A copy of ``input`` that stays in the graph, as ``torch.clone``.

    >>> ember.clone(ember.ones(2))
    tensor([1., 1.])
    """
    return Clone.apply(input)


def _converter(dtype):
    def convert(self, memory_format=None):
        return to(self, dtype)

    convert.__doc__ = f"``self.to({dtype})``."
    return convert


def _new(fn):
    def method(self, *size, dtype=None, device=None, requires_grad=False):
        dtype = dtype if dtype is not None else self.dtype
        device = device if device is not None else self.device
        return fn(*size, dtype=dtype, device=device, requires_grad=requires_grad)

    method.__doc__ = f"``ember.{fn.__name__}`` with this tensor's dtype and device by default."
    return method


def _new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    return full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device,
                requires_grad=requires_grad)


def _new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    return tensor(data, dtype=dtype or self.dtype, device=device or self.device,
                  requires_grad=requires_grad)


def _type(self, dtype=None, non_blocking=False):
    if dtype is None:
        dt = NP_TO_DTYPE[self._data.dtype].name
        return f"ember.{dt.capitalize().replace('float', 'Float')}Tensor"
    return to(self, dtype)


bind_methods(
    to=to,
    clone=clone,
    float=_converter(NP_TO_DTYPE[numpy.dtype(numpy.float32)]),
    double=_converter(NP_TO_DTYPE[numpy.dtype(numpy.float64)]),
    half=_converter(NP_TO_DTYPE[numpy.dtype(numpy.float16)]),
    bfloat16=_converter(from_numpy_dtype("bfloat16")),
    long=_converter(int64),
    int=_converter(NP_TO_DTYPE[numpy.dtype(numpy.int32)]),
    short=_converter(NP_TO_DTYPE[numpy.dtype(numpy.int16)]),
    char=_converter(NP_TO_DTYPE[numpy.dtype(numpy.int8)]),
    byte=_converter(NP_TO_DTYPE[numpy.dtype(numpy.uint8)]),
    bool=_converter(NP_TO_DTYPE[numpy.dtype(numpy.bool_)]),
    cfloat=_converter(NP_TO_DTYPE[numpy.dtype(numpy.complex64)]),
    cdouble=_converter(NP_TO_DTYPE[numpy.dtype(numpy.complex128)]),
    type=_type,
    new_zeros=_new(zeros),
    new_ones=_new(ones),
    new_empty=_new(empty),
    new_full=_new_full,
    new_tensor=_new_tensor,
)
