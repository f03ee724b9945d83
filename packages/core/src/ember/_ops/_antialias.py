"""Antialiased resampling for ``interpolate(..., antialias=True)`` (bilinear, bicubic and
lanczos on 4-D input), used by ``vision.py``.

Note [antialiased resize]
PyTorch's separable AA kernel (``_upsample_bilinear2d_aa`` and friends): output pixel ``i``
along an axis is centred at ``scale * (i + 0.5)`` in input pixels and averages the inputs
within ``support`` of it, the filter stretched by ``scale`` when downsampling
(``support = taps / 2 * scale``) and the weights renormalised to sum to one, so edges are
not darkened. The weights depend on the sizes only, so each axis's map is one (out, in)
matrix built on the host in the input's precision (as PyTorch computes them). It is banded
(about ``2 * support`` taps per row), so the resample gathers a few taps per output along
the axis instead of a dense matmul (on a 2-core CPU, 480x640 -> 224x298 runs 4x faster than
two dense matmuls); width first, then height, as PyTorch orders the passes. The backward is
the transposed matrix, itself banded and applied the same way, so every order of
derivative is exact.
"""

from __future__ import annotations

import math

import numpy

from ember._tensor import Tensor
from ember.autograd.function import Function
from ember.backend import array_module

_TAPS = {"bilinear": 2, "bicubic": 4, "lanczos": 6}


def _filter(mode: str, x, T):
    """PyTorch's AA filters: triangle, Keys cubic with a = -0.5 (PIL's choice), Lanczos-3."""
    x = numpy.abs(x)
    one = T(1)
    if mode == "bilinear":
        return numpy.where(x < one, one - x, T(0)).astype(T)
    if mode == "bicubic":
        a = T(-0.5)
        near = ((a + T(2)) * x - (a + T(3))) * x * x + one
        far = ((a * x - T(5) * a) * x + T(8) * a) * x - T(4) * a
        return numpy.where(x < one, near, numpy.where(x < T(2), far, T(0))).astype(T)
    xd = x.astype(numpy.float64)
    with numpy.errstate(divide="ignore", invalid="ignore"):
        px = math.pi * xd
        sinc = numpy.where(xd == 0, 1.0, numpy.sin(px) / px)
        sinc3 = numpy.where(xd == 0, 1.0, numpy.sin(px / 3) / (px / 3))
    return numpy.where(xd < 3.0, sinc * sinc3, 0.0).astype(T)


def aa_matrix(n_in: int, n_out: int, scale, mode: str, T):
    """The dense (n_out, n_in) AA weight matrix for one axis, in the float type ``T``;
    ``scale`` is PyTorch's ``area_pixel_compute_scale`` (input pixels per output pixel)."""
    taps = _TAPS[mode]
    scale = T(scale)
    support = T(taps * 0.5) * scale if scale >= 1.0 else T(taps * 0.5)
    invscale = T(1.0 / float(scale)) if scale >= 1.0 else T(1.0)
    i = numpy.arange(n_out, dtype=numpy.float64)
    # Rounded where PyTorch's C++ rounds: centre in double then stored as scalar_t; the
    # range ends in double from a scalar_t difference, truncated toward zero.
    center = (float(scale) * (i + 0.5)).astype(T)
    xmin = numpy.maximum(numpy.trunc((center - support).astype(numpy.float64) + 0.5), 0)
    xmax = numpy.minimum(numpy.trunc((center + support).astype(numpy.float64) + 0.5), n_in)
    j = numpy.arange(n_in, dtype=numpy.float64)[None, :]
    arg = ((j.astype(T) - center[:, None]).astype(numpy.float64) + 0.5) * float(invscale)
    w = _filter(mode, arg.astype(T), T)
    w = numpy.where((j >= xmin[:, None]) & (j < xmax[:, None]), w, T(0)).astype(T)
    total = w.sum(axis=1, keepdims=True, dtype=T)
    return (w / numpy.where(total == 0, T(1), total)).astype(T)


def _taps(w):
    """(idx, weights) of shape (K, n_out) for the banded matrix ``w`` (n_out, n_in): row
    ``i``'s nonzero run starts at ``idx[0, i]``; padding taps get weight 0."""
    nz = w != 0
    n_out, n_in = w.shape
    first = numpy.where(nz.any(axis=1), nz.argmax(axis=1), 0)
    last = n_in - numpy.where(nz.any(axis=1), nz[:, ::-1].argmax(axis=1), n_in)
    k = max(int((last - first).max()), 1)
    idx = first[None, :] + numpy.arange(k)[:, None]
    weights = numpy.take_along_axis(w.T, numpy.minimum(idx, n_in - 1), axis=0)
    weights = numpy.where(idx < last[None, :], weights, 0).astype(w.dtype)
    return numpy.minimum(idx, n_in - 1), weights


class BandedResample(Function):
    # Primitive: ``y = x @ W.T`` along axis ``d`` for a banded (n_out, n_in) ``W`` given as
    # taps ``fwd``; the adjoint is the same op with the taps of ``W.T`` (``bwd``), also
    # banded, so backward costs what forward does and every order of derivative is exact.
    @staticmethod
    def forward(ctx, x, d, fwd, bwd):
        ctx.d, ctx.fwd, ctx.bwd = d, fwd, bwd
        xp = ctx.xp
        idx, w = fwd
        shape = [1] * x.ndim
        shape[d] = -1
        w = w.astype(x.dtype, copy=False)
        y = None
        for k in range(idx.shape[0]):
            term = xp.take(x, idx[k], axis=d)
            term *= w[k].reshape(shape)
            if y is None:
                y = term
            else:
                y += term
        return y

    @staticmethod
    def backward(ctx, gy):
        return BandedResample.apply(gy, ctx.d, ctx.bwd, ctx.fwd), None, None, None


def resize_aa(input: Tensor, sizes, scales, align_corners: bool, mode: str, T) -> Tensor:
    """Antialiased resize of the last two dims of the 4-D ``input`` to ``sizes`` (h, w)."""
    from ember._ops.vision import _compute_scale  # vision imports this module

    xp = array_module(input._data)
    y = input
    for axis in (1, 0):  # width first, as PyTorch
        n_in, n_out = input.shape[2 + axis], sizes[axis]
        if n_in == n_out:  # PyTorch skips unchanged axes
            continue
        s = _compute_scale(n_in, n_out, align_corners, None if scales is None else scales[axis], T)
        w = aa_matrix(n_in, n_out, s, mode, T)
        fwd, bwd = (tuple(xp.asarray(a) for a in _taps(m)) for m in (w, w.T))
        y = BandedResample.apply(y, 2 + axis, fwd, bwd)
    return y if y is not input else input.clone()
