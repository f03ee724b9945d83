"""Discrete Fourier transforms (the ``ember.fft`` namespace re-exports these).

Three primitives carry every transform: ``C2C`` (complex to complex), ``R2C`` (real input,
one-sided output along the last transformed dim) and ``C2R`` (its inverse). ``n``/``s``
crop or zero-pad the input first (``resize``, differentiable both ways), as PyTorch does.

Note [FFT adjoints]
With ``norm`` one of backward (no scale on the forward transform), ortho (1/sqrt(n) both
ways) or forward (1/n on the forward transform), the adjoint of ``fft(norm)`` is
``ifft`` with the *dual* norm (backward <-> forward, ortho stays): the adjoint of an
unscaled DFT is the unscaled inverse. R2C's adjoint zero-pads the half spectrum back to
full length, applies the C2C adjoint and keeps the real part; C2R's adjoint is R2C of the
cotangent with the bins that stand for two conjugate bins doubled (PyTorch's
fft_c2r_backward). Gradients are therefore differentiable again.
"""

from __future__ import annotations

import numpy

from ember._ops._checks import wrap_dim
from ember._ops._inplace import write_out
from ember._ops.linalg import _complexify, real, resize
from ember._tensor import Tensor
from ember.autograd.function import Function
from ember.backend import array_module
from ember.backend.dtypes import get_default_dtype

__all__: list = []

_DUAL = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


def _check_norm(norm):
    if norm is None:
        return "backward"
    if norm not in _DUAL:
        raise RuntimeError(f'Invalid normalization mode: "{norm}"')
    return norm


def _complex_dtype(dt):
    return numpy.dtype(
        numpy.complex64 if dt in (numpy.float32, numpy.complex64) else numpy.complex128
    )


def _float_input(op: str, x: Tensor, real_only: bool = False) -> Tensor:
    """Promote ints/bools to the default float; reject 16-bit floats (PyTorch's CPU FFT has
    none) and, for real-input transforms, complex tensors."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(x).__name__}")
    dt = x._data.dtype
    if dt.kind in "biu":
        return x.to(get_default_dtype())
    if dt.kind == "c" and real_only:
        name = "ComplexFloat" if dt == numpy.complex64 else "ComplexDouble"
        raise RuntimeError(f"{op} expects a real input tensor, but got {name}")
    if dt.itemsize == 2 or dt.kind not in "fc":
        raise NotImplementedError(
            f'"{op}" not implemented for dtype {x.dtype}: Ember\'s CPU FFT '
            "supports float32/float64/complex64/complex128"
        )
    return x


class C2C(Function):
    @staticmethod
    def forward(ctx, x, axes, norm, forward):
        ctx.axes, ctx.norm, ctx.fwd = axes, norm, forward
        fn = ctx.xp.fft.fftn if forward else ctx.xp.fft.ifftn
        return fn(x, axes=axes, norm=norm).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        return C2C.apply(gy, ctx.axes, _DUAL[ctx.norm], not ctx.fwd), None, None, None


class R2C(Function):
    @staticmethod
    def forward(ctx, x, axes, norm):
        ctx.axes, ctx.norm, ctx.n = axes, norm, x.shape[axes[-1]]
        ctx.cdt = _complex_dtype(x.dtype)
        return ctx.xp.fft.rfftn(x, axes=axes, norm=norm).astype(ctx.cdt, copy=False)

    @staticmethod
    def backward(ctx, gy):
        full = resize(gy, ctx.axes[-1], ctx.n)
        return real(C2C.apply(full, ctx.axes, _DUAL[ctx.norm], False)), None, None


class C2R(Function):
    @staticmethod
    def forward(ctx, x, axes, norm, n):
        ctx.axes, ctx.norm, ctx.n = axes, norm, n
        ctx.cdt = x.dtype
        s = [x.shape[a] for a in axes[:-1]] + [n]
        y = ctx.xp.fft.irfftn(x, s=s, axes=axes, norm=norm)
        return y.astype(numpy.float32 if x.dtype == numpy.complex64 else numpy.float64, copy=False)

    @staticmethod
    def backward(ctx, gy):
        gx = R2C.apply(gy, ctx.axes, _DUAL[ctx.norm])
        half = gx._data.shape[ctx.axes[-1]]
        double = ctx.n - half
        if double > 0:
            w = numpy.ones(
                half, dtype=numpy.float32 if ctx.cdt == numpy.complex64 else numpy.float64
            )
            w[1 : 1 + double] = 2
            shape = [1] * gx._data.ndim
            shape[ctx.axes[-1]] = half
            xp = array_module(gx._data)
            gx = gx * Tensor._make(xp.asarray(w.reshape(shape)))
        return gx, None, None, None


def _axes_and_sizes(op, x, s, dim, default_all):
    """Normalise (s, dim) as PyTorch's fftn family does: ``dim`` defaults to the last
    ``len(s)`` dims (or every dim); each size must be positive."""
    nd = x._data.ndim
    if isinstance(dim, int):
        dim = (dim,)
    if isinstance(s, int):
        s = (s,)
    if dim is None:
        if s is None:
            axes = tuple(range(nd)) if default_all else tuple(range(max(nd - 2, 0), nd))
        else:
            axes = tuple(range(nd - len(s), nd))
    else:
        axes = tuple(wrap_dim(op, d, nd) for d in dim)
        if len(set(axes)) != len(axes):
            raise RuntimeError(f"{op}: FFT dims must be unique")
    if s is not None:
        s = tuple(s)
        if len(s) != len(axes):
            raise RuntimeError(
                f"{op}: When given, dim and shape arguments must have the same length"
            )
    else:
        s = tuple(-1 for _ in axes)
    sizes = []
    for a, n in zip(axes, s):
        n = x._data.shape[a] if n == -1 else n
        if n < 1:
            raise RuntimeError(f"Invalid number of data points ({n}) specified")
        sizes.append(n)
    return axes, sizes


def _c2c(op, input, s, dim, norm, forward, default_all=True):
    norm = _check_norm(norm)
    x = _float_input(op, input)
    axes, sizes = _axes_and_sizes(op, x, s, dim, default_all)
    if x._data.dtype.kind != "c":
        x = _complexify(x, _complex_dtype(x._data.dtype))
    for a, n in zip(axes, sizes):
        x = resize(x, a, n)
    if not axes:
        return x
    return C2C.apply(x, axes, norm, forward)


def _r2c(op, input, s, dim, norm, default_all=True):
    norm = _check_norm(norm)
    x = _float_input(op, input, real_only=True)
    axes, sizes = _axes_and_sizes(op, x, s, dim, default_all)
    for a, n in zip(axes, sizes):
        x = resize(x, a, n)
    return R2C.apply(x, axes, norm)


def _c2r(op, input, s, dim, norm, default_all=True):
    norm = _check_norm(norm)
    x = _float_input(op, input)
    if x._data.dtype.kind != "c":
        x = _complexify(x, _complex_dtype(x._data.dtype))
    nd = x._data.ndim
    if isinstance(dim, int):
        dim = (dim,)
    if isinstance(s, int):
        s = (s,)
    if dim is None and s is None:
        axes = tuple(range(nd)) if default_all else tuple(range(max(nd - 2, 0), nd))
    elif dim is None:
        axes = tuple(range(nd - len(s), nd))
    else:
        axes = tuple(wrap_dim(op, d, nd) for d in dim)
    if s is not None and len(tuple(s)) != len(axes):
        raise RuntimeError(f"{op}: When given, dim and shape arguments must have the same length")
    sizes = list(s) if s is not None else [-1] * len(axes)
    for i, a in enumerate(axes):
        if sizes[i] == -1:
            have = x._data.shape[a]
            sizes[i] = 2 * (have - 1) if i == len(axes) - 1 else have
        if sizes[i] < 1:
            raise RuntimeError(f"Invalid number of data points ({sizes[i]}) specified")
    for a, n in zip(axes[:-1], sizes[:-1]):
        x = resize(x, a, n)
    last = sizes[-1]
    x = resize(x, axes[-1], last // 2 + 1)
    return C2R.apply(x, axes, norm, last)


# -- one-dimensional -------------------------------------------------------------------------
def fft(input: Tensor, n=None, dim: int = -1, norm=None, *, out=None) -> Tensor:
    """One-dimensional DFT along ``dim`` (input cropped/zero-padded to ``n``), as
    ``torch.fft.fft``; real inputs give complex64/complex128.

    >>> ember.fft.fft(ember.tensor([1.0, 0.0, 0.0, 0.0]))
    tensor([1.+0.j, 1.+0.j, 1.+0.j, 1.+0.j])
    """
    result = _c2c("fft_fft", input, None if n is None else (n,), (dim,), norm, True)
    return result if out is None else write_out("fft_fft", out, result)


def ifft(input: Tensor, n=None, dim: int = -1, norm=None, *, out=None) -> Tensor:
    """Inverse of :func:`fft`, as ``torch.fft.ifft``.

    >>> ember.fft.ifft(ember.tensor([4.0, 0.0, 0.0, 0.0]))
    tensor([1.+0.j, 1.+0.j, 1.+0.j, 1.+0.j])
    """
    result = _c2c("fft_ifft", input, None if n is None else (n,), (dim,), norm, False)
    return result if out is None else write_out("fft_ifft", out, result)


def rfft(input: Tensor, n=None, dim: int = -1, norm=None, *, out=None) -> Tensor:
    """DFT of a real signal, keeping the ``n // 2 + 1`` non-negative frequencies, as
    ``torch.fft.rfft``.

    >>> ember.fft.rfft(ember.tensor([1.0, 1.0, 1.0, 1.0]))
    tensor([4.+0.j, 0.+0.j, 0.+0.j])
    """
    result = _r2c("fft_rfft", input, None if n is None else (n,), (dim,), norm)
    return result if out is None else write_out("fft_rfft", out, result)


def irfft(input: Tensor, n=None, dim: int = -1, norm=None, *, out=None) -> Tensor:
    """Inverse of :func:`rfft`: a real signal of length ``n`` (default ``2 * (m - 1)``) from
    a one-sided spectrum, as ``torch.fft.irfft``.

    >>> ember.fft.irfft(ember.tensor([4.0 + 0j, 0j, 0j]))
    tensor([1., 1., 1., 1.])
    """
    result = _c2r("fft_irfft", input, None if n is None else (n,), (dim,), norm)
    return result if out is None else write_out("fft_irfft", out, result)


def hfft(input: Tensor, n=None, dim: int = -1, norm=None, *, out=None) -> Tensor:
    """Real spectrum of a signal with Hermitian symmetry, given its one-sided half, as
    ``torch.fft.hfft`` (``irfft`` of the conjugate with the dual norm).

    >>> ember.fft.hfft(ember.tensor([1.0 + 0j, 0j, 0j]))
    tensor([1., 1., 1., 1.])
    """
    norm = _DUAL[_check_norm(norm)]
    x = _float_input("fft_hfft", input)
    result = _c2r("fft_hfft", x.conj(), None if n is None else (n,), (dim,), norm)
    return result if out is None else write_out("fft_hfft", out, result)


def ihfft(input: Tensor, n=None, dim: int = -1, norm=None, *, out=None) -> Tensor:
    """Inverse of :func:`hfft`: the one-sided half of a Hermitian signal from its real
    spectrum, as ``torch.fft.ihfft``.

    >>> ember.fft.ihfft(ember.tensor([1.0, 1.0, 1.0, 1.0]))
    tensor([1.-0.j, 0.-0.j, 0.-0.j])
    """
    norm = _DUAL[_check_norm(norm)]
    result = _r2c("fft_ihfft", input, None if n is None else (n,), (dim,), norm).conj()
    return result if out is None else write_out("fft_ihfft", out, result)


# -- n-dimensional -----------------------------------------------------------------------------
def fftn(input: Tensor, s=None, dim=None, norm=None, *, out=None) -> Tensor:
    """N-dimensional DFT over ``dim`` (all dims by default) with sizes ``s``, as
    ``torch.fft.fftn``.

    >>> ember.fft.fftn(ember.ones(2, 2))
    tensor([[4.+0.j, 0.+0.j],
            [0.+0.j, 0.+0.j]])
    """
    result = _c2c("fft_fftn", input, s, dim, norm, True)
    return result if out is None else write_out("fft_fftn", out, result)


def ifftn(input: Tensor, s=None, dim=None, norm=None, *, out=None) -> Tensor:
    """Inverse of :func:`fftn`, as ``torch.fft.ifftn``.

    >>> ember.fft.ifftn(ember.tensor([[4.0, 0.0], [0.0, 0.0]]))
    tensor([[1.+0.j, 1.+0.j],
            [1.+0.j, 1.+0.j]])
    """
    result = _c2c("fft_ifftn", input, s, dim, norm, False)
    return result if out is None else write_out("fft_ifftn", out, result)


def rfftn(input: Tensor, s=None, dim=None, norm=None, *, out=None) -> Tensor:
    """N-dimensional DFT of a real signal, one-sided in the last transformed dim, as
    ``torch.fft.rfftn``.

    >>> ember.fft.rfftn(ember.ones(2, 2))
    tensor([[4.+0.j, 0.+0.j],
            [0.+0.j, 0.+0.j]])
    """
    result = _r2c("fft_rfftn", input, s, dim, norm)
    return result if out is None else write_out("fft_rfftn", out, result)


def irfftn(input: Tensor, s=None, dim=None, norm=None, *, out=None) -> Tensor:
    """Inverse of :func:`rfftn`, as ``torch.fft.irfftn``.

    >>> ember.fft.irfftn(ember.tensor([[4.0 + 0j, 0j], [0j, 0j]])).shape
    ember.Size([2, 2])
    """
    result = _c2r("fft_irfftn", input, s, dim, norm)
    return result if out is None else write_out("fft_irfftn", out, result)


def fft2(input: Tensor, s=None, dim=(-2, -1), norm=None, *, out=None) -> Tensor:
    """Two-dimensional DFT over ``dim``, as ``torch.fft.fft2``.

    >>> ember.fft.fft2(ember.ones(2, 2)).shape
    ember.Size([2, 2])
    """
    result = _c2c("fft_fft2", input, s, dim, norm, True)
    return result if out is None else write_out("fft_fft2", out, result)


def ifft2(input: Tensor, s=None, dim=(-2, -1), norm=None, *, out=None) -> Tensor:
    """Inverse of :func:`fft2`, as ``torch.fft.ifft2``.

    >>> ember.fft.ifft2(ember.ones(2, 2)).shape
    ember.Size([2, 2])
    """
    result = _c2c("fft_ifft2", input, s, dim, norm, False)
    return result if out is None else write_out("fft_ifft2", out, result)


def rfft2(input: Tensor, s=None, dim=(-2, -1), norm=None, *, out=None) -> Tensor:
    """Two-dimensional real-input DFT, as ``torch.fft.rfft2``.

    >>> ember.fft.rfft2(ember.ones(2, 4)).shape
    ember.Size([2, 3])
    """
    result = _r2c("fft_rfft2", input, s, dim, norm)
    return result if out is None else write_out("fft_rfft2", out, result)


def irfft2(input: Tensor, s=None, dim=(-2, -1), norm=None, *, out=None) -> Tensor:
    """Inverse of :func:`rfft2`, as ``torch.fft.irfft2``.

    >>> ember.fft.irfft2(ember.ones(2, 3, dtype=ember.complex64)).shape
    ember.Size([2, 4])
    """
    result = _c2r("fft_irfft2", input, s, dim, norm)
    return result if out is None else write_out("fft_irfft2", out, result)


# -- helpers ---------------------------------------------------------------------------------
def fftfreq(
    n: int,
    d: float = 1.0,
    *,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    requires_grad: bool = False,
) -> Tensor:
    """Sample frequencies ``[0, 1, ..., -2, -1] / (d * n)`` of an ``n``-point DFT, as
    ``torch.fft.fftfreq``.

    >>> ember.fft.fftfreq(4)
    tensor([ 0.0000,  0.2500, -0.5000, -0.2500])
    """
    from ember._ops.creation import tensor

    dt = dtype if dtype is not None else get_default_dtype()
    values = numpy.fft.fftfreq(n, d)
    return tensor(values, dtype=dt, device=device, requires_grad=requires_grad)


def rfftfreq(
    n: int,
    d: float = 1.0,
    *,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    requires_grad: bool = False,
) -> Tensor:
    """Sample frequencies ``[0, 1, ..., n // 2] / (d * n)`` of :func:`rfft`, as
    ``torch.fft.rfftfreq``.

    >>> ember.fft.rfftfreq(4)
    tensor([0.0000, 0.2500, 0.5000])
    """
    from ember._ops.creation import tensor

    dt = dtype if dtype is not None else get_default_dtype()
    values = numpy.fft.rfftfreq(n, d)
    return tensor(values, dtype=dt, device=device, requires_grad=requires_grad)


class Roll(Function):
    @staticmethod
    def forward(ctx, x, shifts, axes):
        ctx.shifts, ctx.axes = shifts, axes
        return ctx.xp.roll(x, shifts, axis=axes)

    @staticmethod
    def backward(ctx, gy):
        return Roll.apply(gy, tuple(-s for s in ctx.shifts), ctx.axes), None, None


def _shift(op, input, dim, inverse):
    nd = input._data.ndim
    if dim is None:
        axes = tuple(range(nd))
    elif isinstance(dim, int):
        axes = (wrap_dim(op, dim, nd),)
    else:
        axes = tuple(wrap_dim(op, d, nd) for d in dim)
    if not axes:
        return input
    shape = input._data.shape
    shifts = tuple(-(shape[a] // 2) if inverse else shape[a] // 2 for a in axes)
    return Roll.apply(input, shifts, axes)


def fftshift(input: Tensor, dim=None) -> Tensor:
    """Roll the zero frequency to the centre of ``dim`` (all dims by default), as
    ``torch.fft.fftshift``.

    >>> ember.fft.fftshift(ember.fft.fftfreq(4))
    tensor([-0.5000, -0.2500,  0.0000,  0.2500])
    """
    return _shift("fftshift", input, dim, False)


def ifftshift(input: Tensor, dim=None) -> Tensor:
    """Inverse of :func:`fftshift`, as ``torch.fft.ifftshift``.

    >>> ember.fft.ifftshift(ember.fft.fftshift(ember.fft.fftfreq(4)))
    tensor([ 0.0000,  0.2500, -0.5000, -0.2500])
    """
    return _shift("ifftshift", input, dim, True)
