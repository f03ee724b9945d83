"""Linear algebra: matrix products (``matmul``/``@`` and friends, ``einsum``) and the
``torch.linalg`` functions (inverses, solvers, decompositions, norms), BLAS/LAPACK-backed
through ``xp`` and ``xp.linalg``.

Only top-level PyTorch names go in ``__all__`` (they become ``ember.<name>``); the
``ember.linalg`` namespace module re-exports the rest under ``torch.linalg``'s names.

Gradients follow PyTorch's formulas (FunctionsManual.cpp) written in Ember ops, so they are
differentiable again; decompositions (svd, eigh, qr) assume distinct singular values or
eigenvalues, as PyTorch's do. Complex gradients use PyTorch's convention (conjugate
Wirtinger): where the real formula has a transpose, the complex one has ``.mH``.
"""

from __future__ import annotations

import collections
import math
import string

import numpy

from ember._ops._checks import broadcast_error, broadcast_shapes, shape_str, wrap_dim, wrap_dims
from ember._ops._inplace import write_out
from ember._ops.pointwise import conj, where
from ember._tensor import Tensor, bind_methods
from ember.autograd.function import Function
from ember.backend import cupy

__all__ = [
    "matmul",
    "mm",
    "bmm",
    "mv",
    "dot",
    "vdot",
    "outer",
    "ger",
    "inner",
    "einsum",
    "tensordot",
    "baddbmm",
    "addmm",
    "addmv",
    "addbmm",
    "addr",
    "cross",
    "kron",
    "trace",
    "det",
    "logdet",
    "slogdet",
    "inverse",
    "pinverse",
    "cholesky",
    "chain_matmul",
    "matrix_exp",
    "matrix_power",
]


class LinAlgError(RuntimeError):
    """A numerical failure of a linear-algebra op (singular or non-positive-definite input),
    as ``torch.linalg.LinAlgError``; a ``RuntimeError``."""


def _named(name: str, fields: str):
    return collections.namedtuple(name, fields)


SlogdetResult = _named("linalg_slogdet", "sign logabsdet")
QRResult = _named("linalg_qr", "Q R")
SVDResult = _named("linalg_svd", "U S Vh")
EighResult = _named("linalg_eigh", "eigenvalues eigenvectors")
EigResult = _named("linalg_eig", "eigenvalues eigenvectors")
LstsqResult = _named("linalg_lstsq", "solution residuals rank singular_values")
InvExResult = _named("linalg_inv_ex", "inverse info")
CholeskyExResult = _named("linalg_cholesky_ex", "L info")


# -- private helpers: small differentiable primitives the gradients below are built from -----
def _xp(t: Tensor):
    return numpy if type(t._data) is numpy.ndarray else cupy()


def _mH(t: Tensor) -> Tensor:  # noqa: N802
    return conj(t.mT)


def _torch_type_name(np_dtype) -> str:
    names = {
        "float16": "Half",
        "bfloat16": "BFloat16",
        "float32": "Float",
        "float64": "Double",
        "complex64": "ComplexFloat",
        "complex128": "ComplexDouble",
        "int64": "Long",
        "int32": "Int",
        "int16": "Short",
        "int8": "Char",
        "uint8": "Byte",
        "bool": "Bool",
    }
    return names.get(numpy.dtype(np_dtype).name, str(np_dtype))


class Real(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.cdt = x.dtype
        return ctx.xp.ascontiguousarray(x.real)

    @staticmethod
    def backward(ctx, gy):
        return _complexify(gy, ctx.cdt)


class Complexify(Function):
    @staticmethod
    def forward(ctx, x, cdt):
        return x.astype(cdt)

    @staticmethod
    def backward(ctx, gy):
        return real(gy), None


def real(t: Tensor) -> Tensor:
    """The real part (the tensor itself for real dtypes); grads flow back as complex."""
    return Real.apply(t) if t._data.dtype.kind == "c" else t


def _complexify(t: Tensor, cdt) -> Tensor:
    """``t`` cast to complex dtype ``cdt``; its gradient is the real part (PyTorch's rule), so
    the engine never has to cast a complex gradient to a real input."""
    if t._data.dtype == cdt:
        return t
    return Complexify.apply(t, numpy.dtype(cdt))


def _complex_of(dt):
    return numpy.result_type(dt, numpy.complex64)


class Abs(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.abs(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * _sgn(x)


def _abs(t: Tensor) -> Tensor:
    return Abs.apply(t)


def _sgn(t: Tensor) -> Tensor:
    """``x / |x|`` (0 at 0), PyTorch's ``sgn``: the sign for reals, the phase for complex."""
    a = _abs(t)
    zero = a == 0
    return where(zero, 0.0, t / where(zero, 1.0, a))


class Diagonal(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.shape = x.shape
        return ctx.xp.diagonal(x, axis1=-2, axis2=-1).copy()

    @staticmethod
    def backward(ctx, gy):
        return _diag_embed(gy, ctx.shape[-2], ctx.shape[-1])


class DiagEmbed(Function):
    @staticmethod
    def forward(ctx, v, m, n):
        xp = ctx.xp
        out = xp.zeros(v.shape[:-1] + (m, n), dtype=v.dtype)
        k = xp.arange(v.shape[-1])
        out[..., k, k] = v
        return out

    @staticmethod
    def backward(ctx, gy):
        return _diagonal(gy), None, None


def _diagonal(t: Tensor) -> Tensor:
    return Diagonal.apply(t)


def _diag_embed(v: Tensor, m: int | None = None, n: int | None = None) -> Tensor:
    k = v._data.shape[-1]
    return DiagEmbed.apply(v, k if m is None else m, k if n is None else n)


class Tri(Function):
    @staticmethod
    def forward(ctx, x, k, lower):
        ctx.k, ctx.lower = k, lower
        return ctx.xp.tril(x, k) if lower else ctx.xp.triu(x, k)

    @staticmethod
    def backward(ctx, gy):
        return _tri(gy, ctx.k, ctx.lower), None, None


def _tri(t: Tensor, k: int = 0, lower: bool = True) -> Tensor:
    return Tri.apply(t, k, lower)


class Narrow(Function):
    @staticmethod
    def forward(ctx, x, axis, start, length):
        ctx.axis, ctx.start, ctx.size = axis, start, x.shape[axis]
        index = [slice(None)] * x.ndim
        index[axis] = slice(start, start + length)
        return x[tuple(index)].copy()

    @staticmethod
    def backward(ctx, gy):
        return _embed(gy, ctx.axis, ctx.start, ctx.size), None, None, None


class Embed(Function):
    """Zero-pad along ``axis`` to ``size`` with the data at ``start`` (Narrow's adjoint)."""

    @staticmethod
    def forward(ctx, x, axis, start, size):
        ctx.axis, ctx.start, ctx.length = axis, start, x.shape[axis]
        shape = list(x.shape)
        shape[axis] = size
        out = ctx.xp.zeros(tuple(shape), dtype=x.dtype)
        index = [slice(None)] * x.ndim
        index[axis] = slice(start, start + x.shape[axis])
        out[tuple(index)] = x
        return out

    @staticmethod
    def backward(ctx, gy):
        return _narrow(gy, ctx.axis, ctx.start, ctx.length), None, None, None


def _narrow(t: Tensor, axis: int, start: int, length: int) -> Tensor:
    axis = axis % t._data.ndim
    if start == 0 and length == t._data.shape[axis]:
        return t
    return Narrow.apply(t, axis, start, length)


def _embed(t: Tensor, axis: int, start: int, size: int) -> Tensor:
    axis = axis % t._data.ndim
    if start == 0 and size == t._data.shape[axis]:
        return t
    return Embed.apply(t, axis, start, size)


def resize(t: Tensor, axis: int, size: int) -> Tensor:
    """Crop or zero-pad ``t`` along ``axis`` to ``size`` (keeping the start), as the FFTs'
    ``n``/``s`` arguments do; differentiable both ways."""
    have = t._data.shape[axis]
    if size <= have:
        return _narrow(t, axis, 0, size)
    return _embed(t, axis, 0, size)


class Cat(Function):
    @staticmethod
    def forward(ctx, axis, *xs):
        ctx.axis = axis
        ctx.sizes = [x.shape[axis] for x in xs]
        return ctx.xp.concatenate(xs, axis=axis)

    @staticmethod
    def backward(ctx, gy):
        out, start = [None], 0
        for i, size in enumerate(ctx.sizes):
            out.append(_narrow(gy, ctx.axis, start, size) if ctx.needs_input_grad[i + 1] else None)
            start += size
        return tuple(out)


def _cat(tensors, axis: int) -> Tensor:
    return Cat.apply(axis % tensors[0]._data.ndim, *tensors)


class AMaxMin(Function):
    @staticmethod
    def forward(ctx, x, axes, keepdim, largest):
        ctx.axes, ctx.keepdim, ctx.in_shape = axes, keepdim, x.shape
        y = x.max(axis=axes, keepdims=keepdim) if largest else x.min(axis=axes, keepdims=keepdim)
        y = ctx.xp.asarray(y)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        # Ties share the gradient evenly, as PyTorch's amax/amin do.
        x, y = ctx.saved_tensors
        if not ctx.keepdim:
            kept = tuple(1 if i in ctx.axes else s for i, s in enumerate(ctx.in_shape))
            y, gy = y.reshape(kept), gy.reshape(kept)
        mask = (x == y).to(gy.dtype)
        return gy * mask / mask.sum(ctx.axes, keepdim=True), None, None, None


def _amax(t: Tensor, dim, keepdim=False, largest=True) -> Tensor:
    axes = wrap_dims("amax", dim, t._data.ndim)
    return AMaxMin.apply(t, axes, keepdim, largest)


def _eye_like(t: Tensor, n: int | None = None) -> Tensor:
    n = t._data.shape[-1] if n is None else n
    return Tensor._make(_xp(t).eye(n, dtype=t._data.dtype))


def _unsq2(t: Tensor) -> Tensor:
    return t.unsqueeze(-1).unsqueeze(-1)


# -- checks --------------------------------------------------------------------------------
_FLOAT_KINDS = "fc"


def _check_float(op: str, *tensors) -> None:
    for t in tensors:
        dt = t._data.dtype
        if dt.kind not in _FLOAT_KINDS or dt.itemsize == 2:
            if dt.kind in "fV":
                raise RuntimeError(
                    f"{op}: Low precision dtypes not supported. Got {_torch_type_name(dt)}"
                )
            raise RuntimeError(
                f"{op}: Expected a floating point or complex tensor as input. "
                f"Got {_torch_type_name(dt)}"
            )


def _check_square(op: str, t: Tensor, name: str = "A") -> None:
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: argument '{name}' must be Tensor, not {type(t).__name__}")
    s = t._data.shape
    if len(s) < 2:
        raise RuntimeError(f"{op}: The input tensor {name} must have at least 2 dimensions.")
    if s[-1] != s[-2]:
        raise RuntimeError(
            f"{op}: {name} must be batches of square matrices, but they are "
            f"{s[-2]} by {s[-1]} matrices"
        )
    _check_float(op, t)


def _check_matrix(op: str, t: Tensor, name: str = "A") -> None:
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: argument '{name}' must be Tensor, not {type(t).__name__}")
    if t._data.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor {name} must have at least 2 dimensions.")
    _check_float(op, t)


def _check_same_dtype(op: str, a: Tensor, b: Tensor, what="both operands") -> None:
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(
            f"{op}: expected {what} to have the same dtype, but got {a.dtype} and {b.dtype}"
        )


def _check_tensor(op: str, t, name: str) -> None:
    if not isinstance(t, Tensor):
        raise TypeError(
            f"{op}(): argument '{name}' (position 1) must be Tensor, not {type(t).__name__}"
        )


def _host(a):
    return a if type(a) is numpy.ndarray else a.get()


def _zero_pivot(m) -> int:
    """1-based index of the first zero pivot of LU with partial pivoting (0 if none): the
    diagonal element LAPACK's getrf reports for a singular matrix."""
    m = numpy.array(m, dtype=numpy.complex128 if m.dtype.kind == "c" else numpy.float64)
    n = m.shape[-1]
    for k in range(n):
        p = k + int(numpy.argmax(numpy.abs(m[k:, k])))
        if m[p, k] == 0:
            return k + 1
        if p != k:
            m[[k, p]] = m[[p, k]]
        m[k + 1 :, k:] -= numpy.outer(m[k + 1 :, k] / m[k, k], m[k, k:])
    return 0


def _batch_prefix(a, b: int) -> str:
    return f"(Batch element {b}): " if a.ndim > 2 else ""


def _singular_error(op: str, a) -> LinAlgError:
    host = _host(a)
    batch = host.reshape((-1,) + host.shape[-2:])
    for b, m in enumerate(batch):
        k = _zero_pivot(m)
        if k:
            return LinAlgError(
                f"{op}: {_batch_prefix(host, b)}The diagonal element {k} is zero, the inversion "
                "could not be completed because the input matrix is singular."
            )
    return LinAlgError(f"{op}: The input matrix is singular.")


# -- products ------------------------------------------------------------------------------
# Note [one BLAS thread for small products]
# OpenBLAS splits every GEMM over 2**18 multiply-adds across its threads, and numpy runs a
# batch of matrices as one GEMM call each: attention's (B, heads, L, d) products are dozens
# of ~1M multiply-add GEMMs, each paying a thread hand-off (on a busy machine, a wait for a
# time slice: measured 5x on a Transformer step). Small per-matrix products of a batch, and
# the per-step products of a recurrent layer, run on one BLAS thread instead.
SMALL_GEMM = 1 << 22
_BLAS_LIBS: list = []


def _blas_libs() -> list:
    if not _BLAS_LIBS:
        libs = []
        try:
            import warnings

            from threadpoolctl import ThreadpoolController

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                libs = ThreadpoolController().select(user_api="blas").lib_controllers
        except Exception:  # without control over BLAS threads Ember is only slower
            libs = []
        _BLAS_LIBS.append(libs)
    return _BLAS_LIBS[0]


class one_blas_thread:
    """Context running numpy's BLAS on one thread (a no-op without ``threadpoolctl``)."""

    __slots__ = ("saved",)

    def __enter__(self):
        libs = _blas_libs()
        self.saved = [lib.num_threads for lib in libs]
        for lib in libs:
            lib.set_num_threads(1)
        return self

    def __exit__(self, *exc):
        for lib, n in zip(_blas_libs(), self.saved):
            lib.set_num_threads(n)
        return False


def _matmul_error(a, b) -> RuntimeError:
    sa, sb = a.shape, b.shape
    if a.ndim == 0 or b.ndim == 0:
        return RuntimeError(
            f"matmul: both arguments need at least 1 dimension, got {a.ndim}D and {b.ndim}D"
        )
    ka = sa[-1]
    kb = sb[-2] if b.ndim > 1 else sb[0]
    if ka != kb:
        return RuntimeError(
            f"matmul: cannot multiply {shape_str(sa)} by {shape_str(sb)}: inner sizes {ka} "
            f"and {kb} differ"
        )
    return broadcast_error("matmul", sa[:-2], sb[:-2])


class MatMul(Function):
    # Primitive: one BLAS call forward, two backward.
    @staticmethod
    def forward(ctx, x, w, dt):
        ctx.save_for_backward(x, w)
        xp = ctx.xp
        if dt.itemsize == 2 and dt.kind in "fV":  # no fp16/bf16 BLAS on the CPU
            x, w = x.astype("float32"), w.astype("float32")
        if x.ndim > 2 and w.ndim == 2:
            # numpy runs (B, M, K) @ (K, N) as B small products; one (B*M, K) GEMM is
            # several times faster (a Linear over a sequence, attention projections).
            rows = math.prod(x.shape[:-1])
            y = xp.matmul(x.reshape(rows, x.shape[-1]), w).reshape(x.shape[:-1] + w.shape[-1:])
        elif (
            x.ndim > 2
            and w.ndim > 2
            and xp is numpy
            and 1 << 18 <= x.shape[-2] * x.shape[-1] * w.shape[-1] < SMALL_GEMM
        ):
            with one_blas_thread():
                y = xp.matmul(x, w)
        else:
            y = xp.matmul(x, w)
        return y if y.dtype == dt else y.astype(dt)

    @staticmethod
    def backward(ctx, gy):
        x, w = ctx.saved_tensors
        gx = gw = None
        xd, wd = x._data.ndim, w._data.ndim
        if xd == 1 and wd == 1:  # dot product: gy is 0-d
            gx = gy * w.conj() if ctx.needs_input_grad[0] else None
            gw = gy * x.conj() if ctx.needs_input_grad[1] else None
            return gx, gw, None
        # Lift vectors to matrices so one formula covers every case, then drop the dims.
        x2 = x.unsqueeze(0) if xd == 1 else x
        w2 = w.unsqueeze(-1) if wd == 1 else w
        gy2 = gy
        if xd == 1:
            gy2 = gy2.unsqueeze(-2)
        if wd == 1:
            gy2 = gy2.unsqueeze(-1)
        if ctx.needs_input_grad[0]:
            gx = matmul(gy2, w2.mT.conj())
            if xd == 1:
                gx = gx.squeeze(-2)
        if ctx.needs_input_grad[1]:
            if wd == 2 and xd > 2:
                # One GEMM over the flattened batch instead of a batch of products that the
                # engine would then sum down to w's shape.
                k, n = w.shape
                rows = math.prod(x.shape[:-1])
                gw = matmul(x.reshape(rows, k).mT.conj(), gy.reshape(rows, n))
            else:
                gw = matmul(x2.mT.conj(), gy2)
            if wd == 1:
                gw = gw.squeeze(-1)
        return gx, gw, None


def matmul(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Matrix product with numpy/PyTorch broadcasting of batch dims (1-D operands are
    treated as vectors), as ``torch.matmul`` and ``@``.

    >>> ember.matmul(ember.ones(2, 3), ember.ones(3)).shape
    ember.Size([2])
    """
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError(
            f"matmul(): argument 'other' must be Tensor, not "
            f"{type(other if isinstance(input, Tensor) else input).__name__}"
        )
    a, b = input._data, other._data
    if a.ndim == 0 or b.ndim == 0:
        raise _matmul_error(a, b)
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"matmul: expected both operands to have the same dtype, but got {input.dtype} "
            f"and {other.dtype}"
        )
    dt = a.dtype
    try:
        result = MatMul.apply(input, other, dt)
    except ValueError:
        raise _matmul_error(a, b) from None
    return result if out is None else write_out("matmul", out, result)


def mm(input: Tensor, mat2: Tensor, *, out=None) -> Tensor:
    """Product of two matrices (2-D only, no broadcasting), as ``torch.mm``.

    >>> ember.mm(ember.ones(2, 3), ember.ones(3, 4)).shape
    ember.Size([2, 4])
    """
    _check_tensor("mm", input, "input")
    _check_tensor("mm", mat2, "mat2")
    if input._data.ndim != 2:
        raise RuntimeError(f"mm: self must be a matrix, got {input._data.ndim}-D tensor")
    if mat2._data.ndim != 2:
        raise RuntimeError(f"mm: mat2 must be a matrix, got {mat2._data.ndim}-D tensor")
    _check_same_dtype("mm", input, mat2)
    (m, k), (k2, n) = input._data.shape, mat2._data.shape
    if k != k2:
        raise RuntimeError(f"mm: mat1 and mat2 shapes cannot be multiplied ({m}x{k} and {k2}x{n})")
    result = MatMul.apply(input, mat2, input._data.dtype)
    return result if out is None else write_out("mm", out, result)


def bmm(input: Tensor, mat2: Tensor, *, out=None) -> Tensor:
    """Batched product of ``(b, n, m)`` and ``(b, m, p)`` tensors (no broadcasting), as
    ``torch.bmm``.

    >>> ember.bmm(ember.ones(2, 3, 4), ember.ones(2, 4, 5)).shape
    ember.Size([2, 3, 5])
    """
    _check_tensor("bmm", input, "input")
    _check_tensor("bmm", mat2, "mat2")
    if input._data.ndim != 3:
        raise RuntimeError(f"bmm: batch1 must be a 3D tensor, got {input._data.ndim}-D")
    if mat2._data.ndim != 3:
        raise RuntimeError(f"bmm: batch2 must be a 3D tensor, got {mat2._data.ndim}-D")
    _check_same_dtype("bmm", input, mat2)
    (b, _, k), s2 = input._data.shape, mat2._data.shape
    if s2[:2] != (b, k):
        raise RuntimeError(
            f"bmm: expected size for first two dimensions of batch2 tensor to be: "
            f"[{b}, {k}] but got: [{s2[0]}, {s2[1]}]."
        )
    result = MatMul.apply(input, mat2, input._data.dtype)
    return result if out is None else write_out("bmm", out, result)


def mv(input: Tensor, vec: Tensor, *, out=None) -> Tensor:
    """Matrix-vector product of an ``(n, m)`` matrix and an ``(m,)`` vector, as ``torch.mv``.

    >>> ember.mv(ember.ones(2, 3), ember.ones(3))
    tensor([3., 3.])
    """
    _check_tensor("mv", input, "input")
    _check_tensor("mv", vec, "vec")
    if input._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(
            f"mv: vector + matrix @ vector expected, got {input._data.ndim}D "
            f"matrix and {vec._data.ndim}D vector"
        )
    _check_same_dtype("mv", input, vec)
    (n, m), k = input._data.shape, vec._data.shape[0]
    if m != k:
        raise RuntimeError(f"mv: size mismatch, got input ({n}), mat ({n}x{m}), vec ({k})")
    result = MatMul.apply(input, vec, input._data.dtype)
    return result if out is None else write_out("mv", out, result)


def _check_vectors(op: str, a, b) -> None:
    _check_tensor(op, a, "input")
    _check_tensor(op, b, "other")
    if a._data.ndim != 1 or b._data.ndim != 1:
        raise RuntimeError(
            f"{op}: 1D tensors expected, but got {a._data.ndim}D and {b._data.ndim}D tensors"
        )
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(
            f"{op}: expected both vectors to have same dtype, but found "
            f"{_torch_type_name(a._data.dtype)} and {_torch_type_name(b._data.dtype)}"
        )
    n, k = a._data.shape[0], b._data.shape[0]
    if n != k:
        raise RuntimeError(
            f"{op}: inconsistent tensor size, expected tensor [{n}] and src [{k}] "
            f"to have the same number of elements, but got {n} and {k} elements "
            "respectively"
        )


def dot(input: Tensor, tensor: Tensor, *, out=None) -> Tensor:
    """Inner product of two 1-D tensors of the same size and dtype (no conjugation), as
    ``torch.dot``.

    >>> ember.dot(ember.tensor([1.0, 2.0]), ember.tensor([3.0, 4.0]))
    tensor(11.)
    """
    _check_vectors("dot", input, tensor)
    result = MatMul.apply(input, tensor, input._data.dtype)
    return result if out is None else write_out("dot", out, result)


def vdot(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Inner product of 1-D tensors conjugating the first, as ``torch.vdot``.

    >>> ember.vdot(ember.tensor([1j, 2.0]), ember.tensor([1.0 + 0j, 1.0]))
    tensor(2.-1.j)
    """
    _check_vectors("vdot", input, other)
    result = MatMul.apply(conj(input), other, input._data.dtype)
    return result if out is None else write_out("vdot", out, result)


def outer(input: Tensor, vec2: Tensor, *, out=None) -> Tensor:
    """Outer product of two 1-D tensors, as ``torch.outer`` (alias ``ger``).

    >>> ember.outer(ember.tensor([1.0, 2.0]), ember.tensor([1.0, 10.0]))
    tensor([[ 1., 10.],
            [ 2., 20.]])
    """
    _check_tensor("outer", input, "input")
    _check_tensor("outer", vec2, "vec2")
    if input._data.ndim != 1 or vec2._data.ndim != 1:
        raise RuntimeError(
            f"outer: expected 1D tensors, but got {input._data.ndim}D and "
            f"{vec2._data.ndim}D tensors"
        )
    result = input.unsqueeze(-1) * vec2
    return result if out is None else write_out("outer", out, result)


ger = outer


def inner(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Sum of products over the last dims (shape ``input.shape[:-1] + other.shape[:-1]``; a
    plain product when either is 0-d), as ``torch.inner``.

    >>> ember.inner(ember.ones(2, 3), ember.ones(4, 3)).shape
    ember.Size([2, 4])
    """
    if input._data.ndim == 0 or other._data.ndim == 0:
        result = input * other
    else:
        ka, kb = input._data.shape[-1], other._data.shape[-1]
        if ka != kb:
            raise RuntimeError(
                f"inner() the last dimension must match on both input tensors but "
                f"got shapes {list(input.shape)} and {list(other.shape)}"
            )
        result = tensordot(input, other, ([-1], [-1]))
    return result if out is None else write_out("inner", out, result)


# -- einsum --------------------------------------------------------------------------------
class Einsum(Function):
    # Primitive: pairwise contractions as batched matmuls (BLAS), in numpy's greedy order.
    @staticmethod
    def forward(ctx, equation, *xs):
        ctx.equation = equation
        ctx.save_for_backward(*xs)
        return ctx.xp.asarray(_einsum_arrays(ctx.xp, equation, xs))

    @staticmethod
    def backward(ctx, gy):
        ops = ctx.saved_tensors
        lhs, rhs = ctx.equation.split("->")
        terms = lhs.split(",")
        grads = [None]
        for k in range(len(ops)):
            if not ctx.needs_input_grad[k + 1]:
                grads.append(None)
                continue
            grads.append(_einsum_grad(gy, rhs, terms, ops, k))
        return tuple(grads)


def _expand_ellipsis(equation: str, xs) -> tuple:
    """Terms and output as lists of single letters, ``...`` replaced by fresh letters
    (right-aligned across operands, as broadcasting aligns dims)."""
    lhs, rhs = equation.split("->")
    terms = [_labels(t) for t in lhs.split(",")]
    used = set(equation)
    fresh = [c for c in string.ascii_letters if c not in used]
    n_ell = max((x.ndim - len(t) + 1 for t, x in zip(terms, xs) if "..." in t), default=0)
    if n_ell > len(fresh):
        return None
    ell = fresh[:n_ell]
    out = []
    for t, x in zip(terms, xs):
        if "..." in t:
            k = x.ndim - len(t) + 1
            i = t.index("...")
            t = t[:i] + ell[n_ell - k :] + t[i + 1 :]
        out.append(t)
    r = _labels(rhs)
    if "..." in r:
        i = r.index("...")
        r = r[:i] + ell + r[i + 1 :]
    return out, r


def _einsum_arrays(xp, equation, xs):
    """``xp.einsum`` through batched matmuls: numpy's einsum only reaches BLAS for plain
    tensordot-like pairs, not for contractions with batch labels."""
    expanded = _expand_ellipsis(equation, xs)
    if len(xs) == 1 or expanded is None:
        return xp.einsum(equation, *xs, optimize=True)
    terms, out = expanded
    ops = list(zip(terms, xs))
    if len(ops) > 2:
        dummies = [numpy.broadcast_to(numpy.zeros((), x.dtype), x.shape) for x in xs]
        path = numpy.einsum_path(equation, *dummies, optimize="greedy")[0][1:]
    else:
        path = [(0, 1)]
    for idx in path:
        picked = [ops[k] for k in idx]
        for k in sorted(idx, reverse=True):
            ops.pop(k)
        needed = set(out).union(*(set(t) for t, _ in ops))
        keep = [c for c in dict.fromkeys(sum((t for t, _ in picked), [])) if c in needed]
        y = None
        if len(picked) == 2:
            (ta, a), (tb, b) = picked
            y = _einsum_pair(xp, ta, a, tb, b, keep)
        if y is None:
            sub = ",".join("".join(t) for t, _ in picked) + "->" + "".join(keep)
            y = xp.einsum(sub, *(x for _, x in picked))
        ops.append((keep, y))
    (t, y) = ops[0]
    if t != out:
        y = xp.einsum("".join(t) + "->" + "".join(out), y)
    return y


def _einsum_pair(xp, ta, a, tb, b, keep):
    """One contraction ``ta,tb->keep`` as a broadcasting matmul, or None when a label repeats
    within an operand or a contracted label's sizes differ (left to xp.einsum)."""
    if len(set(ta)) != len(ta) or len(set(tb)) != len(tb):
        return None
    sa = dict(zip(ta, a.shape))
    sb = dict(zip(tb, b.shape))
    # labels only in one operand and not kept: sum them away first
    drop_a = [c for c in ta if c not in tb and c not in keep]
    drop_b = [c for c in tb if c not in ta and c not in keep]
    if drop_a:
        a = a.sum(axis=tuple(ta.index(c) for c in drop_a))
        ta = [c for c in ta if c not in drop_a]
    if drop_b:
        b = b.sum(axis=tuple(tb.index(c) for c in drop_b))
        tb = [c for c in tb if c not in drop_b]
    batch = [c for c in keep if c in ta and c in tb]
    left = [c for c in keep if c in ta and c not in tb]
    right = [c for c in keep if c in tb and c not in ta]
    summed = [c for c in ta if c in tb and c not in keep]
    if any(sa[c] != sb[c] for c in summed):
        return None
    a = a.transpose([ta.index(c) for c in batch + left + summed])
    b = b.transpose([tb.index(c) for c in batch + summed + right])
    nl = math.prod(sa[c] for c in left)
    nr = math.prod(sb[c] for c in right)
    nk = math.prod(sa[c] for c in summed)
    ba, bb = [sa[c] for c in batch], [sb[c] for c in batch]
    y = xp.matmul(a.reshape(ba + [nl, nk]), b.reshape(bb + [nk, nr]))
    y = y.reshape(list(y.shape[:-2]) + [sa[c] for c in left] + [sb[c] for c in right])
    order = batch + left + right
    return y.transpose([order.index(c) for c in keep])


def _labels(term: str) -> list:
    """``'a...bc'`` -> ``['a', '...', 'b', 'c']``."""
    out, i = [], 0
    while i < len(term):
        if term.startswith("...", i):
            out.append("...")
            i += 3
        else:
            out.append(term[i])
            i += 1
    return out


def _label_sizes(labels: list, shape: tuple) -> dict:
    sizes = {}
    if "..." in labels:
        e = labels.index("...")
        for j, label in enumerate(labels[:e]):
            sizes.setdefault(label, shape[j])
        tail = labels[e + 1 :]
        for j, label in enumerate(tail):
            sizes.setdefault(label, shape[len(shape) - len(tail) + j])
    else:
        for j, label in enumerate(labels):
            sizes.setdefault(label, shape[j])
    return sizes


def _einsum_grad(gy, rhs, terms, ops, k):
    """The gradient of operand ``k``: an einsum of the cotangent with the other operands
    (conjugated) into operand ``k``'s subscripts. A label repeated in operand ``k`` (a
    diagonal) becomes a fresh label tied to it by an identity matrix; a label summed only
    in operand ``k`` is broadcast back by a ones vector."""
    x = ops[k]
    labels = _labels(terms[k])
    used = set(rhs) | set("".join(terms))
    fresh = iter(c for c in string.ascii_letters if c not in used)
    sizes = _label_sizes(labels, x._data.shape)
    others = "".join(rhs) + "".join(t for j, t in enumerate(terms) if j != k)
    in_terms = [rhs] + [t for j, t in enumerate(terms) if j != k]
    in_ops = [gy] + [conj(o) for j, o in enumerate(ops) if j != k]
    xp = _xp(x)
    dt = gy._data.dtype
    seen, target = set(), []
    for label in labels:
        if label == "...":
            target.append(label)
            continue
        if label in seen:
            new = next(fresh)
            in_terms.append(label + new)
            in_ops.append(Tensor._make(xp.eye(sizes[label], dtype=dt)))
            target.append(new)
            continue
        seen.add(label)
        if label not in others:
            in_terms.append(label)
            in_ops.append(Tensor._make(xp.ones(sizes[label], dtype=dt)))
        target.append(label)
    equation = ",".join(in_terms) + "->" + "".join(target)
    return Einsum.apply(equation, *in_ops)


def _normalize_einsum(equation: str, operands) -> str:
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) > len(operands):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(terms) < len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    sizes: dict = {}
    counts: dict = {}
    for j, (term, op) in enumerate(zip(terms, operands)):
        labels = _labels(term)
        for label in labels:
            if label != "..." and label not in string.ascii_letters:
                raise RuntimeError(
                    f"einsum(): invalid subscript given at index {lhs.index(label)} "
                    "in the equation string, subscripts must be in [a-zA-Z]"
                )
        n_explicit = len([a for a in labels if a != "..."])
        ndim = op._data.ndim
        if ("..." in labels and n_explicit > ndim) or ("..." not in labels and n_explicit != ndim):
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation "
                f"({n_explicit}) does not match the number of dimensions "
                f"({ndim}) for operand {j}"
                + ("" if "..." in labels else " and no ellipsis was given")
            )
        for label, size in _label_sizes(labels, op._data.shape).items():
            if label == "...":
                continue
            have = sizes.get(label)
            if have is not None and have != size and 1 not in (have, size):
                raise RuntimeError(
                    f"einsum(): subscript {label} has size {size} for operand {j} "
                    f"which does not broadcast with previously seen size {have}"
                )
            sizes[label] = size if have in (None, 1) else have
        for label in labels:
            counts[label] = counts.get(label, 0) + 1
    if not arrow:
        has_ellipsis = "..." in counts
        rhs = ("..." if has_ellipsis else "") + "".join(
            sorted(c for c, n in counts.items() if n == 1 and c != "...")
        )
    else:
        for label in _labels(rhs):
            if label != "..." and label not in counts:
                raise RuntimeError(
                    f"einsum(): output subscript {label} does not appear in the "
                    "equation for any input operand"
                )
    return lhs + "->" + rhs


def einsum(equation: str, *operands) -> Tensor:
    """Einstein summation over ``operands`` as written in ``equation`` (``'ij,jk->ik'``;
    ``...`` for broadcast dims; without ``->`` the output is the labels seen once, in
    alphabetical order), as ``torch.einsum``. Operands must share one dtype.

    >>> ember.einsum("ij,jk->ik", ember.ones(2, 3), ember.ones(3, 4)).shape
    ember.Size([2, 4])
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for o in operands:
        if not isinstance(o, Tensor):
            raise TypeError(f"einsum(): operands must be Tensors, got {type(o).__name__}")
    for o in operands[1:]:
        if o._data.dtype != operands[0]._data.dtype:
            raise RuntimeError(
                f"einsum(): expected all operands to have the same dtype, but got "
                f"{operands[0].dtype} and {o.dtype}"
            )
    eq = _normalize_einsum(equation, operands)
    try:
        return Einsum.apply(eq, *operands)
    except ValueError as e:
        raise RuntimeError(f"einsum(): {e}") from None


def tensordot(a: Tensor, b: Tensor, dims=2, out=None) -> Tensor:
    """Contraction of the last ``dims`` dims of ``a`` with the first ``dims`` of ``b``, or of
    the dims listed in ``dims = (dims_a, dims_b)``, as ``torch.tensordot``.

    >>> ember.tensordot(ember.ones(2, 3, 4), ember.ones(3, 4, 5)).shape
    ember.Size([2, 5])
    """
    na, nb = a._data.ndim, b._data.ndim
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        da, db = list(range(na - dims, na)), list(range(dims))
    else:
        da, db = dims
        da = [da] if isinstance(da, int) else list(da)
        db = [db] if isinstance(db, int) else list(db)
    if len(da) != len(db):
        raise RuntimeError(
            f"tensordot: both dimension lists should have same length, got {len(da)} and {len(db)}"
        )
    da = [wrap_dim("tensordot", d, na) for d in da]
    db = [wrap_dim("tensordot", d, nb) for d in db]
    for i, j in zip(da, db):
        if a._data.shape[i] != b._data.shape[j]:
            raise RuntimeError(
                f"tensordot: contracted dimensions need to match, but first has "
                f"size {a._data.shape[i]} in dim {i} and second has size "
                f"{b._data.shape[j]} in dim {j}"
            )
    letters = iter(string.ascii_letters)
    la = [next(letters) for _ in range(na)]
    lb = [next(letters) for _ in range(nb)]
    for i, j in zip(da, db):
        lb[j] = la[i]
    free = [la[i] for i in range(na) if i not in da] + [lb[j] for j in range(nb) if j not in db]
    result = einsum("".join(la) + "," + "".join(lb) + "->" + "".join(free), a, b)
    return result if out is None else write_out("tensordot", out, result)


def _scaled_sum(op, input, prod, beta, alpha):
    _check_same_dtype(op, input, prod, "input and the product")
    scaled = prod if alpha == 1 else prod * alpha
    if beta == 0:  # PyTorch ignores input (nan and inf in it do not propagate)
        shape = broadcast_shapes(op, input._data.shape, prod._data.shape)
        return scaled if tuple(shape) == prod._data.shape else scaled.expand(shape)
    return (input if beta == 1 else input * beta) + scaled


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)`` for matrices, as ``torch.addmm``.

    >>> ember.addmm(ember.zeros(2, 2), ember.ones(2, 3), ember.ones(3, 2), alpha=2)
    tensor([[6., 6.],
            [6., 6.]])
    """
    result = _scaled_sum("addmm", input, mm(mat1, mat2), beta, alpha)
    return result if out is None else write_out("addmm", out, result)


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None) -> Tensor:
    """``beta * input + alpha * (mat @ vec)``, as ``torch.addmv``.

    >>> ember.addmv(ember.ones(2), ember.ones(2, 3), ember.ones(3))
    tensor([4., 4.])
    """
    result = _scaled_sum("addmv", input, mv(mat, vec), beta, alpha)
    return result if out is None else write_out("addmv", out, result)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None) -> Tensor:
    """``beta * input + alpha * bmm(batch1, batch2)``, as ``torch.baddbmm``.

    >>> ember.baddbmm(ember.zeros(2, 1, 1), ember.ones(2, 1, 3), ember.ones(2, 3, 1)).shape
    ember.Size([2, 1, 1])
    """
    result = _scaled_sum("baddbmm", input, bmm(batch1, batch2), beta, alpha)
    return result if out is None else write_out("baddbmm", out, result)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None) -> Tensor:
    """``beta * input + alpha * sum_b(batch1[b] @ batch2[b])``, as ``torch.addbmm``.

    >>> ember.addbmm(ember.zeros(1, 1), ember.ones(2, 1, 3), ember.ones(2, 3, 1))
    tensor([[6.]])
    """
    result = _scaled_sum("addbmm", input, bmm(batch1, batch2).sum(0), beta, alpha)
    return result if out is None else write_out("addbmm", out, result)


def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None) -> Tensor:
    """``beta * input + alpha * outer(vec1, vec2)``, as ``torch.addr``.

    >>> ember.addr(ember.zeros(2, 2), ember.ones(2), ember.ones(2))
    tensor([[1., 1.],
            [1., 1.]])
    """
    result = _scaled_sum("addr", input, outer(vec1, vec2), beta, alpha)
    return result if out is None else write_out("addr", out, result)


def kron(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Kronecker product (the shorter shape padded with leading 1s), as ``torch.kron``.

    >>> ember.kron(ember.tensor([1.0, 2.0]), ember.tensor([1.0, 10.0]))
    tensor([ 1., 10.,  2., 20.])
    """
    n = max(input._data.ndim, other._data.ndim)
    sa = (1,) * (n - input._data.ndim) + input._data.shape
    sb = (1,) * (n - other._data.ndim) + other._data.shape
    a = input.reshape(tuple(v for s in sa for v in (s, 1)))
    b = other.reshape(tuple(v for s in sb for v in (1, s)))
    result = (a * b).reshape(tuple(x * y for x, y in zip(sa, sb)))
    return result if out is None else write_out("kron", out, result)


def trace(input: Tensor) -> Tensor:
    """Sum of the main diagonal of a 2-D tensor (integers sum in int64), as ``torch.trace``.

    >>> ember.trace(ember.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor(5.)
    """
    if input._data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input._data.ndim}")
    return _diagonal(input).sum()


class Cross(Function):
    @staticmethod
    def forward(ctx, x, y, axis):
        ctx.axis = axis
        ctx.save_for_backward(x, y)
        return ctx.xp.cross(x, y, axis=axis)

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        gx = _cross(conj(y), gy, ctx.axis) if ctx.needs_input_grad[0] else None
        gw = _cross(gy, conj(x), ctx.axis) if ctx.needs_input_grad[1] else None
        return gx, gw, None


def _cross(a, b, axis):
    return Cross.apply(a, b, axis)


def linalg_cross(input: Tensor, other: Tensor, *, dim: int = -1, out=None) -> Tensor:
    """Cross product of 3-vectors along ``dim`` (batch dims broadcast), as
    ``torch.linalg.cross``.

    >>> ember.linalg.cross(ember.tensor([1.0, 0.0, 0.0]), ember.tensor([0.0, 1.0, 0.0]))
    tensor([0., 0., 1.])
    """
    if input._data.ndim != other._data.ndim:
        raise RuntimeError(
            f"linalg.cross: inputs must have the same number of dimensions, got "
            f"{input._data.ndim} and {other._data.ndim}"
        )
    _check_same_dtype("linalg.cross", input, other)
    shape = broadcast_shapes("linalg.cross", input._data.shape, other._data.shape)
    axis = wrap_dim("linalg.cross", dim, len(shape))
    sa, sb = input._data.shape[axis], other._data.shape[axis]
    if sa != 3 or sb != 3:
        raise RuntimeError(
            f"linalg.cross: inputs dimension {dim} must have length 3. Got {sa} and {sb}"
        )
    a = input if input._data.shape == tuple(shape) else input.expand(shape)
    b = other if other._data.shape == tuple(shape) else other.expand(shape)
    result = _cross(a, b, axis)
    return result if out is None else write_out("linalg.cross", out, result)


def cross(input: Tensor, other: Tensor, dim: int | None = None, *, out=None) -> Tensor:
    """Cross product along ``dim`` (by default the first dim of size 3), as ``torch.cross``.

    >>> ember.cross(ember.tensor([[0.0, 1.0, 0.0]]), ember.tensor([[0.0, 0.0, 1.0]]))
    tensor([[1., 0., 0.]])
    """
    if dim is None:
        shape = broadcast_shapes("cross", input._data.shape, other._data.shape)
        dims = [i for i, s in enumerate(shape) if s == 3]
        if not dims:
            raise RuntimeError(f"cross: no dimension of size 3 in input (shape {shape_str(shape)})")
        dim = dims[0]
    return linalg_cross(input, other, dim=dim, out=out)


# -- inverses and determinants -------------------------------------------------------------
class Inv(Function):
    @staticmethod
    def forward(ctx, a):
        try:
            y = ctx.xp.linalg.inv(a)
        except numpy.linalg.LinAlgError:
            raise _singular_error("linalg.inv", a) from None
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        yh = _mH(y)
        return -matmul(yh, matmul(gy, yh))


def inv(A: Tensor, *, out=None) -> Tensor:
    """Inverse of each square matrix in ``A`` (``(*, n, n)``); ``LinAlgError`` (a
    ``RuntimeError``) naming the zero pivot when singular, as ``torch.linalg.inv``.

    >>> ember.linalg.inv(ember.tensor([[2.0, 0.0], [0.0, 4.0]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.2500]])
    """
    _check_square("linalg.inv", A)
    result = Inv.apply(A)
    return result if out is None else write_out("linalg.inv", out, result)


def inv_ex(A: Tensor, *, check_errors: bool = False, out=None):
    """``(inverse, info)`` as ``torch.linalg.inv_ex``; ``info`` is 0, or the zero pivot
    (1-based) of a singular matrix, whose inverse is then filled with NaN.

    >>> ember.linalg.inv_ex(ember.tensor([[2.0]])).info
    tensor(0, dtype=ember.int32)
    """
    _check_square("linalg.inv_ex", A)
    try:
        inverse = Inv.apply(A)
        info = numpy.zeros(A._data.shape[:-2], dtype=numpy.int32)
    except LinAlgError:
        if check_errors:
            raise
        host = _host(A._data)
        batch = host.reshape((-1,) + host.shape[-2:])
        info = numpy.array([_zero_pivot(m) for m in batch], dtype=numpy.int32)
        info = info.reshape(host.shape[:-2])
        xp = _xp(A)
        inverse = Tensor._make(xp.full(A._data.shape, numpy.nan, dtype=A._data.dtype))
    info = Tensor._make(_xp(A).asarray(info))
    return InvExResult(inverse, info)


class Det(Function):
    @staticmethod
    def forward(ctx, a):
        y = ctx.xp.asarray(ctx.xp.linalg.det(a))
        ctx.save_for_backward(a, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        # d det(A) = det(A) tr(A^-1 dA): gA = g * conj(det) * A^-H for invertible A.
        a, y = ctx.saved_tensors
        try:
            a_inv = inv(a)
        except LinAlgError:
            # Singular: g * conj(cofactor(A)) from the SVD, as a constant (so this branch
            # is once-differentiable in A).
            return _unsq2(gy) * Tensor._make(_conj_cofactor(ctx.xp, a._data))
        return _unsq2(gy * conj(y)) * _mH(a_inv)


def _conj_cofactor(xp, a):
    """conj(cofactor(A)) = adj(A)^H = conj(det U det Vh) U diag(prod_{j != i} s_j) Vh, valid
    for singular A too."""
    u, s, vh = xp.linalg.svd(a)
    n = s.shape[-1]
    others = xp.where(xp.eye(n, dtype=bool), 1, s[..., None, :])
    p = others.prod(-1)
    c = xp.conj(xp.linalg.det(u) * xp.linalg.det(vh))
    return (c[..., None, None] * ((u * p[..., None, :]) @ vh)).astype(a.dtype, copy=False)


def det(A: Tensor, *, out=None) -> Tensor:
    """Determinant of each square matrix in ``A`` (``(*, n, n)`` -> ``(*)``), as
    ``torch.linalg.det``; for a singular ``A`` the gradient comes from the SVD's cofactors
    and cannot be differentiated again.

    >>> ember.linalg.det(ember.tensor([[2.0, 1.0], [1.0, 2.0]]))
    tensor(3.)
    """
    _check_square("linalg.det", A)
    result = Det.apply(A)
    return result if out is None else write_out("linalg.det", out, result)


class Slogdet(Function):
    @staticmethod
    def forward(ctx, a):
        sign, logabs = ctx.xp.linalg.slogdet(a)
        sign, logabs = ctx.xp.asarray(sign), ctx.xp.asarray(logabs)
        # The real sign is piecewise constant: it has a graph node (as in PyTorch) but no
        # gradient; backward ignores its cotangent.
        ctx.save_for_backward(a, sign)
        return sign, logabs

    @staticmethod
    def backward(ctx, gsign, glogabs):
        # log det A = logabsdet + i arg: both parts pull back through tr(A^-1 dA).
        a, sign = ctx.saved_tensors
        g = glogabs
        if a._data.dtype.kind == "c":
            w = conj(sign) * gsign
            g = g + (w - conj(w)) * 0.5  # i * Im(conj(sign) * gsign)
        return _unsq2(g) * _mH(inv(a))


def slogdet(A: Tensor, *, out=None):
    """``(sign, logabsdet)`` of the determinant of each square matrix in ``A``, as
    ``torch.linalg.slogdet`` (a named tuple).

    >>> ember.linalg.slogdet(ember.tensor([[-2.0, 0.0], [0.0, 1.0]]))
    linalg_slogdet(sign=tensor(-1.), logabsdet=tensor(0.6931))
    """
    _check_square("linalg.slogdet", A)
    return SlogdetResult(*Slogdet.apply(A))


def logdet(input: Tensor) -> Tensor:
    """Natural log of the determinant (nan for a negative one), as ``torch.logdet``.

    >>> ember.logdet(ember.tensor([[2.0, 0.0], [0.0, 3.0]]))
    tensor(1.7918)
    """
    sign, logabs = slogdet(input)
    if input._data.dtype.kind == "c":
        from ember._ops.pointwise import log

        return log(sign) + logabs
    return where(sign < 0, float("nan"), where(sign == 0, float("-inf"), logabs))


inverse = inv


# -- solvers -------------------------------------------------------------------------------
def _is_vector_rhs(A: Tensor, B: Tensor) -> bool:
    nb = B._data.ndim
    return nb == 1 or (nb == A._data.ndim - 1 and B._data.shape == A._data.shape[:-1])


class Solve(Function):
    @staticmethod
    def forward(ctx, a, b, vector, op):
        xp = ctx.xp
        if vector:
            b = b[..., None]
        batch = broadcast_shapes(op, a.shape[:-2], b.shape[:-2])
        ab = xp.broadcast_to(a, tuple(batch) + a.shape[-2:])
        bb = xp.broadcast_to(b, tuple(batch) + b.shape[-2:])
        try:
            x = xp.linalg.solve(ab, bb)
        except numpy.linalg.LinAlgError:
            host = _host(ab)
            flat = host.reshape((-1,) + host.shape[-2:])
            bad = next((i for i, m in enumerate(flat) if _zero_pivot(m)), 0)
            raise LinAlgError(
                f"torch.linalg.solve: {_batch_prefix(host, bad)}The solver failed "
                "because the input matrix is singular."
            ) from None
        if vector:
            x = x[..., 0]
        ctx.vector = vector
        ctx.save_for_backward(a, x)
        return x

    @staticmethod
    def backward(ctx, gx):
        # X = A^-1 B: gB = A^-H gX, gA = -gB X^H.
        a, x = ctx.saved_tensors
        gb = Solve.apply(_mH(a), gx, ctx.vector, "linalg.solve")
        ga = None
        if ctx.needs_input_grad[0]:
            if ctx.vector:
                ga = -gb.unsqueeze(-1) * conj(x).unsqueeze(-2)
            else:
                ga = -matmul(gb, _mH(x))
        return ga, gb if ctx.needs_input_grad[1] else None, None, None


def solve(A: Tensor, B: Tensor, *, left: bool = True, out=None) -> Tensor:
    """The solution ``X`` of ``A X = B`` (``X A = B`` with ``left=False``) for square ``A``
    (``(*, n, n)``) and ``B`` of shape ``(*, n, k)`` or ``(*, n)``, with batch dims
    broadcast, as ``torch.linalg.solve``.

    >>> ember.linalg.solve(ember.tensor([[2.0, 0.0], [0.0, 4.0]]), ember.tensor([2.0, 2.0]))
    tensor([1.0000, 0.5000])
    """
    op = "linalg.solve"
    _check_square(op, A)
    if B._data.dtype != A._data.dtype:
        raise RuntimeError(
            f"{op}: Expected A and B to have the same dtype, but found A of type "
            f"{_torch_type_name(A._data.dtype)} and B of type "
            f"{_torch_type_name(B._data.dtype)} instead"
        )
    result = _solve(op, A, B, left, _is_vector_rhs(A, B))
    return result if out is None else write_out(op, out, result)


def _solve(op, A, B, left, vector):
    if not left:
        if vector:
            return _solve(op, A.mT, B, True, True)
        return _solve(op, A.mT, B.mT, True, False).mT
    n = A._data.shape[-1]
    rows = B._data.shape[-1] if vector else (B._data.shape[-2] if B._data.ndim >= 2 else -1)
    if rows != n:
        raise RuntimeError(
            f"{op}: Incompatible shapes of A and B for the equation AX = B "
            f"({n}x{n} and {'x'.join(map(str, B._data.shape[-2:]))})"
        )
    return Solve.apply(A, B, vector, op)


def solve_triangular(
    A: Tensor, B: Tensor, *, upper: bool, left: bool = True, unitriangular: bool = False, out=None
) -> Tensor:
    """Solve ``A X = B`` (``X A = B`` with ``left=False``) reading only the upper or lower
    triangle of ``A`` (with an implicit unit diagonal if ``unitriangular``), as
    ``torch.linalg.solve_triangular``; ``B`` must be ``(*, n, k)``.

    >>> A = ember.tensor([[2.0, 5.0], [0.0, 4.0]])
    >>> ember.linalg.solve_triangular(A, ember.tensor([[2.0], [4.0]]), upper=True)
    tensor([[-1.5000],
            [ 1.0000]])
    """
    _check_square("linalg.solve_triangular", A)
    if B._data.ndim < 2:
        raise RuntimeError(
            "linalg.solve_triangular: The input tensor B must have at least 2 dimensions."
        )
    t = _tri(A, 0, not upper)
    if unitriangular:
        t = t - _diag_embed(_diagonal(t)) + _eye_like(A)
    _check_same_dtype("linalg.solve_triangular", A, B)
    result = _solve("linalg.solve_triangular", t, B, left, False)
    return result if out is None else write_out("linalg.solve_triangular", out, result)


# -- cholesky ------------------------------------------------------------------------------
def _not_pd_error(op, a) -> LinAlgError:
    host = _host(a)
    batch = host.reshape((-1,) + host.shape[-2:])
    for b, m in enumerate(batch):
        for k in range(1, m.shape[-1] + 1):
            try:
                numpy.linalg.cholesky(m[:k, :k])
            except numpy.linalg.LinAlgError:
                return LinAlgError(
                    f"{op}: {_batch_prefix(host, b)}The factorization could not be completed "
                    f"because the input is not positive-definite (the leading minor of order {k} "
                    "is not positive-definite)."
                )
    return LinAlgError(
        f"{op}: The factorization could not be completed because the input is "
        "not positive-definite."
    )


class Cholesky(Function):
    @staticmethod
    def forward(ctx, a):
        try:
            low = ctx.xp.linalg.cholesky(a)
        except numpy.linalg.LinAlgError:
            raise _not_pd_error("linalg.cholesky", a) from None
        ctx.save_for_backward(low)
        return low

    @staticmethod
    def backward(ctx, gl):
        # PyTorch's formula: gA = L^-H Phi(L^H gL) L^-1 with Phi the lower triangle, its
        # diagonal halved, symmetrised (Murray 2016).
        (low,) = ctx.saved_tensors
        lh = _mH(low)
        s = _tri(matmul(lh, gl))
        s = (s + _mH(_tri(s, -1))) * 0.5
        t = solve(lh, s)
        return _mH(solve(lh, _mH(t)))


def linalg_cholesky(A: Tensor, *, upper: bool = False, out=None) -> Tensor:
    """Cholesky factor ``L`` (lower; ``L^H`` with ``upper=True``) of each Hermitian
    positive-definite matrix in ``A``; only the lower triangle of ``A`` is read, as
    ``torch.linalg.cholesky``.

    >>> ember.linalg.cholesky(ember.tensor([[4.0, 2.0], [2.0, 2.0]]))
    tensor([[2., 0.],
            [1., 1.]])
    """
    _check_square("linalg.cholesky", A)
    low = Cholesky.apply(A)
    result = _mH(low) if upper else low
    return result if out is None else write_out("linalg.cholesky", out, result)


def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False, out=None):
    """``(L, info)`` as ``torch.linalg.cholesky_ex``: ``info`` is 0, or the order of the first
    leading minor that is not positive-definite.

    >>> ember.linalg.cholesky_ex(ember.tensor([[4.0]])).info
    tensor(0, dtype=ember.int32)
    """
    try:
        low = linalg_cholesky(A, upper=upper)
        info = numpy.zeros(A._data.shape[:-2], dtype=numpy.int32)
    except LinAlgError:
        if check_errors:
            raise
        host = _host(A._data)
        batch = host.reshape((-1,) + host.shape[-2:])
        codes = []
        for m in batch:
            code = 0
            for k in range(1, m.shape[-1] + 1):
                try:
                    numpy.linalg.cholesky(m[:k, :k])
                except numpy.linalg.LinAlgError:
                    code = k
                    break
            codes.append(code)
        info = numpy.array(codes, dtype=numpy.int32).reshape(host.shape[:-2])
        low = Tensor._make(_xp(A).zeros(A._data.shape, dtype=A._data.dtype))
    return CholeskyExResult(low, Tensor._make(_xp(A).asarray(info)))


def cholesky(input: Tensor, upper: bool = False, *, out=None) -> Tensor:
    """Cholesky factor (legacy ``torch.cholesky``; prefer ``ember.linalg.cholesky``).

    >>> ember.cholesky(ember.tensor([[4.0]]))
    tensor([[2.]])
    """
    return linalg_cholesky(input, upper=upper, out=out)


# -- QR --------------------------------------------------------------------------------------
class QR(Function):
    @staticmethod
    def forward(ctx, a, mode):
        xp = ctx.xp
        ctx.mode = mode
        if mode == "r":
            r = xp.linalg.qr(a, mode="r")
            q = xp.zeros((0,), dtype=a.dtype)
            ctx.mark_non_differentiable(q)
            return q, r
        q, r = xp.linalg.qr(a, mode=mode)
        ctx.save_for_backward(a, q, r)
        return q, r

    @staticmethod
    def backward(ctx, gq, gr):
        if ctx.mode == "r":
            raise RuntimeError(
                "The derivative of linalg.qr depends on Q, which is not computed "
                "when mode='r'. Please use linalg.qr(A, mode='reduced') if you "
                "are going to differentiate through linalg.qr."
            )
        a, q, r = ctx.saved_tensors
        m, n = a._data.shape[-2], a._data.shape[-1]
        if ctx.mode == "complete" and m > n:
            raise RuntimeError(
                "The derivative of linalg.qr depends on Q, which is not computed "
                "when mode='complete' and nrows > ncols."
            )
        if m >= n:
            return _qr_backward_tall(gq, gr, q, r), None
        # Wide: A = Q [R1 | R2] with X = A[:, :m] = Q R1 square and Y = A[:, m:] = Q R2.
        y = _narrow(a, -1, m, n - m)
        gr1 = _narrow(gr, -1, 0, m)
        gr2 = _narrow(gr, -1, m, n - m)
        gq = gq + matmul(y, _mH(gr2))
        gx = _qr_backward_tall(gq, gr1, q, _narrow(r, -1, 0, m))
        gy = matmul(q, gr2)
        return _cat([gx, gy], -1), None


def _qr_backward_tall(gq, gr, q, r):
    # gA = [gQ + Q syminvadj(triu(gR R^H - Q^H gQ))] R^-H  (PyTorch's linalg_qr_backward)
    m_ = matmul(gr, _mH(r)) - matmul(_mH(q), gq)
    t = _tri(m_, 0, lower=False)
    t = t + _mH(t)
    t = t - _diag_embed(_diagonal(t) * 0.5)  # the diagonal of M', real part, once
    ga = gq + matmul(q, t)
    # X R^H = gA  <=>  R X^H = gA^H
    return _mH(solve(r, _mH(ga)))


def qr(A: Tensor, mode: str = "reduced", *, out=None):
    """QR decomposition ``A = Q R`` of each matrix in ``A`` (``(*, m, n)``); ``mode`` is
    ``'reduced'`` (``Q: (*, m, k)``, ``k = min(m, n)``), ``'complete'`` (``Q: (*, m, m)``) or
    ``'r'`` (``Q`` empty), as ``torch.linalg.qr`` (a named tuple ``(Q, R)``).

    >>> ember.linalg.qr(ember.ones(3, 2)).Q.shape
    ember.Size([3, 2])
    """
    _check_matrix("linalg.qr", A)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(
            f"qr received unrecognized mode '{mode}' but expected one of "
            "'reduced' (default), 'r', or 'complete'"
        )
    return QRResult(*QR.apply(A, mode))


# -- eigh / svd --------------------------------------------------------------------------------
class Eigh(Function):
    @staticmethod
    def forward(ctx, a, uplo):
        w, v = ctx.xp.linalg.eigh(a, UPLO=uplo)
        ctx.save_for_backward(w, v)
        return w, v

    @staticmethod
    def backward(ctx, gw, gv):
        # PyTorch's linalg_eig_backward, Hermitian case: gA = V (skew(V^H gV) / E + diag(gL))
        # V^H with E_ij = L_j - L_i off the diagonal.
        w, v = ctx.saved_tensors
        vh = _mH(v)
        n = w._data.shape[-1]
        eye = _eye_like(w, n)
        inner_ = _complexify(_diag_embed(gw), v._data.dtype) if gw is not None else None
        if gv is not None:
            vhgv = matmul(vh, gv)
            skew = (vhgv - _mH(vhgv)) * 0.5
            e = w.unsqueeze(-2) - w.unsqueeze(-1) + eye
            off = skew / e * (1.0 - eye)
            inner_ = off if inner_ is None else inner_ + off
        return matmul(v, matmul(inner_, vh)), None


def eigh(A: Tensor, UPLO: str = "L", *, out=None):  # noqa: N803 - PyTorch's name
    """Eigenvalues (ascending, real) and eigenvectors of each Hermitian matrix in ``A``,
    reading only its ``UPLO`` triangle, as ``torch.linalg.eigh`` (a named tuple). The gradient
    assumes distinct eigenvalues and a loss invariant to the eigenvectors' signs/phases.

    >>> ember.linalg.eigh(ember.tensor([[2.0, 0.0], [0.0, 1.0]])).eigenvalues
    tensor([1., 2.])
    """
    _check_square("linalg.eigh", A)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"linalg.eigh: Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return EighResult(*Eigh.apply(A, UPLO))


def eigvalsh(A: Tensor, UPLO: str = "L", *, out=None) -> Tensor:
    """Eigenvalues (ascending) of each Hermitian matrix in ``A``, as ``torch.linalg.eigvalsh``.

    >>> ember.linalg.eigvalsh(ember.tensor([[2.0, 0.0], [0.0, 1.0]]))
    tensor([1., 2.])
    """
    result = eigh(A, UPLO).eigenvalues
    return result if out is None else write_out("linalg.eigvalsh", out, result)


class Eig(Function):
    @staticmethod
    def forward(ctx, a):
        cdt = _complex_of(a.dtype)
        xp = ctx.xp
        if hasattr(xp.linalg, "eig"):
            w, v = xp.linalg.eig(a)
        else:  # older cupy has no general eigensolver: LAPACK on the host
            w, v = (xp.asarray(r) for r in numpy.linalg.eig(_host(a)))
        w, v = w.astype(cdt, copy=False), v.astype(cdt, copy=False)
        ctx.real_input = a.dtype.kind != "c"
        ctx.save_for_backward(w, v)
        return w, v

    @staticmethod
    def backward(ctx, gw, gv):
        # PyTorch's linalg_eig_backward: gA = V^-H (diag(gL) + P(V^H gV) / conj(E)) V^H, with P
        # the projection onto unit-norm columns, E_ij = L_j - L_i off the diagonal.
        w, v = ctx.saved_tensors
        vh = _mH(v)
        eye = _eye_like(w)
        inner_ = _diag_embed(gw) if gw is not None else None
        if gv is not None:
            vhgv = matmul(vh, gv)
            re_diag = _complexify(real(_diagonal(vhgv)), v._data.dtype)
            vhgv = vhgv - matmul(vh, v * re_diag.unsqueeze(-2))
            wc = conj(w)
            e = wc.unsqueeze(-2) - wc.unsqueeze(-1) + eye
            off = vhgv / e * (1.0 - eye)
            inner_ = off if inner_ is None else inner_ + off
        ga = solve(vh, matmul(inner_, vh))
        return real(ga) if ctx.real_input else ga


def eig(A: Tensor, *, out=None):
    """Eigenvalues and (unit-norm) eigenvectors of each square matrix in ``A``, always complex,
    as ``torch.linalg.eig`` (a named tuple). The gradient assumes distinct eigenvalues and a
    loss invariant to the eigenvectors' phases.

    >>> ember.linalg.eig(ember.tensor([[2.0, 0.0], [0.0, 1.0]])).eigenvalues
    tensor([2.+0.j, 1.+0.j])
    """
    _check_square("linalg.eig", A)
    return EigResult(*Eig.apply(A))


def eigvals(A: Tensor, *, out=None) -> Tensor:
    """Eigenvalues (complex) of each square matrix in ``A``, as ``torch.linalg.eigvals``.

    >>> ember.linalg.eigvals(ember.tensor([[0.0, -1.0], [1.0, 0.0]]))
    tensor([0.+1.j, 0.-1.j])
    """
    result = eig(A).eigenvalues
    return result if out is None else write_out("linalg.eigvals", out, result)


class SVD(Function):
    @staticmethod
    def forward(ctx, a, full_matrices):
        u, s, vh = ctx.xp.linalg.svd(a, full_matrices=full_matrices)
        ctx.full = full_matrices
        ctx.save_for_backward(u, s, vh)
        return u, s, vh

    @staticmethod
    def backward(ctx, gu, gs, gvh):
        u, s, vh = ctx.saved_tensors
        k = s._data.shape[-1]
        if ctx.full:  # as PyTorch: only the first k columns of U / rows of Vh matter
            u, vh = _narrow(u, -1, 0, k), _narrow(vh, -2, 0, k)
            gu = None if gu is None else _narrow(gu, -1, 0, k)
            gvh = None if gvh is None else _narrow(gvh, -2, 0, k)
        return _svd_backward(gu, gs, gvh, u, s, vh), None


def _svd_backward(gu, gs, gvh, u, s, vh):
    # PyTorch's svd_backward (gauge-invariant form), E_ij = s_j^2 - s_i^2 off the diagonal.
    m, n = u._data.shape[-2], vh._data.shape[-1]
    is_complex = u._data.dtype.kind == "c"

    def as_u(t):
        return _complexify(t, u._data.dtype) if is_complex else t

    if gu is None and gvh is None:
        if m >= n:
            return matmul(u, as_u(gs.unsqueeze(-1)) * vh)
        return matmul(u * as_u(gs.unsqueeze(-2)), vh)
    s_u = as_u(s)
    eye = _eye_like(s)
    s2 = s * s
    e = s2.unsqueeze(-2) - s2.unsqueeze(-1) + eye
    ret = None
    uhgu = vhgv = None
    if gu is not None:
        uhgu = matmul(_mH(u), gu)
        uhgu = uhgu - _mH(uhgu)
        ret = uhgu * s_u.unsqueeze(-2)
    if gvh is not None:
        vhgv = matmul(vh, _mH(gvh))
        vhgv = vhgv - _mH(vhgv)
        term = s_u.unsqueeze(-1) * vhgv
        ret = term if ret is None else ret + term
    ret = ret / as_u(e)
    if gs is not None:
        ret = ret + as_u(_diag_embed(gs))
    if is_complex and gu is not None:
        ret = ret + _diag_embed(_diagonal(uhgu) / as_u(s * 2))
    if m > n and gu is not None:
        ga = matmul(u, ret)
        gu_sinv = gu / s_u.unsqueeze(-2)
        ga = ga + gu_sinv - matmul(u, matmul(_mH(u), gu_sinv))
        return matmul(ga, vh)
    if m < n and gvh is not None:
        ga = matmul(ret, vh)
        sinv_gvh = gvh / s_u.unsqueeze(-1)
        ga = ga + sinv_gvh - matmul(matmul(sinv_gvh, _mH(vh)), vh)
        return matmul(u, ga)
    return matmul(u, matmul(ret, vh))


def svd(A: Tensor, full_matrices: bool = True, *, driver=None, out=None):
    """Singular value decomposition ``A = U diag(S) Vh`` of each matrix in ``A``
    (``(*, m, n)``; ``S`` descending, real), as ``torch.linalg.svd`` (a named tuple). The
    gradient assumes distinct singular values and a loss invariant to the vectors'
    signs/phases.

    >>> ember.linalg.svd(ember.tensor([[3.0, 0.0], [0.0, 4.0]])).S
    tensor([4., 3.])
    """
    _check_matrix("linalg.svd", A)
    return SVDResult(*SVD.apply(A, full_matrices))


def svdvals(A: Tensor, *, driver=None, out=None) -> Tensor:
    """Singular values (descending) of each matrix in ``A``, as ``torch.linalg.svdvals``.

    >>> ember.linalg.svdvals(ember.tensor([[3.0, 0.0], [0.0, 4.0]]))
    tensor([4., 3.])
    """
    _check_matrix("linalg.svdvals", A)
    result = SVD.apply(A, False)[1]
    return result if out is None else write_out("linalg.svdvals", out, result)


# -- pseudo-inverse, least squares, rank ---------------------------------------------------------
def _tolerance(s_max, m, n, dt, atol, rtol):
    """PyTorch's cutoff ``max(atol, rtol * s_max)``; ``rtol`` defaults to eps * max(m, n) when
    neither is given, and to 0 when only ``atol`` is."""
    if rtol is None:
        rtol = numpy.finfo(dt).eps * max(m, n) if atol is None or atol <= 0 else 0.0
    atol = 0.0 if atol is None else atol
    return s_max * rtol if atol == 0 else (s_max * rtol).clip(min=atol)


class Pinv(Function):
    @staticmethod
    def forward(ctx, a, atol, rtol, hermitian):
        xp = ctx.xp
        m, n = a.shape[-2], a.shape[-1]
        real_dt = numpy.finfo(a.dtype).dtype
        if hermitian:
            w, v = xp.linalg.eigh(a)
            aw = xp.abs(w)
            smax = aw.max(-1, keepdims=True) if w.shape[-1] else aw
            tol = _tolerance(smax, m, n, real_dt, atol, rtol)
            winv = xp.where(aw > tol, 1 / xp.where(aw > tol, w, 1), 0).astype(a.dtype)
            y = (v * winv[..., None, :]) @ xp.conj(xp.swapaxes(v, -1, -2))
        else:
            u, s, vh = xp.linalg.svd(a, full_matrices=False)
            smax = s[..., :1] if s.shape[-1] else s
            tol = _tolerance(smax, m, n, real_dt, atol, rtol)
            sinv = xp.where(s > tol, 1 / xp.where(s > tol, s, 1), 0).astype(a.dtype)
            y = (xp.conj(xp.swapaxes(vh, -1, -2)) * sinv[..., None, :]) @ xp.conj(
                xp.swapaxes(u, -1, -2)
            )
        y = y.astype(a.dtype, copy=False)
        ctx.save_for_backward(a, y)
        return y

    @staticmethod
    def backward(ctx, g):
        a, p = ctx.saved_tensors
        return _pinv_backward(g, p, a), None, None, None


def _pinv_backward(g, p, a):
    # PyTorch's pinv_backward: valid for any rank (no distinct singular values needed).
    m, n = a._data.shape[-2], a._data.shape[-1]
    ph, gh = _mH(p), _mH(g)
    if m <= n:
        k = matmul(gh, p)
        kph = matmul(k, ph)
        return (
            -_mH(matmul(p, k))
            + kph
            - matmul(matmul(a, p), kph)
            + matmul(matmul(ph, p), gh - matmul(k, a))
        )
    k = matmul(p, gh)
    phk = matmul(ph, k)
    return (
        -_mH(matmul(k, p))
        + matmul(matmul(gh - matmul(a, k), p), ph)
        + phk
        - matmul(matmul(phk, p), a)
    )


def _tol_value(t):
    if isinstance(t, Tensor):
        return t._data
    return t


def pinv(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False, out=None) -> Tensor:
    """Moore-Penrose pseudo-inverse of each matrix in ``A`` via the SVD (the eigendecomposition
    with ``hermitian=True``), dropping singular values below ``max(atol, rtol * s_max)``, as
    ``torch.linalg.pinv``.

    >>> ember.linalg.pinv(ember.tensor([[2.0, 0.0], [0.0, 0.0]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.0000]])
    """
    _check_matrix("linalg.pinv", A)
    result = Pinv.apply(A, _tol_value(atol), _tol_value(rtol), hermitian)
    return result if out is None else write_out("linalg.pinv", out, result)


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """Pseudo-inverse with relative cutoff ``rcond`` (legacy ``torch.pinverse``).

    >>> ember.pinverse(ember.tensor([[4.0]]))
    tensor([[0.2500]])
    """
    return pinv(input, rtol=rcond)


def matrix_rank(
    A: Tensor, *, atol=None, rtol=None, hermitian: bool = False, tol=None, out=None
) -> Tensor:
    """Number of singular values above ``max(atol, rtol * s_max)`` per matrix (int64), as
    ``torch.linalg.matrix_rank``.

    >>> ember.linalg.matrix_rank(ember.tensor([[1.0, 2.0], [2.0, 4.0]]))
    tensor(1)
    """
    _check_matrix("linalg.matrix_rank", A)
    if tol is not None:
        atol, rtol = tol, 0.0
    xp = _xp(A)
    a = A._data
    s = xp.abs(xp.linalg.eigvalsh(a)) if hermitian else xp.linalg.svd(a, compute_uv=False)
    smax = s.max(-1, keepdims=True) if s.shape[-1] else s.sum(-1, keepdims=True)
    tol_ = _tolerance(smax, a.shape[-2], a.shape[-1], s.dtype, _tol_value(atol), _tol_value(rtol))
    result = Tensor._make(xp.asarray((s > tol_).sum(-1), dtype=numpy.int64))
    return result if out is None else write_out("linalg.matrix_rank", out, result)


def lstsq(A: Tensor, B: Tensor, rcond=None, *, driver=None):
    """Least-squares solution of ``A X = B`` (``(*, m, n)``, ``(*, m, k)``), as
    ``torch.linalg.lstsq`` with its CPU default driver ``'gelsy'``: a named tuple
    ``(solution, residuals, rank, singular_values)`` whose residuals and singular values are
    empty. The solution is ``pinv(A) @ B``, which gives PyTorch's gradient.

    >>> ember.linalg.lstsq(ember.tensor([[1.0], [1.0]]), ember.tensor([[1.0], [3.0]])).solution
    tensor([[2.0000]])
    """
    _check_matrix("linalg.lstsq", A)
    if B._data.dtype != A._data.dtype:
        raise RuntimeError(
            f"linalg.lstsq: Expected input and other to have the same dtype, but "
            f"got input's dtype {A.dtype} and other's dtype {B.dtype}"
        )
    nb = B._data.ndim
    if nb < 1 or A._data.ndim - nb > 1 or nb > A._data.ndim:
        raise RuntimeError(
            "torch.linalg.lstsq: input.dim() must be greater or equal to "
            "other.dim() and (input.dim() - other.dim()) <= 1"
        )
    vector = nb == A._data.ndim - 1
    rows = B._data.shape[-1] if vector else B._data.shape[-2]
    if rows != A._data.shape[-2]:
        raise RuntimeError(
            f"torch.linalg.lstsq: input.size(-2) should match other.size(-{1 if vector else 2}"
        )
    if driver not in (None, "gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError(
            f"torch.linalg.lstsq: parameter `driver` should be one of (gels, "
            f"gelsy, gelsd, gelss), got {driver}"
        )
    rtol = rcond if rcond is not None and rcond > 0 else None
    p = pinv(A, rtol=rtol)
    sol = matmul(p, B.unsqueeze(-1)).squeeze(-1) if vector else matmul(p, B)
    xp = _xp(A)
    real_dt = numpy.finfo(A._data.dtype).dtype
    empty = Tensor._make(xp.zeros((0,), dtype=real_dt))
    rank = (
        matrix_rank(A.detach(), rtol=rtol)
        if driver != "gels"
        else Tensor._make(xp.zeros((0,), dtype=numpy.int64))
    )
    residuals = empty
    sv = empty
    if driver in ("gelsd", "gelss"):
        sv = svdvals(A.detach())
        m, n = A._data.shape[-2:]
        full = bool((_host(rank._data) == n).all())
        if m > n and full:
            from ember._ops.reduction import sum as _sum

            diff = matmul(A, sol.unsqueeze(-1)).squeeze(-1) - B if vector else matmul(A, sol) - B
            residuals = _sum(real(diff * conj(diff)), -2 if not vector else -1)
    return LstsqResult(sol, residuals, rank, sv)


# -- matrix functions ----------------------------------------------------------------------
_PADE13 = (
    64764752532480000.0,
    32382376266240000.0,
    7771770303897600.0,
    1187353796428800.0,
    129060195264000.0,
    10559470521600.0,
    670442572800.0,
    33522128640.0,
    1323241920.0,
    40840800.0,
    960960.0,
    16380.0,
    182.0,
    1.0,
)
_THETA13 = 5.371920351148152


def _expm(xp, a):
    """exp(A) by scaling and squaring with the degree-13 Pade approximant (Higham 2005): six
    matmuls and one solve, then ``s`` squarings with ``||A / 2^s||_1 <= theta_13``. Single
    precision runs in double (the squarings amplify rounding) and rounds once."""
    n = a.shape[-1]
    if a.size == 0:
        return a.copy()
    dt = a.dtype
    x = a.astype(numpy.complex128 if dt.kind == "c" else numpy.float64, copy=False)
    norm = float(xp.abs(x).sum(-2).max())
    s = max(0, int(math.ceil(math.log2(norm / _THETA13)))) if norm > _THETA13 else 0
    if s:
        x = x / (2.0**s)
    b = _PADE13
    eye = xp.eye(n, dtype=x.dtype)
    x2 = x @ x
    x4 = x2 @ x2
    x6 = x4 @ x2
    u = x @ (
        x6 @ (b[13] * x6 + b[11] * x4 + b[9] * x2) + b[7] * x6 + b[5] * x4 + b[3] * x2 + b[1] * eye
    )
    v = x6 @ (b[12] * x6 + b[10] * x4 + b[8] * x2) + b[6] * x6 + b[4] * x4 + b[2] * x2 + b[0] * eye
    e = xp.linalg.solve(v - u, v + u)
    for _ in range(s):
        e = e @ e
    return e.astype(dt, copy=False)


class MatrixExp(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _expm(ctx.xp, a)

    @staticmethod
    def backward(ctx, g):
        # The Frechet derivative's adjoint at A is the top-right block of
        # exp([[A^H, G], [0, A^H]]) (Najfeld & Havel 1995), differentiable again.
        (a,) = ctx.saved_tensors
        n = a._data.shape[-1]
        ah = _mH(a)
        zero = Tensor._make(_xp(a).zeros(a._data.shape, dtype=a._data.dtype))
        big = _cat([_cat([ah, g], -1), _cat([zero, ah], -1)], -2)
        return _narrow(_narrow(matrix_exp(big), -2, 0, n), -1, n, n)


def matrix_exp(A: Tensor) -> Tensor:
    """Matrix exponential of each square matrix in ``A``, as ``torch.linalg.matrix_exp``.

    >>> ember.linalg.matrix_exp(ember.tensor([[0.0, 0.0], [0.0, 1.0]]))
    tensor([[1.0000, 0.0000],
            [0.0000, 2.7183]])
    """
    _check_square("linalg.matrix_exp", A)
    return MatrixExp.apply(A)


def matrix_power(A: Tensor, n: int, *, out=None) -> Tensor:
    """``A`` multiplied by itself ``n`` times (``n < 0`` uses the inverse; ``n == 0`` the
    identity) by repeated squaring, as ``torch.linalg.matrix_power``.

    >>> ember.linalg.matrix_power(ember.tensor([[1.0, 1.0], [0.0, 1.0]]), 3)
    tensor([[1., 3.],
            [0., 1.]])
    """
    s = A._data.shape
    if len(s) < 2 or s[-1] != s[-2]:
        raise RuntimeError(
            f"linalg.matrix_power: A must be batches of square matrices, but they "
            f"are {s[-2] if len(s) > 1 else 1} by {s[-1] if s else 1} matrices"
        )
    if not isinstance(n, int) and not hasattr(n, "__index__"):
        raise TypeError(f"linalg.matrix_power: n must be an int, got {type(n).__name__}")
    n = n.__index__()
    if n == 0:  # the identity, still in the graph (zero gradient) as in PyTorch
        xp = _xp(A)
        keep = Tensor._make(xp.ones(s, dtype=bool))
        result = where(keep, _eye_like(A), A)
        return result if out is None else write_out("linalg.matrix_power", out, result)
    base = inv(A) if n < 0 else A
    n = abs(n)
    result = None
    while n:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return result if out is None else write_out("linalg.matrix_power", out, result)


def multi_dot(tensors, *, out=None) -> Tensor:
    """Product of a chain of matrices in the cheapest order (the first may be a row vector
    and the last a column vector, given as 1-D), as ``torch.linalg.multi_dot``.

    >>> ember.linalg.multi_dot([ember.ones(3), ember.ones(3, 2), ember.ones(2)])
    tensor(6.)
    """
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    first_vec, last_vec = tensors[0]._data.ndim == 1, tensors[-1]._data.ndim == 1
    for i, t in enumerate(tensors):
        nd = t._data.ndim
        if (
            (i == 0 and nd not in (1, 2))
            or (i == len(tensors) - 1 and nd not in (1, 2))
            or (0 < i < len(tensors) - 1 and nd != 2)
        ):
            raise RuntimeError(
                f"multi_dot(): tensor {i} must be 2D"
                + (" or 1D" if i in (0, len(tensors) - 1) else "")
                + f" but got {nd}D"
            )
    mats = list(tensors)
    if first_vec:
        mats[0] = mats[0].unsqueeze(0)
    if last_vec:
        mats[-1] = mats[-1].unsqueeze(-1)
    for i in range(len(mats) - 1):
        if mats[i]._data.shape[1] != mats[i + 1]._data.shape[0]:
            a, b = mats[i]._data.shape, mats[i + 1]._data.shape
            raise RuntimeError(
                f"multi_dot(): tensors {i} and {i + 1} with shapes "
                f"{list(tensors[i].shape)} and {list(tensors[i + 1].shape)} cannot "
                f"be multiplied ({a[0]}x{a[1]} and {b[0]}x{b[1]})"
            )
        _check_same_dtype("multi_dot", mats[i], mats[i + 1], "all tensors")
    dims = [m._data.shape[0] for m in mats] + [mats[-1]._data.shape[1]]
    k = len(mats)
    # Classic matrix-chain dynamic programme over split points.
    cost = [[0] * k for _ in range(k)]
    split = [[0] * k for _ in range(k)]
    for length in range(1, k):
        for i in range(k - length):
            j = i + length
            cost[i][j] = None
            for s in range(i, j):
                c = cost[i][s] + cost[s + 1][j] + dims[i] * dims[s + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, s

    def chain(i, j):
        if i == j:
            return mats[i]
        s = split[i][j]
        return matmul(chain(i, s), chain(s + 1, j))

    result = chain(0, k - 1)
    if first_vec:
        result = result.squeeze(0)
    if last_vec:
        result = result.squeeze(-1)
    return result if out is None else write_out("linalg.multi_dot", out, result)


def chain_matmul(*matrices, out=None) -> Tensor:
    """Product of 2-D matrices in the cheapest order (legacy ``torch.chain_matmul``).

    >>> ember.chain_matmul(ember.ones(2, 3), ember.ones(3, 4), ember.ones(4, 1)).shape
    ember.Size([2, 1])
    """
    if len(matrices) == 1:
        return matrices[0]
    return multi_dot(matrices, out=out)


def tensorinv(A: Tensor, ind: int = 2, *, out=None) -> Tensor:
    """Inverse of ``A`` seen as a linear map from its first ``ind`` dims to the rest (the
    result has shape ``A.shape[ind:] + A.shape[:ind]``), as ``torch.linalg.tensorinv``.

    >>> ember.linalg.tensorinv(ember.tensor([[2.0, 0.0], [0.0, 4.0]]).reshape(2, 2), ind=1)
    tensor([[0.5000, 0.0000],
            [0.0000, 0.2500]])
    """
    if ind <= 0:
        raise RuntimeError(
            f"linalg.tensorinv: Expected a strictly positive integer for 'ind', but got {ind}"
        )
    shape = A._data.shape
    rows, cols = math.prod(shape[:ind]), math.prod(shape[ind:])
    if rows != cols:
        raise RuntimeError(
            "linalg.tensorinv: Expected self to satisfy the requirement "
            "prod(self.shape[ind:]) == prod(self.shape[:ind]), but got "
            f"{cols} != {rows}"
        )
    result = inv(A.reshape(rows, cols)).reshape(shape[ind:] + shape[:ind])
    return result if out is None else write_out("linalg.tensorinv", out, result)


def tensorsolve(A: Tensor, B: Tensor, dims=None, *, out=None) -> Tensor:
    """The ``X`` with ``tensordot(A, X, X.ndim) == B`` (``dims`` of ``A`` moved to the end
    first), as ``torch.linalg.tensorsolve``.

    >>> ember.linalg.tensorsolve(ember.tensor([[2.0, 0.0], [0.0, 4.0]]), ember.tensor([2.0, 2.0]))
    tensor([1.0000, 0.5000])
    """
    nd = A._data.ndim
    if dims is not None:
        moved = [wrap_dim("linalg.tensorsolve", d, nd) for d in dims]
        A = A.permute([d for d in range(nd) if d not in moved] + moved)
    shape = A._data.shape
    out_shape = shape[B._data.ndim :]
    rows, cols = math.prod(shape[: B._data.ndim]), math.prod(out_shape)
    if shape[: B._data.ndim] != B._data.shape or rows != cols:
        raise RuntimeError(
            "linalg.tensorsolve: Expected self to satisfy the requirement "
            "prod(self.shape[other.ndim:]) == prod(self.shape[:other.ndim]), "
            f"but got {cols} != {rows}"
        )
    result = solve(A.reshape(rows, cols), B.reshape(rows)).reshape(out_shape)
    return result if out is None else write_out("linalg.tensorsolve", out, result)


def vander(x: Tensor, *, N: int | None = None) -> Tensor:
    """Vandermonde matrix ``[x^0, x^1, ..., x^(N-1)]`` along a new last dim (``N`` defaults
    to ``x.shape[-1]``), as ``torch.linalg.vander``.

    >>> ember.linalg.vander(ember.tensor([1, 2, 3]))
    tensor([[1, 1, 1],
            [1, 2, 4],
            [1, 3, 9]])
    """
    if x._data.ndim == 0:
        raise RuntimeError("linalg.vander: x must have at least one dimension")
    n = x._data.shape[-1] if N is None else N
    if n <= 1:
        raise RuntimeError("N must be greater than 1.")
    if x._data.dtype.kind in "biu":  # integers are computed in int64, as PyTorch's cumprod
        from ember.backend.dtypes import int64

        x = x.to(int64)
    powers = Tensor._make(_xp(x).arange(n).astype(x._data.dtype))
    return x.unsqueeze(-1) ** powers


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1, out=None) -> Tensor:
    """``sum(conj(x) * y, dim)`` with broadcasting, as ``torch.linalg.vecdot``.

    >>> ember.linalg.vecdot(ember.ones(2, 3), ember.ones(3))
    tensor([3., 3.])
    """
    result = (conj(x) * y).sum(dim)
    return result if out is None else write_out("linalg.vecdot", out, result)


def linalg_diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Diagonal of each matrix (``offset`` 0 and the last two dims only in this version), as
    ``torch.linalg.diagonal``.

    >>> ember.linalg.diagonal(ember.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor([1., 4.])
    """
    nd = A._data.ndim
    if offset != 0 or {
        wrap_dim("linalg.diagonal", dim1, nd),
        wrap_dim("linalg.diagonal", dim2, nd),
    } != {nd - 2, nd - 1}:
        raise NotImplementedError(
            "linalg.diagonal: only offset=0 over the last two dims is supported"
        )
    return _diagonal(A)


# -- norms ---------------------------------------------------------------------------------
def _norm_input(op, x, dtype):
    if dtype is not None:
        x = x.to(dtype)
    dt = x._data.dtype
    if dt.kind not in "fc" or dt.itemsize == 2:
        if dt.kind in "fV":
            raise NotImplementedError(
                f"\"{op}\" not implemented for '{_torch_type_name(dt)}' in this version of Ember"
            )
        raise RuntimeError(
            f"{op}: Expected a floating point or complex tensor as input. Got "
            f"{_torch_type_name(dt)}"
        )
    return x


def vector_norm(
    x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None, out=None
) -> Tensor:
    """Vector ``ord``-norm over ``dim`` (all elements by default; ``ord`` any real, ``inf``,
    ``-inf`` or 0), always real, as ``torch.linalg.vector_norm``.

    >>> ember.linalg.vector_norm(ember.tensor([3.0, 4.0]))
    tensor(5.)
    """
    dt = x._data.dtype if dtype is None else dtype.np
    if dt.itemsize == 2 and dt.kind in "fV":  # 16-bit floats: compute in float32, round once
        from ember.backend.dtypes import float32

        result = vector_norm(x.to(float32), ord, dim, keepdim).to(
            x.dtype if dtype is None else dtype
        )
        return result if out is None else write_out("linalg.vector_norm", out, result)
    x = _norm_input("linalg.vector_norm", x, dtype)
    if isinstance(dim, int):
        dim = (dim,)
    axes = wrap_dims("linalg.vector_norm", dim, x._data.ndim)
    if x._data.ndim == 0:
        x, axes = x.reshape(1), (0,)
        squeeze0 = not keepdim
    else:
        squeeze0 = False
    if (
        x._data.size == 0
        and ord in (math.inf, -math.inf)
        and any(x._data.shape[a] == 0 for a in axes)
    ):
        raise RuntimeError(
            f"linalg.vector_norm: Expected a non-empty tensor to compute the {ord}-norm"
        )
    a = _abs(x)
    if ord == math.inf:
        result = _amax(a, axes, keepdim)
    elif ord == -math.inf:
        result = _amax(a, axes, keepdim, largest=False)
    elif ord == 0:  # a count: zero gradient, but still in the graph as in PyTorch
        result = (a != 0).to(a.dtype).sum(axes, keepdim=keepdim) + (a * 0).sum(axes, keepdim)
    elif ord == 1:
        result = a.sum(axes, keepdim=keepdim)
    elif ord == 2:
        result = Norm2.apply(x, axes, keepdim)
    else:
        result = (a**ord).sum(axes, keepdim=keepdim) ** (1.0 / ord)
    if squeeze0:
        result = result.reshape(())
    return result if out is None else write_out("linalg.vector_norm", out, result)


class Norm2(Function):
    # Primitive: sqrt(sum |x|^2) in one pass; its gradient is x / norm (0 where norm is 0).
    @staticmethod
    def forward(ctx, x, axes, keepdim):
        xp = ctx.xp
        ctx.axes, ctx.keepdim, ctx.in_shape = axes, keepdim, x.shape
        sq = (x.real * x.real + x.imag * x.imag) if x.dtype.kind == "c" else x * x
        y = xp.asarray(xp.sqrt(sq.sum(axis=axes, keepdims=keepdim)))
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        if not ctx.keepdim and ctx.axes:
            kept = tuple(1 if i in ctx.axes else s for i, s in enumerate(ctx.in_shape))
            y, gy = y.reshape(kept), gy.reshape(kept)
        zero = y == 0
        scale = where(zero, 0.0, gy / where(zero, 1.0, y))
        return x * scale, None, None


def _move_to_end(t, d0, d1):
    nd = t._data.ndim
    order = [i for i in range(nd) if i not in (d0, d1)] + [d0, d1]
    return t.permute(order) if order != list(range(nd)) else t


def matrix_norm(
    A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None, out=None
) -> Tensor:
    """Matrix norm over the two dims ``dim``: ``'fro'``, ``'nuc'``, ``inf``, ``-inf``, ``1``,
    ``-1``, ``2`` (largest singular value) or ``-2`` (smallest), as
    ``torch.linalg.matrix_norm``.

    >>> ember.linalg.matrix_norm(ember.tensor([[3.0, 0.0], [0.0, 4.0]]))
    tensor(5.)
    """
    op = "linalg.matrix_norm"
    A = _norm_input(op, A, dtype)
    nd = A._data.ndim
    if nd < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    if len(dim) != 2:
        raise RuntimeError(f"{op}: dim must be a 2-tuple. Got {list(dim)}")
    d0, d1 = wrap_dim(op, dim[0], nd), wrap_dim(op, dim[1], nd)
    if d0 == d1:
        raise RuntimeError(f"{op}: dims must be different. Got ({dim[0]}, {dim[1]})")
    if ord == "fro":
        result = vector_norm(A, 2, (d0, d1), keepdim)
        return result if out is None else write_out(op, out, result)
    if ord not in ("nuc", 2, -2, 1, -1, math.inf, -math.inf):
        raise RuntimeError(f"{op}: Order {ord} not supported.")
    t = _move_to_end(A, d0, d1)
    if t._data.size == 0:  # PyTorch: the norm of an empty matrix is 0 (in the graph for nuc)
        if ord == "nuc":
            result = _abs(t).sum((-2, -1))
        else:
            result = Tensor._make(_xp(t).zeros(t._data.shape[:-2], dtype=_abs(t)._data.dtype))
    elif ord in ("nuc", 2, -2):
        s = svdvals(t)
        if ord == "nuc":
            result = s.sum(-1)
        else:
            result = _amax(s, -1, largest=ord == 2)
    else:
        rows = ord in (math.inf, -math.inf)
        sums = _abs(t).sum(-1 if rows else -2)
        result = _amax(sums, -1, largest=ord > 0)
    if keepdim:
        for d in sorted((d0, d1)):
            result = result.unsqueeze(d)
    return result if out is None else write_out(op, out, result)


def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """Vector or matrix norm, as ``torch.linalg.norm``: a matrix norm when ``ord`` is a
    string or ``dim`` has two entries (or ``A`` is 2-D with ``ord`` given and ``dim=None``),
    else a vector norm (the 2-norm of all elements when both are ``None``).

    >>> ember.linalg.norm(ember.tensor([[3.0, 0.0], [0.0, 4.0]]))
    tensor(5.)
    """
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None:
        dim = tuple(dim)
    if isinstance(ord, str) or (dim is not None and len(dim) == 2 and ord is not None):
        return matrix_norm(
            A,
            "fro" if ord is None else ord,
            dim if dim else (-2, -1),
            keepdim,
            dtype=dtype,
            out=out,
        )
    if ord is not None and dim is None:
        nd = A._data.ndim
        if nd == 2:
            return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype, out=out)
        if nd != 1:
            raise RuntimeError(
                f"linalg.norm: If dim is not specified but ord is, the input must "
                f"be 1D or 2D. Got {nd}D."
            )
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype, out=out)


def cond(A: Tensor, p=None, *, out=None) -> Tensor:
    """Condition number ``norm(A, p) * norm(inv(A), p)`` (``p=None``: ratio of the extreme
    singular values), as ``torch.linalg.cond``.

    >>> ember.linalg.cond(ember.tensor([[4.0, 0.0], [0.0, 2.0]]))
    tensor(2.)
    """
    _check_matrix("linalg.cond", A)
    if p in (None, 2, -2):
        s = svdvals(A)
        big, small = _amax(s, -1), _amax(s, -1, largest=False)
        result = small / big if p == -2 else big / small
    else:
        result = matrix_norm(A, p) * matrix_norm(inv(A), p)
    return result if out is None else write_out("linalg.cond", out, result)


# -- Tensor methods --------------------------------------------------------------------------------
def _method_det(self):
    return det(self)


bind_methods(
    matmul=matmul,
    __matmul__=matmul,
    __rmatmul__=lambda self, other: matmul(other, self),
    mm=mm,
    bmm=bmm,
    mv=mv,
    dot=dot,
    vdot=vdot,
    outer=outer,
    ger=outer,
    inner=inner,
    addmm=addmm,
    addmv=addmv,
    addbmm=addbmm,
    baddbmm=baddbmm,
    addr=addr,
    cross=cross,
    kron=kron,
    trace=trace,
    det=_method_det,
    logdet=logdet,
    slogdet=slogdet,
    inverse=inv,
    pinverse=pinverse,
    cholesky=cholesky,
    matrix_exp=matrix_exp,
    matrix_power=matrix_power,
    tensordot=tensordot,
)
