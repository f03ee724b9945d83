"""Pooling: max/avg (1-3 spatial dims), adaptive avg/max, max_unpool and lp_pool.

``__all__`` lists names PyTorch also has at top level (``torch.xxx``); ``FUNCTIONAL`` lists
the names ``ember.nn.functional`` re-exports.

Note [max pooling as a gather]
Max pooling finds, for every output position, the flat index of its maximum in the input
plane (PyTorch's ``indices``) from the strided window view of the padded input (one copy,
one ``argmax``), then gathers ``y = x.flatten(2)[..., idx]``. The gather (``PlaneGather``)
and its adjoint, a scatter-add into the plane (``PlaneScatter``, one ``bincount``), are the
two primitives: max pooling's backward, ``max_unpool`` and adaptive max pooling are all
made of them, and each is the other's backward, so double backward works.
"""

from __future__ import annotations

import itertools
import math

import numpy

from ember._ops._checks import dtype_not_implemented
from ember._ops.conv import (
    _ntuple,
    _sizes,
    check_input_rank,
    compute_dtype,
    crop,
    pad_array,
    windows,
)
from ember._tensor import Tensor
from ember.autograd.function import Function
from ember.backend import cupy

__all__ = [
    "max_pool1d",
    "max_pool2d",
    "max_pool3d",
    "max_pool1d_with_indices",
    "avg_pool1d",
    "adaptive_avg_pool1d",
]
FUNCTIONAL = [
    "max_pool1d",
    "max_pool2d",
    "max_pool3d",
    "max_pool1d_with_indices",
    "max_pool2d_with_indices",
    "max_pool3d_with_indices",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool3d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "adaptive_max_pool3d",
    "adaptive_max_pool1d_with_indices",
    "adaptive_max_pool2d_with_indices",
    "adaptive_max_pool3d_with_indices",
    "max_unpool1d",
    "max_unpool2d",
    "max_unpool3d",
    "lp_pool1d",
    "lp_pool2d",
    "lp_pool3d",
]


def _xp(t: Tensor):
    return numpy if isinstance(t._data, numpy.ndarray) else cupy()


# -- gather / scatter over the flattened plane --------------------------------------------
class PlaneGather(Function):
    # Primitive: y[n, c, j] = x[n, c, idx[n, c, j]] over the flattened spatial plane.
    @staticmethod
    def forward(ctx, x, idx):
        n_batch, c = x.shape[:2]
        flat = x.reshape(n_batch, c, math.prod(x.shape[2:]))
        index = idx.reshape(n_batch, c, math.prod(idx.shape[2:]))
        y = ctx.xp.take_along_axis(flat, index, axis=2)
        ctx.idx = idx
        ctx.spatial = tuple(x.shape[2:])
        return y.reshape(idx.shape)

    @staticmethod
    def backward(ctx, gy):
        return PlaneScatter.apply(gy, ctx.idx, ctx.spatial), None


class PlaneScatter(Function):
    # Primitive: y[n, c, idx[n, c, j]] += x[n, c, j], as one bincount (no np.add.at).
    @staticmethod
    def forward(ctx, x, idx, spatial):
        xp = ctx.xp
        n_batch, c = x.shape[:2]
        nc = n_batch * c
        plane = math.prod(spatial)
        ctx.idx = idx
        if plane == 0 or nc == 0:
            return xp.zeros((n_batch, c) + tuple(spatial), dtype=x.dtype)
        offs = xp.arange(nc, dtype=xp.int64).reshape(nc, 1) * plane
        flat = (idx.reshape(nc, math.prod(idx.shape[2:])) + offs).ravel()
        cd = compute_dtype("max_unpool", x.dtype) if x.dtype.kind in "fV" else x.dtype
        y = xp.bincount(flat, weights=x.astype(cd, copy=False).ravel(), minlength=nc * plane)
        return y.astype(x.dtype, copy=False).reshape((n_batch, c) + tuple(spatial))

    @staticmethod
    def backward(ctx, gy):
        return PlaneGather.apply(gy, ctx.idx), None, None


def _flat_coords(xp, coords, spatial):
    """``coords[i]`` (O_i, k_i) input coordinates along dim i -> flat plane index of shape
    (*O, prod(k)) (outputs first, kernel positions last, row-major as the windows)."""
    n = len(coords)
    flat = 0
    plane_strides = [math.prod(spatial[i + 1 :]) for i in range(n)]
    for i, c in enumerate(coords):
        shape = [1] * (2 * n)
        shape[i], shape[n + i] = c.shape
        flat = flat + c.reshape(shape) * plane_strides[i]
    out = tuple(c.shape[0] for c in coords)
    return flat.reshape(out + (-1,))


def _argmax_indices(xp, vals, coords, spatial):
    """vals (N, C, *O, K) candidates, coords per dim -> int64 flat indices (N, C, *O)."""
    k = xp.argmax(vals, axis=-1)
    flat = _flat_coords(xp, coords, spatial)
    flat = xp.broadcast_to(flat, vals.shape[:2] + flat.shape)
    return xp.take_along_axis(flat, k[..., None], axis=-1)[..., 0].astype(xp.int64)


def _lowest(xp, dt):
    if dt.kind in "fV":
        return -numpy.inf
    if dt.kind == "b":
        return False
    return numpy.iinfo(dt).min


def _max_pool(xp, x, kernel, stride, padding, dilation, out):
    """Max values and flat argmax indices (N, C, *Out) of each pooling window: a running
    max over the kernel offsets of the strided window view (whole-array compares; numpy's
    ``argmax`` over rows of kh*kw elements is several times slower). A NaN wins and a later
    NaN replaces it, as PyTorch's ``val > max || isnan(val)``."""
    n = len(kernel)
    spatial = x.shape[2:]
    need = [(o - 1) * s + d * (k - 1) + 1 for o, s, d, k in zip(out, stride, dilation, kernel)]
    pads = tuple((p, max(0, m - sz - p)) for p, m, sz in zip(padding, need, spatial))
    xpad = pad_array(xp, x, pads, _lowest(xp, x.dtype))
    win = windows(xp, xpad, out, kernel, stride, dilation)  # (N, C, *K, *Out)
    # One copy to (K, N, C, *Out): every compare below then runs on contiguous arrays
    # (several times faster than on the strided window view).
    perm = (*range(2, 2 + n), 0, 1, *range(2 + n, 2 + 2 * n))
    kprod = math.prod(kernel)
    vals = xp.ascontiguousarray(win.transpose(perm)).reshape((kprod,) + x.shape[:2] + tuple(out))
    sf = [math.prod(spatial[i + 1 :]) for i in range(n)]
    koffs = list(itertools.product(*(range(k) for k in kernel)))
    idt = xp.int32 if math.prod(spatial) < 2**31 else xp.int64
    floating = x.dtype.kind in "fV"
    y = vals[0].copy()
    idx = xp.zeros(y.shape, dtype=idt)  # flat offset of kernel position 0 is 0
    for j, koff in enumerate(koffs[1:], 1):
        v = vals[j]
        m = v > y
        if floating:
            m |= v != v
        xp.maximum(y, v, out=y)  # NaN propagates, as the index rule above
        off = sum(k * d * f for k, d, f in zip(koff, dilation, sf))
        idx += m * (idt(off) - idx)  # arithmetic select: much faster than xp.where
    idx = idx.astype(xp.int64)
    base = 0
    for i, (o, s, p) in enumerate(zip(out, stride, padding)):
        shape = [1] * n
        shape[i] = o
        base = base + ((xp.arange(o, dtype=xp.int64) * s - p) * sf[i]).reshape(shape)
    idx += base
    return y, idx


class MaxPool(Function):
    # Primitive: running max over kernel offsets (forward), scatter-add of gy (backward).
    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, out):
        y, idx = _max_pool(ctx.xp, x, kernel, stride, padding, dilation, out)
        ctx.idx = idx
        ctx.spatial = tuple(x.shape[2:])
        ctx.mark_non_differentiable(idx)
        return y, idx

    @staticmethod
    def backward(ctx, gy, _gidx):
        return PlaneScatter.apply(gy, ctx.idx, ctx.spatial), None, None, None, None, None


def _pool_out(op, size, k, s, p, d, ceil_mode):
    num = size + 2 * p - d * (k - 1) - 1
    o = (num + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (o - 1) * s >= size + p:
        o -= 1
    return o


def _pool_args(op, n, input, kernel_size, stride, padding, dilation, ceil_mode):
    kernel = _ntuple(op, "kernel_size", kernel_size, n)
    stride = kernel if stride is None or stride == [] or stride == () else stride
    stride = _ntuple(op, "stride", stride, n)
    padding = _ntuple(op, "padding", padding, n)
    dilation = _ntuple(op, "dilation", dilation, n)
    if any(v <= 0 for v in kernel):
        raise RuntimeError(f"{op}: kernel_size must be greater than zero, got {list(kernel)}")
    if any(v <= 0 for v in stride):
        raise RuntimeError(f"{op}: stride must be greater than zero, got {list(stride)}")
    if any(v <= 0 for v in dilation):
        raise RuntimeError(f"{op}: dilation must be greater than zero, got {list(dilation)}")
    for p, k, d in zip(padding, kernel, dilation):
        if p < 0 or p > (d * (k - 1) + 1) // 2:
            raise RuntimeError(
                f"{op}: pad should be at most half of effective kernel size, but got pad={p}, "
                f"kernel_size={k} and dilation={d}"
            )
    spatial = input.shape[-n:]
    out = tuple(
        _pool_out(op, sz, k, s, p, d, ceil_mode)
        for sz, k, s, p, d in zip(spatial, kernel, stride, padding, dilation)
    )
    if any(o <= 0 for o in out):
        raise RuntimeError(
            f"{op}: Given input size: {_sizes(input.shape[-n - 1 :])}. Calculated output size: "
            f"{_sizes((input.shape[-n - 1],) + out)}. Output size is too small"
        )
    return kernel, stride, padding, dilation, out


def _check_dtype(op, t, ints=False):
    dt = t._data.dtype
    if dt.kind in "fV" or (ints and dt.kind in "iu"):
        return
    raise dtype_not_implemented(op, dt)


def _max_poolnd(op, n, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    unbatched = check_input_rank(op, input, n)
    _check_dtype(op, input, ints=n > 1)
    if unbatched:
        input = input.unsqueeze(0)
    kernel, stride, padding, dilation, out = _pool_args(
        op, n, input, kernel_size, stride, padding, dilation, ceil_mode
    )
    y, idx_t = MaxPool.apply(input, kernel, stride, padding, dilation, out)
    if unbatched:
        y, idx_t = y.squeeze(0), idx_t.squeeze(0)
    return (y, idx_t) if return_indices else y


def max_pool1d(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False
):
    """1-D max pooling over ``input`` (N, C, L) or (C, L), as
    ``torch.nn.functional.max_pool1d``; ``return_indices`` also gives each maximum's index
    into its input row.

    >>> ember.max_pool1d(ember.tensor([[1.0, 3.0, 2.0, 0.0]]), 2)
    tensor([[3., 2.]])
    """
    return _max_poolnd(
        "max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices
    )


def max_pool2d(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False
):
    """2-D max pooling over ``input`` (N, C, H, W) or (C, H, W), as
    ``torch.nn.functional.max_pool2d``; indices (with ``return_indices``) are flat positions
    in each input plane (see Note [max pooling as a gather]).

    >>> ember.max_pool2d(ember.arange(16.0).reshape(1, 1, 4, 4), 2)
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    """
    return _max_poolnd(
        "max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices
    )


def max_pool3d(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False
):
    """3-D max pooling over ``input`` (N, C, D, H, W) or (C, D, H, W), as
    ``torch.nn.functional.max_pool3d``.

    >>> ember.max_pool3d(ember.arange(8.0).reshape(1, 1, 2, 2, 2), 2)
    tensor([[[[[7.]]]]])
    """
    return _max_poolnd(
        "max_pool3d", 3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices
    )


def max_pool1d_with_indices(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=True
):
    """``max_pool1d`` returning ``(values, indices)``, as
    ``torch.nn.functional.max_pool1d_with_indices``.

    >>> ember.max_pool1d_with_indices(ember.tensor([[1.0, 3.0, 2.0, 0.0]]), 2)[1]
    tensor([[1, 2]])
    """
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=True
):
    """``max_pool2d`` returning ``(values, indices)``, as
    ``torch.nn.functional.max_pool2d_with_indices``.

    >>> ember.nn.functional.max_pool2d_with_indices(ember.ones(1, 2, 2), 2)[1]
    tensor([[[0]]])
    """
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=True
):
    """``max_pool3d`` returning ``(values, indices)``, as
    ``torch.nn.functional.max_pool3d_with_indices``.

    >>> ember.nn.functional.max_pool3d_with_indices(ember.ones(1, 1, 2, 2), (1, 2, 2))[1]
    tensor([[[[0]]]])
    """
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


# -- average pooling ---------------------------------------------------------------------------
def _avg_divisor(xp, spatial, out, kernel, stride, padding, count_include_pad, divisor_override):
    """The divisor per output position (broadcastable to (*Out)), as PyTorch counts it."""
    if divisor_override:
        return divisor_override
    div = 1.0
    n = len(out)
    for i, (sz, o, k, s, p) in enumerate(zip(spatial, out, kernel, stride, padding)):
        start = numpy.arange(o) * s - p
        end = numpy.minimum(start + k, sz + p)
        if count_include_pad:
            cnt = end - start
        else:
            cnt = numpy.minimum(end, sz) - numpy.maximum(start, 0)
        shape = [1] * n
        shape[i] = o
        div = div * cnt.reshape(shape).astype(numpy.float64)
    return xp.asarray(div)


def _avg_pads(spatial, out, kernel, stride, padding):
    return tuple(
        (p, max(0, (o - 1) * s + k - sz - p))
        for sz, o, k, s, p in zip(spatial, out, kernel, stride, padding)
    )


def _offset_slices(koff, stride, out):
    return (slice(None), slice(None)) + tuple(
        slice(k, k + s * (o - 1) + 1, s) for k, s, o in zip(koff, stride, out)
    )


class AvgPool(Function):
    # Primitive: a sum of kernel-offset strided slices of the padded input, then / divisor.
    @staticmethod
    def forward(ctx, x, kernel, stride, padding, out, divisor, op):
        xp = ctx.xp
        dt = x.dtype
        cd = compute_dtype(op, dt)
        pads = _avg_pads(x.shape[2:], out, kernel, stride, padding)
        xpad = pad_array(xp, x.astype(cd, copy=False), pads)
        y = xp.zeros(x.shape[:2] + tuple(out), dtype=cd)
        for koff in itertools.product(*(range(k) for k in kernel)):
            y += xpad[_offset_slices(koff, stride, out)]
        y /= divisor if isinstance(divisor, (int, float)) else divisor.astype(cd)
        ctx.params = (kernel, stride, padding, out, divisor, op, tuple(x.shape[2:]))
        return y if cd == dt else y.astype(dt)

    @staticmethod
    def backward(ctx, gy):
        return (AvgPoolGrad.apply(gy, *ctx.params), None, None, None, None, None, None)


class AvgPoolGrad(Function):
    # Primitive: the adjoint of ``AvgPool``, a kernel-offset loop adding into a padded buffer.
    @staticmethod
    def forward(ctx, gy, kernel, stride, padding, out, divisor, op, spatial):
        xp = ctx.xp
        dt = gy.dtype
        cd = compute_dtype(op, dt)
        g = gy.astype(cd) / (divisor if isinstance(divisor, (int, float)) else divisor.astype(cd))
        pads = _avg_pads(spatial, out, kernel, stride, padding)
        padded = tuple(sz + lo + hi for sz, (lo, hi) in zip(spatial, pads))
        buf = xp.zeros(gy.shape[:2] + padded, dtype=cd)
        for koff in itertools.product(*(range(k) for k in kernel)):
            buf[_offset_slices(koff, stride, out)] += g
        ctx.params = (kernel, stride, padding, out, divisor, op)
        gx = xp.ascontiguousarray(crop(buf, pads, spatial))
        return gx if cd == dt else gx.astype(dt)

    @staticmethod
    def backward(ctx, ggx):
        return (AvgPool.apply(ggx, *ctx.params),) + (None,) * 7


def _avg_poolnd(
    op, n, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override
):
    unbatched = check_input_rank(op, input, n)
    _check_dtype(op, input)
    if unbatched:
        input = input.unsqueeze(0)
    kernel, stride, padding, _, out = _pool_args(
        op, n, input, kernel_size, stride, padding, 1, ceil_mode
    )
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError(f"{op}: divisor must be not zero")
    div = _avg_divisor(
        _xp(input), input.shape[2:], out, kernel, stride, padding, count_include_pad,
        divisor_override,
    )  # fmt: skip
    y = AvgPool.apply(input, kernel, stride, padding, out, div, op)
    return y.squeeze(0) if unbatched else y


def avg_pool1d(
    input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True
) -> Tensor:
    """1-D average pooling over ``input`` (N, C, L) or (C, L), as
    ``torch.nn.functional.avg_pool1d``.

    >>> ember.avg_pool1d(ember.tensor([[1.0, 3.0, 2.0, 0.0]]), 2)
    tensor([[2., 1.]])
    """
    return _avg_poolnd(
        "avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None
    )


def avg_pool2d(
    input,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode=False,
    count_include_pad=True,
    divisor_override=None,
) -> Tensor:
    """2-D average pooling over ``input`` (N, C, H, W) or (C, H, W), as
    ``torch.nn.functional.avg_pool2d`` (``count_include_pad``, ``divisor_override``).

    >>> ember.nn.functional.avg_pool2d(ember.arange(16.0).reshape(1, 4, 4), 2)
    tensor([[[ 2.5000,  4.5000],
             [10.5000, 12.5000]]])
    """
    return _avg_poolnd(
        "avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
        divisor_override,
    )  # fmt: skip


def avg_pool3d(
    input,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode=False,
    count_include_pad=True,
    divisor_override=None,
) -> Tensor:
    """3-D average pooling over ``input`` (N, C, D, H, W) or (C, D, H, W), as
    ``torch.nn.functional.avg_pool3d``.

    >>> ember.nn.functional.avg_pool3d(ember.arange(8.0).reshape(1, 2, 2, 2), 2)
    tensor([[[[3.5000]]]])
    """
    return _avg_poolnd(
        "avg_pool3d", 3, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
        divisor_override,
    )  # fmt: skip


# -- adaptive pooling --------------------------------------------------------------------------
def _adaptive_args(op, n, input, output_size):
    unbatched = check_input_rank(op, input, n)
    _check_dtype(op, input)
    if isinstance(output_size, (int, numpy.integer)) or output_size is None:
        output_size = (output_size,) * n
    output_size = tuple(output_size)
    if len(output_size) == 1 and n > 1:
        output_size = output_size * n
    if len(output_size) != n:
        raise ValueError(
            f"{op}: output_size must be an int or a tuple of {n} values, got {output_size}"
        )
    spatial = input.shape[-n:]
    out = tuple(sz if o is None else int(o) for o, sz in zip(output_size, spatial))
    if any(o < 0 for o in out) or any(sz == 0 for sz in spatial):
        raise RuntimeError(
            f"{op}: expected non-empty input and non-negative output_size, got input of size "
            f"{_sizes(input.shape)} and output_size={list(out)}"
        )
    return unbatched, out


def _bounds(size, o):
    starts = (numpy.arange(o) * size) // o
    ends = -((-(numpy.arange(o) + 1) * size) // o)  # ceil
    return starts, ends


def _adaptive_avg_poolnd(op, n, input, output_size):
    # Composed: adaptive averaging is separable, one averaging matrix per dim (exact, small);
    # sizes that divide evenly take a reshape + mean.
    unbatched, out = _adaptive_args(op, n, input, output_size)
    x = input.unsqueeze(0) if unbatched else input
    spatial = tuple(x.shape[2:])
    lead = tuple(x.shape[:2])
    if all(o > 0 and sz % o == 0 for sz, o in zip(spatial, out)):
        shape = lead + tuple(v for sz, o in zip(spatial, out) for v in (o, sz // o))
        y = x.reshape(shape).mean(dim=tuple(3 + 2 * i for i in range(n)))
    else:
        xp = _xp(x)
        y = x
        dt = x._data.dtype
        for i, (sz, o) in enumerate(zip(spatial, out)):
            starts, ends = _bounds(sz, o)
            pos = numpy.arange(sz)
            inside = (pos >= starts[:, None]) & (pos < ends[:, None])
            a = inside / numpy.maximum(ends - starts, 1)[:, None]
            a_t = Tensor._make(xp.asarray(a.T.astype(dt)))
            d = 2 + i
            y = (y.movedim(d, -1) @ a_t).movedim(-1, d)
        y = y.contiguous()
    return y.squeeze(0) if unbatched else y


def adaptive_avg_pool1d(input, output_size) -> Tensor:
    """Average pooling of ``input`` (N, C, L) or (C, L) to length ``output_size`` with
    PyTorch's window bounds (floor(i*L/out) to ceil((i+1)*L/out)), as
    ``torch.nn.functional.adaptive_avg_pool1d``.

    >>> ember.adaptive_avg_pool1d(ember.tensor([[1.0, 2.0, 3.0]]), 2)
    tensor([[1.5000, 2.5000]])
    """
    return _adaptive_avg_poolnd("adaptive_avg_pool1d", 1, input, output_size)


def adaptive_avg_pool2d(input, output_size) -> Tensor:
    """Average pooling of ``input`` (N, C, H, W) or (C, H, W) to ``output_size`` (an int, a
    pair, ``None`` keeps a size), as ``torch.nn.functional.adaptive_avg_pool2d``.

    >>> ember.nn.functional.adaptive_avg_pool2d(ember.ones(1, 3, 3), 1)
    tensor([[[1.]]])
    """
    return _adaptive_avg_poolnd("adaptive_avg_pool2d", 2, input, output_size)


def adaptive_avg_pool3d(input, output_size) -> Tensor:
    """Average pooling of ``input`` (N, C, D, H, W) or (C, D, H, W) to ``output_size``, as
    ``torch.nn.functional.adaptive_avg_pool3d``.

    >>> ember.nn.functional.adaptive_avg_pool3d(ember.ones(1, 2, 2, 2), 1).shape
    ember.Size([1, 1, 1, 1])
    """
    return _adaptive_avg_poolnd("adaptive_avg_pool3d", 3, input, output_size)


def _adaptive_max_poolnd(op, n, input, output_size, return_indices):
    unbatched, out = _adaptive_args(op, n, input, output_size)
    x = input.unsqueeze(0) if unbatched else input
    xp = _xp(x)
    spatial = tuple(x.shape[2:])
    coords = []
    for sz, o in zip(spatial, out):
        starts, ends = _bounds(sz, o)
        kmax = int((ends - starts).max()) if o else 1
        c = numpy.minimum(starts[:, None] + numpy.arange(kmax), ends[:, None] - 1)
        coords.append(xp.asarray(c.reshape(o, kmax)))
    # Candidates (N, C, O1, k1, O2, k2, ...): repeated last positions never win the argmax
    # (it keeps the first maximum), so windows of unequal size need no mask.
    index = (slice(None), slice(None))
    for i, c in enumerate(coords):
        shape = [1] * (2 * n)
        shape[2 * i], shape[2 * i + 1] = c.shape
        index += (c.reshape(shape),)
    cand = x._data[index]
    perm = (0, 1, *range(2, 2 + 2 * n, 2), *range(3, 3 + 2 * n, 2))
    kprod = math.prod(c.shape[1] for c in coords)
    vals = xp.ascontiguousarray(cand.transpose(perm)).reshape(x.shape[:2] + out + (kprod,))
    idx = _argmax_indices(xp, vals, coords, spatial)
    idx_t = Tensor._make(idx)
    y = PlaneGather.apply(x, idx_t)
    if unbatched:
        y, idx_t = y.squeeze(0), idx_t.squeeze(0)
    return (y, idx_t) if return_indices else y


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max pooling of ``input`` (N, C, L) or (C, L) to length ``output_size``, as
    ``torch.nn.functional.adaptive_max_pool1d`` (not ``torch.adaptive_max_pool1d``, which
    always returns indices).

    >>> ember.nn.functional.adaptive_max_pool1d(ember.tensor([[1.0, 3.0, 2.0]]), 2)
    tensor([[3., 3.]])
    """
    return _adaptive_max_poolnd("adaptive_max_pool1d", 1, input, output_size, return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling of ``input`` (N, C, H, W) or (C, H, W) to ``output_size``, as
    ``torch.nn.functional.adaptive_max_pool2d``.

    >>> ember.nn.functional.adaptive_max_pool2d(ember.arange(9.0).reshape(1, 3, 3), 1)
    tensor([[[8.]]])
    """
    return _adaptive_max_poolnd("adaptive_max_pool2d", 2, input, output_size, return_indices)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Max pooling of ``input`` (N, C, D, H, W) or (C, D, H, W) to ``output_size``, as
    ``torch.nn.functional.adaptive_max_pool3d``.

    >>> ember.nn.functional.adaptive_max_pool3d(ember.arange(8.0).reshape(1, 2, 2, 2), 1)
    tensor([[[[7.]]]])
    """
    return _adaptive_max_poolnd("adaptive_max_pool3d", 3, input, output_size, return_indices)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=True):
    """``adaptive_max_pool1d`` returning ``(values, indices)``.

    >>> ember.nn.functional.adaptive_max_pool1d_with_indices(ember.tensor([[1.0, 3.0]]), 1)[1]
    tensor([[1]])
    """
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    """``adaptive_max_pool2d`` returning ``(values, indices)``.

    >>> ember.nn.functional.adaptive_max_pool2d_with_indices(ember.ones(1, 2, 2), 1)[1]
    tensor([[[0]]])
    """
    return adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=True):
    """``adaptive_max_pool3d`` returning ``(values, indices)``.

    >>> ember.nn.functional.adaptive_max_pool3d_with_indices(ember.ones(1, 1, 1, 2), 1)[1]
    tensor([[[[0]]]])
    """
    return adaptive_max_pool3d(input, output_size, True)


# -- max_unpool ---------------------------------------------------------------------------------
def _max_unpoolnd(op, n, input, indices, kernel_size, stride, padding, output_size):
    unbatched = check_input_rank(op, input, n)
    _check_dtype(op, input)
    if not isinstance(indices, Tensor) or indices._data.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: expected indices to be an int64 Tensor")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(
            f"{op}: Expected shape of indices to be same as that of the input tensor "
            f"({_sizes(input.shape)}) but got indices tensor with shape: "
            f"{_sizes(indices.shape)}"
        )
    kernel = _ntuple(op, "kernel_size", kernel_size, n)
    stride = kernel if stride is None else _ntuple(op, "stride", stride, n)
    padding = _ntuple(op, "padding", padding, n)
    default = tuple(
        (i - 1) * s - 2 * p + k for i, s, p, k in zip(input.shape[-n:], stride, padding, kernel)
    )
    if output_size is None:
        spatial = default
    else:
        spatial = tuple(int(v) for v in output_size)[-n:]
        if len(spatial) != n:
            raise ValueError(
                f"{op}: output_size should be a sequence containing {n} or {n + 2} elements, "
                f"but it has a length of '{len(tuple(output_size))}'"
            )
        for sz, d, s in zip(spatial, default, stride):
            if not d - s < sz < d + s:
                raise ValueError(
                    f"{op}: invalid output_size {list(spatial)} (dim {sz} must be between "
                    f"{d - s} and {d + s})"
                )
    if unbatched:
        input, indices = input.unsqueeze(0), indices.unsqueeze(0)
    plane = math.prod(spatial)
    idx = indices._data
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= plane):
        raise RuntimeError(
            f"{op}: Found an invalid max index: {int(idx.max())} (output volumes are of size "
            f"{' x '.join(map(str, spatial))})"
        )
    y = PlaneScatter.apply(input, Tensor._make(idx.astype(numpy.int64, copy=False)), spatial)
    return y.squeeze(0) if unbatched else y


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of ``max_pool1d``: puts ``input`` values at ``indices`` in a zero
    output, as ``torch.nn.functional.max_unpool1d`` (duplicate indices add up).

    >>> y, i = ember.max_pool1d(ember.tensor([[1.0, 3.0, 2.0, 0.0]]), 2, return_indices=True)
    >>> ember.nn.functional.max_unpool1d(y, i, 2)
    tensor([[0., 3., 2., 0.]])
    """
    return _max_unpoolnd(
        "max_unpool1d", 1, input, indices, kernel_size, stride, padding, output_size
    )


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of ``max_pool2d``, as ``torch.nn.functional.max_unpool2d``.

    >>> y, i = ember.max_pool2d(ember.arange(4.0).reshape(1, 2, 2), 2, return_indices=True)
    >>> ember.nn.functional.max_unpool2d(y, i, 2)
    tensor([[[0., 0.],
             [0., 3.]]])
    """
    return _max_unpoolnd(
        "max_unpool2d", 2, input, indices, kernel_size, stride, padding, output_size
    )


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of ``max_pool3d``, as ``torch.nn.functional.max_unpool3d``.

    >>> y, i = ember.max_pool3d(ember.ones(1, 1, 2, 2), (1, 2, 2), return_indices=True)
    >>> ember.nn.functional.max_unpool3d(y, i, (1, 2, 2)).shape
    ember.Size([1, 1, 2, 2])
    """
    return _max_unpoolnd(
        "max_unpool3d", 3, input, indices, kernel_size, stride, padding, output_size
    )


# -- lp pooling -----------------------------------------------------------------------------------
def _lp_poolnd(op, n, input, norm_type, kernel_size, stride, ceil_mode):
    # Composed exactly as PyTorch's Python implementation (sign * relu(abs) guards against
    # tiny negative sums from rounding).
    from ember._ops.pointwise import abs as _abs
    from ember._ops.pointwise_sign import sign

    kernel = _ntuple(op, "kernel_size", kernel_size, n)
    pooled = _avg_poolnd(op, n, input.pow(norm_type), kernel, stride, 0, ceil_mode, True, None)
    return (sign(pooled) * _abs(pooled).clamp(min=0)).mul(math.prod(kernel)).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False) -> Tensor:
    """Power-average pooling ``(sum x**p)**(1/p)`` over windows of ``input`` (N, C, L), as
    ``torch.nn.functional.lp_pool1d``.

    >>> ember.nn.functional.lp_pool1d(ember.tensor([[3.0, 4.0]]), 2, 2)
    tensor([[5.]])
    """
    return _lp_poolnd("lp_pool1d", 1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False) -> Tensor:
    """Power-average pooling over windows of ``input`` (N, C, H, W), as
    ``torch.nn.functional.lp_pool2d``.

    >>> ember.nn.functional.lp_pool2d(ember.tensor([[[3.0, 4.0]]]), 2, (1, 2))
    tensor([[[5.]]])
    """
    return _lp_poolnd("lp_pool2d", 2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False) -> Tensor:
    """Power-average pooling over windows of ``input`` (N, C, D, H, W), as
    ``torch.nn.functional.lp_pool3d``.

    >>> ember.nn.functional.lp_pool3d(ember.tensor([[[[3.0, 4.0]]]]), 2, (1, 1, 2))
    tensor([[[[5.]]]])
    """
    return _lp_poolnd("lp_pool3d", 3, input, norm_type, kernel_size, stride, ceil_mode)
