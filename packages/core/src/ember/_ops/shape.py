"""Shape ops: views and rearrangements (reshape, view, expand, permute, transpose, ...).

View ops (``_view_of = 0``) return arrays sharing the input's memory, exactly as numpy and
cupy views do, and share its version counter, so an in-place write through either is seen
by autograd's saved-tensor checks.
"""

from __future__ import annotations

import builtins

from ember._ops._checks import broadcast_shapes as _broadcast_shapes
from ember._ops._checks import shape_str, wrap_dim, wrap_dims
from ember._ops._inplace import apply_inplace, write_out
from ember._tensor import Size, Tensor, bind_methods
from ember.autograd.function import Function, _share_version

__all__ = [
    "reshape",
    "expand",
    "permute",
    "transpose",
    "swapaxes",
    "swapdims",
    "unsqueeze",
    "squeeze",
    "flatten",
    "t",
    "view",
    "ravel",
    "unflatten",
    "movedim",
    "moveaxis",
    "adjoint",
    "broadcast_to",
    "broadcast_tensors",
    "broadcast_shapes",
    "repeat_interleave",
    "tile",
    "cat",
    "concat",
    "concatenate",
    "stack",
    "hstack",
    "vstack",
    "dstack",
    "column_stack",
    "split",
    "chunk",
    "tensor_split",
    "narrow",
    "select",
    "hsplit",
    "vsplit",
    "dsplit",
    "unbind",
    "flip",
    "fliplr",
    "flipud",
    "roll",
    "rot90",
    "tril",
    "triu",
    "diag",
    "diagonal",
    "diag_embed",
    "diagflat",
    "meshgrid",
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
]


def parse_shape(args) -> tuple:
    """``f(2, 3)`` or ``f((2, 3))`` or ``f(ember.Size(...))`` -> ``(2, 3)``."""
    if len(args) == 1 and not isinstance(args[0], int) and not hasattr(args[0], "__index__"):
        args = tuple(args[0])
    return tuple(a.__index__() for a in args)


def _infer_shape(op: str, shape: tuple, numel: int) -> tuple:
    infer = [i for i, s in enumerate(shape) if s == -1]
    if len(infer) > 1:
        raise RuntimeError(f"{op}: only one dimension can be inferred")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"{op}: invalid shape dimension {s}")
            known *= s
    if infer:
        if known == 0 or numel % known:
            raise RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size {numel}")
        shape = shape[: infer[0]] + (numel // known,) + shape[infer[0] + 1 :]
    elif known != numel:
        raise RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


class Reshape(Function):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        # Non-contiguous input: always a copy, so a write to the result never reaches an
        # input whose version counter it does not share (PyTorch may return a view here).
        return ctx.xp.ascontiguousarray(x).reshape(shape)

    @staticmethod
    def backward(ctx, gy):
        return gy.reshape(ctx.in_shape), None


class View(Function):
    _view_of = 0

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        y = x.reshape(shape)
        if x.size and not (y.base is x or (x.base is not None and y.base is x.base)):
            raise RuntimeError(
                f"view size is not compatible with input tensor's size and stride (at least one "
                f"dimension spans across two contiguous subspaces): cannot view "
                f"{shape_str(x.shape)} as {shape_str(shape)}. Use .reshape(...) instead."
            )
        return y

    @staticmethod
    def backward(ctx, gy):
        return gy.reshape(ctx.in_shape), None


def reshape(input: Tensor, *shape) -> Tensor:
    """The same elements in a new shape (a view when possible, else a copy); one dim may be
    -1, as ``torch.reshape``.

    >>> ember.arange(6).reshape(2, -1)
    tensor([[0, 1, 2],
            [3, 4, 5]])
    """
    shape = _infer_shape("reshape", parse_shape(shape), input._data.size)
    if shape == input._data.shape or input._data.flags.c_contiguous:
        return View.apply(input, shape)
    return Reshape.apply(input, shape)


def view(input: Tensor, *shape) -> Tensor:
    """A view with a new shape sharing memory; errors if the strides do not allow it, or a
    dtype reinterpretation when given a dtype, as ``Tensor.view``.

    >>> ember.zeros(2, 3).view(-1).shape
    ember.Size([6])
    """
    if len(shape) == 1 and hasattr(shape[0], "np"):
        return ViewDtype.apply(input, shape[0].np)
    shape = _infer_shape("view", parse_shape(shape), input._data.size)
    return View.apply(input, shape)


class ViewDtype(Function):
    _view_of = 0

    @staticmethod
    def forward(ctx, x, dt):
        return x.view(dt)

    @staticmethod
    def backward(ctx, gy):
        raise RuntimeError("view(dtype): reinterpreting bits is not differentiable")


class Expand(Function):
    _view_of = 0

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return ctx.xp.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, gy):
        return gy.sum_to_size(ctx.in_shape), None


def expand(input: Tensor, *sizes) -> Tensor:
    """A broadcast view with size-1 dims stretched to ``sizes`` (-1 keeps a dim), as
    ``Tensor.expand``; writes to it are not allowed, as in numpy.

    >>> ember.tensor([[1], [2]]).expand(2, 3)
    tensor([[1, 1, 1],
            [2, 2, 2]])
    """
    sizes = parse_shape(sizes)
    shape = input._data.shape
    lead = len(sizes) - len(shape)
    if lead < 0:
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to "
            f"the number of dimensions in the tensor ({len(shape)})"
        )
    target = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(
                    f"expand: the expanded size of the tensor (-1) isn't allowed in a leading, "
                    f"non-existing dimension {i}"
                )
            target.append(s)
            continue
        have = shape[i - lead]
        if s == -1:
            s = have
        elif have != 1 and have != s:
            raise RuntimeError(
                f"expand: the expanded size of the tensor ({s}) must match the existing size "
                f"({have}) at non-singleton dimension {i}.  Target sizes: {list(sizes)}.  "
                f"Tensor sizes: {list(shape)}"
            )
        target.append(s)
    target = tuple(target)
    if target == shape:
        return View.apply(input, shape)
    return Expand.apply(input, target)


class Permute(Function):
    _view_of = 0

    @staticmethod
    def forward(ctx, x, axes):
        ctx.axes = axes
        return x.transpose(axes)

    @staticmethod
    def backward(ctx, gy):
        inverse = [0] * len(ctx.axes)
        for i, a in enumerate(ctx.axes):
            inverse[a] = i
        return gy.permute(inverse), None


def permute(input: Tensor, *dims) -> Tensor:
    """A view with dims reordered, as ``torch.permute``.

    >>> ember.zeros(2, 3, 4).permute(2, 0, 1).shape
    ember.Size([4, 2, 3])
    """
    dims = parse_shape(dims)
    ndim = input._data.ndim
    if len(dims) != ndim:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {ndim} is not "
            f"equal to len(dims) = {len(dims)}"
        )
    axes = tuple(wrap_dim("permute", d, ndim) for d in dims)
    if len(set(axes)) != ndim:
        raise RuntimeError(f"permute: repeated dim in {list(dims)}")
    return Permute.apply(input, axes)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """A view with ``dim0`` and ``dim1`` swapped, as ``torch.transpose``.

    >>> ember.zeros(2, 3).transpose(0, 1).shape
    ember.Size([3, 2])
    """
    ndim = input._data.ndim
    axes = list(range(ndim))
    d0, d1 = wrap_dim("transpose", dim0, ndim), wrap_dim("transpose", dim1, ndim)
    if ndim == 0:
        return View.apply(input, ())
    axes[d0], axes[d1] = axes[d1], axes[d0]
    return Permute.apply(input, tuple(axes))


swapaxes = swapdims = transpose


def t(input: Tensor) -> Tensor:
    """Transpose of a tensor with at most 2 dims, as ``torch.t``.

    >>> ember.zeros(2, 3).t().shape
    ember.Size([3, 2])
    """
    if input._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return (
        transpose(input, 0, -1) if input._data.ndim == 2 else View.apply(input, input._data.shape)
    )


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """A view with a size-1 dim inserted at ``dim``, as ``torch.unsqueeze``.

    >>> ember.zeros(3).unsqueeze(0).shape
    ember.Size([1, 3])
    """
    shape = list(input._data.shape)
    d = wrap_dim("unsqueeze", dim, len(shape) + 1)
    shape.insert(d, 1)
    return View.apply(input, tuple(shape))


def squeeze(input: Tensor, dim=None) -> Tensor:
    """A view without size-1 dims (only those in ``dim`` when given), as ``torch.squeeze``.

    >>> ember.zeros(1, 3, 1).squeeze().shape
    ember.Size([3])
    """
    shape = input._data.shape
    if dim is None:
        dims = range(len(shape))
    elif isinstance(dim, int):
        dims = (wrap_dim("squeeze", dim, len(shape)),)
    else:
        dims = tuple(wrap_dim("squeeze", d, len(shape)) for d in dim)
    new = tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1))
    return View.apply(input, new)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Dims ``start_dim..end_dim`` merged into one, as ``torch.flatten``.

    >>> ember.zeros(2, 3, 4).flatten(1).shape
    ember.Size([2, 12])
    """
    shape = input._data.shape
    if not shape:
        return reshape(input, (1,))
    s = wrap_dim("flatten", start_dim, len(shape))
    e = wrap_dim("flatten", end_dim, len(shape))
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    n = 1
    for size in shape[s : e + 1]:
        n *= size
    return reshape(input, shape[:s] + (n,) + shape[e + 1 :])


class Contiguous(Function):
    @staticmethod
    def forward(ctx, x):
        return ctx.xp.ascontiguousarray(x)

    @staticmethod
    def backward(ctx, gy):
        return gy


def contiguous(input: Tensor, memory_format=None) -> Tensor:
    """The tensor itself if row-major contiguous, else a contiguous copy."""
    if input._data.flags.c_contiguous:
        return input
    return Contiguous.apply(input)


def _mT(self: Tensor) -> Tensor:  # noqa: N802
    if self._data.ndim < 2:
        raise RuntimeError(
            f"tensor.mT is only supported on matrices or batches of matrices. "
            f"Got {self._data.ndim}-D tensor."
        )
    return transpose(self, -2, -1)


def _T(self: Tensor) -> Tensor:  # noqa: N802
    return Permute.apply(self, tuple(range(self._data.ndim))[::-1])


def _H(self: Tensor) -> Tensor:  # noqa: N802
    if self._data.ndim > 2:
        raise RuntimeError(
            f"tensor.H is only supported on matrices (2-D tensors). Got {self._data.ndim}-D tensor."
        )
    return _T(self).conj()


def _mH(self: Tensor) -> Tensor:  # noqa: N802
    if self._data.ndim < 2:
        raise RuntimeError(
            f"tensor.mH is only supported on matrices or batches of matrices. "
            f"Got {self._data.ndim}-D tensor."
        )
    return transpose(self, -2, -1).conj()


def adjoint(input: Tensor) -> Tensor:
    """The conjugate transpose of the last two dims, as ``torch.adjoint`` (``x.mH``); for
    complex inputs Ember returns a conjugated copy, not PyTorch's lazy conjugate view.

    >>> ember.adjoint(ember.tensor([[1j, 2.0]])).shape
    ember.Size([2, 1])
    """
    return _mH(input)


def ravel(input: Tensor) -> Tensor:
    """The elements as a 1-D tensor (a view when contiguous), as ``torch.ravel``.

    >>> ember.ravel(ember.tensor([[1, 2], [3, 4]]))
    tensor([1, 2, 3, 4])
    """
    return reshape(input, (-1,))


def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    """Dim ``dim`` split into ``sizes`` (one may be -1), as ``torch.unflatten``.

    >>> ember.zeros(2, 6).unflatten(1, (2, 3)).shape
    ember.Size([2, 2, 3])
    """
    shape = input._data.shape
    d = wrap_dim("unflatten", dim, len(shape))
    sizes = tuple(int(s) for s in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    inner = _infer_shape("unflatten", sizes, shape[d]) if shape else sizes
    return reshape(input, shape[:d] + inner + shape[d + 1 :])


def _as_dims(op, dims, ndim):
    if isinstance(dims, int) or hasattr(dims, "__index__"):
        dims = (dims,)
    return tuple(wrap_dim(op, d, ndim) for d in dims)


def movedim(input: Tensor, source, destination) -> Tensor:
    """A view with dims ``source`` moved to positions ``destination``, as ``torch.movedim``.

    >>> ember.zeros(2, 3, 4).movedim(0, -1).shape
    ember.Size([3, 4, 2])
    """
    ndim = input._data.ndim
    src = _as_dims("movedim", source, ndim)
    dst = _as_dims("movedim", destination, ndim)
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({list(src)} dims) should "
            f"contain the same number of dims as destination ({list(dst)} dims)"
        )
    if len(set(src)) != len(src):
        raise RuntimeError(f"movedim: repeated dim in `source` ({list(source)})")
    if len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({list(destination)})")
    order = [d for d in range(ndim) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return Permute.apply(input, tuple(order))


moveaxis = movedim


# -- broadcasting ---------------------------------------------------------------------------
def broadcast_shapes(*shapes) -> Size:
    """The shape tensors of ``shapes`` broadcast to, as ``torch.broadcast_shapes``.

    >>> ember.broadcast_shapes((2, 1), (3,))
    ember.Size([2, 3])
    """
    norm = [(s,) if isinstance(s, int) else tuple(s) for s in shapes]
    return Size(_broadcast_shapes("broadcast_shapes", *norm))


def broadcast_to(input: Tensor, size) -> Tensor:
    """A broadcast view of ``input`` with shape ``size``, as ``torch.broadcast_to``.

    >>> ember.broadcast_to(ember.tensor([1, 2]), (2, 2))
    tensor([[1, 2],
            [1, 2]])
    """
    return expand(input, tuple(size))


def broadcast_tensors(*tensors) -> tuple:
    """Views of ``tensors`` expanded to their common broadcast shape, as
    ``torch.broadcast_tensors``.

    >>> a, b = ember.broadcast_tensors(ember.zeros(2, 1), ember.zeros(3))
    >>> a.shape, b.shape
    (ember.Size([2, 3]), ember.Size([2, 3]))
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = _broadcast_shapes("broadcast_tensors", *(t._data.shape for t in tensors))
    return tuple(expand(t, shape) for t in tensors)


# -- repeats --------------------------------------------------------------------------------
class Repeat(Function):
    @staticmethod
    def forward(ctx, x, reps):
        shape = (1,) * (len(reps) - x.ndim) + x.shape
        ctx.in_shape, ctx.padded, ctx.reps = x.shape, shape, reps
        return ctx.xp.tile(x.reshape(shape), reps)

    @staticmethod
    def backward(ctx, gy):
        inter = []
        for r, s in zip(ctx.reps, ctx.padded):
            inter += [r, s]
        g = gy.reshape(tuple(inter)).sum(tuple(range(0, len(inter), 2)))
        return g.reshape(ctx.in_shape), None


def repeat(input: Tensor, *sizes) -> Tensor:
    """``input`` tiled ``sizes[i]`` times along each dim (leading sizes add dims), as
    ``Tensor.repeat``.

    >>> ember.tensor([1, 2]).repeat(2, 2)
    tensor([[1, 2, 1, 2],
            [1, 2, 1, 2]])
    """
    reps = parse_shape(sizes)
    if len(reps) < input._data.ndim:
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions "
            "of tensor"
        )
    if any(r < 0 for r in reps):
        raise RuntimeError(f"repeat: repeats can not be negative, got {list(reps)}")
    return Repeat.apply(input, reps)


def tile(input: Tensor, dims) -> Tensor:
    """``input`` repeated ``dims[i]`` times along each dim; missing leading ``dims`` are 1,
    as ``torch.tile``.

    >>> ember.tile(ember.tensor([1, 2]), (2,))
    tensor([1, 2, 1, 2])
    """
    dims = parse_shape((dims,) if isinstance(dims, int) else tuple(dims))
    dims = (1,) * (input._data.ndim - len(dims)) + dims
    return repeat(input, dims)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None) -> Tensor:
    """Each element repeated ``repeats`` times (an int, or a tensor of per-element counts)
    along ``dim`` (flattened when None), as ``torch.repeat_interleave``; with a single
    integer tensor argument it returns the indices ``repeat_interleave(arange(n), input)``.

    >>> ember.repeat_interleave(ember.tensor([1, 2]), 2)
    tensor([1, 1, 2, 2])
    """
    from ember._ops.indexing import index_select

    if repeats is None:  # repeat_interleave(repeats)
        reps = input._data
        xp = _xp(reps)
        return Tensor._make(xp.repeat(xp.arange(reps.shape[0]), _host_counts(xp, reps)))
    if dim is None:
        input = reshape(input, (-1,))
        dim = 0
    d = wrap_dim("repeat_interleave", dim, input._data.ndim)
    n = input._data.shape[d] if input._data.ndim else 1
    xp = _xp(input._data)
    if isinstance(repeats, Tensor):
        reps = repeats._data
        if reps.ndim > 1:
            raise RuntimeError("repeat_interleave: repeats must be 0-dim or 1-dim tensor")
        if reps.ndim == 1 and reps.shape[0] not in (1, n):
            raise RuntimeError(
                f"repeat_interleave: repeats must have the same size as input along dim, but "
                f"got repeats.size(0) = {reps.shape[0]} and input.size({dim}) = {n}"
            )
        if reps.size and int(reps.min()) < 0:
            raise RuntimeError("repeat_interleave: repeats can not be negative")
        reps = reps.reshape(-1) if reps.size == 1 and n != 1 else reps
        reps = int(reps.reshape(())) if reps.size == 1 else reps
    else:
        reps = int(repeats)
        if reps < 0:
            raise RuntimeError("repeat_interleave: repeats can not be negative")
    if input._data.ndim == 0:
        input = reshape(input, (1,))
    idx = xp.repeat(xp.arange(n), _host_counts(xp, reps))
    if output_size is not None and idx.shape[0] != output_size:
        raise RuntimeError(
            f"repeat_interleave: output_size ({output_size}) does not match the sum of "
            f"repeats ({idx.shape[0]})"
        )
    return index_select(input, d, Tensor._make(idx))


def _host_counts(xp, reps):
    # cupy.repeat takes per-element counts only as a Python list.
    return reps if isinstance(reps, int) or xp.__name__ == "numpy" else reps.tolist()


def _xp(a):
    from ember.backend import array_module

    return array_module(a)


# -- joining --------------------------------------------------------------------------------
class Cat(Function):
    @staticmethod
    def forward(ctx, dim, dt, ndim, *xs):
        # ndim: the result's, to tell PyTorch's legacy-skipped (0,) inputs from real 1-D ones.
        ctx.dim = dim
        ctx.kept = [not (x.shape == (0,) and ndim != 1) for x in xs]
        ctx.sizes = [x.shape[dim] for x, k in zip(xs, ctx.kept) if k]
        parts = [x if x.dtype == dt else x.astype(dt) for x, k in zip(xs, ctx.kept) if k]
        if not parts:
            return ctx.xp.empty((0,), dt)
        return ctx.xp.concatenate(parts, axis=dim)

    @staticmethod
    def backward(ctx, gy):
        parts = iter(split(gy, ctx.sizes, ctx.dim) if ctx.sizes else ())
        # Skipped legacy-empty inputs get no gradient.
        return (None, None, None, *(next(parts) if k else None for k in ctx.kept))


def _tensor_list(op, tensors):
    if isinstance(tensors, Tensor):
        raise TypeError(
            f"{op}(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor"
        )
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{op}(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"{op}(): expected Tensor as element {i} in argument 0, but got {type(t).__name__}"
            )
    return tensors


def _promoted(tensors):
    from ember._ops.pointwise import result_np_dtype

    return result_np_dtype(*tensors) if len(tensors) > 1 else tensors[0]._data.dtype


def cat(tensors, dim: int = 0, *, out=None) -> Tensor:
    """``tensors`` joined along an existing dim, promoted to a common dtype, as
    ``torch.cat``; 1-D empty tensors of shape ``(0,)`` are skipped (PyTorch's legacy rule).

    >>> ember.cat([ember.tensor([1, 2]), ember.tensor([3.0])])
    tensor([1., 2., 3.])
    """
    tensors = _tensor_list("cat", tensors)
    ref = next((t for t in tensors if not (t._data.ndim == 1 and t._data.shape[0] == 0)), None)
    dt = _promoted(tensors)
    if ref is None:
        result = Cat.apply(0, dt, 1, *tensors)
        return result if out is None else write_out("cat", out, result)
    ndim = ref._data.ndim
    for i, t in enumerate(tensors):
        if t._data.ndim == 0:
            raise RuntimeError(
                f"cat(): zero-dimensional tensor (at position {i}) cannot be concatenated"
            )
    d = wrap_dim("cat", dim, ndim)
    for i, t in enumerate(tensors):
        s = t._data.shape
        if s == (0,) and ndim != 1:
            continue
        if len(s) != ndim:
            raise RuntimeError(
                f"cat(): Tensors must have same number of dimensions: got {ndim} and {len(s)}"
            )
        for k in range(ndim):
            if k != d and s[k] != ref._data.shape[k]:
                raise RuntimeError(
                    f"cat(): Sizes of tensors must match except in dimension {d}. Expected "
                    f"size {ref._data.shape[k]} but got size {s[k]} for tensor number {i} in "
                    "the list."
                )
    result = Cat.apply(d, dt, ndim, *tensors)
    return result if out is None else write_out("cat", out, result)


concat = concatenate = cat


class Stack(Function):
    @staticmethod
    def forward(ctx, dim, dt, *xs):
        ctx.dim = dim
        return ctx.xp.stack([x if x.dtype == dt else x.astype(dt) for x in xs], axis=dim)

    @staticmethod
    def backward(ctx, gy):
        return (None, None, *unbind(gy, ctx.dim))


def stack(tensors, dim: int = 0, *, out=None) -> Tensor:
    """``tensors`` (all the same shape) joined along a new dim, as ``torch.stack``.

    >>> ember.stack([ember.tensor([1, 2]), ember.tensor([3, 4])], dim=1)
    tensor([[1, 3],
            [2, 4]])
    """
    tensors = _tensor_list("stack", tensors)
    shape = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(shape)} at entry 0 "
                f"and {list(t._data.shape)} at entry {i}"
            )
    d = wrap_dim("stack", dim, len(shape) + 1)
    result = Stack.apply(d, _promoted(tensors), *tensors)
    return result if out is None else write_out("stack", out, result)


def _atleast(n, tensors):
    single = len(tensors) == 1 and isinstance(tensors[0], Tensor)
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    out = []
    for t in tensors:
        s = t._data.shape
        if len(s) >= n:
            out.append(t)
        elif n == 3 and len(s) == 2:
            out.append(View.apply(t, s + (1,)))
        elif n == 3 and len(s) == 1:
            out.append(View.apply(t, (1,) + s + (1,)))
        else:
            out.append(View.apply(t, (1,) * (n - len(s)) + s))
    return out[0] if single else tuple(out)


def atleast_1d(*tensors):
    """``tensors`` viewed with at least 1 dim (one tensor in, one out), as
    ``torch.atleast_1d``.

    >>> ember.atleast_1d(ember.tensor(1.0))
    tensor([1.])
    """
    return _atleast(1, tensors)


def atleast_2d(*tensors):
    """``tensors`` viewed with at least 2 dims, as ``torch.atleast_2d``.

    >>> ember.atleast_2d(ember.tensor([1, 2])).shape
    ember.Size([1, 2])
    """
    return _atleast(2, tensors)


def atleast_3d(*tensors):
    """``tensors`` viewed with at least 3 dims (``(n,) -> (1, n, 1)``, ``(m, n) -> (m, n,
    1)``), as ``torch.atleast_3d``.

    >>> ember.atleast_3d(ember.tensor([1, 2])).shape
    ember.Size([1, 2, 1])
    """
    return _atleast(3, tensors)


def hstack(tensors, *, out=None) -> Tensor:
    """Tensors joined column-wise (along dim 0 for 1-D inputs, else dim 1), as
    ``torch.hstack``.

    >>> ember.hstack([ember.tensor([1, 2]), ember.tensor([3])])
    tensor([1, 2, 3])
    """
    tensors = _atleast(1, tuple(_tensor_list("hstack", tensors)))
    dim = 0 if tensors[0]._data.ndim == 1 else 1
    return cat(tensors, dim, out=out)


def vstack(tensors, *, out=None) -> Tensor:
    """Tensors (1-D ones as rows) joined along dim 0, as ``torch.vstack``.

    >>> ember.vstack([ember.tensor([1, 2]), ember.tensor([3, 4])])
    tensor([[1, 2],
            [3, 4]])
    """
    return cat(_atleast(2, tuple(_tensor_list("vstack", tensors))), 0, out=out)


def dstack(tensors, *, out=None) -> Tensor:
    """Tensors (viewed as at least 3-D) joined along dim 2, as ``torch.dstack``.

    >>> ember.dstack([ember.tensor([1, 2]), ember.tensor([3, 4])]).shape
    ember.Size([1, 2, 2])
    """
    return cat(_atleast(3, tuple(_tensor_list("dstack", tensors))), 2, out=out)


def column_stack(tensors, *, out=None) -> Tensor:
    """0-D and 1-D tensors as columns, joined with the others along dim 1, as
    ``torch.column_stack``.

    >>> ember.column_stack([ember.tensor([1, 2]), ember.tensor([3, 4])])
    tensor([[1, 3],
            [2, 4]])
    """
    tensors = _tensor_list("column_stack", tensors)
    cols = [reshape(t, (t._data.size, 1)) if t._data.ndim <= 1 else t for t in tensors]
    return cat(cols, 1, out=out)


# -- splitting: one node, many views ---------------------------------------------------------
class SplitViews(Function):
    """Outputs ``x[..., a:b]`` along ``dim`` for each ``(a, b)``: one node, views of ``x``;
    backward is one ``cat`` of the (zero-filled) output grads."""

    @staticmethod
    def forward(ctx, x, dim, bounds):
        ctx.dim = dim
        lead = (slice(None),) * dim
        return tuple(x[(*lead, slice(a, b))] for a, b in bounds)

    @staticmethod
    def backward(ctx, *gys):
        return cat(gys, ctx.dim), None, None


class Unbind(Function):
    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        lead = (slice(None),) * dim
        return tuple(x[(*lead, i, Ellipsis)] for i in range(x.shape[dim]))

    @staticmethod
    def backward(ctx, *gys):
        return stack(gys, ctx.dim), None


def _views(input, outs) -> tuple:
    for o in outs:
        _share_version(o, input)
    return outs


def _split_at(input: Tensor, d: int, sizes) -> tuple:
    bounds, start = [], 0
    for s in sizes:
        bounds.append((start, start + s))
        start += s
    return _views(input, SplitViews.apply(input, d, tuple(bounds)))


def split(tensor: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Views of ``tensor`` in pieces of ``split_size_or_sections`` (an int: equal pieces and
    a smaller last one; a list: those sizes) along ``dim``, as ``torch.split``.

    >>> [t.tolist() for t in ember.arange(5).split(2)]
    [[0, 1], [2, 3], [4]]
    """
    d = wrap_dim("split", dim, tensor._data.ndim)
    n = tensor._data.shape[d]
    if isinstance(split_size_or_sections, int) or hasattr(split_size_or_sections, "__index__"):
        size = int(split_size_or_sections)
        if size < 0 or (size == 0 and n != 0):
            raise RuntimeError(
                f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}"
                if size == 0
                else f"split expects split_size be non-negative, but got split_size={size}"
            )
        sizes = [size] * (n // size) + ([n % size] if n % size else []) if size else [0]
        return _split_at(tensor, d, sizes or [0])
    sizes = [int(s) for s in split_size_or_sections]
    if builtins.sum(sizes) != n or any(s < 0 for s in sizes):
        raise RuntimeError(
            f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size "
            f"at dimension {d}), but got split_sizes={sizes}"
        )
    return _split_at(tensor, d, sizes)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """At most ``chunks`` views of equal size (the last may be smaller) along ``dim``, as
    ``torch.chunk``.

    >>> [t.tolist() for t in ember.arange(5).chunk(3)]
    [[0, 1], [2, 3], [4]]
    """
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = wrap_dim("chunk", dim, input._data.ndim)
    n = input._data.shape[d]
    return split(input, -(-n // chunks), d) if n else _split_at(input, d, [0] * chunks)


def tensor_split(input: Tensor, indices_or_sections, dim: int = 0) -> tuple:
    """Views split into ``n`` near-equal sections (an int) or at ``indices`` (a list or 1-D
    tensor) along ``dim``, as ``torch.tensor_split``.

    >>> [t.tolist() for t in ember.arange(5).tensor_split(2)]
    [[0, 1, 2], [3, 4]]
    """
    d = wrap_dim("tensor_split", dim, input._data.ndim)
    n = input._data.shape[d]
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        if ios._data.dtype.kind not in "iu" or ios._data.ndim > 1:
            raise RuntimeError(
                "tensor_split expected tensor_indices_or_sections to have a dtype of long and "
                f"be 0-D or 1-D, but got {ios.dtype} with {ios._data.ndim} dims"
            )
        ios = int(ios.item()) if ios._data.ndim == 0 else [int(i) for i in ios.tolist()]
    if isinstance(ios, int) or hasattr(ios, "__index__"):
        sections = int(ios)
        if sections <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
        q, r = divmod(n, sections)
        sizes = [q + 1] * r + [q] * (sections - r)
        return _split_at(input, d, sizes)
    bounds, start = [], 0
    for i in [int(i) for i in ios] + [n]:
        i = min(max(i + n if i < 0 else i, 0), n)
        bounds.append((start, max(i, start)))
        start = max(i, start)
    return _views(input, SplitViews.apply(input, d, tuple(bounds)))


def unbind(input: Tensor, dim: int = 0) -> tuple:
    """Views of each slice along ``dim`` (which is removed), as ``torch.unbind``.

    >>> ember.unbind(ember.tensor([[1, 2], [3, 4]]))
    (tensor([1, 2]), tensor([3, 4]))
    """
    d = wrap_dim("unbind", dim, input._data.ndim)
    if input._data.ndim == 0:
        raise IndexError("unbind: Dimension specified as 0 but tensor has no dimensions")
    return _views(input, Unbind.apply(input, d))


def narrow(input: Tensor, dim: int, start, length: int) -> Tensor:
    """A view of ``length`` elements of ``dim`` from ``start``, as ``torch.narrow``.

    >>> ember.arange(5).narrow(0, 1, 3)
    tensor([1, 2, 3])
    """
    ndim = input._data.ndim
    if ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = wrap_dim("narrow", dim, ndim)
    n = input._data.shape[d]
    start = int(start)
    if not -n <= start <= n:
        raise IndexError(
            f"start out of range (expected to be in range of [{-n}, {n}], but got {start})"
        )
    start = start + n if start < 0 else start
    if length < 0 or start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return input[(slice(None),) * d + (slice(start, start + length),)]


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """A view of the slice at ``index`` along ``dim`` (that dim removed), as
    ``torch.select``.

    >>> ember.tensor([[1, 2], [3, 4]]).select(1, 0)
    tensor([1, 3])
    """
    ndim = input._data.ndim
    if ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = wrap_dim("select", dim, ndim)
    n = input._data.shape[d]
    index = int(index)
    if not -n <= index < n:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size "
            f"{list(input._data.shape)} at dimension {d}"
        )
    return input[(slice(None),) * d + (index,)]


def _split_dir(op, input, sections, dim, min_ndim):
    if input._data.ndim < min_ndim:
        raise RuntimeError(
            f"torch.{op} requires a tensor with at least {min_ndim} dimension, but got a tensor "
            f"with {input._data.ndim} dimensions!"
        )
    if isinstance(sections, int) and input._data.shape[dim] % sections:
        raise RuntimeError(
            f"torch.{op} attempted to split along dimension {dim}, but the size of the "
            f"dimension {input._data.shape[dim]} is not divisible by the split_size "
            f"{sections}!"
        )
    return tensor_split(input, sections, dim)


def hsplit(input: Tensor, indices_or_sections) -> tuple:
    """``tensor_split`` along dim 1 (dim 0 for 1-D tensors), sections dividing evenly, as
    ``torch.hsplit``.

    >>> [t.tolist() for t in ember.arange(4).hsplit(2)]
    [[0, 1], [2, 3]]
    """
    dim = 0 if input._data.ndim == 1 else 1
    return _split_dir("hsplit", input, indices_or_sections, dim, 1)


def vsplit(input: Tensor, indices_or_sections) -> tuple:
    """``tensor_split`` along dim 0 of a tensor with at least 2 dims, as ``torch.vsplit``.

    >>> [t.shape for t in ember.zeros(4, 2).vsplit([1])]
    [ember.Size([1, 2]), ember.Size([3, 2])]
    """
    return _split_dir("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input: Tensor, indices_or_sections) -> tuple:
    """``tensor_split`` along dim 2 of a tensor with at least 3 dims, as ``torch.dsplit``.

    >>> len(ember.zeros(1, 1, 4).dsplit(2))
    2
    """
    return _split_dir("dsplit", input, indices_or_sections, 2, 3)


# -- rearrangements (copies, as in PyTorch) -------------------------------------------------
class Flip(Function):
    @staticmethod
    def forward(ctx, x, axes):
        ctx.axes = axes
        return ctx.xp.flip(x, axes).copy() if axes else x.copy()

    @staticmethod
    def backward(ctx, gy):
        return flip(gy, ctx.axes), None


def flip(input: Tensor, dims) -> Tensor:
    """A copy with the order of elements along ``dims`` reversed, as ``torch.flip``.

    >>> ember.flip(ember.tensor([1, 2, 3]), (0,))
    tensor([3, 2, 1])
    """
    axes = wrap_dims("flip", dims, input._data.ndim)
    return Flip.apply(input, axes)


def fliplr(input: Tensor) -> Tensor:
    """Columns (dim 1) in reverse order, as ``torch.fliplr``.

    >>> ember.fliplr(ember.tensor([[1, 2]]))
    tensor([[2, 1]])
    """
    if input._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, (1,))


def flipud(input: Tensor) -> Tensor:
    """Rows (dim 0) in reverse order, as ``torch.flipud``.

    >>> ember.flipud(ember.tensor([1, 2]))
    tensor([2, 1])
    """
    if input._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, (0,))


class Roll(Function):
    @staticmethod
    def forward(ctx, x, shifts, axes):
        ctx.shifts, ctx.axes = shifts, axes
        if axes is None:
            return ctx.xp.roll(x.reshape(-1), shifts).reshape(x.shape)
        return ctx.xp.roll(x, shifts, axes)

    @staticmethod
    def backward(ctx, gy):
        neg = -ctx.shifts if ctx.axes is None else tuple(-s for s in ctx.shifts)
        return Roll.apply(gy, neg, ctx.axes), None, None


def roll(input: Tensor, shifts, dims=None) -> Tensor:
    """Elements shifted cyclically by ``shifts`` along ``dims`` (the flattened tensor when
    None), as ``torch.roll``.

    >>> ember.roll(ember.tensor([1, 2, 3]), 1)
    tensor([3, 1, 2])
    """
    if dims is None:
        if not isinstance(shifts, int):
            shifts = tuple(shifts)
            if len(shifts) != 1:
                raise RuntimeError(
                    f"roll: shifts must be an int when dims is None, got {list(shifts)}"
                )
            shifts = shifts[0]
        return Roll.apply(input, int(shifts), None)
    shifts = (shifts,) if isinstance(shifts, int) else tuple(int(s) for s in shifts)
    axes = _as_dims("roll", dims, input._data.ndim)
    if len(shifts) != len(axes):
        raise RuntimeError(
            f"roll: shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(axes)}"
        )
    return Roll.apply(input, shifts, axes)


def rot90(input: Tensor, k: int = 1, dims=(0, 1)) -> Tensor:
    """Rotation by 90 degrees ``k`` times in the plane of ``dims`` (from the first towards
    the second), as ``torch.rot90``.

    >>> ember.rot90(ember.tensor([[1, 2], [3, 4]]))
    tensor([[2, 4],
            [1, 3]])
    """
    dims = tuple(dims)
    ndim = input._data.ndim
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {ndim}")
    d0, d1 = (wrap_dim("rot90", d, ndim) for d in dims)
    if d0 == d1:
        raise RuntimeError(
            f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}"
        )
    k %= 4
    if k == 1:
        return transpose(flip(input, (d1,)), d0, d1)
    if k == 2:
        return flip(input, (d0, d1))
    if k == 3:
        return transpose(flip(input, (d0,)), d0, d1)
    return Flip.apply(input, ())  # a copy, as PyTorch's clone


class Tril(Function):
    @staticmethod
    def forward(ctx, x, k, upper):
        ctx.k, ctx.upper = k, upper
        if x.size == 0:
            return x.copy()
        return ctx.xp.triu(x, k) if upper else ctx.xp.tril(x, k)

    @staticmethod
    def backward(ctx, gy):
        return Tril.apply(gy, ctx.k, ctx.upper), None, None


def _tri(op, input, diagonal, upper):
    if input._data.ndim < 2:
        raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions")
    return Tril.apply(input, int(diagonal), upper)


def tril(input: Tensor, diagonal: int = 0, *, out=None) -> Tensor:
    """The lower triangle of the last two dims (on and below ``diagonal``), rest zero, as
    ``torch.tril``.

    >>> ember.tril(ember.ones(2, 2))
    tensor([[1., 0.],
            [1., 1.]])
    """
    result = _tri("tril", input, diagonal, False)
    return result if out is None else write_out("tril", out, result)


def triu(input: Tensor, diagonal: int = 0, *, out=None) -> Tensor:
    """The upper triangle of the last two dims (on and above ``diagonal``), rest zero, as
    ``torch.triu``.

    >>> ember.triu(ember.ones(2, 2))
    tensor([[1., 1.],
            [0., 1.]])
    """
    result = _tri("triu", input, diagonal, True)
    return result if out is None else write_out("triu", out, result)


# -- diagonals ------------------------------------------------------------------------------
def _diag_view(xp, x, offset, d1, d2):
    """A writable strided view of the diagonal (dims ``d1``, ``d2`` removed, diagonal last)."""
    rest = [i for i in range(x.ndim) if i not in (d1, d2)]
    y = x.transpose(rest + [d1, d2])
    y = y[..., max(-offset, 0) :, max(offset, 0) :]
    n = max(min(y.shape[-2], y.shape[-1]), 0)
    return xp.lib.stride_tricks.as_strided(
        y, y.shape[:-2] + (n,), y.strides[:-2] + (y.strides[-2] + y.strides[-1],)
    )


class Diagonal(Function):
    _view_of = 0

    @staticmethod
    def forward(ctx, x, offset, d1, d2):
        ctx.args = (x.shape, offset, d1, d2)
        return _diag_view(ctx.xp, x, offset, d1, d2)

    @staticmethod
    def backward(ctx, gy):
        return DiagScatter.apply(gy, *ctx.args), None, None, None


class DiagScatter(Function):
    """``gy`` written on a diagonal of zeros of ``shape`` (``diagonal``'s backward and
    ``diag_embed``); its own backward takes that diagonal again."""

    @staticmethod
    def forward(ctx, y, shape, offset, d1, d2):
        ctx.args = (offset, d1, d2)
        out = ctx.xp.zeros(shape, y.dtype)
        _diag_view(ctx.xp, out, offset, d1, d2)[...] = y
        return out

    @staticmethod
    def backward(ctx, gy):
        return Diagonal.apply(gy, *ctx.args), None, None, None, None


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """A view of the diagonal ``offset`` of the planes spanned by ``dim1`` and ``dim2``
    (those dims removed, the diagonal appended last), as ``torch.diagonal``.

    >>> ember.diagonal(ember.tensor([[1, 2], [3, 4]]))
    tensor([1, 4])
    """
    ndim = input._data.ndim
    d1, d2 = wrap_dim("diagonal", dim1, ndim), wrap_dim("diagonal", dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal.apply(input, int(offset), d1, d2)


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Square matrices (in dims ``dim1``, ``dim2`` of the result) with the last dim of
    ``input`` on diagonal ``offset``, as ``torch.diag_embed``.

    >>> ember.diag_embed(ember.tensor([1, 2]))
    tensor([[1, 0],
            [0, 2]])
    """
    x = input._data
    ndim = x.ndim + 1
    d1, d2 = wrap_dim("diag_embed", dim1, ndim), wrap_dim("diag_embed", dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    n = (x.shape[-1] if x.ndim else 1) + abs(int(offset))
    rest = iter(x.shape[:-1])
    shape = tuple(n if i in (d1, d2) else next(rest) for i in range(ndim))
    if x.ndim == 0:
        input = reshape(input, (1,))
    return DiagScatter.apply(input, shape, int(offset), d1, d2)


def diag(input: Tensor, diagonal: int = 0, *, out=None) -> Tensor:
    """A 1-D tensor as a square matrix with it on diagonal ``diagonal``, or a 2-D tensor's
    diagonal as a new 1-D tensor, as ``torch.diag``.

    >>> ember.diag(ember.tensor([1, 2]))
    tensor([[1, 0],
            [0, 2]])
    """
    ndim = input._data.ndim
    if ndim == 1:
        result = diag_embed(input, diagonal, 0, 1)
    elif ndim == 2:
        result = Diagonal.apply(input, int(diagonal), 0, 1).clone()
    else:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {ndim}D")
    return result if out is None else write_out("diag", out, result)


def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """The flattened ``input`` on diagonal ``offset`` of a square matrix, as
    ``torch.diagflat``.

    >>> ember.diagflat(ember.tensor([[1, 2]]))
    tensor([[1, 0],
            [0, 2]])
    """
    return diag_embed(reshape(input, (-1,)), offset, 0, 1)


def meshgrid(*tensors, indexing: str = "ij") -> tuple:
    """Coordinate grids (broadcast views) from 1-D tensors; ``indexing='ij'`` (Ember's
    default, without PyTorch's warning) or ``'xy'`` (first two dims swapped), as
    ``torch.meshgrid``.

    >>> a, b = ember.meshgrid(ember.tensor([1, 2]), ember.tensor([3, 4, 5]), indexing="ij")
    >>> a.shape
    ember.Size([2, 3])
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(
            f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}'
        )
    for t in tensors:
        if t._data.ndim > 1:
            raise RuntimeError(
                "torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: "
                f"{t._data.ndim}D tensor"
            )
    swap = indexing == "xy" and len(tensors) >= 2
    ts = list(tensors)
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    shape = tuple(t._data.size for t in ts)
    outs = []
    for i, t in enumerate(ts):
        view_shape = tuple(shape[i] if k == i else 1 for k in range(len(ts)))
        outs.append(expand(reshape(t, view_shape), shape))
    if swap:
        outs[0], outs[1] = outs[1], outs[0]
    return tuple(outs)


def _tri_(fn, name):
    def method(self, diagonal=0):
        return apply_inplace(name, self, fn(self, diagonal))

    method.__name__ = name
    method.__doc__ = f"In-place version of :func:`{fn.__name__}`."
    return method


bind_methods(
    reshape=reshape,
    view=view,
    expand=expand,
    expand_as=lambda self, other: expand(self, other._data.shape),
    broadcast_to=broadcast_to,
    permute=permute,
    transpose=transpose,
    swapaxes=transpose,
    swapdims=transpose,
    movedim=movedim,
    moveaxis=movedim,
    t=t,
    adjoint=adjoint,
    unsqueeze=unsqueeze,
    squeeze=squeeze,
    flatten=flatten,
    unflatten=unflatten,
    ravel=ravel,
    contiguous=contiguous,
    view_as=lambda self, other: view(self, other._data.shape),
    reshape_as=lambda self, other: reshape(self, other._data.shape),
    repeat=repeat,
    tile=tile,
    repeat_interleave=repeat_interleave,
    split=split,
    chunk=chunk,
    tensor_split=tensor_split,
    unbind=unbind,
    narrow=narrow,
    select=select,
    hsplit=hsplit,
    vsplit=vsplit,
    dsplit=dsplit,
    flip=flip,
    fliplr=fliplr,
    flipud=flipud,
    roll=roll,
    rot90=rot90,
    tril=tril,
    triu=triu,
    tril_=_tri_(tril, "tril_"),
    triu_=_tri_(triu, "triu_"),
    diag=diag,
    diagonal=diagonal,
    diag_embed=diag_embed,
    diagflat=diagflat,
    T=property(_T),
    mT=property(_mT),
    H=property(_H),
    mH=property(_mH),
)
