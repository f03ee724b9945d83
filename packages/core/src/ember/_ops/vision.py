"""Padding and resampling: ``pad``, ``interpolate`` (and the deprecated ``upsample*``),
``grid_sample``, ``affine_grid``, ``pixel_shuffle``/``pixel_unshuffle``, ``channel_shuffle``.

Constant padding is one primitive whose backward is padding by the negated amounts (a crop),
so it is its own adjoint. Every other resampling gathers along one dim at a time with
``index_select`` (its backward is a bincount scatter) and weights computed once from the
sizes, in the input's precision as PyTorch's CPU kernels do, so values match PyTorch's to the
last bit or nearly. Antialiased resizing lives in ``_antialias.py`` (banded per-axis
filters); ``grid_sample`` computes its tap weights from the grid with ordinary ops and
samples through the gather/scatter primitives of ``_grid_sample.py``.

``__all__`` lists names PyTorch also has at top level (``torch.xxx``); ``FUNCTIONAL`` lists
the names ``ember.nn.functional`` re-exports.
"""

from __future__ import annotations

import math
import warnings

import numpy

from ember._ops._antialias import resize_aa
from ember._ops._checks import dtype_not_implemented
from ember._ops._grid_sample import GridGather, GridPlan
from ember._ops.shape import stack
from ember._tensor import Tensor
from ember.autograd.function import Function
from ember.backend import array_module

__all__ = [
    "pixel_shuffle",
    "pixel_unshuffle",
    "channel_shuffle",
    "native_channel_shuffle",
    "constant_pad_nd",
]
FUNCTIONAL = [
    "pad",
    "interpolate",
    "upsample",
    "upsample_nearest",
    "upsample_bilinear",
    "grid_sample",
    "affine_grid",
    "pixel_shuffle",
    "pixel_unshuffle",
    "channel_shuffle",
    "native_channel_shuffle",
]


def _xp(t: Tensor):
    return array_module(t._data)


# -- pad --------------------------------------------------------------------------------------
class ConstantPad(Function):
    # Primitive: one allocation and one copy; the adjoint is the crop pad(gy, -pads).
    @staticmethod
    def forward(ctx, x, pads, value):
        xp = ctx.xp
        ctx.pads = pads
        nd = x.ndim
        out_shape = list(x.shape)
        src, dst = [slice(None)] * nd, [slice(None)] * nd
        for i in range(len(pads) // 2):
            d = nd - 1 - i
            lo, hi = pads[2 * i], pads[2 * i + 1]
            n = x.shape[d]
            size = n + lo + hi
            if size < 0:
                raise RuntimeError(
                    f"pad: the input size {n} of dimension {d}, plus negative padding {lo} "
                    f"and {hi} resulted in a negative output size, which is invalid. Check "
                    "dimension of your input."
                )
            out_shape[d] = size
            s0, d0 = max(-lo, 0), max(lo, 0)
            length = max(min(n - s0, size - d0), 0)
            src[d] = slice(s0, s0 + length)
            dst[d] = slice(d0, d0 + length)
        out = xp.full(out_shape, value, dtype=x.dtype)
        out[tuple(dst)] = x[tuple(src)]
        return out

    @staticmethod
    def backward(ctx, gy):
        return ConstantPad.apply(gy, tuple(-p for p in ctx.pads), 0), None, None


class AxisResample(Function):
    # Primitive: ``y = sum_k take(x, idx[k], axis=d) * w[k]`` (a banded linear map along one
    # axis: gathers for padding, taps for interpolation). Linear in the output size, unlike a
    # dense (n_in, n_out) matmul; the adjoint is ``AxisResampleT`` and vice versa, so every
    # order of derivative is exact.
    @staticmethod
    def forward(ctx, x, d, idx, w, n_in):
        xp = ctx.xp
        ctx.d, ctx.idx, ctx.w, ctx.n_in = d, idx, w, n_in
        shape = [1] * x.ndim
        shape[d] = -1
        out = None
        for k in range(idx.shape[0]):
            term = xp.take(x, idx[k], axis=d)
            if w is not None:
                term = term * w[k].astype(x.dtype, copy=False).reshape(shape)
            out = term if out is None else out + term
        return out

    @staticmethod
    def backward(ctx, gy):
        return AxisResampleT.apply(gy, ctx.d, ctx.idx, ctx.w, ctx.n_in), None, None, None, None


class AxisResampleT(Function):
    """The adjoint of ``AxisResample``: scatter-add along axis ``d``, as one matmul with the
    dense (n_out, n_in) map for small axes and on cupy (no reduceat there), else by sorted
    segments and ``add.reduceat``."""

    @staticmethod
    def forward(ctx, g, d, idx, w, n_in):
        xp = ctx.xp
        ctx.d, ctx.idx, ctx.w, ctx.n_in = d, idx, w, n_in
        shape = [1] * g.ndim
        shape[d] = -1
        out_shape = list(g.shape)
        out_shape[d] = n_in
        if xp is not numpy or idx.shape[1] * n_in <= 16384:
            # Small axes (and cupy): one BLAS matmul with the dense (n_out, n_in) map.
            n_out = idx.shape[1]
            lin = (xp.arange(n_out)[None, :] * n_in + idx).reshape(-1)
            weights = None if w is None else w.reshape(-1).astype("float64")
            dense = xp.bincount(lin, weights=weights, minlength=n_out * n_in)
            dense = dense.reshape(n_out, n_in).astype(g.dtype)
            if d == g.ndim - 1:
                return (g.reshape(-1, g.shape[-1]) @ dense).reshape(out_shape)
            return xp.moveaxis(xp.tensordot(g, dense, axes=([d], [0])), -1, d)
        out = None
        lead = (slice(None),) * d
        for k in range(idx.shape[0]):
            gk = g if w is None else g * w[k].astype(g.dtype, copy=False).reshape(shape)
            ik = idx[k]
            order = numpy.argsort(ik, kind="stable")
            sk = ik[order]
            starts = numpy.flatnonzero(numpy.r_[True, sk[1:] != sk[:-1]])
            if not numpy.array_equal(order, numpy.arange(order.size)):
                gk = numpy.take(gk, order, axis=d)
            part = numpy.add.reduceat(gk, starts, axis=d) if ik.size else None
            if part is not None and starts.size == n_in:  # every input index hit: no scatter
                out = part if out is None else out + part
                continue
            if out is None:
                out = xp.zeros(out_shape, g.dtype)
            if part is not None:
                out[lead + (sk[starts],)] += part
        return out if out is not None else xp.zeros(out_shape, g.dtype)

    @staticmethod
    def backward(ctx, gg):
        return AxisResample.apply(gg, ctx.d, ctx.idx, ctx.w, ctx.n_in), None, None, None, None


def _resample(y: Tensor, d: int, taps) -> Tensor:
    """Apply ``[(index, weight or None), ...]`` (numpy arrays) along dim ``d`` of ``y``."""
    xp = _xp(y)
    idx = xp.asarray(numpy.stack([numpy.asarray(i, numpy.int64) for i, _ in taps]))
    if taps[0][1] is None:
        w = None
    else:
        w = xp.asarray(numpy.stack([numpy.asarray(wk) for _, wk in taps]))
    return AxisResample.apply(y, d, idx, w, y.shape[d])


def _gather_index(mode: str, n: int, lo: int, hi: int):
    t = numpy.arange(-lo, n + hi)
    if mode == "replicate":
        t = numpy.clip(t, 0, n - 1)
    elif mode == "reflect":
        t = numpy.abs(t)
        t = numpy.where(t >= n, 2 * (n - 1) - t, t)
    else:  # circular: PyTorch crops first, then wraps around the cropped region
        base = numpy.arange(max(-lo, 0), n - max(-hi, 0))
        t = base[numpy.mod(numpy.arange(-max(lo, 0), base.size + max(hi, 0)), base.size)]
    return t


def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad (or, with negative amounts, crop) the last ``len(pad) // 2`` dims of ``input``;
    ``pad`` lists (left, right) for the last dim first, as ``torch.nn.functional.pad``.
    Modes: ``constant`` (any number of dims, filled with ``value``), ``reflect``,
    ``replicate`` and ``circular`` (1 to 3 trailing dims of a batched or unbatched input).

    >>> ember.nn.functional.pad(ember.tensor([[1.0, 2.0]]), (1, 2), value=9.0)
    tensor([[9., 1., 2., 9., 9.]])
    """
    pads = tuple(int(p) for p in pad)
    if len(pads) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    k = len(pads) // 2
    if k > input.ndim:
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension "
            f"but got padding length {len(pads)} and input of dimension {input.ndim}"
        )
    if mode == "constant":
        v = 0 if value is None else value
        if input._data.dtype.kind in "iub" and isinstance(v, float) and not v.is_integer():
            v = int(v)
        return ConstantPad.apply(input, pads, v)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(
            f"pad: unrecognised padding mode {mode!r}; expected constant, reflect, replicate "
            "or circular"
        )
    if value is not None and value != 0:
        raise ValueError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if not 1 <= k <= 3 or input.ndim not in (k + 1, k + 2):
        raise NotImplementedError(
            f"pad: {mode} padding of {k} dims needs a {k + 1}D or {k + 2}D input, got "
            f"{input.ndim}D input of size {list(input.shape)} (only 2D, 3D, 4D, 5D padding "
            "with non-constant padding are supported for now)"
        )
    y = input
    for i in range(k):
        d = input.ndim - 1 - i
        lo, hi = pads[2 * i], pads[2 * i + 1]
        n = input.shape[d]
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError(
                f"Argument #4: Padding size should be less than the corresponding input "
                f"dimension, but got: padding ({lo}, {hi}) at dimension {d} of input "
                f"{list(input.shape)}"
            )
        if mode == "circular" and (lo > n or hi > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if mode == "replicate" and n == 0 and (lo > 0 or hi > 0):
            raise RuntimeError(
                f"pad: replicate padding of dimension {d} needs a non-empty input, got size 0"
            )
        if lo == 0 and hi == 0:
            continue
        y = _resample(y, d, [(_gather_index(mode, n, lo, hi), None)])
    return y


_pad = pad  # for callers whose own argument is named ``pad``


# -- interpolate ------------------------------------------------------------------------------
_LINEAR_DIMS = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}


def _opmath(dtype):
    return numpy.float64 if dtype == numpy.float64 else numpy.float32


def _compute_scale(in_size, out_size, align_corners, scale, T):
    if align_corners:
        return T(in_size - 1) / T(out_size - 1) if out_size > 1 else T(0)
    if scale is not None and scale > 0:
        return T(1.0 / scale)
    return T(in_size) / T(out_size)


def _linear_taps(n_in, n_out, align_corners, scale, T):
    s = _compute_scale(n_in, n_out, align_corners, scale, T)
    dst = numpy.arange(n_out).astype(T)
    if align_corners:
        src = s * dst
    else:
        src = numpy.maximum(s * (dst + T(0.5)) - T(0.5), T(0))
    i0 = numpy.minimum(numpy.floor(src).astype(numpy.int64), n_in - 1)
    lam = numpy.clip(src - i0.astype(T), T(0), T(1)).astype(T)
    i1 = numpy.minimum(i0 + 1, n_in - 1)
    return [(i0, T(1) - lam), (i1, lam)]


def _cubic_taps(n_in, n_out, align_corners, scale, T):
    s = _compute_scale(n_in, n_out, align_corners, scale, T)
    dst = numpy.arange(n_out).astype(T)
    src = s * dst if align_corners else s * (dst + T(0.5)) - T(0.5)
    i = numpy.floor(src)
    t = (src - i).astype(T)
    i = i.astype(numpy.int64)
    a = T(-0.75)

    def cc1(x):
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def cc2(x):
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    ws = [cc2(t + 1), cc1(t), cc1(1 - t), cc2(2 - t)]
    return [(numpy.clip(i + k - 1, 0, n_in - 1), w.astype(T)) for k, w in enumerate(ws)]


def _nearest_index(n_in, n_out, scale, exact):
    if n_out == n_in:
        return numpy.arange(n_out)
    if not exact and n_out == 2 * n_in:
        return numpy.arange(n_out) >> 1
    s = (
        numpy.float32(1.0 / scale)
        if scale is not None and scale > 0
        else (numpy.float32(n_in) / numpy.float32(n_out))
    )
    dst = numpy.arange(n_out).astype(numpy.float32)
    if exact:
        dst = dst + numpy.float32(0.5)
    return numpy.minimum(numpy.floor(dst * s).astype(numpy.int64), n_in - 1)


def _output_sizes(input, size, scale_factor, dims):
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        sizes = [size] * dims if isinstance(size, int) else list(size)
        if len(sizes) != dims:
            raise ValueError(
                f"Input and output must have the same number of spatial dimensions, but got "
                f"input with spatial dimensions of {list(input.shape[2:])} and output size of "
                f"{sizes}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                "output size in (o1, o2, ...,oK) format."
            )
        return [int(s) for s in sizes], None
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    scales = (
        [float(scale_factor)] * dims
        if isinstance(scale_factor, (int, float))
        else [float(s) for s in scale_factor]
    )
    if len(scales) != dims:
        raise ValueError(
            f"Input and scale_factor must have the same number of spatial dimensions, but got "
            f"input with spatial dimensions of {list(input.shape[2:])} and scale_factor of "
            f"shape {scales}. Please provide input tensor in (N, C, d1, d2, ...,dK) format "
            "and scale_factor in (s1, s2, ...,sK) format."
        )
    sizes = [math.floor(float(n) * s) for n, s in zip(input.shape[2:], scales)]
    return sizes, scales


def interpolate(
    input: Tensor,
    size=None,
    scale_factor=None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resample the spatial dims of ``input`` (N, C, *spatial) to ``size`` or by
    ``scale_factor``, as ``torch.nn.functional.interpolate``. Modes: ``nearest``,
    ``nearest-exact``, ``linear`` (3D input), ``bilinear``/``bicubic`` (4D), ``trilinear``
    (5D), ``area`` and ``lanczos`` (4D, ``antialias=True`` only). ``antialias=True``
    (bilinear/bicubic/lanczos, 4D float input) low-pass filters when downsampling, as
    PyTorch's ``_upsample_*_aa`` kernels do; see Note [antialiased resize].

    >>> ember.nn.functional.interpolate(ember.tensor([[[1.0, 3.0]]]), size=3, mode="linear")
    tensor([[[1., 2., 3.]]])
    """
    dims = input.ndim - 2
    if dims < 1:
        raise ValueError(
            f"interpolate: expected an input of 3 to 5 dims (N, C, *spatial), got "
            f"{input.ndim}D input of size {list(input.shape)}"
        )
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError(
                "align_corners option can only be set with the interpolating modes: "
                "linear | bilinear | bicubic | trilinear"
            )
    elif mode in _LINEAR_DIMS or mode == "lanczos":
        align_corners = bool(align_corners)
    else:
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for "
            f"the modes: nearest | linear | bilinear | bicubic | trilinear | area | "
            f"nearest-exact (got {mode})"
        )
    sizes, scales = _output_sizes(input, size, scale_factor, dims)
    if recompute_scale_factor:
        scales = None
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.ndim == 4):
        raise ValueError(
            "Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and "
            "requires a 4-D tensor as input"
        )
    if mode == "lanczos":
        if input.ndim != 4:
            raise NotImplementedError(f"Got {input.ndim}D input, but lanczos mode needs 4D input")
        if align_corners:
            raise ValueError("Lanczos mode does not support align_corners=True")
        if not antialias:
            raise ValueError("Lanczos mode requires antialias=True")
    if mode in _LINEAR_DIMS and _LINEAR_DIMS[mode] != dims:
        raise NotImplementedError(
            f"Got {input.ndim}D input, but {mode} mode needs {_LINEAR_DIMS[mode] + 2}D input"
        )
    if dims > 3:
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for "
            f"the modes: nearest | linear | bilinear | bicubic | trilinear | area | "
            f"nearest-exact (got {mode})"
        )
    if any(s <= 0 for s in sizes):
        raise RuntimeError(
            f"{mode}: input and output sizes should be greater than 0, but got input "
            f"{list(input.shape[2:])} and output {sizes}"
        )
    if mode == "area":
        from ember._ops import pooling

        return getattr(pooling, f"adaptive_avg_pool{dims}d")(input, sizes)
    dt = input._data.dtype
    if mode not in ("nearest", "nearest-exact") and dt.kind not in "fV":
        raise dtype_not_implemented(f"upsample_{mode}", dt)
    T = _opmath(dt)
    if antialias:
        return resize_aa(input, sizes, scales, align_corners, mode, T)
    y = input
    for a in range(dims):
        d = 2 + a
        n_in, n_out = input.shape[d], sizes[a]
        scale = None if scales is None else scales[a]
        if mode in ("nearest", "nearest-exact"):
            idx = _nearest_index(n_in, n_out, scale, mode == "nearest-exact")
            if n_out != n_in:
                y = _resample(y, d, [(idx, None)])
        elif mode == "bicubic":
            y = _resample(y, d, _cubic_taps(n_in, n_out, align_corners, scale, T))
        else:
            y = _resample(y, d, _linear_taps(n_in, n_out, align_corners, scale, T))
    return y


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of ``interpolate`` (warns as PyTorch does).

    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     ember.nn.functional.upsample(ember.ones(1, 1, 2), scale_factor=2).shape
    ember.Size([1, 1, 4])
    """
    warnings.warn(
        "`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(..., mode='nearest')`` (warns as PyTorch does).

    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     ember.nn.functional.upsample_nearest(ember.ones(1, 1, 2), 3).shape
    ember.Size([1, 1, 3])
    """
    warnings.warn(
        "`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(..., mode='bilinear', align_corners=True)`` (warns as
    PyTorch does).

    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     ember.nn.functional.upsample_bilinear(ember.ones(1, 1, 2, 2), 3).shape
    ember.Size([1, 1, 3, 3])
    """
    warnings.warn(
        "`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# -- grid_sample / affine_grid ------------------------------------------------------------------
_ALIGN_WARNING = (
    "Default grid_sample and affine_grid behavior has changed to align_corners=False since "
    "1.3.0. Please specify align_corners=True if the old behavior is desired. See the "
    "documentation of grid_sample for details."
)


def _reflect(c: Tensor, twice_low: int, twice_high: int) -> Tensor:
    from ember._ops.pointwise import where

    if twice_low == twice_high:
        return c * 0
    lo = twice_low / 2
    span = (twice_high - twice_low) / 2
    c = (c - lo).abs()
    flips = _xp(c).floor(c._data / span)
    extra = c - Tensor._make(flips * span)
    even = Tensor._make(flips % 2 == 0)
    return where(even, extra + lo, span - extra + lo)


def grid_sample(
    input: Tensor,
    grid: Tensor,
    mode: str = "bilinear",
    padding_mode: str = "zeros",
    align_corners: bool | None = None,
) -> Tensor:
    """Sample ``input`` (N, C, H, W) or (N, C, D, H, W) at the normalised locations ``grid``
    (N, Ho, Wo, 2) or (N, Do, Ho, Wo, 3) in [-1, 1] (x first), as
    ``torch.nn.functional.grid_sample``; modes ``bilinear``/``nearest``, padding
    ``zeros``/``border``/``reflection``. Differentiable in both ``input`` and ``grid``.

    >>> x = ember.arange(4.0).reshape(1, 1, 2, 2)
    >>> g = ember.zeros(1, 1, 1, 2)
    >>> ember.nn.functional.grid_sample(x, g, align_corners=True)
    tensor([[[[1.5000]]]])
    """
    if mode not in ("bilinear", "nearest"):
        raise NotImplementedError(
            f"grid_sample: mode {mode!r} is not supported; expected 'bilinear' or 'nearest'"
        )
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(
            "nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
            f"'reflection', but got: '{padding_mode}'"
        )
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    k = input.ndim - 2
    if k not in (2, 3) or grid.ndim != input.ndim or grid.shape[-1] != k:
        raise RuntimeError(
            f"grid_sample(): expected 4D or 5D input and grid with same number of dimensions "
            f"and grid[..., {k}], but got input with sizes {list(input.shape)} and grid with "
            f"sizes {list(grid.shape)}"
        )
    if input.shape[0] != grid.shape[0]:
        raise RuntimeError(
            "grid_sampler(): expected grid and input to have same batch size, but got input "
            f"with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}"
        )
    if input._data.dtype.kind not in "fV":
        raise dtype_not_implemented("grid_sampler", input._data.dtype)
    xp = _xp(input)
    n, c = input.shape[0], input.shape[1]
    spatial = tuple(input.shape[2:])
    out_sp = tuple(grid.shape[1:-1])
    p = 1
    for s in out_sp:
        p *= s
    g = grid.reshape(n, p, k)
    coords = []  # per spatial dim of input (D, H, W order)
    for a in range(k):  # grid component a indexes spatial dim k-1-a
        size = spatial[k - 1 - a]
        ca = g.select(2, a)
        if align_corners:
            ca = (ca + 1) / 2 * (size - 1)
        else:
            ca = ((ca + 1) * size - 1) / 2
        if padding_mode == "border":
            ca = ca.clamp(0, size - 1)
        elif padding_mode == "reflection":
            if align_corners:
                ca = _reflect(ca, 0, 2 * (size - 1))
            else:
                ca = _reflect(ca, -1, 2 * size - 1)
            ca = ca.clamp(0, size - 1)
        coords.append(ca)
    coords = coords[::-1]  # now aligned with ``spatial``
    dt = input._data.dtype
    if mode == "nearest":
        lin, valid = None, None
        for ca, size in zip(coords, spatial, strict=True):
            ia = xp.rint(ca._data).astype("int64")
            ok = (ia >= 0) & (ia < size)
            ia = xp.minimum(xp.maximum(ia, 0), size - 1)
            lin = ia if lin is None else lin * size + ia
            valid = ok if valid is None else valid & ok
        x, w, offsets, sp = input, Tensor._make(valid[None].astype(dt)), (0,), spatial
    else:
        # Note [grid sample padding]: the input gets one zero pixel before and two after
        # along each spatial dim, and (zeros mode) coordinates are clamped to [-1, size]
        # with a differentiable clamp. Every tap then lies inside the padded input: taps
        # outside the image read zeros, as PyTorch's bounds checks make them, and a sample
        # entirely outside gets a zero grid gradient from the clamp, as in PyTorch. No
        # per-tap clipping or masks, and the 2**k corners of a pixel sit at constant
        # offsets (0 or 1 stride per dim) from its low corner.
        x = ConstantPad.apply(input, (1, 2) * k, 0)
        sp = tuple(s + 3 for s in spatial)
        strides = [1] * k
        for a in range(k - 2, -1, -1):
            strides[a] = strides[a + 1] * sp[a + 1]
        lin, per_dim = None, []
        for ca, size, stride in zip(coords, spatial, strides, strict=True):
            if padding_mode == "zeros":
                ca = ca.clamp(-1, size)
            lo = xp.floor(ca._data)
            frac = ca - Tensor._make(lo)
            per_dim.append((1 - frac, frac))
            term = (lo.astype("int64") + 1) * stride
            lin = term if lin is None else lin + term
        weights, offsets = [], []
        for corner in range(2**k):
            bits = [(corner >> (k - 1 - a)) & 1 for a in range(k)]
            wk = None
            for (w0, w1), b in zip(per_dim, bits, strict=True):
                wk = (w1 if b else w0) if wk is None else wk * (w1 if b else w0)
            weights.append(wk)
            offsets.append(sum(b * st for b, st in zip(bits, strides, strict=True)))
        w = stack(weights)
    total = 1
    for s in sp:
        total *= s
    plan = GridPlan(xp, lin, offsets, n, c, total)
    out = GridGather.apply(x.reshape(n, c, total), w, plan)
    return out.reshape((n, c) + out_sp)


def affine_grid(theta: Tensor, size, align_corners: bool | None = None) -> Tensor:
    """The sampling grid (N, H, W, 2) or (N, D, H, W, 3) of the affine maps ``theta``
    (N, 2, 3) or (N, 3, 4) over an output of ``size`` (N, C, H, W) or (N, C, D, H, W), as
    ``torch.nn.functional.affine_grid``; feed it to ``grid_sample``.

    >>> theta = ember.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
    >>> ember.nn.functional.affine_grid(theta, (1, 1, 1, 2), align_corners=False)
    tensor([[[[-0.5000,  0.0000],
              [ 0.5000,  0.0000]]]])
    """
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    size = tuple(int(s) for s in size)
    if theta._data.dtype.kind not in "fV":
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    if len(size) == 4:
        k = 2
    elif len(size) == 5:
        k = 3
    else:
        raise NotImplementedError(
            f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
            f"respectively. Got size {list(size)}."
        )
    if theta.ndim != 3 or tuple(theta.shape[1:]) != (k, k + 1):
        raise ValueError(
            f"Expected a batch of {k}D affine matrices of shape Nx{k}x{k + 1} for size "
            f"ember.Size({list(size)}). Got ember.Size({list(theta.shape)})."
        )
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {list(size)}")
    xp = _xp(theta)
    dt = theta._data.dtype
    spatial = size[2:]
    if align_corners and min(spatial) == 1:
        warnings.warn(
            "Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
            "align_corners=True. This is not an intended use case of affine_grid. See the "
            "documentation of affine_grid for details.",
            stacklevel=2,
        )

    def line(steps):
        if steps <= 1:
            return numpy.zeros(max(steps, 1))
        v = numpy.linspace(-1.0, 1.0, steps)
        return v if align_corners else v * (steps - 1) / steps

    axes = [line(s) for s in spatial]  # D, H, W order
    mesh = numpy.meshgrid(*axes, indexing="ij")
    comps = list(mesh[::-1]) + [numpy.ones(spatial)]  # x (W) first, then y, z, then 1
    base = numpy.stack(comps, axis=-1).reshape(1, -1, k + 1).astype(dt)
    grid = Tensor._make(xp.asarray(base)) @ theta.transpose(1, 2)
    return grid.reshape((size[0],) + spatial + (k,))


# -- shuffles -----------------------------------------------------------------------------------
def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """Rearrange (*, C*r*r, H, W) into (*, C, H*r, W*r) with ``r = upscale_factor``, as
    ``torch.nn.functional.pixel_shuffle``.

    >>> ember.pixel_shuffle(ember.arange(4.0).reshape(1, 4, 1, 1), 2)
    tensor([[[[0., 1.],
              [2., 3.]]]])
    """
    r = upscale_factor
    if input.ndim < 3:
        raise RuntimeError(
            "pixel_shuffle expects input to have at least 3 dimensions, but got input with "
            f"{input.ndim} dimension(s)"
        )
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *batch, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(
            "pixel_shuffle expects its input's 'channel' dimension to be divisible by the "
            f"square of upscale_factor, but input.size(-3)={c} is not divisible by {r * r}"
        )
    b = len(batch)
    y = input.reshape(*batch, c // (r * r), r, r, h, w)
    perm = list(range(b)) + [b, b + 3, b + 1, b + 4, b + 2]
    return y.permute(*perm).reshape(*batch, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """Rearrange (*, C, H*r, W*r) into (*, C*r*r, H, W) with ``r = downscale_factor``, the
    inverse of ``pixel_shuffle``, as ``torch.nn.functional.pixel_unshuffle``.

    >>> ember.pixel_unshuffle(ember.arange(4.0).reshape(1, 1, 2, 2), 2).flatten()
    tensor([0., 1., 2., 3.])
    """
    r = downscale_factor
    if input.ndim < 3:
        raise RuntimeError(
            "pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
            f"{input.ndim} dimension(s)"
        )
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *batch, c, h, w = input.shape
    if h % r or w % r:
        which, val = ("height", h) if h % r else ("width", w)
        dim = -2 if h % r else -1
        raise RuntimeError(
            f"pixel_unshuffle expects {which} to be divisible by downscale_factor, but "
            f"input.size({dim})={val} is not divisible by {r}"
        )
    b = len(batch)
    y = input.reshape(*batch, c, h // r, r, w // r, r)
    perm = list(range(b)) + [b, b + 2, b + 4, b + 1, b + 3]
    return y.permute(*perm).reshape(*batch, c * r * r, h // r, w // r)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """Interleave the channels (dim 1) of ``input`` (N, C, *) from ``groups`` groups, as
    ``torch.nn.functional.channel_shuffle``.

    >>> ember.channel_shuffle(ember.arange(4.0).reshape(1, 4, 1), 2).flatten()
    tensor([0., 2., 1., 3.])
    """
    if input.ndim < 3:
        raise RuntimeError(
            f"channel_shuffle expects input to have at least 3 dimensions, but got input with "
            f"{input.ndim} dimension(s)"
        )
    if groups <= 0:
        raise RuntimeError(
            f"Number of groups to divide channels in must be positive. Value of groups:{groups}"
        )
    n, c = input.shape[0], input.shape[1]
    if c % groups:
        raise RuntimeError(
            f"Number of channels must be divisible by groups. Got {c} channels and {groups} groups."
        )
    rest = tuple(input.shape[2:])
    y = input.reshape((n, groups, c // groups) + rest).transpose(1, 2)
    return y.reshape((n, c) + rest)


def native_channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """The same as ``channel_shuffle``, as ``torch.native_channel_shuffle``.

    >>> ember.native_channel_shuffle(ember.arange(4.0).reshape(1, 4, 1), 2).flatten()
    tensor([0., 2., 1., 3.])
    """
    return channel_shuffle(input, groups)


def constant_pad_nd(input: Tensor, pad, value: float = 0) -> Tensor:
    """Constant padding of the trailing dims (negative amounts crop), as
    ``torch.constant_pad_nd``; the same as ``pad(input, pad, 'constant', value)``.

    >>> ember.constant_pad_nd(ember.tensor([1.0, 2.0]), (1, -1))
    tensor([0., 1.])
    """
    return _pad(input, pad, "constant", value)
