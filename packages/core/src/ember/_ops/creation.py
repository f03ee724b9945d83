"""Tensor creation: from data, filled, ranges and random, plus dtype/device conversion.

Random values come from Ember's generators (``ember.backend.random``): numpy's PCG64 on the
CPU, cupy's curand on CUDA devices. One seed gives one stream, as in PyTorch, but the
numbers are not PyTorch's (it uses Mersenne Twister / Philox).
"""

from __future__ import annotations

import builtins
import math
import numbers
import operator
import warnings

import numpy

from ember._ops._checks import dtype_not_implemented
from ember._ops._inplace import check_inplace_leaf, write_out
from ember._tensor import Tensor, bind_methods
from ember._tensor_str import get_printoptions, set_printoptions
from ember.autograd.function import Function
from ember.autograd.grad_mode import no_grad
from ember.backend import array_module, as_device, device_of, to_device
from ember.backend import dtypes as _dtypes
from ember.backend.dtypes import NP_TO_DTYPE, dtype, from_numpy_dtype, get_default_dtype
from ember.backend.random import generator_for, get_rng_state, set_rng_state

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
    "linspace",
    "logspace",
    "eye",
    "rand",
    "randn",
    "randint",
    "randperm",
    "normal",
    "bernoulli",
    "multinomial",
    "rand_like",
    "randn_like",
    "randint_like",
    "clone",
    "is_tensor",
    "is_floating_point",
    "is_complex",
    "can_cast",
    "get_rng_state",
    "set_rng_state",
    "set_printoptions",
    "get_printoptions",
]

_NP_INT64 = numpy.dtype(numpy.int64)
_NP_BOOL = numpy.dtype(numpy.bool_)


# -- argument parsing ----------------------------------------------------------------------
def _np_dtype(op: str, dt, fallback=None):
    """The numpy dtype for an ``ember.dtype`` argument (``fallback`` or the default if None)."""
    if dt is None:
        return fallback if fallback is not None else get_default_dtype().np
    if isinstance(dt, dtype):
        return dt.np
    raise TypeError(f"{op}(): argument 'dtype' must be ember.dtype, not {type(dt).__name__}")


def _parse_size(op: str, size) -> tuple:
    """``(2, 3)``, ``((2, 3),)``, ``([2, 3],)`` or ``(Size,)`` -> ``(2, 3)``, checked."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    try:
        shape = tuple(operator.index(s) for s in size)
    except TypeError:
        got = ", ".join(type(s).__name__ for s in size)
        raise TypeError(f"{op}(): size must be a tuple of ints, got ({got})") from None
    if any(s < 0 for s in shape):
        bad = next(s for s in shape if s < 0)
        raise RuntimeError(
            f"{op}: Trying to create tensor with negative dimension {bad}: {list(shape)}"
        )
    return shape


def _sizes(args: tuple, size) -> tuple:
    """The size given positionally (``zeros(2, 3)``) or as ``size=`` (``zeros(size=(2, 3))``)."""
    if size is None:
        return args
    if args:
        raise TypeError("got the size both positionally and as size=")
    return (size,)


def _on_device(d, make):
    """Run ``make(xp)`` with ``d``'s array module (and cupy's current device set to ``d``)."""
    if d.type == "cpu":
        return make(numpy)
    xp = array_module(d)
    with xp.cuda.Device(d.index):
        return make(xp)


def _finish(op: str, array, requires_grad: bool, out=None) -> Tensor:
    t = Tensor._make(array)
    if requires_grad:
        if array.dtype.kind not in "fcV":
            raise RuntimeError(
                f"{op}: Only Tensors of floating point and complex dtype can require gradients, "
                f"got {NP_TO_DTYPE[array.dtype]}"
            )
        t._requires_grad = True
    if out is not None:
        return write_out(op, out, t)
    return t


def _scalar_dtype(item):
    """The ember dtype PyTorch infers for one element of nested data."""
    if isinstance(item, Tensor):
        return NP_TO_DTYPE[item._data.dtype]
    if isinstance(item, (numpy.ndarray, numpy.generic)):
        return from_numpy_dtype(item.dtype)
    if isinstance(item, bool):
        return _dtypes.bool
    if isinstance(item, numbers.Integral):
        return _dtypes.int64
    if isinstance(item, numbers.Real):
        return get_default_dtype()
    if isinstance(item, numbers.Complex):
        return get_default_dtype().to_complex()
    raise TypeError(f"tensor(): invalid data type '{type(item).__name__}'")


def _infer(data, op: str = "tensor"):
    """(shape, ember dtype) of nested Python data, with PyTorch's checks and messages."""
    shape: list = []
    result = None
    level = [data]
    depth = 0
    while True:
        seqs = [x for x in level if _is_sequence(x)]
        if not seqs:
            for x in level:
                d = _scalar_dtype(x)
                if isinstance(x, (Tensor, numpy.ndarray)) and x.ndim:
                    raise ValueError(
                        f"{op}(): only one element tensors can be converted to Python scalars "
                        f"(got an element of shape {tuple(x.shape)} at dim {depth})"
                    )
                result = d if result is None else _dtypes.promote_types(result, d)
            break
        if len(seqs) != len(level):
            raise TypeError(f"{op}(): not a sequence: mixed sequences and scalars at dim {depth}")
        n = len(seqs[0])
        for s in seqs:
            if len(s) != n:
                raise ValueError(f"expected sequence of length {n} at dim {depth} (got {len(s)})")
        shape.append(n)
        level = [x for s in seqs for x in s]
        depth += 1
        if not level:
            break
    return tuple(shape), (result if result is not None else get_default_dtype())


_PYTHON_SCALARS = {bool, builtins.int, builtins.float, complex}


def _python_scalars(data):
    """Fast path for (nested lists of) plain Python numbers: (object array, inferred dtype),
    or None when anything else is inside (numpy scalars, tensors, ragged lists ...)."""
    if type(data) in _PYTHON_SCALARS:
        obj = numpy.empty((), dtype=object)
        obj[()] = data
        types = {type(data)}
    elif isinstance(data, (list, tuple)):
        try:
            obj = numpy.array(data, dtype=object)
        except ValueError:
            return None
        types = set(map(type, obj.ravel().tolist()))
        if not types <= _PYTHON_SCALARS:
            return None
    else:
        return None
    if complex in types:
        inferred = get_default_dtype().to_complex()
    elif builtins.float in types:
        inferred = get_default_dtype()
    elif builtins.int in types:
        inferred = _dtypes.int64
    elif bool in types:
        inferred = _dtypes.bool
    else:
        inferred = get_default_dtype()  # empty: the default dtype, as PyTorch
    return obj, inferred


def _from_objects(obj, inferred, dt):
    """Convert an object array of Python numbers to ``dt`` with PyTorch's rules."""
    try:
        if inferred.is_complex and dt.kind not in "cb":
            src = obj.astype(numpy.complex128).real
        elif inferred.is_floating_point and dt.kind in "iu" or dt == _dtypes.bfloat16.np:
            src = obj.astype(numpy.float64)  # floats become integers by truncation
        else:
            src = obj.astype(dt)
    except OverflowError:
        raise RuntimeError(
            f"tensor(): value cannot be converted to type {NP_TO_DTYPE[dt]} without overflow"
        ) from None
    return _cast_array(src, dt)


def _is_sequence(x) -> bool:
    # numpy arrays nested in lists count as sequences (PyTorch accepts them, with a warning)
    return isinstance(x, (list, tuple)) or (isinstance(x, numpy.ndarray) and x.ndim > 0)


def _flatten_values(data):
    if _is_sequence(data):
        return [v for x in data for v in _flatten_values(x)]
    if isinstance(data, Tensor):
        return [data.item()]
    if isinstance(data, (numpy.ndarray, numpy.generic)):
        return [data.item()] if data.dtype != _dtypes.bfloat16.np else [builtins.float(data)]
    return [data]


def _host(array):
    return array if type(array) is numpy.ndarray else array.get()


# -- from data -----------------------------------------------------------------------------
def tensor(data, *, dtype=None, device=None, requires_grad: bool = False, pin_memory=False):
    """A new tensor holding a copy of ``data`` (nested lists, scalars, numpy arrays,
    tensors), with PyTorch's dtype inference: bool, int -> int64, float -> the default
    dtype, complex -> the default complex dtype; numpy arrays keep their dtype.

    >>> ember.tensor([[1, 2], [3, 4]], dtype=ember.float64)
    tensor([[1., 2.],
            [3., 4.]], dtype=ember.float64)
    """
    if isinstance(data, Tensor):
        src = data._data
        dt = _np_dtype("tensor", dtype, src.dtype)
        d = as_device(device) if device is not None else device_of(src)
        arr = _cast_array(src, dt) if dt != src.dtype else src.copy()
        arr = to_device(arr, d) if d != device_of(arr) else arr
        return _finish("tensor", arr, requires_grad)
    if isinstance(data, numpy.ndarray) or hasattr(data, "__cuda_array_interface__"):
        from_numpy_dtype(data.dtype)  # refuse unsupported dtypes with a clear message
        dt = _np_dtype("tensor", dtype, data.dtype)
        d = as_device(device) if device is not None else device_of(data)
        arr = data.astype(dt, copy=True) if dt != data.dtype else data.copy()
        arr = to_device(arr, d) if d != device_of(arr) else arr
        return _finish("tensor", arr, requires_grad)
    fast = _python_scalars(data)
    if fast is not None:
        obj, inferred = fast
        arr = _from_objects(obj, inferred, _np_dtype("tensor", dtype, inferred.np))
        if device is not None and as_device(device).type != "cpu":
            arr = to_device(arr, as_device(device))
        return _finish("tensor", arr, requires_grad)
    if isinstance(data, numpy.generic):
        inferred = from_numpy_dtype(data.dtype)
        shape, data = (), [data]
    else:
        shape, inferred = _infer(data)
    dt = _np_dtype("tensor", dtype, inferred.np)
    values = _flatten_values(data)
    work = dt
    if dt.kind not in "cb" and inferred.is_complex:
        values = [complex(v).real for v in values]
    if dt.kind in "iu" and (inferred.is_floating_point or inferred.is_complex):
        work = numpy.float64  # Python floats become integers by truncation, as PyTorch
    try:
        arr = numpy.array(values, dtype=work).reshape(shape)
    except OverflowError:
        raise RuntimeError(
            f"tensor(): value cannot be converted to type {NP_TO_DTYPE[dt]} without overflow"
        ) from None
    arr = _cast_array(arr, dt)
    if device is not None and as_device(device).type != "cpu":
        arr = to_device(arr, as_device(device))
    return _finish("tensor", arr, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with a tensor or numpy array when dtype and device
    already match, as ``torch.as_tensor``.

    >>> import numpy
    >>> a = numpy.zeros(2, dtype=numpy.float32)
    >>> t = ember.as_tensor(a)
    >>> a[0] = 1
    >>> t
    tensor([1., 0.])
    """
    if isinstance(data, Tensor):
        if dtype is None and device is None:
            return data
        return data.to(device=device, dtype=dtype)
    if isinstance(data, numpy.ndarray) and (
        dtype is None or _np_dtype("as_tensor", dtype) == data.dtype
    ):
        if device is None or as_device(device).type == "cpu":
            return from_numpy(data)
    if hasattr(data, "__cuda_array_interface__") and not isinstance(data, numpy.ndarray):
        if dtype is None or _np_dtype("as_tensor", dtype) == data.dtype:
            if device is None or as_device(device) == device_of(data):
                from_numpy_dtype(data.dtype)
                return Tensor._make(data)
    return tensor(data, dtype=dtype, device=device)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False) -> Tensor:
    """``obj`` as a tensor, sharing memory when possible (``copy=None``), always copying
    (``copy=True``) or refusing to copy (``copy=False``), as ``torch.asarray``.

    >>> ember.asarray([1.5, 2.0])
    tensor([1.5000, 2.0000])
    """
    if copy:
        t = tensor(obj, dtype=dtype, device=device)
    else:
        t = as_tensor(obj, dtype=dtype, device=device)
        if copy is False and isinstance(obj, (Tensor, numpy.ndarray)):
            base = obj._data if isinstance(obj, Tensor) else obj
            if t._data is not base and not numpy.shares_memory(_host(t._data), _host(base)):
                raise ValueError(
                    "asarray(): copy=False but a copy is needed to change dtype or device"
                )
    if requires_grad:
        t = t.detach().requires_grad_(True)
    return t


def from_numpy(ndarray) -> Tensor:
    """A CPU tensor sharing memory with a numpy array, as ``torch.from_numpy``.

    >>> import numpy
    >>> ember.from_numpy(numpy.arange(3))
    tensor([0, 1, 2])
    """
    if not isinstance(ndarray, numpy.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    from_numpy_dtype(ndarray.dtype)
    return Tensor._make(ndarray)


# -- filled --------------------------------------------------------------------------------
def _filled(op, fill, size, dt, device, requires_grad, out=None) -> Tensor:
    shape = _parse_size(op, size)
    if out is not None and device is None:
        device = out.device
    d = as_device(device)
    arr = _on_device(d, lambda xp: fill(xp, shape, dt))
    return _finish(op, arr, requires_grad, out)


def _out_dtype(out, dtype):
    return out.dtype if dtype is None and out is not None else dtype


def zeros(
    *args, size=None, out=None, dtype=None, layout=None, device=None, requires_grad=False
) -> Tensor:
    """A tensor of zeros of shape ``size``, as ``torch.zeros``.

    >>> ember.zeros(2, 2)
    tensor([[0., 0.],
            [0., 0.]])
    """
    dt = _np_dtype("zeros", _out_dtype(out, dtype))
    return _filled(
        "zeros", lambda xp, s, t: xp.zeros(s, t), _sizes(args, size), dt, device, requires_grad, out
    )


def ones(
    *args, size=None, out=None, dtype=None, layout=None, device=None, requires_grad=False
) -> Tensor:
    """A tensor of ones of shape ``size``, as ``torch.ones``.

    >>> ember.ones(3, dtype=ember.int64)
    tensor([1, 1, 1])
    """
    dt = _np_dtype("ones", _out_dtype(out, dtype))
    return _filled(
        "ones", lambda xp, s, t: xp.ones(s, t), _sizes(args, size), dt, device, requires_grad, out
    )


def empty(
    *args,
    size=None,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    requires_grad=False,
    pin_memory=False,
    memory_format=None,
) -> Tensor:
    """An uninitialised tensor of shape ``size``, as ``torch.empty``.

    >>> ember.empty(2, 3).shape
    ember.Size([2, 3])
    """
    dt = _np_dtype("empty", _out_dtype(out, dtype))
    return _filled(
        "empty", lambda xp, s, t: xp.empty(s, t), _sizes(args, size), dt, device, requires_grad, out
    )


def full(
    size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False
) -> Tensor:
    """A tensor of shape ``size`` filled with ``fill_value``; the dtype follows the value
    (bool, int64, default float, complex) unless given, as ``torch.full``.

    >>> ember.full((2,), 7)
    tensor([7, 7])
    """
    if isinstance(fill_value, Tensor):
        if fill_value._data.size != 1:
            raise RuntimeError(
                "full(): fill_value must be a number or a one-element tensor, got a tensor "
                f"with {fill_value._data.size} elements"
            )
        fill_value = fill_value.item()
    dt = _np_dtype("full", _out_dtype(out, dtype), _scalar_dtype(fill_value).np)
    value = _fill_scalar(fill_value, dt)
    size = size if isinstance(size, (tuple, list)) else (size,)
    return _filled(
        "full", lambda xp, s, t: xp.full(s, value, t), (size,), dt, device, requires_grad, out
    )


def _fill_scalar(value, dt):
    """A Python scalar cast the way PyTorch casts a fill value to ``dt`` (float -> int
    truncates; complex -> real drops the imaginary part)."""
    if isinstance(value, numpy.generic):
        value = value.item()
    if dt.kind in "biuf" or dt == _dtypes.bfloat16.np:
        if isinstance(value, complex):
            value = value.real
        if dt.kind in "iu" and isinstance(value, builtins.float):
            if not math.isfinite(value):
                raise RuntimeError(
                    f"value cannot be converted to type {NP_TO_DTYPE[dt]} without overflow"
                )
            value = builtins.int(value)
        if dt.kind in "iu":
            info = numpy.iinfo(dt)
            if not info.min <= value <= info.max:
                raise RuntimeError(
                    f"value cannot be converted to type {NP_TO_DTYPE[dt]} without overflow"
                )
    return value


def _like(fn, input, dtype, device, requires_grad, **extra):
    if not isinstance(input, Tensor):
        raise TypeError(
            f"{fn.__name__}_like(): argument 'input' must be Tensor, not {type(input).__name__}"
        )
    dtype = dtype if dtype is not None else input.dtype
    device = device if device is not None else input.device
    return fn(input._data.shape, dtype=dtype, device=device, requires_grad=requires_grad, **extra)


def zeros_like(
    input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None
) -> Tensor:
    """Zeros with ``input``'s shape, dtype and device, as ``torch.zeros_like``.

    >>> ember.zeros_like(ember.ones(2))
    tensor([0., 0.])
    """
    return _like(zeros, input, dtype, device, requires_grad)


def ones_like(
    input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None
) -> Tensor:
    """Ones with ``input``'s shape, dtype and device, as ``torch.ones_like``.

    >>> ember.ones_like(ember.zeros(2))
    tensor([1., 1.])
    """
    return _like(ones, input, dtype, device, requires_grad)


def empty_like(
    input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None
) -> Tensor:
    """An uninitialised tensor like ``input``, as ``torch.empty_like``.

    >>> ember.empty_like(ember.zeros(2)).shape
    ember.Size([2])
    """
    return _like(empty, input, dtype, device, requires_grad)


def full_like(
    input,
    fill_value,
    *,
    dtype=None,
    layout=None,
    device=None,
    requires_grad=False,
    memory_format=None,
) -> Tensor:
    """``fill_value`` everywhere, with ``input``'s shape, dtype and device.

    >>> ember.full_like(ember.zeros(2), 3)
    tensor([3., 3.])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"full_like(): argument 'input' must be Tensor, not {type(input).__name__}")
    dtype = dtype if dtype is not None else input.dtype
    device = device if device is not None else input.device
    return full(
        input._data.shape, fill_value, dtype=dtype, device=device, requires_grad=requires_grad
    )


# -- ranges --------------------------------------------------------------------------------
def _number(op: str, name: str, v):
    if isinstance(v, Tensor):
        if v._data.size != 1:
            raise RuntimeError(f"{op}(): {name} must be a number or a one-element tensor")
        return v.item()
    if isinstance(v, numpy.generic):
        return v.item()
    if not isinstance(v, numbers.Number):
        raise TypeError(f"{op}(): argument '{name}' must be Number, not {type(v).__name__}")
    return v


def arange(
    start, end=None, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad=False
) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 for integer arguments,
    the default float dtype otherwise, as ``torch.arange``.

    >>> ember.arange(1, 2.5, 0.5)
    tensor([1.0000, 1.5000, 2.0000])
    """
    if end is None:
        start, end = 0, start
    start, end, step = (
        _number("arange", n, v)
        for n, v in zip(("start", "end", "step"), (start, end, step), strict=True)
    )
    for v in (start, end):
        if isinstance(v, builtins.float) and not math.isfinite(v):
            raise RuntimeError(f"arange: unsupported range: {start} -> {end}")
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("arange: upper bound and lower bound inconsistent with step sign")
    integral = all(isinstance(v, numbers.Integral) for v in (start, end, step))
    default = _NP_INT64 if integral else get_default_dtype().np
    dt = _np_dtype("arange", _out_dtype(out, dtype), default)
    if integral:
        n = builtins.max(0, -((start - end) // step))
    else:
        # PyTorch sizes the result as ceil((end - start) / step) in double precision.
        n = builtins.max(0, math.ceil((end - start) / step))
    d = as_device(device if device is not None or out is None else out.device)
    if dt.kind in "iub" or integral:
        # integer dtype: PyTorch accumulates in int64 (start, step truncated) ...
        if dt.kind in "iub" and not integral:
            start_i, step_i = builtins.int(start), builtins.int(step)
            arr = _on_device(d, lambda xp: start_i + step_i * xp.arange(n, dtype=_NP_INT64))
        else:
            arr = _on_device(d, lambda xp: start + step * xp.arange(n, dtype=_NP_INT64))
    else:
        # ... and floating dtypes as start + i * step in double.
        arr = _on_device(d, lambda xp: start + step * xp.arange(n, dtype=numpy.float64))
    return _finish("arange", _cast_array(arr, dt), requires_grad, out)


def _range_dtype(op, values, dtype, out):
    complex_args = any(isinstance(v, complex) for v in values)
    default = get_default_dtype().to_complex() if complex_args else get_default_dtype()
    return _np_dtype(op, _out_dtype(out, dtype), default.np)


def linspace(
    start, end, steps, *, out=None, dtype=None, layout=None, device=None, requires_grad=False
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive, as
    ``torch.linspace`` (the default float dtype; integer dtypes truncate).

    >>> ember.linspace(0, 1, 5)
    tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])
    """
    start, end = _number("linspace", "start", start), _number("linspace", "end", end)
    steps = operator.index(steps)
    if steps < 0:
        raise RuntimeError("linspace: number of steps must be non-negative")
    dt = _range_dtype("linspace", (start, end), dtype, out)
    d = as_device(device if device is not None or out is None else out.device)
    arr = _on_device(d, lambda xp: _linspace_values(xp, start, end, steps, dt))
    return _finish("linspace", _cast_array(arr, dt), requires_grad, out)


def _linspace_values(xp, start, end, steps, dt):
    # PyTorch's kernel: the first half counts up from start, the second down from end, so
    # both endpoints are exact. The step is rounded to the result dtype (double for integer
    # results) and 16-bit floats compute in float32, so the values round as PyTorch's do.
    if dt.kind in "iub":
        work = numpy.dtype(numpy.float64)
    elif dt.kind == "c":
        work = dt
    else:
        work = numpy.dtype(numpy.float64 if dt == numpy.float64 else numpy.float32)
    # start and end are first converted to the result dtype (ints truncate), as PyTorch
    start, end = (_cast_array(numpy.asarray(v), dt).astype(work).item() for v in (start, end))
    if steps == 1:
        return xp.full((1,), start, dtype=work)
    step = (end - start) / (steps - 1)
    if dt.kind not in "iub":
        step = numpy.asarray(step).astype(dt).astype(work).item()  # a weak Python scalar
    i = xp.arange(steps).astype(work)
    start, end = numpy.asarray(start).astype(work), numpy.asarray(end).astype(work)
    return xp.where(i < steps // 2, start + step * i, end - step * (steps - 1 - i))


def logspace(
    start,
    end,
    steps,
    base=10.0,
    *,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    requires_grad=False,
) -> Tensor:
    """``steps`` values ``base ** linspace(start, end, steps)``, as ``torch.logspace``.

    >>> ember.logspace(0, 3, 4)
    tensor([   1.,   10.,  100., 1000.])
    """
    start, end = _number("logspace", "start", start), _number("logspace", "end", end)
    base = _number("logspace", "base", base)
    steps = operator.index(steps)
    if steps < 0:
        raise RuntimeError("logspace: number of steps must be non-negative")
    dt = _range_dtype("logspace", (start, end), dtype, out)
    d = as_device(device if device is not None or out is None else out.device)

    def make(xp):
        exponents = _linspace_values(xp, start, end, steps, dt)
        return xp.power(xp.asarray(base, dtype=exponents.dtype), exponents)

    arr = _on_device(d, make)
    return _finish("logspace", _cast_array(arr, dt), requires_grad, out)


def eye(
    n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False
) -> Tensor:
    """The ``n x m`` identity matrix (``m = n`` by default), as ``torch.eye``.

    >>> ember.eye(2, 3, dtype=ember.int64)
    tensor([[1, 0, 0],
            [0, 1, 0]])
    """
    n = operator.index(n)
    m = n if m is None else operator.index(m)
    if n < 0:
        raise RuntimeError(f"eye: n must be greater or equal to 0, got {n}")
    if m < 0:
        raise RuntimeError(f"eye: m must be greater or equal to 0, got {m}")
    dt = _np_dtype("eye", _out_dtype(out, dtype))
    d = as_device(device if device is not None or out is None else out.device)
    return _finish("eye", _on_device(d, lambda xp: xp.eye(n, m, dtype=dt)), requires_grad, out)


# -- random --------------------------------------------------------------------------------
def _rng(op: str, d, generator):
    gen = generator_for(d, generator)
    if gen.device.type != d.type or (d.type == "cuda" and gen.device.index != d.index):
        raise RuntimeError(
            f"{op}: Expected a '{d.type}' device type for generator but found '{gen.device.type}'"
        )
    return gen


def _float_dtype_check(op: str, kernel: str, dt, complex_ok=True):
    if dt.kind not in ("fc" if complex_ok else "f") and dt != _dtypes.bfloat16.np:
        raise dtype_not_implemented(f"{op}: {kernel}", dt)


def _sample(op, fn, size, dt, device, requires_grad, generator, out=None) -> Tensor:
    shape = _parse_size(op, size)
    d = as_device(device if device is not None or out is None else out.device)
    gen = _rng(op, d, generator)
    arr = _on_device(d, lambda xp: fn(gen, shape, dt))
    return _finish(op, arr, requires_grad, out)


def _uniform_values(gen, shape, dt):
    if dt.kind == "c":  # real and imaginary parts each uniform in [0, 1), as PyTorch
        parts = gen._uniform(shape + (2,), dt.type(0).real.dtype)
        return (parts[..., 0] + 1j * parts[..., 1]).astype(dt)
    return gen._uniform(shape, dt)


def _normal_values(gen, shape, dt):
    if dt.kind == "c":  # unit variance overall: each part has variance 1/2, as PyTorch
        parts = gen._normal(shape + (2,), dt.type(0).real.dtype) * math.sqrt(0.5)
        return (parts[..., 0] + 1j * parts[..., 1]).astype(dt)
    return gen._normal(shape, dt)


def rand(
    *args,
    size=None,
    generator=None,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    requires_grad=False,
    pin_memory=False,
) -> Tensor:
    """Uniform samples in [0, 1), as ``torch.rand``; seeded by ``ember.manual_seed`` or a
    ``Generator``. The values differ from PyTorch's for the same seed.

    >>> ember.rand(2, 3).shape
    ember.Size([2, 3])
    """
    dt = _np_dtype("rand", _out_dtype(out, dtype))
    _float_dtype_check("rand", "check_uniform_bounds", dt)
    return _sample(
        "rand", _uniform_values, _sizes(args, size), dt, device, requires_grad, generator, out
    )


def randn(
    *args,
    size=None,
    generator=None,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    requires_grad=False,
    pin_memory=False,
) -> Tensor:
    """Standard normal samples, as ``torch.randn`` (complex: unit variance overall).

    >>> ember.randn(4).shape
    ember.Size([4])
    """
    dt = _np_dtype("randn", _out_dtype(out, dtype))
    _float_dtype_check("randn", "normal_kernel", dt)
    return _sample(
        "randn", _normal_values, _sizes(args, size), dt, device, requires_grad, generator, out
    )


def _check_int_range(op: str, low, high, dt) -> None:
    if low >= high:
        raise RuntimeError(
            f"{op}: random_ expects 'from' to be less than 'to', but got from={low} >= to={high}"
        )
    if dt.kind in "iu":
        info = numpy.iinfo(dt)
        if low < info.min or high - 1 > info.max:
            raise RuntimeError(
                f"{op}: range [{low}, {high}) does not fit in dtype {NP_TO_DTYPE[dt]}"
            )
    elif dt.kind == "b" and (low < 0 or high > 2):
        raise RuntimeError(f"{op}: range [{low}, {high}) does not fit in dtype ember.bool")


def randint(
    low=0,
    high=None,
    size=None,
    *,
    generator=None,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    requires_grad=False,
) -> Tensor:
    """Integers uniform in [low, high), int64 by default, as ``torch.randint``
    (``randint(high, size)`` or ``randint(low, high, size)``).

    >>> ember.randint(0, 10, (3,)).dtype
    ember.int64
    """
    if size is None:  # randint(high, size)
        if high is None:
            raise TypeError("randint(): missing required argument 'size'")
        low, high, size = 0, low, high
    elif high is None:  # randint(high, size=...)
        low, high = 0, low
    low, high = operator.index(low), operator.index(high)
    dt = _np_dtype("randint", _out_dtype(out, dtype), _NP_INT64)
    if dt.kind == "c":
        raise dtype_not_implemented("randint", dt)
    _check_int_range("randint", low, high, dt)
    return _sample(
        "randint",
        lambda g, s, t: g._integers(low, high, s, t),
        (size,),
        dt,
        device,
        requires_grad,
        generator,
        out,
    )


def randperm(
    n,
    *,
    generator=None,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    requires_grad=False,
    pin_memory=False,
) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64 by default), as ``torch.randperm``.

    >>> sorted(ember.randperm(4).tolist())
    [0, 1, 2, 3]
    """
    n = operator.index(n)
    if n < 0:
        raise RuntimeError(f"randperm: n must be non-negative, got {n}")
    dt = _np_dtype("randperm", _out_dtype(out, dtype), _NP_INT64)
    if dt.kind in "iu" and n - 1 > numpy.iinfo(dt).max:
        raise RuntimeError(f"randperm: n is too large for result tensor type {NP_TO_DTYPE[dt]}")
    return _sample(
        "randperm",
        lambda g, s, t: g._permutation(n).astype(t),
        (n,),
        dt,
        device,
        requires_grad,
        generator,
        out,
    )


def normal(
    mean=0.0,
    std=1.0,
    size=None,
    *,
    generator=None,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    requires_grad=False,
    pin_memory=False,
) -> Tensor:
    """Normal samples with the given ``mean`` and ``std``, as ``torch.normal``: both tensors
    (broadcast), a tensor and a float, or two floats with ``size``. The result does not
    track gradients (PyTorch's gradient for it is zero).

    >>> ember.normal(ember.zeros(3), 1.0).shape
    ember.Size([3])
    >>> ember.normal(2.0, 3.0, size=(2, 2)).shape
    ember.Size([2, 2])
    """
    mean_t, std_t = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not mean_t and not std_t:
        if size is None:
            raise TypeError("normal(): with float mean and std, the 'size' argument is required")
        mean, std = _number("normal", "mean", mean), _number("normal", "std", std)
        if std < 0:
            raise RuntimeError(f"normal: expects std >= 0.0, but found std {std}")
        dt = _np_dtype("normal", _out_dtype(out, dtype))
        _float_dtype_check("normal", "normal_kernel", dt)

        def fn(gen, shape, t):
            return (_normal_values(gen, shape, t) * std + mean).astype(t, copy=False)

        return _sample("normal", fn, (size,), dt, device, requires_grad, generator, out)
    if size is not None:
        raise TypeError("normal(): 'size' is only accepted with float mean and std")
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    for t in tensors:
        _float_dtype_check("normal", "normal_kernel", t._data.dtype)
    dt = tensors[0]._data.dtype
    if len(tensors) == 2:
        dt = numpy.promote_types(mean._data.dtype, std._data.dtype)
        if mean.device != std.device:
            raise RuntimeError(
                f"normal: expected all tensors to be on the same device, but found at least "
                f"two devices, {mean.device} and {std.device}!"
            )
    d = tensors[0].device
    m = mean._data if mean_t else _number("normal", "mean", mean)
    s = std._data if std_t else _number("normal", "std", std)
    xp = array_module(d)
    if bool((xp.asarray(s) < 0).any()):
        raise RuntimeError("normal: expects all elements of std >= 0.0")
    try:
        shape = numpy.broadcast_shapes(numpy.shape(m), numpy.shape(s))
    except ValueError:
        raise RuntimeError(
            f"normal: mean with shape {tuple(numpy.shape(m))} and std with shape "
            f"{tuple(numpy.shape(s))} cannot be broadcast together"
        ) from None
    gen = _rng("normal", d, generator)
    arr = _on_device(d, lambda xp: (_normal_values(gen, shape, dt) * s + m).astype(dt))
    return _finish("normal", arr, False, out)


def bernoulli(input, p=None, *, generator=None, out=None) -> Tensor:
    """0/1 samples with probabilities ``input`` (or the scalar ``p``, keeping ``input``'s
    shape), in ``input``'s dtype, as ``torch.bernoulli``.

    >>> ember.bernoulli(ember.tensor([0.0, 1.0]))
    tensor([0., 1.])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"bernoulli(): argument 'input' must be Tensor, not {type(input).__name__}")
    x = input._data
    if p is None:
        _float_dtype_check("bernoulli", "bernoulli_tensor_cpu_self_", x.dtype, complex_ok=False)
        probs = _bernoulli_p(input, x)
    else:
        probs = _bernoulli_p(p, x)
    d = input.device
    gen = _rng("bernoulli", d, generator)

    def make(xp):
        u = gen._uniform(x.shape, numpy.float64)
        return (u < probs).astype(x.dtype)

    return _finish("bernoulli", _on_device(d, make), False, out)


def _bernoulli_p(p, x):
    if isinstance(p, Tensor):
        probs = p._data
        if probs.dtype.kind not in "fV":
            raise dtype_not_implemented("bernoulli", probs.dtype)
        xp = array_module(probs)
        if probs.size and bool(((probs < 0) | (probs > 1) | xp.isnan(probs)).any()):
            raise RuntimeError("bernoulli: expects all elements of p to be in [0, 1]")
        return probs
    p = _number("bernoulli", "p", p)
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli: expects p to be in [0, 1], but got p={p}")
    return p


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None) -> Tensor:
    """Indices drawn from the categorical distributions in the rows of ``input`` (1-D or
    2-D, unnormalised non-negative weights), int64, as ``torch.multinomial``. Without
    replacement each row's draws are distinct (Gumbel top-k: one sort, no Python loop).

    >>> ember.multinomial(ember.tensor([0.0, 1.0, 0.0]), 2, replacement=True)
    tensor([1, 1])
    """
    if not isinstance(input, Tensor):
        raise TypeError(
            f"multinomial(): argument 'input' must be Tensor, not {type(input).__name__}"
        )
    x = input._data
    if x.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got {x.ndim}-D")
    if x.dtype.kind not in "fV":
        raise dtype_not_implemented("multinomial", x.dtype)
    num_samples = operator.index(num_samples)
    if num_samples <= 0:
        raise RuntimeError(f"multinomial: cannot sample n_sample <= 0 samples (got {num_samples})")
    n_cat = x.shape[-1]
    if n_cat == 0:
        raise RuntimeError("multinomial: number of categories cannot be zero")
    if not replacement and num_samples > n_cat:
        raise RuntimeError(
            "multinomial: cannot sample n_sample > prob_dist.size(-1) samples without replacement"
        )
    xp = array_module(x)
    w = x.reshape(-1, n_cat).astype(numpy.float64)
    if bool((~xp.isfinite(w) | (w < 0)).any()):
        raise RuntimeError(
            "multinomial: probability tensor contains either `inf`, `nan` or element < 0"
        )
    totals = w.sum(axis=1)
    if bool((totals <= 0).any()):
        raise RuntimeError(
            "multinomial: invalid multinomial distribution (sum of probabilities <= 0)"
        )
    if not replacement and bool(((w > 0).sum(axis=1) < num_samples).any()):
        raise RuntimeError(
            "multinomial: invalid multinomial distribution (with replacement=False, not enough "
            "non-negative category to sample)"
        )
    d = input.device
    gen = _rng("multinomial", d, generator)
    rows = w.shape[0]

    def make(xp):
        u = gen._uniform((rows, num_samples if replacement else n_cat), numpy.float64)
        if replacement:
            # inverse CDF: one searchsorted over all rows, offset so rows don't overlap
            cdf = xp.cumsum(w / totals[:, None], axis=1)
            cdf[:, -1] = 1.0
            offsets = xp.arange(rows, dtype=numpy.float64)[:, None]
            flat = xp.searchsorted(
                (cdf + offsets * 2).reshape(-1), (u + offsets * 2).reshape(-1), side="right"
            )
            idx = flat.reshape(rows, num_samples) - xp.arange(rows)[:, None] * n_cat
            return xp.minimum(idx, n_cat - 1).astype(numpy.int64)
        # Gumbel top-k: the k largest log(w) - log(-log(u)) are a draw without replacement.
        with numpy.errstate(divide="ignore"):
            keys = xp.log(w) - xp.log(-xp.log(xp.maximum(u, 1e-300)))
        return xp.argsort(-keys, axis=1, kind="stable")[:, :num_samples].astype(numpy.int64)

    arr = _on_device(d, make)
    if x.ndim == 1:
        arr = arr.reshape(num_samples)
    return _finish("multinomial", arr, False, out)


def rand_like(
    input,
    *,
    dtype=None,
    layout=None,
    device=None,
    requires_grad=False,
    memory_format=None,
    generator=None,
) -> Tensor:
    """``rand`` with ``input``'s shape, dtype and device.

    >>> ember.rand_like(ember.zeros(2, dtype=ember.float64)).dtype
    ember.float64
    """
    return _like(rand, input, dtype, device, requires_grad, generator=generator)


def randn_like(
    input,
    *,
    dtype=None,
    layout=None,
    device=None,
    requires_grad=False,
    memory_format=None,
    generator=None,
) -> Tensor:
    """``randn`` with ``input``'s shape, dtype and device.

    >>> ember.randn_like(ember.zeros(2, 3)).shape
    ember.Size([2, 3])
    """
    return _like(randn, input, dtype, device, requires_grad, generator=generator)


def randint_like(
    input,
    low=0,
    high=None,
    *,
    dtype=None,
    layout=None,
    device=None,
    requires_grad=False,
    memory_format=None,
    generator=None,
) -> Tensor:
    """``randint`` with ``input``'s shape, dtype and device (``randint_like(x, high)`` or
    ``randint_like(x, low, high)``).

    >>> ember.randint_like(ember.zeros(3), 5).dtype
    ember.float32
    """
    if high is None:
        low, high = 0, low
    dtype = dtype if dtype is not None else input.dtype
    device = device if device is not None else input.device
    return randint(
        low,
        high,
        input._data.shape,
        dtype=dtype,
        device=device,
        requires_grad=requires_grad,
        generator=generator,
    )


# -- in-place random methods ---------------------------------------------------------------
def _fill_random(op: str, self: Tensor, make, generator) -> Tensor:
    check_inplace_leaf(op, self)
    d = self.device
    gen = _rng(op, d, generator)
    values = _on_device(d, lambda xp: make(gen, self._data.shape, self._data.dtype))
    array_module(self._data).copyto(self._data, values, casting="unsafe")
    self._bump_version()
    return self


def _scalar_arg(op: str, name: str, pos: int, v, integral: bool = False):
    """A Python float (or int) from a number, a numpy scalar or a 0-d tensor that does not
    require grad: the arguments PyTorch's parser accepts for a ``float``/``int`` parameter
    (a 0-d integer tensor is an ``int``; anything else is a TypeError naming it)."""
    kind = "int" if integral else "float"
    if isinstance(v, Tensor) and v._data.ndim == 0 and not v.requires_grad:
        dk = v._data.dtype.kind
        if not integral or dk in "iu":
            value = v.item()
            return value.real if isinstance(value, complex) else value
    elif isinstance(v, numpy.generic) and not isinstance(v, numpy.bool_):
        if isinstance(v, numpy.integer) or (not integral and isinstance(v, numpy.floating)):
            return v.item()
    elif isinstance(v, builtins.int) and not (integral and isinstance(v, bool)):
        return builtins.int(v)
    elif isinstance(v, builtins.float) and not integral:
        return v
    raise TypeError(
        f"{op}(): argument '{name}' (position {pos}) must be {kind}, not {type(v).__name__}"
    )


def _affine(values, scale: float, shift: float, dt):
    """``values * scale + shift`` in ``dt``; in place for float32/64, where it saves two
    passes and two temporaries over what can be 100M-entry weights (nn.init)."""
    if values.dtype == dt and dt.kind == "f" and dt.itemsize >= 4:
        if scale != 1:
            values *= scale
        if shift:
            values += shift
        return values
    return (values * scale + shift).astype(dt)


def _uniform_(self, from_=0.0, to=1.0, *, generator=None, **kwargs) -> Tensor:
    from_ = _scalar_arg("uniform_", "from", 1, kwargs.pop("from", from_))
    to = _scalar_arg("uniform_", "to", 2, to)
    _no_extra("uniform_", kwargs)
    _float_dtype_check("uniform_", "check_uniform_bounds", self._data.dtype)
    if from_ > to:
        raise RuntimeError(
            f"uniform_: expects to return a [from, to) range, but found from={from_} > to={to}"
        )
    return _fill_random(
        "uniform_",
        self,
        lambda g, s, t: _affine(_uniform_values(g, s, t), to - from_, from_, t),
        generator,
    )


def _normal_(self, mean=0.0, std=1.0, *, generator=None) -> Tensor:
    mean = _scalar_arg("normal_", "mean", 1, mean)
    std = _scalar_arg("normal_", "std", 2, std)
    _float_dtype_check("normal_", "normal_kernel", self._data.dtype)
    if std < 0:
        raise RuntimeError(f"normal_: expects std >= 0.0, but found std {std}")
    return _fill_random(
        "normal_", self, lambda g, s, t: _affine(_normal_values(g, s, t), std, mean, t), generator
    )


def _log_normal_(self, mean=1.0, std=2.0, *, generator=None) -> Tensor:
    """Fill with ``exp(N(mean, std**2))`` samples, as ``torch.Tensor.log_normal_``.

    >>> bool((ember.empty(3).log_normal_() > 0).all())
    True
    """
    mean = _scalar_arg("log_normal_", "mean", 1, mean)
    std = _scalar_arg("log_normal_", "std", 2, std)
    _float_dtype_check("log_normal_", "log_normal_cpu", self._data.dtype, complex_ok=False)
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    xp = array_module(self._data)
    return _fill_random(
        "log_normal_",
        self,
        lambda g, s, t: xp.exp(g._normal(s, numpy.float64) * std + mean),
        generator,
    )


def _cauchy_(self, median=0.0, sigma=1.0, *, generator=None) -> Tensor:
    """Fill with Cauchy(median, sigma) samples, as ``torch.Tensor.cauchy_``.

    >>> ember.empty(2).cauchy_().shape
    ember.Size([2])
    """
    median = _scalar_arg("cauchy_", "median", 1, median)
    sigma = _scalar_arg("cauchy_", "sigma", 2, sigma)
    dt = self._data.dtype
    if dt.kind != "f" and dt != _dtypes.bfloat16.np:
        raise RuntimeError(
            "Cauchy distribution is a continuous probability distribution. dtype must be a "
            f"floating point but you specified {NP_TO_DTYPE[dt]}"
        )
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    xp = array_module(self._data)
    return _fill_random(
        "cauchy_",
        self,
        lambda g, s, t: median + sigma * xp.tan(math.pi * (g._uniform(s, numpy.float64) - 0.5)),
        generator,
    )


def _geometric_(self, p, *, generator=None) -> Tensor:
    """Fill with the number of Bernoulli(p) trials up to the first success (>= 1), as
    ``torch.Tensor.geometric_``.

    >>> bool((ember.empty(4).geometric_(0.5) >= 1).all())
    True
    """
    p = _scalar_arg("geometric_", "p", 1, p)
    dt = self._data.dtype
    if dt.kind in "cb":
        raise dtype_not_implemented("geometric_: geometric_cpu", dt)
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    xp = array_module(self._data)

    def make(g, s, t):
        # Inversion: the number of Bernoulli(p) trials up to the first success, >= 1.
        u = 1.0 - g._uniform(s, numpy.float64)  # in (0, 1]
        return xp.maximum(xp.ceil(xp.log(u) / math.log1p(-p)), 1.0)

    return _fill_random("geometric_", self, make, generator)


def _bernoulli_(self, p=0.5, *, generator=None) -> Tensor:
    if not isinstance(p, Tensor) or p._data.ndim == 0:
        p = _scalar_arg("bernoulli_", "p", 1, p)
    probs = _bernoulli_p(p, self._data)
    return _fill_random(
        "bernoulli_", self, lambda g, s, t: g._uniform(s, numpy.float64) < probs, generator
    )


def _exponential_(self, lambd=1.0, *, generator=None) -> Tensor:
    lambd = _scalar_arg("exponential_", "lambd", 1, lambd)
    _float_dtype_check("exponential_", "exponential", self._data.dtype, complex_ok=False)
    if lambd <= 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    return _fill_random(
        "exponential_", self, lambda g, s, t: g._exponential(s, numpy.float64) / lambd, generator
    )


def _random_(self, from_=None, to=None, *, generator=None, **kwargs) -> Tensor:
    from_ = kwargs.pop("from", from_)
    _no_extra("random_", kwargs)
    if from_ is not None:
        from_ = _scalar_arg("random_", "from", 1, from_, integral=True)
    if to is not None:
        to = _scalar_arg("random_", "to", 2, to, integral=True)
    if to is None and from_ is not None:  # random_(to): PyTorch's one-argument overload
        from_, to = 0, from_
    from_ = 0 if from_ is None else from_
    dt = self._data.dtype
    if to is None:
        if dt.kind == "c":
            raise dtype_not_implemented("random_", dt)
        if dt.kind in "fV":  # integers exactly representable in the dtype, as PyTorch
            digits = {2: 11 if dt == numpy.float16 else 8, 4: 24, 8: 53}[dt.itemsize]
            to = 2**digits + 1
        elif dt.kind == "b":
            to = 2
        else:
            to = builtins.int(numpy.iinfo(dt).max) + 1
    _check_int_range("random_", from_, to, dt)
    return _fill_random("random_", self, lambda g, s, t: g._integers(from_, to, s, t), generator)


def _no_extra(op, kwargs):
    if kwargs:
        raise TypeError(f"{op}() got an unexpected keyword argument '{next(iter(kwargs))}'")


# -- conversion ----------------------------------------------------------------------------
def _cast_array(x, dt):
    """``x.astype(dt)`` with PyTorch's conversion rules where numpy's differ: complex ->
    real keeps the real part (no warning from numpy), float -> small ints goes through
    int32 then wraps, as PyTorch's CPU kernels do."""
    if x.dtype == dt:
        return x
    if dt.kind == "b":
        return x != 0
    if x.dtype.kind == "c" and dt.kind != "c":
        x = x.real
    if dt.kind in "iu" and dt.itemsize < 4 and x.dtype.kind in "fV":
        x = x.astype(numpy.int32)
    return x.astype(dt)


class ToCopy(Function):
    @staticmethod
    def forward(ctx, x, dt, device, copy):
        ctx.src_device = device_of(x)
        ctx.src_dtype = x.dtype
        if x.dtype.kind == "c" and dt.kind != "c":
            warnings.warn(
                "Casting complex values to real discards the imaginary part",
                UserWarning,
                stacklevel=4,
            )
        y = _cast_array(x, dt)
        if device is not None and device != ctx.src_device:
            y = to_device(y, device)
        elif copy and y is x:
            y = x.copy()
        return y

    @staticmethod
    def backward(ctx, gy):
        if gy.device != ctx.src_device:
            gy = gy.to(ctx.src_device)
        if ctx.src_dtype.kind != "c" and gy._data.dtype.kind == "c":
            gy = gy.real  # d(complex(x))/dx keeps the real part, as PyTorch
        return gy, None, None, None


def _parse_to(args, kwargs):
    """Split ``to``'s overloads: (device, dtype, non_blocking, copy), (dtype, non_blocking,
    copy) and (tensor, non_blocking, copy)."""
    dt, device = kwargs.pop("dtype", None), kwargs.pop("device", None)
    kwargs.pop("non_blocking", None)  # copies are synchronous; accepted for compatibility
    copy = kwargs.pop("copy", False)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
    args = list(args)
    if args and isinstance(args[0], Tensor):
        other = args.pop(0)
        dt, device = other.dtype, other.device
    elif args and isinstance(args[0], dtype):
        dt = args.pop(0)
    elif args and (isinstance(args[0], (str, builtins.int)) or hasattr(args[0], "index")):
        device = args.pop(0)
        if args and isinstance(args[0], dtype):
            dt = args.pop(0)
    if args and isinstance(args[0], (bool, numpy.bool_)):
        args.pop(0)  # non_blocking
    if args and isinstance(args[0], (bool, numpy.bool_)):
        copy = args.pop(0)
    if args:
        raise TypeError(
            "to() received an invalid combination of arguments: expected (device, dtype, "
            "non_blocking, copy), (dtype, non_blocking, copy) or (tensor, non_blocking, copy), "
            f"got extra {args!r}"
        )
    if dt is not None and not isinstance(dt, dtype):
        raise TypeError(f"to(): argument 'dtype' must be ember.dtype, not {type(dt).__name__}")
    if isinstance(device, builtins.int) and not isinstance(device, bool):
        device = f"cuda:{device}"
    return dt, device, bool(copy)


def to(self: Tensor, *args, **kwargs) -> Tensor:
    """This tensor with another dtype and/or device: ``to(dtype)``, ``to(device)``,
    ``to(device, dtype)`` or ``to(other)``, plus ``non_blocking`` and ``copy``; ``self``
    when nothing changes and not ``copy``. Differentiable between float/complex dtypes.

    >>> ember.tensor([1.5]).to(ember.int64)
    tensor([1])
    """
    dt, device, copy = _parse_to(args, kwargs)
    np_dt = self._data.dtype if dt is None else dt.np
    d = None if device is None else as_device(device)
    if np_dt == self._data.dtype and (d is None or d == self.device) and not copy:
        return self
    if np_dt.kind not in "fcV" or self._data.dtype.kind not in "fcV":
        with no_grad():
            return ToCopy.apply(self, np_dt, d, copy)
    return ToCopy.apply(self, np_dt, d, copy)


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


# -- predicates ----------------------------------------------------------------------------
def is_tensor(obj) -> bool:
    """Whether ``obj`` is an ``ember.Tensor``, as ``torch.is_tensor``.

    >>> ember.is_tensor(ember.zeros(1)), ember.is_tensor([1])
    (True, False)
    """
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> bool:
    """Whether ``input``'s dtype is floating point, as ``torch.is_floating_point``.

    >>> ember.is_floating_point(ember.zeros(1))
    True
    """
    return input.is_floating_point()


def is_complex(input: Tensor) -> bool:
    """Whether ``input``'s dtype is complex, as ``torch.is_complex``.

    >>> ember.is_complex(ember.zeros(1, dtype=ember.complex64))
    True
    """
    return input.is_complex()


def can_cast(from_: dtype, to: dtype) -> bool:
    """Whether PyTorch's casting rules allow ``from_`` -> ``to`` in type-promoting ops (no
    complex -> real, float -> integral or non-bool -> bool), as ``torch.can_cast``.

    >>> ember.can_cast(ember.float64, ember.int32), ember.can_cast(ember.int32, ember.float16)
    (False, True)
    """
    if not isinstance(from_, dtype) or not isinstance(to, dtype):
        raise TypeError("can_cast(): arguments must be ember.dtype")
    return from_._cat <= to._cat


# -- Tensor methods --------------------------------------------------------------------------
def _converter(target):
    def convert(self, memory_format=None):
        return to(self, target)

    convert.__doc__ = f"``self.to({target!r})``."
    return convert


def _new(fn):
    def method(
        self, *size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False
    ):
        dtype = dtype if dtype is not None else self.dtype
        device = device if device is not None else self.device
        return fn(*size, dtype=dtype, device=device, requires_grad=requires_grad)

    method.__doc__ = f"``ember.{fn.__name__}`` with this tensor's dtype and device by default."
    return method


def _new_full(
    self,
    size,
    fill_value,
    *,
    dtype=None,
    device=None,
    requires_grad=False,
    layout=None,
    pin_memory=False,
):
    """``ember.full`` with this tensor's dtype and device by default."""
    return full(
        size,
        fill_value,
        dtype=dtype if dtype is not None else self.dtype,
        device=device if device is not None else self.device,
        requires_grad=requires_grad,
    )


def _new_tensor(
    self, data, *, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False
):
    """``ember.tensor(data)`` with this tensor's dtype and device by default."""
    return tensor(
        data,
        dtype=dtype if dtype is not None else self.dtype,
        device=device if device is not None else self.device,
        requires_grad=requires_grad,
    )


_TYPE_NAMES = {
    "bool": "BoolTensor",
    "uint8": "ByteTensor",
    "int8": "CharTensor",
    "int16": "ShortTensor",
    "int32": "IntTensor",
    "int64": "LongTensor",
    "float16": "HalfTensor",
    "bfloat16": "BFloat16Tensor",
    "float32": "FloatTensor",
    "float64": "DoubleTensor",
    "complex64": "ComplexFloatTensor",
    "complex128": "ComplexDoubleTensor",
}
_NAME_TYPES = {v: k for k, v in _TYPE_NAMES.items()}


def _type(self, dtype=None, non_blocking=False, **kwargs):
    """The type name (``'ember.FloatTensor'``) with no argument, else ``self.to(dtype)``;
    ``dtype`` may be an ``ember.dtype`` or a type name such as ``'ember.LongTensor'``."""
    if dtype is None:
        prefix = "ember." if self.device.type == "cpu" else "ember.cuda."
        return prefix + _TYPE_NAMES[self.dtype.name]
    if isinstance(dtype, str):
        cuda = ".cuda." in dtype
        name = _NAME_TYPES.get(dtype.rsplit(".", 1)[-1])
        if name is None:
            raise ValueError(f"invalid type: '{dtype}'")
        return to(self, "cuda" if cuda else "cpu", getattr(_dtypes, name))
    return to(self, dtype)


def _is_signed(self) -> bool:
    """Whether the dtype is signed (every dtype but bool and uint8)."""
    return self.dtype.is_signed


def _h(self) -> Tensor:
    if self._data.ndim == 0:
        return self
    if self._data.ndim != 2:
        raise RuntimeError(
            f"tensor.H is only supported on matrices (2-D tensors). Got {self._data.ndim}-D tensor."
        )
    return _conj_t(self.mT)


def _mh(self) -> Tensor:
    return _conj_t(self.mT)


def _conj_t(t: Tensor) -> Tensor:
    return t.conj() if t._data.dtype.kind == "c" else t


_methods = dict(
    to=to,
    clone=clone,
    float=_converter(_dtypes.float32),
    double=_converter(_dtypes.float64),
    half=_converter(_dtypes.float16),
    bfloat16=_converter(_dtypes.bfloat16),
    long=_converter(_dtypes.int64),
    int=_converter(_dtypes.int32),
    short=_converter(_dtypes.int16),
    char=_converter(_dtypes.int8),
    byte=_converter(_dtypes.uint8),
    bool=_converter(_dtypes.bool),
    cfloat=_converter(_dtypes.complex64),
    cdouble=_converter(_dtypes.complex128),
    type=_type,
    is_signed=_is_signed,
    new_zeros=_new(zeros),
    new_ones=_new(ones),
    new_empty=_new(empty),
    new_full=_new_full,
    new_tensor=_new_tensor,
    uniform_=_uniform_,
    normal_=_normal_,
    bernoulli_=_bernoulli_,
    bernoulli=lambda self, p=None, *, generator=None: bernoulli(self, p, generator=generator),
    exponential_=_exponential_,
    log_normal_=_log_normal_,
    cauchy_=_cauchy_,
    geometric_=_geometric_,
    random_=_random_,
    multinomial=multinomial,
)
# H and mH come from the shape family if it defines them; these are the fallbacks.
if not hasattr(Tensor, "H"):
    _methods["H"] = property(_h)
if not hasattr(Tensor, "mH"):
    _methods["mH"] = property(_mh)
bind_methods(**_methods)
