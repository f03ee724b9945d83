"""Convolutions (1-3 spatial dims, grouped, dilated, transposed) and ``unfold``/``fold``.

``__all__`` lists names PyTorch also has at top level (``torch.xxx``); ``FUNCTIONAL`` lists
the names ``ember.nn.functional`` re-exports.

Note [conv as im2col + one matmul]
Forward pads once, takes the kernel windows of the padded input as a strided *view*
(``as_strided``: no copy) laid out (G, Cg, *K, N, *Out), copies that view once into the
column matrix (G, Cg*K, N*L) and multiplies it by the weight (G, Og, Cg*K): one batched
matmul over the groups (a single GEMM when groups=1). Stride-1 convolutions take the
columns on a "wide" grid instead (see Note [wide grid for stride 1]); on images large
enough that the flat wide grid wastes little, they never build the whole column matrix
and run one GEMM per chunk of columns (see Note [chunked columns for stride 1]). The weight gradient
is one matmul of the incoming gradient with the same columns (kept from forward, up to
64 MiB, when the weight needs a gradient, so im2col usually runs once per step). The input
gradient is a transposed convolution: one matmul to columns, then col2im, a loop over the
kernel offsets (kh*kw whole-array adds into a padded buffer). The three Functions
(``Conv``, ``ConvTranspose``, ``ConvGradWeight``) are each other's adjoints, so every
backward is written with the others and double backward works everywhere.
"""

from __future__ import annotations

import itertools
import math

import numpy

from ember._ops._checks import dtype_not_implemented
from ember._tensor import Tensor
from ember.autograd.function import Function

__all__ = [
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
]
FUNCTIONAL = [*__all__, "unfold", "fold"]

_FLOAT_KINDS = ("float32", "float64")
_CACHE_COLS_BYTES = 1 << 26  # 64 MiB
_HALF = ("float16", "bfloat16")


# -- argument handling ------------------------------------------------------------------
def _ntuple(op: str, name: str, value, n: int) -> tuple:
    """An int or a sequence of ``n`` ints (a 1-sequence is repeated) as a tuple."""
    if isinstance(value, (int, numpy.integer)):
        return (int(value),) * n
    try:
        value = tuple(int(v) for v in value)
    except TypeError:
        raise TypeError(
            f"{op}: {name} must be an int or a tuple of {n} ints, got {type(value).__name__}"
        ) from None
    if len(value) == 1:
        return value * n
    if len(value) != n:
        raise RuntimeError(
            f"{op}: expected {name} to be a single integer value or a list of {n} values to "
            f"match the convolution dimensions, but got {name}={list(value)}"
        )
    return value


def _sizes(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _dims_text(n: int) -> str:
    return ("(N, C, L)", "(N, C, H, W)", "(N, C, D, H, W)")[n - 1]


def check_input_rank(op: str, input: Tensor, n: int) -> bool:
    """Raise unless ``input`` has ``n + 2`` (batched) or ``n + 1`` (unbatched) dims; returns
    whether it is unbatched."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected input to be a Tensor, got {type(input).__name__}")
    nd = input._data.ndim
    if nd not in (n + 1, n + 2):
        text = _dims_text(n)
        raise RuntimeError(
            f"{op}: expected input with {n + 2} dims {text} or {n + 1} "
            f"(C, {text[7:]}, got {tuple(input.shape)}"
        )
    return nd == n + 1


def compute_dtype(op: str, dt, exact_kinds: str = ""):
    """The dtype a conv/pool kernel computes in: 16-bit floats in float32; dtypes whose kind
    is in ``exact_kinds`` (e.g. "iuc" for convolutions) as they are; others refused."""
    name = dt.name if dt.kind != "V" else "bfloat16"
    if name in _FLOAT_KINDS or (dt.kind in exact_kinds and dt.kind != "V"):
        return dt
    if name in _HALF or str(dt) == "bfloat16":
        return numpy.dtype(numpy.float32)
    raise dtype_not_implemented(op, dt)


def _prod(values) -> int:
    return math.prod(values)


# -- array kernels (xp-generic) ------------------------------------------------------------
def pad_array(xp, x, pads, value=0):
    """``x`` (N, C, *S) padded by ``pads`` ((lo, hi) per spatial dim) with ``value``."""
    if not any(lo or hi for lo, hi in pads):
        return x
    shape = x.shape[:2] + tuple(s + lo + hi for s, (lo, hi) in zip(x.shape[2:], pads))
    out = xp.full(shape, value, dtype=x.dtype)
    inner = (slice(None), slice(None)) + tuple(
        slice(lo, lo + s) for s, (lo, _) in zip(x.shape[2:], pads)
    )
    out[inner] = x
    return out


def out_size(padded, kernel, stride, dilation) -> tuple:
    """Output spatial size of a window op over a padded input."""
    return tuple(
        (p - d * (k - 1) - 1) // s + 1 for p, k, s, d in zip(padded, kernel, stride, dilation)
    )


def windows(xp, x, out, kernel, stride, dilation):
    """The kernel windows of ``x`` (N, C, *S) as a view of shape (N, C, *K, *Out)."""
    st = x.strides
    n = len(kernel)
    shape = x.shape[:2] + tuple(kernel) + tuple(out)
    strides = (
        st[:2]
        + tuple(st[2 + i] * dilation[i] for i in range(n))
        + tuple(st[2 + i] * stride[i] for i in range(n))
    )
    return xp.lib.stride_tricks.as_strided(x, shape, strides)


def _im2col(xp, xpad, out, kernel, stride, dilation, groups):
    """Columns (G, Cg*K, N*L) of the padded input; the one copy of the forward."""
    n_batch, c = xpad.shape[:2]
    n = len(kernel)
    win = windows(xp, xpad, out, kernel, stride, dilation)
    win = win.reshape((n_batch, groups, c // groups) + win.shape[2:])
    perm = (1, 2, *range(3, 3 + n), 0, *range(3 + n, 3 + 2 * n))
    cols = xp.ascontiguousarray(win.transpose(perm))
    return cols.reshape(groups, (c // groups) * _prod(kernel), n_batch * _prod(out))


def col2im(xp, cols, padded, stride, dilation):
    """Sum ``cols`` (A, *K, B, *Out) into a zero buffer (A, B, *padded): the adjoint of
    taking windows; a loop over the kernel offsets, each one whole-array add."""
    n = len(padded)
    a = cols.shape[0]
    kernel = cols.shape[1 : 1 + n]
    b = cols.shape[1 + n]
    out = cols.shape[2 + n :]
    buf = xp.zeros((a, b) + tuple(padded), dtype=cols.dtype)
    lead = (slice(None), slice(None))
    for koff in itertools.product(*(range(k) for k in kernel)):
        sl = tuple(
            slice(k * d, k * d + s * (o - 1) + 1, s)
            for k, d, s, o in zip(koff, dilation, stride, out)
        )
        buf[lead + sl] += cols[(slice(None), *koff)]
    return buf


def crop(x, pads, spatial):
    """Undo ``pad_array``: the (N, C, *spatial) region after the low pads."""
    if not any(lo or hi for lo, hi in pads):
        if tuple(x.shape[2:]) == tuple(spatial):
            return x
    return x[
        (slice(None), slice(None)) + tuple(slice(lo, lo + s) for (lo, _), s in zip(pads, spatial))
    ]


# Note [wide grid for stride 1]
# With stride 1 the window of output (o1, ..., on) starts at flat offset sum(o_i * sf_i) of
# the padded plane (sf: its row-major strides), so computing outputs on a "wide" grid
# (O1, P2, ..., Pn), whose extra columns are dropped afterwards, makes every kernel offset a
# single contiguous run of the flattened plane: im2col and col2im copy/add long runs instead
# of rows of W_out elements (numpy's per-row overhead dominates small images). The extra
# work is the ratio P/O of the trailing dims (e.g. 58/56 for a padded 3x3 ResNet conv).
def _wide(stride) -> bool:
    return all(s == 1 for s in stride)


def _wide_geometry(padded, out, kernel, dilation):
    n = len(padded)
    sf = [math.prod(padded[i + 1 :]) for i in range(n)]
    lw = out[0] * sf[0]
    offs = [
        sum(k * d * f for k, d, f in zip(koff, dilation, sf))
        for koff in itertools.product(*(range(k) for k in kernel))
    ]
    length = max(lw + offs[-1], math.prod(padded))
    return sf, lw, offs, length


def _wide_cols(xp, x, pads, out, kernel, dilation, groups):
    n_batch, c = x.shape[:2]
    spatial = x.shape[2:]
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(spatial, pads))
    sf, lw, offs, length = _wide_geometry(padded, out, kernel, dilation)
    if length == math.prod(padded) and padded == spatial and x.flags.c_contiguous:
        buf = x.reshape(n_batch, c, length)  # 1x1-like kernels: no padded copy needed
    else:
        buf = xp.zeros((n_batch, c, length), dtype=x.dtype)
        inner = buf[:, :, : math.prod(padded)].reshape((n_batch, c) + padded)
        inner[
            (slice(None), slice(None))
            + tuple(slice(lo, lo + s) for s, (lo, _) in zip(spatial, pads))
        ] = x
    item = buf.itemsize
    st = buf.strides
    shape = (n_batch, groups, c // groups) + tuple(kernel) + (lw,)
    strides = (
        (st[0], st[1] * (c // groups), st[1])
        + tuple(d * f * item for d, f in zip(dilation, sf))
        + (item,)
    )
    win = xp.lib.stride_tricks.as_strided(buf, shape, strides)
    n = len(kernel)
    perm = (1, 2, *range(3, 3 + n), 0, 3 + n)
    cols = xp.ascontiguousarray(win.transpose(perm))
    return cols.reshape(groups, (c // groups) * _prod(kernel), n_batch * lw)


# Note [chunked columns for stride 1]
# The forward of a stride-1 convolution on a large image never builds the whole im2col
# matrix (prod(kernel) times the input: 240 MB for a 32x64x56x56 3x3 conv). The input is
# padded once into a channel-major plane (G, Cg, N*P + ext), P = prod(padded): on that flat
# "wide" grid the window of output p starts at p, so the columns of a run of whole images
# are one strided view of the plane (G, Cg, *K, n*P). Each chunk (<= 32 MiB) is copied and
# fed to one GEMM with the full Cg*K inner size, and its valid outputs go straight to the
# result. The backward keeps the whole-matrix form: a chunked backward alternates GEMMs
# with numpy copies/adds, which measured slower with two BLAS threads (their spin-wait
# competes with the single-threaded numpy work between the GEMMs).
_CHUNK_BYTES = 1 << 25  # 32 MiB of columns per GEMM: few BLAS calls, bounded memory
_CHUNK_MAX_WASTE = 1.2  # padded / output positions (56x56 padded 3x3: 1.07, 14x14: 1.31)


def _use_chunks(stride, kernel, spatial, pads, out) -> bool:
    # Small images waste too much on the flat grid (a padded 4x4 image computes 36 outputs
    # for 16); there the per-image wide columns below do less work.
    if not (_wide(stride) and _prod(kernel) > 1):
        return False
    padded = math.prod(s + lo + hi for s, (lo, hi) in zip(spatial, pads))
    return padded <= _CHUNK_MAX_WASTE * max(1, math.prod(out))


def _plane_geometry(spatial, pads, kernel, dilation, n_batch):
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(spatial, pads))
    sf = [math.prod(padded[i + 1 :]) for i in range(len(padded))]
    offs = [
        sum(k * d * f for k, d, f in zip(koff, dilation, sf))
        for koff in itertools.product(*(range(k) for k in kernel))
    ]
    return padded, sf, offs, n_batch * math.prod(padded)


def _plane(xp, x, pads, groups, ext):
    """x (N, C, *S) padded into a zeroed channel-major plane (G, Cg, N*P + ext)."""
    n_batch, c = x.shape[:2]
    spatial = x.shape[2:]
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(spatial, pads))
    length = n_batch * math.prod(padded)
    buf = xp.zeros((c, length + ext), dtype=x.dtype)
    inner = buf[:, :length].reshape((c, n_batch) + padded)
    region = tuple(slice(lo, lo + s) for s, (lo, _) in zip(spatial, pads))
    inner[(slice(None), slice(None)) + region] = x.swapaxes(0, 1)
    return buf.reshape(groups, c // groups, length + ext)


def _chunk_len(rows: int, itemsize: int, length: int) -> int:
    return max(1, min(length, _CHUNK_BYTES // max(1, rows * itemsize)))


def _chunk_cols(xp, plane, start, stop, kernel, dilation, sf):
    """Columns (G, Cg*K, stop - start) of outputs [start, stop) of the wide grid."""
    g, cg = plane.shape[:2]
    st = plane.strides
    view = xp.lib.stride_tricks.as_strided(
        plane[..., start:],
        (g, cg) + tuple(kernel) + (stop - start,),
        st[:2] + tuple(d * f * plane.itemsize for d, f in zip(dilation, sf)) + (st[2],),
    )
    return xp.ascontiguousarray(view).reshape(g, cg * _prod(kernel), stop - start)


def _out_of(spatial, pads, kernel, dilation) -> tuple:
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(spatial, pads))
    return out_size(padded, kernel, (1,) * len(kernel), dilation)


def _conv_chunked(xp, x, w, pads, dilation, groups):
    n_batch, o = x.shape[0], w.shape[0]
    kernel = w.shape[2:]
    padded, sf, offs, length = _plane_geometry(x.shape[2:], pads, kernel, dilation, n_batch)
    out = out_size(padded, kernel, (1,) * len(kernel), dilation)
    plane = _plane(xp, x, pads, groups, offs[-1])
    wm = w.reshape(groups, o // groups, _prod(w.shape[1:]))
    y = xp.empty((n_batch, o) + out, dtype=xp.result_type(x, w))
    # whole images per chunk: each GEMM result goes to the output in one copy
    img = math.prod(padded)
    per = max(1, _chunk_len(wm.shape[2], plane.itemsize, length) // img)
    valid = (slice(None),) * 2 + tuple(slice(0, v) for v in out)
    for n0 in range(0, n_batch, per):
        n1 = min(n_batch, n0 + per)
        cols = _chunk_cols(xp, plane, n0 * img, n1 * img, kernel, dilation, sf)
        yc = xp.matmul(wm, cols).reshape((o, n1 - n0) + padded)
        y[n0:n1] = yc[valid].swapaxes(0, 1)
    return y


def _cols(xp, x, pads, out, kernel, stride, dilation, groups):
    if _wide(stride):
        return _wide_cols(xp, x, pads, out, kernel, dilation, groups)
    xpad = pad_array(xp, x, pads)
    return _im2col(xp, xpad, out, kernel, stride, dilation, groups)


def _conv(xp, x, w, stride, pads, dilation, groups, want_cols=False):
    kernel = w.shape[2:]
    # When the weight gradient will want the columns and they are small enough to keep
    # (see Conv.forward), building them whole here saves building them in backward.
    keep = want_cols and x.size * _prod(kernel) * x.itemsize * 1.2 <= _CACHE_COLS_BYTES
    out = _out_of(x.shape[2:], pads, kernel, dilation)
    if not keep and _use_chunks(stride, kernel, x.shape[2:], pads, out):
        y = _conv_chunked(xp, x, w, pads, dilation, groups)
        return (y, None) if want_cols else y
    n_batch = x.shape[0]
    o = w.shape[0]
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(x.shape[2:], pads))
    out = out_size(padded, kernel, stride, dilation)
    cols = _cols(xp, x, pads, out, kernel, stride, dilation, groups)
    wm = w.reshape(groups, o // groups, _prod(w.shape[1:]))
    y = xp.matmul(wm, cols)  # (G, Og, N*L)
    if _wide(stride):
        y = y.reshape((o, n_batch, out[0]) + padded[1:])
        y = y[(slice(None),) * 3 + tuple(slice(0, v) for v in out[1:])]
    else:
        y = y.reshape((o, n_batch) + out)
    y = xp.ascontiguousarray(y.swapaxes(0, 1))
    return (y, cols) if want_cols else y


def _gy_matrix(xp, gy, groups, padded=None):
    """gy (N, O, *Out) as (G, Og, N*L); on the wide grid (zeros in the extra columns) when
    ``padded`` is given."""
    n_batch, o = gy.shape[:2]
    if padded is None:
        length = _prod(gy.shape[2:])
        gm = gy.reshape(n_batch, o, length).transpose(1, 0, 2)
        return xp.ascontiguousarray(gm).reshape(groups, o // groups, n_batch * length)
    out = gy.shape[2:]
    gm = xp.zeros((o, n_batch, out[0]) + tuple(padded[1:]), dtype=gy.dtype)
    gm[(slice(None),) * 3 + tuple(slice(0, v) for v in out[1:])] = gy.swapaxes(0, 1)
    return gm.reshape(groups, o // groups, _prod(gm.shape[1:]))


def _conv_transpose(xp, x, w, spatial, stride, pads, dilation, groups):
    """The adjoint of ``_conv`` in its input: x (N, O, *Out), w (O, Cg, *K) -> (N, C, *S)."""
    n_batch = x.shape[0]
    cg = w.shape[1]
    c = groups * cg
    kernel = w.shape[2:]
    out = x.shape[2:]
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(spatial, pads))
    wide = _wide(stride)
    gm = _gy_matrix(xp, x, groups, padded if wide else None)  # (G, Og, N*L)
    wm = w.reshape(groups, w.shape[0] // groups, _prod(w.shape[1:]))
    cols = xp.matmul(wm.transpose(0, 2, 1), gm)  # (G, Cg*K, N*L)
    if wide:
        _, lw, offs, length = _wide_geometry(padded, out, kernel, dilation)
        cols = cols.reshape(c, len(offs), n_batch, lw)
        buf = xp.zeros((c, n_batch, length), dtype=cols.dtype)
        for j, off in enumerate(offs):
            buf[:, :, off : off + lw] += cols[:, j]
        buf = buf[:, :, : math.prod(padded)].reshape((c, n_batch) + padded)
    else:
        cols = cols.reshape((c,) + tuple(kernel) + (n_batch,) + tuple(out))
        buf = col2im(xp, cols, padded, stride, dilation)  # (C, N, *padded)
    buf = crop(buf, pads, spatial)
    return xp.ascontiguousarray(buf.swapaxes(0, 1))


def _conv_grad_weight(xp, x, gy, kernel, stride, pads, dilation, groups, cols=None):
    """d<conv(x, w), gy>/dw: x (N, C, *S), gy (N, O, *Out) -> (O, Cg, *K)."""
    o = gy.shape[1]
    c = x.shape[1]
    out = gy.shape[2:]
    if cols is None:
        cols = _cols(xp, x, pads, out, kernel, stride, dilation, groups)
    padded = None
    if _wide(stride):
        padded = tuple(s + lo + hi for s, (lo, hi) in zip(x.shape[2:], pads))
    gm = _gy_matrix(xp, gy, groups, padded)  # (G, Og, N*L)
    gw = xp.matmul(gm, cols.transpose(0, 2, 1))  # (G, Og, Cg*K)
    return gw.reshape((o, c // groups) + tuple(kernel))


def _bias_shape(b, nd):
    return b.reshape((1, -1) + (1,) * nd)


# -- Functions -------------------------------------------------------------------------------
def _conj(*tensors):
    # Complex convolutions are bilinear: each vector-Jacobian product pairs the incoming
    # gradient with the conjugate of the other saved operand (PyTorch's convention).
    return tuple(t.conj() if t._data.dtype.kind == "c" else t for t in tensors)


class Conv(Function):
    # Primitive: im2col + one matmul, see Note [conv as im2col + one matmul].
    @staticmethod
    def forward(ctx, x, w, b, stride, pads, dilation, groups, op):
        dt = x.dtype
        cd = compute_dtype(op, dt, "iuc")
        want_cols = ctx.needs_input_grad[1]
        res = _conv(
            ctx.xp, x.astype(cd, copy=False), w.astype(cd, copy=False), stride, pads, dilation,
            groups, want_cols,
        )  # fmt: skip
        y, cols = res if want_cols else (res, None)
        # Keep the columns for the weight gradient only while they are small: they are
        # prod(kernel) times the input, which adds up over a deep network.
        ctx.cols = cols if cols is not None and cols.nbytes <= _CACHE_COLS_BYTES else None
        if b is not None:
            y += _bias_shape(b.astype(cd, copy=False), len(stride))
        ctx.save_for_backward(x, w)
        ctx.params = (stride, pads, dilation, groups, op)
        return y if cd == dt else y.astype(dt)

    @staticmethod
    def backward(ctx, gy):
        x, w = _conj(*ctx.saved_tensors)
        stride, pads, dilation, groups, op = ctx.params
        gx = gw = gb = None
        if ctx.needs_input_grad[0]:
            gx = ConvTranspose.apply(
                gy, w, None, tuple(x.shape[2:]), stride, pads, dilation, groups, op
            )
        if ctx.needs_input_grad[1]:
            cols, ctx.cols = ctx.cols, None
            if cols is not None and (gy._data.dtype != cols.dtype or cols.dtype.kind == "c"):
                cols = None  # complex: the columns of conj(x) are needed
            gw = ConvGradWeight.apply(
                x, gy, tuple(w.shape[2:]), stride, pads, dilation, groups, op, cols
            )
        if ctx.needs_input_grad[2]:
            gb = gy.sum(dim=(0, *range(2, gy.ndim)))
        return gx, gw, gb, None, None, None, None, None


class ConvTranspose(Function):
    # Primitive: one matmul to columns + col2im; the adjoint of ``Conv`` in its input.
    @staticmethod
    def forward(ctx, x, w, b, spatial, stride, pads, dilation, groups, op):
        dt = x.dtype
        cd = compute_dtype(op, dt, "iuc")
        y = _conv_transpose(
            ctx.xp, x.astype(cd, copy=False), w.astype(cd, copy=False), spatial, stride, pads,
            dilation, groups,
        )  # fmt: skip
        if b is not None:
            y += _bias_shape(b.astype(cd, copy=False), len(stride))
        ctx.save_for_backward(x, w)
        ctx.params = (stride, pads, dilation, groups, op)
        return y if cd == dt else y.astype(dt)

    @staticmethod
    def backward(ctx, gy):
        x, w = _conj(*ctx.saved_tensors)
        stride, pads, dilation, groups, op = ctx.params
        gx = gw = gb = None
        if ctx.needs_input_grad[0]:
            gx = Conv.apply(gy, w, None, stride, pads, dilation, groups, op)
            if tuple(gx.shape[2:]) != tuple(x.shape[2:]):  # output_padding >= stride
                gx = gx[(slice(None), slice(None)) + tuple(slice(0, s) for s in x.shape[2:])]
        if ctx.needs_input_grad[1]:
            gw = ConvGradWeight.apply(
                gy, x, tuple(w.shape[2:]), stride, pads, dilation, groups, op, None
            )
        if ctx.needs_input_grad[2]:
            gb = gy.sum(dim=(0, *range(2, gy.ndim)))
        return gx, gw, gb, None, None, None, None, None, None


class ConvGradWeight(Function):
    # Primitive: the weight gradient of ``Conv``, one matmul over the im2col columns.
    @staticmethod
    def forward(ctx, x, gy, kernel, stride, pads, dilation, groups, op, cols):
        dt = x.dtype
        cd = compute_dtype(op, dt, "c")
        gw = _conv_grad_weight(
            ctx.xp, x.astype(cd, copy=False), gy.astype(cd, copy=False), kernel, stride, pads,
            dilation, groups, cols,
        )  # fmt: skip
        ctx.save_for_backward(x, gy)
        ctx.params = (stride, pads, dilation, groups, op)
        return gw if cd == dt else gw.astype(dt)

    @staticmethod
    def backward(ctx, ggw):
        x, gy = _conj(*ctx.saved_tensors)
        stride, pads, dilation, groups, op = ctx.params
        gx = ggy = None
        if ctx.needs_input_grad[0]:
            gx = ConvTranspose.apply(
                gy, ggw, None, tuple(x.shape[2:]), stride, pads, dilation, groups, op
            )
        if ctx.needs_input_grad[1]:
            ggy = Conv.apply(x, ggw, None, stride, pads, dilation, groups, op)
            if tuple(ggy.shape[2:]) != tuple(gy.shape[2:]):  # output_padding >= stride
                ggy = ggy[(slice(None), slice(None)) + tuple(slice(0, s) for s in gy.shape[2:])]
        return gx, ggy, None, None, None, None, None, None, None


# -- public wrappers -----------------------------------------------------------------------
def _check_weight(op, input, weight, bias, groups, n, transposed=False):
    if not isinstance(weight, Tensor):
        raise TypeError(f"{op}: expected weight to be a Tensor, got {type(weight).__name__}")
    if weight.ndim != n + 2:
        raise RuntimeError(
            f"{op}: expected weight to be {n + 2}-dimensional, but got weight of size "
            f"{_sizes(weight.shape)} instead"
        )
    if groups <= 0:
        raise RuntimeError(f"{op}: non-positive groups is not supported, got groups={groups}")
    c = input.shape[1]
    if transposed:
        if weight.shape[0] != c:
            raise RuntimeError(
                f"{op}: Given transposed=1, weight of size {_sizes(weight.shape)}, expected "
                f"input{_sizes(input.shape)} to have {weight.shape[0]} channels, but got {c} "
                "channels instead"
            )
        if c % groups:
            raise RuntimeError(
                f"{op}: Given groups={groups}, expected weight to be divisible by {groups} at "
                f"dimension 0, but got weight of size {_sizes(weight.shape)} instead"
            )
        out_channels = weight.shape[1] * groups
    else:
        if weight.shape[0] % groups:
            raise RuntimeError(
                f"{op}: Given groups={groups}, expected weight to be divisible by {groups} at "
                f"dimension 0, but got weight of size {_sizes(weight.shape)} instead"
            )
        if weight.shape[1] * groups != c:
            raise RuntimeError(
                f"{op}: Given groups={groups}, weight of size {_sizes(weight.shape)}, expected "
                f"input{_sizes(input.shape)} to have {weight.shape[1] * groups} channels, but "
                f"got {c} channels instead"
            )
        out_channels = weight.shape[0]
    if input._data.dtype != weight._data.dtype:
        raise RuntimeError(
            f"{op}: Input type ({input.dtype}) and weight type ({weight.dtype}) should be the same"
        )
    if bias is not None:
        if bias.ndim != 1 or bias.shape[0] != out_channels:
            raise RuntimeError(
                f"{op}: Given weight of size {_sizes(weight.shape)}, expected bias to be "
                f"1-dimensional with {out_channels} elements, but got bias of size "
                f"{_sizes(bias.shape)} instead"
            )
        if bias._data.dtype != input._data.dtype:
            raise RuntimeError(
                f"{op}: Input type ({input.dtype}) and bias type ({bias.dtype}) should be the same"
            )


def _conv_pads(op, padding, kernel, stride, dilation, n):
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * n
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"{op}: padding='same' is not supported for strided convolutions")
            pads = []
            for k, d in zip(kernel, dilation):
                total = d * (k - 1)
                pads.append((total // 2, total - total // 2))
            return tuple(pads)
        raise ValueError(
            f"{op}: Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}"
        )
    p = _ntuple(op, "padding", padding, n)
    if any(v < 0 for v in p):
        raise RuntimeError(f"{op}: negative padding is not supported, got padding={list(p)}")
    return tuple((v, v) for v in p)


def _convnd(op, n, input, weight, bias, stride, padding, dilation, groups):
    unbatched = check_input_rank(op, input, n)
    if unbatched:
        input = input.unsqueeze(0)
    _check_weight(op, input, weight, bias, groups, n)
    stride = _ntuple(op, "stride", stride, n)
    dilation = _ntuple(op, "dilation", dilation, n)
    if any(s <= 0 for s in stride):
        raise RuntimeError(f"{op}: non-positive stride is not supported, got {list(stride)}")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"{op}: dilation should be greater than zero, got {list(dilation)}")
    kernel = tuple(weight.shape[2:])
    pads = _conv_pads(op, padding, kernel, stride, dilation, n)
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(input.shape[2:], pads))
    if any(p < d * (k - 1) + 1 for p, k, d in zip(padded, kernel, dilation)):
        raise RuntimeError(
            f"{op}: Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
            f"Kernel size: ({' x '.join(str(d * (k - 1) + 1) for k, d in zip(kernel, dilation))})"
            ". Kernel size can't be greater than actual input size"
        )
    y = Conv.apply(input, weight, bias, stride, pads, dilation, groups, op)
    return y.squeeze(0) if unbatched else y


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """1-D convolution (cross-correlation) of ``input`` (N, C_in, L) or (C_in, L) with
    ``weight`` (C_out, C_in/groups, kL), as ``torch.nn.functional.conv1d``; ``padding`` is
    an int, a tuple, ``'valid'`` or ``'same'``.

    >>> ember.conv1d(ember.ones(1, 1, 4), ember.ones(1, 1, 2))
    tensor([[[2., 2., 2.]]])
    """
    return _convnd("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """2-D convolution of ``input`` (N, C_in, H, W) or (C_in, H, W) with ``weight``
    (C_out, C_in/groups, kH, kW), as ``torch.nn.functional.conv2d``: im2col as a strided view
    and one matmul (see Note [conv as im2col + one matmul]).

    >>> ember.conv2d(ember.ones(1, 1, 3, 3), ember.ones(1, 1, 2, 2), padding=0).shape
    ember.Size([1, 1, 2, 2])
    """
    return _convnd("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """3-D convolution of ``input`` (N, C_in, D, H, W) or (C_in, D, H, W) with ``weight``
    (C_out, C_in/groups, kD, kH, kW), as ``torch.nn.functional.conv3d``.

    >>> ember.conv3d(ember.ones(1, 1, 2, 2, 2), ember.ones(1, 1, 2, 2, 2))
    tensor([[[[[8.]]]]])
    """
    return _convnd("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def _conv_transposend(
    op, n, input, weight, bias, stride, padding, output_padding, groups, dilation, output_size=None
):
    unbatched = check_input_rank(op, input, n)
    if unbatched:
        input = input.unsqueeze(0)
    _check_weight(op, input, weight, bias, groups, n, transposed=True)
    stride = _ntuple(op, "stride", stride, n)
    dilation = _ntuple(op, "dilation", dilation, n)
    if isinstance(padding, str):
        raise ValueError(f"{op}: padding={padding!r} is not supported for transposed convolutions")
    padding = _ntuple(op, "padding", padding, n)
    output_padding = _ntuple(op, "output_padding", output_padding, n)
    if any(s <= 0 for s in stride):
        raise RuntimeError(f"{op}: non-positive stride is not supported, got {list(stride)}")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"{op}: dilation should be greater than zero, got {list(dilation)}")
    if any(p < 0 for p in padding):
        raise RuntimeError(f"{op}: negative padding is not supported, got {list(padding)}")
    if any(op_ >= s and op_ >= d for op_, s, d in zip(output_padding, stride, dilation)):
        raise RuntimeError(
            f"{op}: output padding must be smaller than either stride or dilation, but got "
            f"output_padding={list(output_padding)}, stride={list(stride)}, "
            f"dilation={list(dilation)}"
        )
    kernel = weight.shape[2:]
    spatial = tuple(
        (i - 1) * s - 2 * p + d * (k - 1) + q + 1
        for i, s, p, d, k, q in zip(
            input.shape[2:], stride, padding, dilation, kernel, output_padding
        )
    )
    if any(s <= 0 for s in spatial):
        raise RuntimeError(
            f"{op}: given input size {_sizes(input.shape)}, the calculated output size "
            f"{_sizes(spatial)} is too small"
        )
    pads = tuple((p, p) for p in padding)
    y = ConvTranspose.apply(input, weight, bias, spatial, stride, pads, dilation, groups, op)
    return y.squeeze(0) if unbatched else y


def conv_transpose1d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1
) -> Tensor:
    """1-D transposed convolution of ``input`` (N, C_in, L) with ``weight``
    (C_in, C_out/groups, kL), as ``torch.nn.functional.conv_transpose1d``: the gradient of
    ``conv1d`` with respect to its input.

    >>> ember.conv_transpose1d(ember.ones(1, 1, 2), ember.ones(1, 1, 2))
    tensor([[[1., 2., 1.]]])
    """
    return _conv_transposend(
        "conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding, groups,
        dilation,
    )  # fmt: skip


def conv_transpose2d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1
) -> Tensor:
    """2-D transposed convolution of ``input`` (N, C_in, H, W) with ``weight``
    (C_in, C_out/groups, kH, kW), as ``torch.nn.functional.conv_transpose2d``.

    >>> ember.conv_transpose2d(ember.ones(1, 1, 2, 2), ember.ones(1, 1, 2, 2), stride=2).shape
    ember.Size([1, 1, 4, 4])
    """
    return _conv_transposend(
        "conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding, groups,
        dilation,
    )  # fmt: skip


def conv_transpose3d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1
) -> Tensor:
    """3-D transposed convolution of ``input`` (N, C_in, D, H, W) with ``weight``
    (C_in, C_out/groups, kD, kH, kW), as ``torch.nn.functional.conv_transpose3d``.

    >>> ember.conv_transpose3d(ember.ones(1, 1, 1, 1, 1), ember.ones(1, 2, 2, 2, 2)).shape
    ember.Size([1, 2, 2, 2, 2])
    """
    return _conv_transposend(
        "conv_transpose3d", 3, input, weight, bias, stride, padding, output_padding, groups,
        dilation,
    )  # fmt: skip


# -- unfold / fold ---------------------------------------------------------------------------
class Unfold(Function):
    # Primitive: the strided window view copied once; its adjoint is ``Fold``.
    @staticmethod
    def forward(ctx, x, kernel, dilation, pads, stride):
        n_batch, c = x.shape[:2]
        xpad = pad_array(ctx.xp, x, pads)
        out = out_size(xpad.shape[2:], kernel, stride, dilation)
        win = windows(ctx.xp, xpad, out, kernel, stride, dilation)
        ctx.params = (kernel, dilation, pads, stride, tuple(x.shape[2:]))
        return win.reshape(n_batch, c * _prod(kernel), _prod(out))

    @staticmethod
    def backward(ctx, gy):
        kernel, dilation, pads, stride, spatial = ctx.params
        return Fold.apply(gy, spatial, kernel, dilation, pads, stride), None, None, None, None


class Fold(Function):
    # Primitive: col2im (kernel-offset loop); its adjoint is ``Unfold``.
    @staticmethod
    def forward(ctx, x, spatial, kernel, dilation, pads, stride):
        xp = ctx.xp
        n_batch = x.shape[0]
        c = x.shape[1] // _prod(kernel)
        padded = tuple(s + lo + hi for s, (lo, hi) in zip(spatial, pads))
        out = out_size(padded, kernel, stride, dilation)
        cols = x.reshape((n_batch * c,) + tuple(kernel) + (1,) + out)
        buf = col2im(xp, cols, padded, stride, dilation)
        buf = buf.reshape((n_batch, c) + padded)
        ctx.params = (kernel, dilation, pads, stride)
        return xp.ascontiguousarray(crop(buf, pads, spatial))

    @staticmethod
    def backward(ctx, gy):
        kernel, dilation, pads, stride = ctx.params
        return Unfold.apply(gy, kernel, dilation, pads, stride), None, None, None, None, None


def _fold_args(op, kernel_size, dilation, padding, stride):
    kernel = _ntuple(op, "kernel_size", kernel_size, 2)
    dilation = _ntuple(op, "dilation", dilation, 2)
    padding = _ntuple(op, "padding", padding, 2)
    stride = _ntuple(op, "stride", stride, 2)
    if any(v <= 0 for v in kernel + dilation + stride) or any(p < 0 for p in padding):
        raise RuntimeError(
            f"{op}: expected kernel_size, dilation and stride > 0 and padding >= 0, got "
            f"kernel_size={list(kernel)}, dilation={list(dilation)}, padding={list(padding)}, "
            f"stride={list(stride)}"
        )
    return kernel, dilation, tuple((p, p) for p in padding), stride


def unfold(input, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sliding local blocks of ``input`` (N, C, H, W) or (C, H, W) as columns
    (N, C*kH*kW, L), as ``torch.nn.functional.unfold`` (im2col).

    >>> ember.nn.functional.unfold(ember.arange(4.0).reshape(1, 1, 2, 2), 1)
    tensor([[[0., 1., 2., 3.]]])
    """
    op = "unfold"
    unbatched = check_input_rank(op, input, 2)
    if unbatched:
        input = input.unsqueeze(0)
    kernel, dilation, pads, stride = _fold_args(op, kernel_size, dilation, padding, stride)
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(input.shape[2:], pads))
    out = out_size(padded, kernel, stride, dilation)
    if any(o <= 0 for o in out):
        raise RuntimeError(
            f"{op}: Given input with spatial size {_sizes(input.shape[2:])}, kernel_size="
            f"{list(kernel)}, dilation={list(dilation)}, padding={[p for p, _ in pads]}, "
            f"calculated shape of the array of sliding blocks as {_sizes(out)}, but its "
            "components must be at least one."
        )
    y = Unfold.apply(input, kernel, dilation, pads, stride)
    return y.squeeze(0) if unbatched else y


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sum columns ``input`` (N, C*kH*kW, L) or (C*kH*kW, L) back into an image of size
    ``output_size``, as ``torch.nn.functional.fold`` (col2im, the adjoint of ``unfold``).

    >>> ember.nn.functional.fold(ember.ones(1, 4, 1), (2, 2), 2)
    tensor([[[[1., 1.],
              [1., 1.]]]])
    """
    op = "fold"
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected input to be a Tensor, got {type(input).__name__}")
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"{op}: Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size "
            f"and non-zero dimensions for input, but got: {_sizes(input.shape)}"
        )
    unbatched = input.ndim == 2
    if unbatched:
        input = input.unsqueeze(0)
    spatial = _ntuple(op, "output_size", output_size, 2)
    kernel, dilation, pads, stride = _fold_args(op, kernel_size, dilation, padding, stride)
    kprod = _prod(kernel)
    if input.shape[1] % kprod:
        raise RuntimeError(
            f"{op}: Expected size of input's dimension 1 to be divisible by the product of "
            f"kernel_size, but got input.size(1)={input.shape[1]} and kernel_size="
            f"{tuple(kernel)}"
        )
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(spatial, pads))
    out = out_size(padded, kernel, stride, dilation)
    if _prod(out) != input.shape[2] or any(o <= 0 for o in out):
        raise RuntimeError(
            f"{op}: Given output_size={list(spatial)}, kernel_size={list(kernel)}, dilation="
            f"{list(dilation)}, padding={[p for p, _ in pads]}, stride={list(stride)}, expected "
            f"size of input's dimension 2 to match the calculated number of sliding blocks "
            f"{' * '.join(map(str, out))} = {_prod(out)}, but got input.size(2)={input.shape[2]}."
        )
    y = Fold.apply(input, spatial, kernel, dilation, pads, stride)
    return y.squeeze(0) if unbatched else y
