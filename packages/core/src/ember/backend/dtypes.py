"""Ember's dtypes, their numpy counterparts and PyTorch's type-promotion rules."""

from __future__ import annotations

import builtins

import ml_dtypes
import numpy

__all__ = [
    "dtype",
    "bool",
    "uint8",
    "int8",
    "int16",
    "int32",
    "int64",
    "float16",
    "bfloat16",
    "float32",
    "float64",
    "complex64",
    "complex128",
    "half",
    "float",
    "double",
    "short",
    "int",
    "long",
    "cfloat",
    "cdouble",
    "promote_types",
    "result_type",
    "get_default_dtype",
    "set_default_dtype",
    "finfo",
    "iinfo",
]

_builtin_bool, _builtin_int = builtins.bool, builtins.int
_builtin_float, _builtin_complex = builtins.float, builtins.complex

# Categories order the promotion lattice: bool < integral < floating < complex.
_BOOL, _INT, _FLOAT, _COMPLEX = 0, 1, 2, 3


class dtype:  # noqa: N801 - PyTorch's name
    """A tensor element type, as ``torch.dtype``: ``ember.float32``, ``ember.int64`` ...

    >>> ember.float32.is_floating_point, ember.float32.itemsize
    (True, 4)
    """

    __slots__ = ("name", "np", "itemsize", "is_floating_point", "is_complex", "is_signed", "_cat")

    def __init__(self, name: str, np_dtype, cat: _builtin_int) -> None:
        self.name = name
        self.np = numpy.dtype(np_dtype)
        self.itemsize = self.np.itemsize
        self._cat = cat
        self.is_floating_point = cat == _FLOAT
        self.is_complex = cat == _COMPLEX
        self.is_signed = name not in ("bool", "uint8")

    def __repr__(self) -> str:
        return f"ember.{self.name}"

    def __reduce__(self):
        return (_dtype_by_name, (self.name,))

    def to_real(self) -> dtype:
        """The real dtype of a complex dtype (``complex64`` -> ``float32``); others unchanged."""
        return {"complex64": float32, "complex128": float64}.get(self.name, self)

    def to_complex(self) -> dtype:
        """The complex dtype with this real dtype's precision (``float64`` -> ``complex128``)."""
        if self._cat == _COMPLEX:
            return self
        return complex128 if self.name == "float64" else complex64


bool = dtype("bool", numpy.bool_, _BOOL)  # noqa: A001 - PyTorch's name
uint8 = dtype("uint8", numpy.uint8, _INT)
int8 = dtype("int8", numpy.int8, _INT)
int16 = dtype("int16", numpy.int16, _INT)
int32 = dtype("int32", numpy.int32, _INT)
int64 = dtype("int64", numpy.int64, _INT)
float16 = dtype("float16", numpy.float16, _FLOAT)
bfloat16 = dtype("bfloat16", ml_dtypes.bfloat16, _FLOAT)
float32 = dtype("float32", numpy.float32, _FLOAT)
float64 = dtype("float64", numpy.float64, _FLOAT)
complex64 = dtype("complex64", numpy.complex64, _COMPLEX)
complex128 = dtype("complex128", numpy.complex128, _COMPLEX)

half, float, double = float16, float32, float64  # noqa: A001
short, int, long = int16, int32, int64  # noqa: A001
cfloat, cdouble = complex64, complex128

ALL_DTYPES = (
    bool,
    uint8,
    int8,
    int16,
    int32,
    int64,
    float16,
    bfloat16,
    float32,
    float64,
    complex64,
    complex128,
)
_BY_NAME = {d.name: d for d in ALL_DTYPES}
# numpy dtype -> ember dtype; a dict keyed by numpy.dtype is the fast path of Tensor.dtype.
NP_TO_DTYPE = {d.np: d for d in ALL_DTYPES}


def _dtype_by_name(name: str) -> dtype:
    return _BY_NAME[name]


def from_numpy_dtype(np_dtype) -> dtype:
    """The ember dtype for a numpy dtype; ``TypeError`` naming the supported ones otherwise."""
    try:
        return NP_TO_DTYPE[numpy.dtype(np_dtype)]
    except KeyError:
        names = ", ".join(d.np.name for d in ALL_DTYPES)
        raise TypeError(
            f"can't convert numpy array of type {numpy.dtype(np_dtype).name}: "
            f"the supported types are {names}"
        ) from None


def _promote_same_category(a: dtype, b: dtype) -> dtype:
    if a._cat == _FLOAT and {a.name, b.name} == {"float16", "bfloat16"}:
        return float32
    return NP_TO_DTYPE[numpy.promote_types(a.np, b.np)]


def _promote(a: dtype, b: dtype) -> dtype:
    if a is b:
        return a
    if a._cat == b._cat:
        return _promote_same_category(a, b)
    hi, lo = (a, b) if a._cat > b._cat else (b, a)
    if hi._cat == _COMPLEX and lo._cat == _FLOAT:
        # complex64 with float64 keeps float64's precision, as PyTorch does.
        return complex128 if lo is float64 or hi is complex128 else complex64
    return hi


_PROMOTE = {(a, b): _promote(a, b) for a in ALL_DTYPES for b in ALL_DTYPES}


def promote_types(type1: dtype, type2: dtype) -> dtype:
    """The smallest dtype both can be cast to, as ``torch.promote_types``.

    >>> ember.promote_types(ember.uint8, ember.int8)
    ember.int16
    """
    return _PROMOTE[type1, type2]


_default_dtype = [float32]


def get_default_dtype() -> dtype:
    """The dtype of floating tensors made from Python floats (``float32`` unless changed).

    >>> ember.get_default_dtype()
    ember.float32
    """
    return _default_dtype[0]


def set_default_dtype(d: dtype) -> None:
    """Set the default floating dtype (``float32`` or ``float64``...), as PyTorch does.

    >>> ember.set_default_dtype(ember.float64)
    >>> ember.set_default_dtype(ember.float32)
    """
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError(f"set_default_dtype: only floating-point types are supported, got {d}")
    _default_dtype[0] = d
    for callback in DEFAULT_DTYPE_CALLBACKS:
        callback()


# Ops that cache promotion results register a cache-clearing callback here.
DEFAULT_DTYPE_CALLBACKS: list = []


def scalar_dtype(value) -> dtype:
    """The dtype a Python scalar takes when it is turned into a tensor on its own."""
    if isinstance(value, _builtin_bool):
        return bool
    if isinstance(value, _builtin_int):
        return int64
    if isinstance(value, _builtin_float):
        return _default_dtype[0]
    if isinstance(value, _builtin_complex):
        return _default_dtype[0].to_complex()
    raise TypeError(f"expected a Python scalar, got {type(value).__name__}")


def _combine_categories(higher, lower):
    # PyTorch's rule (c10 ScalarType.h) for merging dimensioned, zero-dim and scalar results.
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher._cat == _COMPLEX:
        return higher
    if lower._cat == _COMPLEX:
        return higher.to_complex() if higher._cat == _FLOAT else lower
    if higher._cat == _FLOAT:
        return higher
    if higher is bool or lower._cat == _FLOAT:
        return _PROMOTE[higher, lower]
    return higher


def result_type_from(dim_dtypes, zero_dim_dtypes, scalars) -> dtype:
    """Promotion of tensors (with >0 dims), 0-d tensors and Python scalars, as PyTorch."""
    dim = zero = wrapped = None
    for d in dim_dtypes:
        dim = d if dim is None else _PROMOTE[dim, d]
    for d in zero_dim_dtypes:
        zero = d if zero is None else _PROMOTE[zero, d]
    for s in scalars:
        d = scalar_dtype(s)
        wrapped = d if wrapped is None else _PROMOTE[wrapped, d]
    return _combine_categories(dim, _combine_categories(zero, wrapped))


def result_type(tensor, other) -> dtype:
    """The dtype an arithmetic op on ``tensor`` and ``other`` returns, as ``torch.result_type``.

    Python scalars are weak: ``float32 tensor + 2.0`` stays float32.

    >>> ember.result_type(ember.tensor([1, 2]), 1.5)
    ember.float32
    """
    dims, zeros, scalars = [], [], []
    for x in (tensor, other):
        if hasattr(x, "_data"):
            (dims if x._data.ndim else zeros).append(NP_TO_DTYPE[x._data.dtype])
        else:
            scalars.append(x)
    return result_type_from(dims, zeros, scalars)


class finfo:  # noqa: N801 - PyTorch's name
    """Machine limits of a floating dtype, as ``torch.finfo`` (bits, eps, max, min, tiny ...).

    >>> ember.finfo(ember.float32).eps
    1.1920928955078125e-07
    """

    def __init__(self, type: dtype | None = None) -> None:  # noqa: A002
        type = type or get_default_dtype()  # noqa: A001
        if type._cat == _COMPLEX:
            type = type.to_real()  # noqa: A001
        if type._cat != _FLOAT:
            raise TypeError(f"finfo: expected a floating point dtype, got {type}")
        info = ml_dtypes.finfo(type.np) if type is bfloat16 else numpy.finfo(type.np)
        self.dtype = type.name
        self.bits = type.itemsize * 8
        self.eps = _builtin_float(info.eps)
        self.max = _builtin_float(info.max)
        self.min = _builtin_float(info.min)
        self.tiny = self.smallest_normal = _builtin_float(info.tiny)
        self.resolution = 10.0 ** -_builtin_int(info.precision)  # exact, as PyTorch

    def __repr__(self) -> str:
        return (
            f"finfo(resolution={self.resolution}, min={self.min:g}, max={self.max:g}, "
            f"eps={self.eps:g}, smallest_normal={self.tiny:g}, tiny={self.tiny:g}, "
            f"dtype={self.dtype})"
        )


class iinfo:  # noqa: N801 - PyTorch's name
    """Machine limits of an integer dtype, as ``torch.iinfo`` (bits, min, max).

    >>> ember.iinfo(ember.int8).min
    -128
    """

    def __init__(self, type: dtype) -> None:  # noqa: A002
        if type._cat not in (_INT, _BOOL) or type is bool:
            raise TypeError(f"iinfo: expected an integer dtype, got {type}")
        info = numpy.iinfo(type.np)
        self.dtype = type.name
        self.bits = info.bits
        self.min = _builtin_int(info.min)
        self.max = _builtin_int(info.max)

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"  # as PyTorch
