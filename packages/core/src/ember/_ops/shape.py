"""Shape ops: views and rearrangements (reshape, view, expand, permute, transpose, ...).

View ops (``_view_of = 0``) return arrays sharing the input's memory, exactly as numpy and
cupy views do, and share its version counter, so an in-place write through either is seen
by autograd's saved-tensor checks.
"""

from __future__ import annotations

from ember._ops._checks import shape_str, wrap_dim
from ember._tensor import Tensor, bind_methods
from ember.autograd.function import Function

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
            raise RuntimeError(
                f"{op}: shape '{list(shape)}' is invalid for input of size {numel}"
            )
        shape = shape[: infer[0]] + (numel // known,) + shape[infer[0] + 1 :]
    elif known != numel:
        raise RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


class Reshape(Function):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return x.reshape(shape)

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
    if shape == input._data.shape:
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
    return transpose(input, 0, -1) if input._data.ndim == 2 else View.apply(input, input._data.shape)


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
        raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. "
                           f"Got {self._data.ndim}-D tensor.")
    return transpose(self, -2, -1)


def _T(self: Tensor) -> Tensor:  # noqa: N802
    return Permute.apply(self, tuple(range(self._data.ndim))[::-1])


bind_methods(
    reshape=reshape,
    view=view,
    expand=expand,
    expand_as=lambda self, other: expand(self, other._data.shape),
    permute=permute,
    transpose=transpose,
    swapaxes=transpose,
    swapdims=transpose,
    t=t,
    unsqueeze=unsqueeze,
    squeeze=squeeze,
    flatten=flatten,
    contiguous=contiguous,
    view_as=lambda self, other: view(self, other._data.shape),
    reshape_as=lambda self, other: reshape(self, other._data.shape),
    T=property(_T),
    mT=property(_mT),
)
