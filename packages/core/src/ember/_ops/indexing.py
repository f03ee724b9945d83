"""Indexing ops: ``__getitem__``/``__setitem__``, gather/scatter, masked and index ops.

Note [flat indices]
Every gather-like op reduces to ``TakeFlat`` (``x.reshape(-1)[lin]``) and every scatter-like
op to ``ScatterAddFlat`` / ``PutFlat`` on the C-order flat positions ``lin`` of the elements
it touches; each is the other's backward, so double backward comes for free. Scatter-adds
with duplicate positions use ``xp.bincount`` with weights (floats, complex as two real
passes, integers whose sums provably fit float64's 53-bit mantissa) or else a stable sort
plus integer prefix sums (integers: wrap-around cancels, so the sums are exact); never
``ufunc.at``. ``lin`` for a getitem key is built one dim at a time by
indexing a zero-copy broadcast ``arange`` with the key, so it costs ``ndim`` index-sized
arrays, not one of the indexed tensor's size.
"""

from __future__ import annotations

import numpy

from ember._ops._checks import broadcast_shapes, shape_str, wrap_dim
from ember._ops._histogram import bincount, histc, histogram
from ember._ops._inplace import apply_inplace, check_inplace_leaf
from ember._tensor import Tensor, bind_methods
from ember.autograd.function import Function
from ember.autograd.grad_mode import _state
from ember.backend import array_module

__all__ = [
    "gather",
    "scatter",
    "scatter_add",
    "scatter_reduce",
    "index_select",
    "index_add",
    "index_copy",
    "index_fill",
    "index_put",
    "masked_fill",
    "masked_select",
    "masked_scatter",
    "nonzero",
    "argwhere",
    "take",
    "take_along_dim",
    "put",
    # from _histogram.py
    "bincount",
    "histc",
    "histogram",
]

_INT64 = numpy.dtype(numpy.int64)


# -- raw helpers ------------------------------------------------------------------------------
def _xp_of(a):
    return array_module(a)


def _to_xp(xp, a):
    """An index array on ``xp``'s device (PyTorch accepts CPU indices for CUDA tensors)."""
    if xp is numpy and type(a) is not numpy.ndarray and hasattr(a, "get"):
        return a.get()
    return xp.asarray(a)


def _c_strides(shape) -> list:
    strides, acc = [0] * len(shape), 1
    for d in range(len(shape) - 1, -1, -1):
        strides[d] = acc
        acc *= shape[d]
    return strides


def _linear_index(xp, shape, key):
    """Flat C-order positions in an array of ``shape`` of the elements ``x[key]`` selects."""
    if not shape:
        return xp.zeros((), _INT64)[key]
    lin = None
    for d, (n, stride) in enumerate(zip(shape, _c_strides(shape))):
        coord = xp.arange(n, dtype=_INT64).reshape((n,) + (1,) * (len(shape) - d - 1))
        term = xp.broadcast_to(coord, shape)[key]
        if stride != 1:
            term = term * stride
        lin = term if lin is None else lin + term
    return lin


def _dim_linear(xp, shape, dim, index):
    """Flat positions in ``shape`` of ``index`` along ``dim`` and its own coordinates
    elsewhere (gather/scatter addressing)."""
    strides = _c_strides(shape) if shape else [1]
    lin = index.astype(_INT64) * strides[dim]
    for d in range(index.ndim):
        if d != dim and index.shape[d] > 1:
            coord = xp.arange(index.shape[d], dtype=_INT64) * strides[d]
            lin = lin + coord.reshape((-1,) + (1,) * (index.ndim - d - 1))
    return lin


def _scatter_add(xp, lin, vals, size, dtype):
    """``out[lin[i]] += vals[i]`` into zeros of ``size``, duplicates accumulated; see Note
    [flat indices]."""
    kind = dtype.kind
    if kind == "c":
        re = xp.bincount(lin, weights=vals.real.astype(numpy.float64), minlength=size)
        im = xp.bincount(lin, weights=vals.imag.astype(numpy.float64), minlength=size)
        return (re + 1j * im).astype(dtype)
    if kind in "fV":
        return xp.bincount(lin, weights=vals.astype(numpy.float64), minlength=size).astype(dtype)
    if kind == "b":
        return xp.bincount(lin, weights=vals.astype(numpy.float64), minlength=size) != 0
    weights = vals.astype(numpy.float64)
    # float64 sums of integers are exact while every partial sum stays within 2**53, which
    # |v|max * count bounds; the cast back to int64 then wraps small dtypes as PyTorch does.
    if not lin.size or float(xp.abs(weights).max()) * lin.size <= 2.0**53:
        out = xp.bincount(lin, weights=weights, minlength=size)
        return out.astype(_INT64).astype(dtype)
    out = xp.zeros(size, _INT64)
    if lin.size:
        order = xp.argsort(lin, kind="stable")
        sl = lin[order]
        cs = xp.cumsum(vals[order].astype(_INT64))
        ends = xp.concatenate([xp.nonzero(sl[1:] != sl[:-1])[0], xp.asarray([sl.size - 1])])
        sums = cs[ends]
        sums[1:] -= cs[ends[:-1]]
        out[sl[ends]] = sums
    return out != 0 if kind == "b" else out.astype(dtype)


def _segment_reduce(xp, ufunc, lin, vals):
    """(positions, reduction of ``vals`` over each run of equal ``lin``) by a stable sort."""
    order = xp.argsort(lin, kind="stable")
    sl, sv = lin[order], vals[order]
    starts = xp.concatenate([xp.asarray([0]), xp.nonzero(sl[1:] != sl[:-1])[0] + 1])
    if hasattr(ufunc, "reduceat"):
        return sl[starts], ufunc.reduceat(sv, starts)
    # cupy has no reduceat: its ufunc.at is a GPU atomic, the right tool there.
    uniq = sl[starts]
    out = xp.empty(int(lin.max()) + 1 if lin.size else 0, vals.dtype)
    out[uniq] = sv[starts]
    ufunc.at(out, sl, sv)
    return uniq, out[uniq]


def _cast_value(xp, value, dtype):
    if hasattr(value, "dtype"):
        return value if value.dtype == dtype else value.astype(dtype)
    return xp.asarray(value).astype(dtype)


def _check_range(op, idx, n, dim, negative=True, exc=IndexError):
    if idx.size == 0:
        return
    lo, hi = int(idx.min()), int(idx.max())
    bad = lo if lo < (-n if negative else 0) else hi if hi >= n else None
    if bad is not None:
        raise exc(f"{op}index {bad} is out of bounds for dimension {dim} with size {n}")


def _index_array(op, index: Tensor, xp):
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}(): index must be a Tensor, got {type(index).__name__}")
    d = index._data
    if d.dtype.kind not in "iu":
        raise RuntimeError(f"{op}(): Expected dtype int64 for index, got {index.dtype}")
    return _to_xp(xp, d)


# -- the flat primitives (Note [flat indices]) ------------------------------------------------
class TakeFlat(Function):
    @staticmethod
    def forward(ctx, x, lin):
        ctx.lin, ctx.shape = lin, x.shape
        return x.reshape(-1)[lin]

    @staticmethod
    def backward(ctx, gy):
        return ScatterAddFlat.apply(gy, ctx.lin, ctx.shape), None


class ScatterAddFlat(Function):
    @staticmethod
    def forward(ctx, g, lin, shape):
        ctx.lin = lin
        size = 1
        for s in shape:
            size *= s
        vals = ctx.xp.broadcast_to(g, lin.shape).reshape(-1)
        return _scatter_add(ctx.xp, lin.reshape(-1), vals, size, g.dtype).reshape(shape)

    @staticmethod
    def backward(ctx, gg):
        return TakeFlat.apply(gg, ctx.lin), None, None


class PutFlat(Function):
    """A copy of ``x`` with ``src`` (broadcast to ``lin``'s shape) written, or with
    ``accumulate`` added, at the flat positions ``lin``."""

    @staticmethod
    def forward(ctx, x, src, lin, accumulate):
        ctx.lin, ctx.accumulate = lin, accumulate
        xp = ctx.xp
        out = x.copy(order="C")
        flat = out.reshape(-1)
        vals = xp.broadcast_to(_cast_value(xp, src, x.dtype), lin.shape).reshape(-1)
        if accumulate:
            added = _scatter_add(xp, lin.reshape(-1), vals, x.size, x.dtype)
            flat[...] = flat | added if x.dtype.kind == "b" else flat + added
        else:
            flat[lin.reshape(-1)] = vals
        return out

    @staticmethod
    def backward(ctx, gy):
        gx = gsrc = None
        if ctx.needs_input_grad[0]:
            gx = gy if ctx.accumulate else PutFlat.apply(gy, 0, ctx.lin, False)
        if ctx.needs_input_grad[1]:
            gsrc = TakeFlat.apply(gy, ctx.lin)
        return gx, gsrc, None, None


# -- __getitem__ / __setitem__ --------------------------------------------------------------
def _opt_int(v):
    return None if v is None else v.__index__()


def _parse_key(x, key):
    """(normalised key tuple, whether it has advanced indices); PyTorch's errors."""
    xp = None
    if not isinstance(key, tuple):
        key = (key,)
    out, advanced, consumed = [], False, 0
    for k in key:
        if k is None or k is Ellipsis:
            out.append(k)
            continue
        if isinstance(k, slice):
            step = _opt_int(k.step)
            if step is not None and step <= 0:
                raise ValueError("step must be greater than zero")
            out.append(slice(_opt_int(k.start), _opt_int(k.stop), step))
            consumed += 1
            continue
        if isinstance(k, (bool, numpy.bool_)):
            out.append(bool(k))
            advanced = True
            continue
        if isinstance(k, Tensor):
            d = k._data
            if d.dtype.kind in "iu" and d.dtype != numpy.uint8 and d.ndim == 0:
                out.append(int(d))  # a 0-d integer tensor indexes like an int (a view)
                consumed += 1
                continue
            a = d
        elif isinstance(k, (int, numpy.integer)):
            out.append(int(k))
            consumed += 1
            continue
        elif isinstance(k, (list, numpy.ndarray)) or hasattr(k, "__cuda_array_interface__"):
            a = numpy.asarray(k) if isinstance(k, list) else k
            if a.size == 0 and a.dtype.kind not in "biu":
                a = a.astype(_INT64)
        elif hasattr(k, "__index__"):
            out.append(k.__index__())
            consumed += 1
            continue
        else:
            raise IndexError(
                "only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                f"Variables are valid indices (got {type(k).__name__})"
            )
        if a.dtype.kind not in "biu":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        if a.dtype == numpy.uint8:
            a = a.astype(bool)  # legacy byte masks
        xp = xp or _xp_of(x)
        out.append(_to_xp(xp, a))
        advanced = True
        consumed += a.ndim if a.dtype == numpy.bool_ else 1
    shape = x.shape
    if consumed > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    # bounds and mask shapes, walking dims (after an Ellipsis, from the end)
    pos, n_ell = 0, sum(1 for k in out if k is Ellipsis)
    if n_ell > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    for k in out:
        if k is None or isinstance(k, bool):
            continue
        if k is Ellipsis:
            pos += len(shape) - consumed
            continue
        if isinstance(k, slice):
            pos += 1
            continue
        if isinstance(k, int):
            n = shape[pos]
            if not -n <= k < n:
                raise IndexError(f"index {k} is out of bounds for dimension {pos} with size {n}")
            pos += 1
            continue
        if k.dtype == numpy.bool_:
            want = shape[pos : pos + k.ndim]
            for j, (m, s) in enumerate(zip(k.shape, want)):
                if m != s:
                    raise IndexError(
                        f"The shape of the mask {list(k.shape)} at index {j} does not match the "
                        f"shape of the indexed tensor {list(shape)} at index {pos + j}"
                    )
            pos += k.ndim
            continue
        _check_range("", k, shape[pos], pos)
        pos += 1
    return tuple(out), advanced


class BasicIndex(Function):
    _view_of = 0

    @staticmethod
    def forward(ctx, x, key):
        ctx.shape, ctx.key = x.shape, key
        return x[key]

    @staticmethod
    def backward(ctx, gy):
        return BasicIndexBackward.apply(gy, ctx.shape, ctx.key), None


class BasicIndexBackward(Function):
    @staticmethod
    def forward(ctx, g, shape, key):
        ctx.key = key
        out = ctx.xp.zeros(shape, g.dtype)
        out[key] = g
        return out

    @staticmethod
    def backward(ctx, gg):
        return BasicIndex.apply(gg, ctx.key), None, None


class AdvancedIndex(Function):
    @staticmethod
    def forward(ctx, x, key):
        ctx.shape, ctx.key = x.shape, key
        return x[key]

    @staticmethod
    def backward(ctx, gy):
        lin = _linear_index(ctx.xp, ctx.shape, ctx.key)
        return ScatterAddFlat.apply(gy, lin, ctx.shape), None


def _index(x: Tensor, key):
    key, advanced = _parse_key(x._data, key)
    if advanced:
        return AdvancedIndex.apply(x, key)
    if not any(k is Ellipsis for k in key):
        key += (Ellipsis,)  # numpy then returns a 0-d view, not a scalar copy
    return BasicIndex.apply(x, key)


def _getitem(self: Tensor, key) -> Tensor:
    # Fast paths for x[i] and x[a:b]; everything else goes through _parse_key.
    kind = type(key)
    if kind is int:
        shape = self._data.shape
        if shape and -shape[0] <= key < shape[0]:
            return BasicIndex.apply(self, (key, Ellipsis))
    elif kind is slice and key.step is None and self._data.ndim:
        return BasicIndex.apply(self, (key, Ellipsis))
    return _index(self, key)


class IndexPut(Function):
    """A copy of ``x`` with ``value`` written (or added) at ``x[key]``."""

    @staticmethod
    def forward(ctx, x, value, key, accumulate):
        ctx.key, ctx.accumulate = key, accumulate
        ctx.v_ndim = getattr(value, "ndim", 0)
        xp = ctx.xp
        out = x.copy(order="C")
        v = _cast_value(xp, value, x.dtype)
        if accumulate:
            lin = _linear_index(xp, x.shape, key)
            vals = xp.broadcast_to(v, lin.shape).reshape(-1)
            added = _scatter_add(xp, lin.reshape(-1), vals, x.size, x.dtype).reshape(x.shape)
            out[...] = out | added if x.dtype.kind == "b" else out + added
        else:
            out[key] = v
        return out

    @staticmethod
    def backward(ctx, gy):
        gx = gv = None
        if ctx.needs_input_grad[0]:
            gx = gy if ctx.accumulate else IndexPut.apply(gy, 0, ctx.key, False)
        if ctx.needs_input_grad[1]:
            gv = AdvancedIndex.apply(gy, ctx.key)
            if gv._data.ndim < ctx.v_ndim:  # value had extra leading 1s
                gv = gv.reshape((1,) * (ctx.v_ndim - gv._data.ndim) + gv._data.shape)
        return gx, gv, None, None


def _put_error(x, key, value) -> RuntimeError:
    xp = _xp_of(x)
    target = xp.broadcast_to(xp.zeros((), x.dtype), x.shape)[key].shape
    return RuntimeError(
        f"shape mismatch: value tensor of shape {list(getattr(value, 'shape', ()))} cannot be "
        f"broadcast to indexing result of shape {list(target)}"
    )


def _readonly_error(op) -> RuntimeError:
    return RuntimeError(
        f"{op}: unsupported operation: more than one element of the written-to tensor refers "
        "to a single memory location. Please clone() the tensor before performing the "
        "operation."
    )


def _value_data(self, value):
    if isinstance(value, Tensor):
        d = value._data
        if type(d) is not type(self._data):
            if d.ndim != 0:
                raise RuntimeError(f"setitem: expected value on {self.device}, got {value.device}")
            return value.item()
        return d
    if isinstance(value, (list, tuple)):
        return numpy.asarray(value)
    return value


def _setitem(self: Tensor, key, value) -> None:
    check_inplace_leaf("setitem", self)
    parsed, advanced = _parse_key(self._data, key)
    if not advanced and not any(k is Ellipsis for k in parsed):
        parsed += (Ellipsis,)
    graph = _state.enabled and (
        self._requires_grad or (isinstance(value, Tensor) and value._requires_grad)
    )
    if not graph:
        v = _value_data(self, value)
        try:
            self._data[parsed] = _cast_value(_xp_of(self._data), v, self._data.dtype)
        except ValueError as e:
            if "read-only" in str(e):
                raise _readonly_error("setitem") from None
            raise _put_error(self._data, parsed, v) from None
        self._bump_version()
        return
    if not isinstance(value, Tensor):
        value = _value_data(self, value)
    try:
        result = IndexPut.apply(self, value, parsed, False)
    except ValueError:
        raise _put_error(self._data, parsed, getattr(value, "_data", value)) from None
    apply_inplace("setitem", self, result)


def index_put(input: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``values`` written at ``input[indices]`` (a tuple of index
    tensors), or added (duplicates accumulate) with ``accumulate=True``, as
    ``torch.index_put``.

    >>> ember.index_put(ember.zeros(3), (ember.tensor([0, 0]),), ember.tensor(1.0), True)
    tensor([2., 0., 0.])
    """
    key, _ = _parse_key(input._data, tuple(indices))
    try:
        return IndexPut.apply(input, values, key, bool(accumulate))
    except ValueError:
        raise _put_error(input._data, key, getattr(values, "_data", values)) from None


# -- gather / scatter -------------------------------------------------------------------------
def _check_gather(op, input, dim, index, src=None):
    x = input._data
    xp = _xp_of(x)
    idx = _index_array(op, index, xp)
    ndim = max(x.ndim, 1)
    d = wrap_dim(op, dim, x.ndim)
    if idx.ndim != x.ndim and not (idx.ndim <= 1 and x.ndim <= 1):
        raise RuntimeError(
            f"{op}(): Index tensor must have the same number of dimensions as input tensor"
        )
    xs = x.shape or (1,)
    ish = idx.shape or (1,)
    for k in range(ndim):
        if k != d and ish[k] > xs[k]:
            raise RuntimeError(
                f"{op}(): Size does not match at dimension {k} expected index "
                f"{list(idx.shape)} to be no larger than self {list(x.shape)} apart from "
                f"dimension {d}"
            )
        if src is not None:
            ss = src._data.shape or (1,)
            if len(ss) == len(ish) and ish[k] > ss[k]:
                raise RuntimeError(
                    f"{op}(): Expected index {list(idx.shape)} to be no larger than src "
                    f"{list(src._data.shape)} in dimension {k}"
                )
    _check_range(f"{op}(): ", idx, xs[d], d, negative=False, exc=RuntimeError)
    return xp, idx, d


def gather(
    input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False, out=None
) -> Tensor:
    """Values of ``input`` along ``dim`` at ``index`` (same ndim; ``out[i][j] =
    input[index[i][j]][j]`` for ``dim=0``), as ``torch.gather``.

    >>> ember.gather(ember.tensor([[1, 2], [3, 4]]), 1, ember.tensor([[1], [0]]))
    tensor([[2],
            [3]])
    """
    xp, idx, d = _check_gather("gather", input, dim, index)
    lin = _dim_linear(xp, input._data.shape, d, idx) if input._data.ndim else idx
    result = TakeFlat.apply(input, lin)
    if out is not None:
        from ember._ops._inplace import write_out

        return write_out("gather", out, result)
    return result


def _src_part(src: Tensor, shape) -> Tensor:
    if src._data.shape == tuple(shape):
        return src
    return _index(src, tuple(slice(0, s) for s in shape))


def scatter(input: Tensor, dim: int, index: Tensor, src=None, value=None, *, reduce=None) -> Tensor:
    """A copy of ``input`` with ``src`` values (a tensor, or the scalar ``value``) written
    along ``dim`` at ``index`` (``out[index[i][j]][j] = src[i][j]`` for ``dim=0``), as
    ``torch.scatter``; ``reduce='add'``/``'multiply'`` accumulate instead.

    >>> ember.scatter(ember.zeros(3), 0, ember.tensor([2]), ember.tensor([5.0]))
    tensor([0., 0., 5.])
    """
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter(): missing argument 'src' or 'value'")
    if reduce is not None:
        names = {"add": "sum", "multiply": "prod"}
        if reduce not in names:
            raise RuntimeError(f"reduce argument must be either add or multiply, got {reduce}")
        if not isinstance(src, Tensor):
            src = Tensor._make(_xp_of(input._data).full(index._data.shape, src, input._data.dtype))
        return scatter_reduce(input, dim, index, src, names[reduce])
    xp, idx, d = _check_gather(
        "scatter", input, dim, index, src if isinstance(src, Tensor) else None
    )
    lin = _dim_linear(xp, input._data.shape, d, idx) if input._data.ndim else idx
    if isinstance(src, Tensor):
        src = _src_part(src, idx.shape)
    return PutFlat.apply(input, src, lin, False)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """A copy of ``input`` with ``src`` added along ``dim`` at ``index`` (duplicates
    accumulate), as ``torch.scatter_add``.

    >>> ember.scatter_add(ember.zeros(3), 0, ember.tensor([1, 1]), ember.tensor([1.0, 2.0]))
    tensor([0., 3., 0.])
    """
    xp, idx, d = _check_gather("scatter_add", input, dim, index, src)
    lin = _dim_linear(xp, input._data.shape, d, idx) if input._data.ndim else idx
    return PutFlat.apply(input, _src_part(src, idx.shape), lin, True)


class ScatterReduce(Function):
    # Primitive: prod/amax/amin need a segmented reduction, sum/mean a bincount.
    @staticmethod
    def forward(ctx, x, src, lin, reduce, include_self):
        xp = ctx.xp
        ctx.lin, ctx.reduce, ctx.include_self = lin, reduce, include_self
        out = x.copy(order="C")
        flat = out.reshape(-1)
        lf = lin.reshape(-1)
        vals = src.reshape(-1)
        counts = xp.bincount(lf, minlength=x.size) if lf.size else xp.zeros(x.size, _INT64)
        touched = counts > 0
        ctx.counts, ctx.touched = counts, touched
        if reduce in ("sum", "mean"):
            added = _scatter_add(xp, lf, vals, x.size, x.dtype)
            if not include_self:
                flat[touched] = 0
            total = flat + added
            if reduce == "mean":
                n = counts + (1 if include_self else 0)
                n = xp.maximum(n, 1)
                total = total // n if x.dtype.kind in "iu" else total / n
            flat[...] = total.astype(x.dtype)
        elif lf.size:
            ufunc = {"prod": xp.multiply, "amax": xp.maximum, "amin": xp.minimum}[reduce]
            uniq, red = _segment_reduce(xp, ufunc, lf, vals)
            flat[uniq] = ufunc(flat[uniq], red) if include_self else red
        ctx.save_for_backward(x, src, out)
        return out

    @staticmethod
    def backward(ctx, gy):
        x, src, out = ctx.saved_tensors
        xp, lin, reduce = ctx.xp, ctx.lin, ctx.reduce
        touched = ctx.touched.reshape(x._data.shape)
        dt = gy._data.dtype

        def const(a):
            return Tensor._make(xp.asarray(a).astype(dt))

        gx = gsrc = None
        if reduce in ("sum", "mean"):
            if reduce == "mean":
                n = (ctx.counts + (1 if ctx.include_self else 0)).reshape(touched.shape)
                gy = gy / const(xp.maximum(n, 1))
            gx = gy if ctx.include_self else gy * const(~touched)
            gsrc = TakeFlat.apply(gy, lin)
        elif reduce == "prod" and not (bool((x._data == 0).any()) or bool((src._data == 0).any())):
            gx = gy * out / x if ctx.include_self else gy * const(~touched)
            gsrc = TakeFlat.apply(gy * out, lin) / src
        elif reduce == "prod":
            fx, fsrc = _prod_others(xp, x._data, src._data, lin, touched, ctx.include_self)
            gx = gy * const(fx)
            gsrc = TakeFlat.apply(gy, lin) * const(fsrc)
        else:
            out_at = out._data.reshape(-1)[lin]
            src_is = src._data == out_at
            self_is = x._data == out._data
            if not ctx.include_self:
                self_is = self_is & ~touched
            n = self_is.astype(_INT64).reshape(-1)
            n = n + _scatter_add(xp, lin.reshape(-1), src_is.reshape(-1), x._data.size, _INT64)
            share = gy / const(xp.maximum(n, 1).reshape(touched.shape))
            gx = share * const(self_is)
            gsrc = TakeFlat.apply(share, lin) * const(src_is)
        return gx, gsrc, None, None, None


def _prod_others(xp, x, src, lin, touched, include_self):
    """d out / d member for a scatter product with zeros: the product of the segment's other
    members, from the product of its non-zero members and its zero count. The factors are
    constants, so this branch is once-differentiable (the zero-free branch is not)."""
    lf = lin.reshape(-1)
    xz = (x == 0).reshape(-1)
    sz = (src == 0).reshape(-1)
    if include_self:
        prod_nz = xp.where(xz, 1, x.reshape(-1)).astype(x.dtype)
        zeros = xz.astype(_INT64)
    else:
        prod_nz = xp.ones(x.size, x.dtype)
        zeros = xp.zeros(x.size, _INT64)
    if lf.size:
        uniq, red = _segment_reduce(xp, xp.multiply, lf, xp.where(sz, 1, src.reshape(-1)))
        prod_nz[uniq] *= red.astype(x.dtype)
        zeros = zeros + xp.bincount(lf, weights=sz, minlength=x.size).astype(_INT64)

    def others(v, vz, p, z):
        safe = xp.where(vz, 1, v)
        return xp.where(vz, xp.where(z == 1, p, 0), xp.where(z == 0, p / safe, 0))

    fx = others(x.reshape(-1), xz, prod_nz, zeros).reshape(x.shape)
    if include_self:
        fx = xp.where(touched, fx, 1)
    else:
        fx = xp.where(touched, 0, 1)
    fsrc = others(src.reshape(-1), sz, prod_nz[lf], zeros[lf]).reshape(src.shape)
    return fx, fsrc


def scatter_reduce(
    input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *, include_self: bool = True
) -> Tensor:
    """A copy of ``input`` with ``src`` reduced into it along ``dim`` at ``index`` by
    ``reduce`` (``'sum'``, ``'prod'``, ``'mean'``, ``'amax'``, ``'amin'``), counting the
    original values only with ``include_self``, as ``torch.scatter_reduce``.

    >>> ember.scatter_reduce(
    ...     ember.zeros(2),
    ...     0,
    ...     ember.tensor([0, 0, 1]),
    ...     ember.tensor([1.0, 3.0, 2.0]),
    ...     "amax",
    ...     include_self=False,
    ... )
    tensor([3., 2.])
    """
    if reduce not in ("sum", "prod", "mean", "amax", "amin"):
        raise RuntimeError(
            f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}"
        )
    xp, idx, d = _check_gather("scatter_reduce", input, dim, index, src)
    if src._data.dtype != input._data.dtype:
        raise RuntimeError(
            f"scatter_reduce(): Expected self.dtype to be equal to src.dtype, got "
            f"{input.dtype} and {src.dtype}"
        )
    lin = _dim_linear(xp, input._data.shape, d, idx) if input._data.ndim else idx
    return ScatterReduce.apply(input, _src_part(src, idx.shape), lin, reduce, bool(include_self))


# -- index_* ----------------------------------------------------------------------------------
def _dim_index(op, input, dim, index):
    x = input._data
    xp = _xp_of(x)
    idx = _index_array(op, index, xp)
    if idx.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector, got {idx.ndim}-D")
    idx = idx.reshape(-1)
    d = wrap_dim(op, dim, x.ndim)
    n = x.shape[d] if x.ndim else 1
    _check_range(f"{op}(): ", idx, n, d, negative=False)
    return xp, idx, d


class IndexSelect(Function):
    @staticmethod
    def forward(ctx, x, d, idx):
        ctx.shape, ctx.key = x.shape, (slice(None),) * d + (idx,)
        return ctx.xp.take(x, idx, axis=d)

    @staticmethod
    def backward(ctx, gy):
        lin = _linear_index(ctx.xp, ctx.shape, ctx.key)
        return ScatterAddFlat.apply(gy, lin, ctx.shape), None, None


def index_select(input: Tensor, dim: int, index: Tensor, *, out=None) -> Tensor:
    """The slices of ``input`` along ``dim`` at the 1-D ``index`` (a copy), as
    ``torch.index_select``.

    >>> ember.index_select(ember.tensor([[1, 2], [3, 4]]), 0, ember.tensor([1, 1]))
    tensor([[3, 4],
            [3, 4]])
    """
    xp, idx, d = _dim_index("index_select", input, dim, index)
    if input._data.ndim == 0:
        result = TakeFlat.apply(input, idx)
    else:
        result = IndexSelect.apply(input, d, idx)
    if out is not None:
        from ember._ops._inplace import write_out

        return write_out("index_select", out, result)
    return result


def _numel(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def _index_lin(op, input, dim, index, source=None):
    xp, idx, d = _dim_index(op, input, dim, index)
    shape = input._data.shape
    if not shape:
        return idx, idx.shape
    want = shape[:d] + (idx.shape[0],) + shape[d + 1 :]
    if (
        source is not None
        and source._data.shape != want
        and not (source._data.size == 1 and _numel(want) == 1)
    ):
        raise RuntimeError(
            f"{op}(): source tensor of shape {shape_str(source._data.shape)} does not match "
            f"the indexed slices of shape {shape_str(want)}"
        )
    return _linear_index(xp, shape, (slice(None),) * d + (idx,)), want


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    """A copy of ``input`` with ``alpha * source`` added to the slices along ``dim`` at
    ``index`` (duplicates accumulate), as ``torch.index_add``.

    >>> ember.index_add(ember.zeros(3), 0, ember.tensor([0, 0]), ember.tensor([1.0, 2.0]))
    tensor([3., 0., 0.])
    """
    lin, want = _index_lin("index_add", input, dim, index, source)
    if alpha != 1:
        source = source * alpha
    return PutFlat.apply(input, source.reshape(want), lin, True)


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """A copy of ``input`` with its slices along ``dim`` at ``index`` replaced by
    ``source``'s, as ``torch.index_copy``.

    >>> ember.index_copy(ember.zeros(3), 0, ember.tensor([2]), ember.tensor([7.0]))
    tensor([0., 0., 7.])
    """
    lin, want = _index_lin("index_copy", input, dim, index, source)
    return PutFlat.apply(input, source.reshape(want), lin, False)


def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:
    """A copy of ``input`` with the slices along ``dim`` at ``index`` set to ``value`` (a
    number or 0-d tensor), as ``torch.index_fill``.

    >>> ember.index_fill(ember.zeros(3), 0, ember.tensor([1]), 2.0)
    tensor([0., 2., 0.])
    """
    if isinstance(value, Tensor) and value._data.ndim != 0:
        raise RuntimeError(
            "index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
            f"{value._data.ndim} dimension(s)."
        )
    lin, _ = _index_lin("index_fill", input, dim, index)
    # Duplicate indices would count a tensor value's gradient twice: fill unique slices.
    lin = _xp_of(lin).unique(lin)
    return PutFlat.apply(input, value, lin, False)


# -- masks ------------------------------------------------------------------------------------
def _mask(op, mask):
    if not isinstance(mask, Tensor):
        raise TypeError(f"{op}(): mask must be a Tensor, got {type(mask).__name__}")
    if mask._data.dtype != numpy.bool_:
        raise RuntimeError(f"{op}: expected BoolTensor for mask, got {mask.dtype}")
    return mask._data


class MaskedFill(Function):
    @staticmethod
    def forward(ctx, x, mask, value):
        ctx.mask = mask
        return ctx.xp.where(mask, _cast_value(ctx.xp, value, x.dtype), x)

    @staticmethod
    def backward(ctx, gy):
        mask = ctx.mask
        gx = MaskedFill.apply(gy, mask, 0) if ctx.needs_input_grad[0] else None
        gv = None
        if ctx.needs_input_grad[2]:
            gv = MaskedFill.apply(gy, ctx.xp.logical_not(mask), 0).sum()
        return gx, None, gv


def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    """A copy of ``input`` with ``value`` (a number or 0-d tensor) where the bool ``mask``
    (broadcast) is True, as ``torch.masked_fill``.

    >>> ember.masked_fill(ember.zeros(3), ember.tensor([True, False, True]), 1.0)
    tensor([1., 0., 1.])
    """
    m = _mask("masked_fill", mask)
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(
                "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                f"{value._data.ndim} dimension(s)."
            )
    broadcast_shapes("masked_fill", input._data.shape, m.shape)
    return MaskedFill.apply(input, _to_xp(_xp_of(input._data), m), value)


def _broadcast_mask(op, input, mask):
    from ember._ops.shape import expand

    m = _mask(op, mask)
    shape = broadcast_shapes(op, input._data.shape, m.shape)
    xp = _xp_of(input._data)
    lin = xp.flatnonzero(xp.broadcast_to(_to_xp(xp, m), shape))
    return expand(input, shape), lin


def masked_select(input: Tensor, mask: Tensor, *, out=None) -> Tensor:
    """The elements of ``input`` where the bool ``mask`` (broadcast) is True, as a 1-D
    tensor, as ``torch.masked_select``.

    >>> ember.masked_select(ember.tensor([1, 2, 3]), ember.tensor([True, False, True]))
    tensor([1, 3])
    """
    xb, lin = _broadcast_mask("masked_select", input, mask)
    result = TakeFlat.apply(xb, lin)
    if out is not None:
        from ember._ops._inplace import write_out

        return write_out("masked_select", out, result)
    return result


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """A copy of ``input`` with consecutive elements of ``source`` written where ``mask``
    is True (in row-major order), as ``torch.masked_scatter``.

    >>> ember.masked_scatter(
    ...     ember.zeros(3), ember.tensor([True, False, True]), ember.tensor([1.0, 2.0])
    ... )
    tensor([1., 0., 2.])
    """
    xb, lin = _broadcast_mask("masked_scatter", input, mask)
    count = int(lin.size)
    if source._data.size < count:
        raise RuntimeError(
            f"masked_scatter: expected source to have at least {count} elements (the number "
            f"of True values in mask), got {source._data.size}"
        )
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(
            f"masked_scatter_: expected self and source to have same dtypes but got "
            f"{input.dtype} and {source.dtype}"
        )
    src = _index(source.reshape(-1), slice(0, count))
    return PutFlat.apply(xb, src, lin, False)


# -- nonzero, take, put -----------------------------------------------------------------------
def nonzero(input: Tensor, *, out=None, as_tuple: bool = False):
    """Indices of the non-zero elements: an ``(n, ndim)`` int64 tensor, or with
    ``as_tuple=True`` one 1-D tensor per dim, as ``torch.nonzero``.

    >>> ember.nonzero(ember.tensor([0, 3, 0, 4]))
    tensor([[1],
            [3]])
    """
    x = input._data
    xp = _xp_of(x)
    flat = x.reshape(-1) if x.ndim == 0 else x
    idx = tuple(i.astype(_INT64) for i in xp.nonzero(flat))
    if as_tuple:
        return tuple(Tensor._make(i) for i in idx)
    if x.ndim == 0:
        result = Tensor._make(xp.zeros((idx[0].shape[0], 0), _INT64))
    else:
        result = Tensor._make(xp.stack(idx, axis=1))
    if out is not None:
        from ember._ops._inplace import write_out

        return write_out("nonzero", out, result)
    return result


def argwhere(input: Tensor) -> Tensor:
    """Indices of the non-zero elements as an ``(n, ndim)`` tensor, as ``torch.argwhere``.

    >>> ember.argwhere(ember.tensor([[0, 1], [1, 0]]))
    tensor([[0, 1],
            [1, 0]])
    """
    return nonzero(input)


def _flat_index(op, input, index):
    xp = _xp_of(input._data)
    idx = _index_array(op, index, xp)
    n = input._data.size
    if idx.size:
        lo, hi = int(idx.min()), int(idx.max())
        if lo < -n or hi >= n:
            bad = lo if lo < -n else hi
            raise IndexError(
                f"{op}(): out of range: tried to access index {bad} on a tensor of {n} elements."
            )
    return xp.where(idx < 0, idx + n, idx).astype(_INT64)


def take(input: Tensor, index: Tensor) -> Tensor:
    """The elements of the flattened ``input`` at ``index`` (negative counts from the end),
    in ``index``'s shape, as ``torch.take``.

    >>> ember.take(ember.tensor([[1, 2], [3, 4]]), ember.tensor([0, -1]))
    tensor([1, 4])
    """
    return TakeFlat.apply(input, _flat_index("take", input, index))


def take_along_dim(input: Tensor, indices: Tensor, dim=None, *, out=None) -> Tensor:
    """Values along ``dim`` at ``indices``, broadcasting the other dims (the flattened
    input when ``dim`` is None), as ``torch.take_along_dim``.

    >>> ember.take_along_dim(ember.tensor([[3, 1], [2, 4]]), ember.tensor([[1], [0]]), 1)
    tensor([[1],
            [2]])
    """
    from ember._ops.shape import expand

    if dim is None:
        result = take(input.reshape(-1), indices.reshape(-1))
    else:
        x = input._data
        if indices._data.ndim != x.ndim:
            raise RuntimeError(
                "torch.take_along_dim(): input and indices should have the same number of "
                f"dimensions, but got {x.ndim} dimensions for input, and "
                f"{indices._data.ndim} dimensions for indices"
            )
        d = wrap_dim("take_along_dim", dim, x.ndim)
        xs = list(x.shape)
        ish = list(indices._data.shape)
        xs[d] = ish[d] = 1
        b = list(broadcast_shapes("take_along_dim", tuple(xs), tuple(ish)))
        xshape = tuple(b[:d] + [x.shape[d]] + b[d + 1 :])
        ishape = tuple(b[:d] + [indices._data.shape[d]] + b[d + 1 :])
        idx = indices._data
        xp = _xp_of(x)
        idx = xp.where(idx < 0, idx + x.shape[d], idx)
        result = gather(expand(input, xshape), d, expand(Tensor._make(idx), ishape))
    if out is not None:
        from ember._ops._inplace import write_out

        return write_out("take_along_dim", out, result)
    return result


def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``source`` written (or added) at the flat positions
    ``index``, as ``torch.put``.

    >>> ember.put(ember.zeros(2, 2), ember.tensor([3]), ember.tensor([9.0]))
    tensor([[0., 0.],
            [0., 9.]])
    """
    lin = _flat_index("put", input, index)
    if source._data.size != lin.size:
        raise RuntimeError(
            f"put_(): Expected source and index to have the same number of elements, but got "
            f"source.numel() = {source._data.size}, index.numel() = {lin.size}"
        )
    return PutFlat.apply(input, source.reshape(lin.shape), lin, bool(accumulate))


# -- Tensor methods -------------------------------------------------------------------------
def _inplace(fn, name):
    def method(self, *args, **kwargs):
        return apply_inplace(name, self, fn(self, *args, **kwargs))

    method.__name__ = name
    method.__doc__ = f"In-place version of :func:`{fn.__name__}`."
    return method


bind_methods(
    __getitem__=_getitem,
    __setitem__=_setitem,
    gather=gather,
    scatter=scatter,
    scatter_add=scatter_add,
    scatter_reduce=scatter_reduce,
    index_select=index_select,
    index_add=index_add,
    index_copy=index_copy,
    index_fill=index_fill,
    index_put=index_put,
    masked_fill=masked_fill,
    masked_select=masked_select,
    masked_scatter=masked_scatter,
    nonzero=nonzero,
    argwhere=argwhere,
    take=take,
    take_along_dim=take_along_dim,
    put=put,
    scatter_=_inplace(scatter, "scatter_"),
    scatter_add_=_inplace(scatter_add, "scatter_add_"),
    scatter_reduce_=_inplace(scatter_reduce, "scatter_reduce_"),
    index_add_=_inplace(index_add, "index_add_"),
    index_copy_=_inplace(index_copy, "index_copy_"),
    index_fill_=_inplace(index_fill, "index_fill_"),
    index_put_=_inplace(index_put, "index_put_"),
    masked_fill_=_inplace(masked_fill, "masked_fill_"),
    masked_scatter_=_inplace(masked_scatter, "masked_scatter_"),
    put_=_inplace(put, "put_"),
)
