"""Embedding lookups: ``embedding``, ``embedding_bag`` and ``one_hot``.

``EmbeddingLookup`` is a row gather; its backward ``EmbeddingGrad`` scatters rows back by
sorting the indices and summing runs with ``add.reduceat`` (a ``bincount`` on cupy; no
``add.at``), skipping ``padding_idx`` and optionally dividing by each
index's frequency, and is itself differentiable (its backward is the gather again).
``embedding_bag`` gathers bags into a dense (bags, longest bag, dim) block with a validity
mask and reduces it, so its gradients come from the lookup and the reductions.

``__all__`` lists names PyTorch also has at top level (``torch.xxx``); ``FUNCTIONAL`` lists
the names ``ember.nn.functional`` re-exports. ``torch.batch_norm`` and ``torch.instance_norm``
are defined here, ``torch.embedding`` and ``torch.embedding_bag`` in ``ember._ops.norm``: see
Note [top-level forms in the other family] there.
"""

from __future__ import annotations

import numpy

from ember._ops import norm as _norm
from ember._ops._checks import dtype_not_implemented
from ember._ops.pointwise import where
from ember._tensor import Tensor
from ember.autograd.function import Function
from ember.autograd.grad_mode import is_grad_enabled
from ember.backend import array_module, device_of

# torch.embedding(weight, input, ...) and torch.embedding_bag (a 4-tuple) differ from their
# functional forms: they go top level from ember._ops.norm, and norm's top-level forms from here.
__all__ = ["batch_norm", "instance_norm"]
FUNCTIONAL = ["embedding", "embedding_bag", "one_hot"]


def _xp(array):
    return array_module(device_of(array))


def _scale(xp, idx, padding_idx, scale_grad_by_freq, dtype):
    """Per-index factor (shape of ``idx``): 0 at ``padding_idx``, 1/count with freq scaling."""
    if padding_idx is None and not scale_grad_by_freq:
        return None
    f = xp.ones(idx.shape, dtype)
    if scale_grad_by_freq:
        flat = idx.reshape(-1)
        counts = xp.bincount(flat, minlength=1)
        f = f / counts[flat].reshape(idx.shape).astype(dtype)
    if padding_idx is not None:
        f = f * (idx != padding_idx)
    return f


class EmbeddingLookup(Function):
    @staticmethod
    def forward(ctx, w, idx, padding_idx, scale_grad_by_freq):
        ctx.idx, ctx.num = idx, w.shape[0]
        ctx.padding_idx, ctx.freq = padding_idx, scale_grad_by_freq
        return ctx.xp.take(w, idx, axis=0)

    @staticmethod
    def backward(ctx, gy):
        gw = EmbeddingGrad.apply(gy, ctx.idx, ctx.num, ctx.padding_idx, ctx.freq)
        return gw, None, None, None


class EmbeddingGrad(Function):
    @staticmethod
    def forward(ctx, g, idx, num, padding_idx, scale_grad_by_freq):
        xp = ctx.xp
        ctx.idx, ctx.padding_idx, ctx.freq = idx, padding_idx, scale_grad_by_freq
        dim = g.shape[-1]
        rows = g.reshape(-1, dim)
        f = _scale(xp, idx, padding_idx, scale_grad_by_freq, rows.dtype)
        if f is not None:
            rows = rows * f.reshape(-1, 1)
        flat = idx.reshape(-1)
        if xp is numpy and flat.size and dim > 4 and rows.dtype.kind in "fc":
            # The scatter-add as a sparse (num, n) one-hot matrix times the (n, dim) rows:
            # scipy's CSR product is one C loop, 4-5x faster than sorting rows by index and
            # add.reduceat, and it never allocates a num*dim float64 buffer as bincount does.
            import scipy.sparse

            n = flat.size
            one_hot = scipy.sparse.csr_matrix(
                (numpy.ones(n, rows.dtype), (flat, numpy.arange(n))), shape=(num, n)
            )
            return numpy.asarray(one_hot @ rows, dtype=g.dtype)
        lin = (flat.reshape(-1, 1) * dim + xp.arange(dim)).reshape(-1)
        acc = "float64" if rows.dtype.kind in "fV" else rows.dtype
        out = xp.bincount(lin, weights=rows.reshape(-1).astype(acc), minlength=num * dim)
        return out.astype(g.dtype, copy=False).reshape(num, dim)

    @staticmethod
    def backward(ctx, gg):
        # The adjoint of scatter-with-factor is gather-with-factor.
        y = EmbeddingLookup.apply(gg, Tensor._make(ctx.idx), None, False)
        f = _scale(ctx.xp, ctx.idx, ctx.padding_idx, ctx.freq, gg._data.dtype)
        if f is not None:
            y = y * Tensor._make(f[..., None])
        return y, None, None, None, None


def _index_data(op: str, input: Tensor, num: int):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'indices' must be a Tensor, not {type(input).__name__}")
    idx = input._data
    if idx.dtype.kind not in "iu":
        raise RuntimeError(
            f"{op}: Expected tensor for argument #1 'indices' to have one of the following "
            f"scalar types: Long, Int; but got {input.dtype} instead"
        )
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= num):
        bad = int(idx.min()) if int(idx.min()) < 0 else int(idx.max())
        raise IndexError(f"{op}: index {bad} is out of range for a weight with {num} rows")
    return idx


def _padding_idx(op: str, padding_idx, num: int):
    if padding_idx is None:
        return None
    if padding_idx >= num or padding_idx < -num:
        raise AssertionError(f"{op}: Padding_idx must be within num_embeddings")
    return padding_idx % num


def _renorm_(weight: Tensor, idx, max_norm: float, norm_type: float) -> None:
    # In place on the weight's array, under no autograd record, as torch.embedding_renorm_.
    w = weight._data
    xp = _xp(w)
    rows = xp.unique(idx.reshape(-1))
    sel = w[rows].astype("float64")
    norms = (xp.abs(sel) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
    w[rows] = (sel * scale[:, None]).astype(w.dtype)
    weight._bump_version()


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Rows of ``weight`` (num_embeddings, dim) picked by the integer ``input`` (any shape),
    giving (*input.shape, dim), as ``torch.nn.functional.embedding``: ``padding_idx`` rows get
    no gradient, ``max_norm`` renormalises the looked-up rows of ``weight`` in place and
    ``scale_grad_by_freq`` divides gradients by index frequency. ``sparse=True`` is not
    supported.

    >>> w = ember.tensor([[0.0, 1.0], [2.0, 3.0]])
    >>> ember.nn.functional.embedding(ember.tensor([1, 0, 1]), w)
    tensor([[2., 3.],
            [0., 1.],
            [2., 3.]])
    """
    if sparse:
        raise NotImplementedError("embedding: sparse=True is not supported; use sparse=False")
    if weight.ndim != 2:
        raise RuntimeError(f"embedding: 'weight' must be 2-D, got {weight.ndim}-D")
    num = weight.shape[0]
    idx = _index_data("embedding", input, num)
    padding_idx = _padding_idx("embedding", padding_idx, num)
    if max_norm is not None:
        _renorm_(weight, idx, max_norm, norm_type)
    return EmbeddingLookup.apply(weight, input, padding_idx, scale_grad_by_freq)


def embedding_bag(
    input: Tensor,
    weight: Tensor,
    offsets: Tensor | None = None,
    max_norm: float | None = None,
    norm_type: float = 2,
    scale_grad_by_freq: bool = False,
    mode: str = "mean",
    sparse: bool = False,
    per_sample_weights: Tensor | None = None,
    include_last_offset: bool = False,
    padding_idx: int | None = None,
) -> Tensor:
    """Sums, means or maxes of bags of embedding rows, as
    ``torch.nn.functional.embedding_bag``: ``input`` is (B, L) (each row a bag) or 1-D with
    ``offsets`` giving each bag's start; ``per_sample_weights`` scale rows (``mode='sum'``
    only); ``padding_idx`` entries are left out of their bag; empty bags give zeros.

    >>> w = ember.tensor([[0.0, 1.0], [2.0, 3.0]])
    >>> ember.nn.functional.embedding_bag(ember.tensor([[0, 1]]), w, mode="sum")
    tensor([[2., 4.]])
    """
    from ember._ops.creation import zeros

    if sparse:
        raise NotImplementedError("embedding_bag: sparse=True is not supported")
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"embedding_bag: mode has to be one of sum, mean or max, got {mode!r}")
    if scale_grad_by_freq:
        raise NotImplementedError("embedding_bag: scale_grad_by_freq=True is not supported")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            "embedding_bag: per_sample_weights was not None. per_sample_weights is only "
            f"supported for mode='sum' (got mode='{mode}'). Please open a feature request "
            "on GitHub."
        )
    if weight._data.dtype.kind not in "fV":
        raise dtype_not_implemented("embedding_bag", weight._data.dtype)
    num, dim = weight.shape
    idx = _index_data("embedding_bag", input, num)
    padding_idx = _padding_idx("embedding_bag", padding_idx, num)
    xp = _xp(idx)
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError("embedding_bag: if input is 2D, then offsets has to be None")
        bags, longest = idx.shape
        flat_pos = xp.arange(idx.size).reshape(idx.shape)
        valid = xp.ones(idx.shape, bool)
        flat = idx.reshape(-1)
    elif idx.ndim == 1:
        if offsets is None:
            raise ValueError("embedding_bag: offsets has to be a 1D Tensor but got None")
        off = offsets._data.astype("int64")
        if off.ndim != 1:
            raise ValueError("embedding_bag: offsets has to be a 1D Tensor")
        total = idx.shape[0]
        starts = off[:-1] if include_last_offset else off
        ends = (
            off[1:]
            if include_last_offset
            else xp.concatenate([off[1:], xp.asarray([total], "int64")])
        )
        ends = xp.minimum(ends, total)
        bags = starts.shape[0]
        lengths = xp.maximum(ends - starts, 0)
        longest = int(lengths.max()) if bags else 0
        ar = xp.arange(longest)
        valid = ar[None, :] < lengths[:, None]
        flat_pos = xp.where(valid, starts[:, None] + ar[None, :], 0)
        flat = idx
    else:
        raise ValueError(f"embedding_bag: input has to be 1D or 2D Tensor, but got {idx.ndim}D")
    if bags == 0 or longest == 0:
        return zeros((bags, dim), dtype=weight.dtype, device=weight.device)
    ids = flat[flat_pos] if flat.size else xp.zeros(flat_pos.shape, "int64")
    if padding_idx is not None:
        valid = valid & (ids != padding_idx)
    ids = xp.where(valid, ids, 0)
    if max_norm is not None:
        _renorm_(weight, ids[valid], max_norm, norm_type)
    rows = EmbeddingLookup.apply(weight, Tensor._make(ids), None, False)  # (B, L, D)
    mask = Tensor._make(valid.astype(weight._data.dtype)[..., None])
    if per_sample_weights is not None:
        psw = per_sample_weights.reshape(-1)[Tensor._make(flat_pos)]
        rows = rows * psw.unsqueeze(-1)
    if mode == "max":
        neg = Tensor._make(xp.asarray(-xp.inf, weight._data.dtype))
        picked = where(Tensor._make(valid[..., None]), rows, neg).max(dim=1).values
        empty = Tensor._make(~valid.any(axis=1)[:, None])
        return where(empty, Tensor._make(xp.zeros((), weight._data.dtype)), picked)
    summed = (rows * mask).sum(dim=1)
    if mode == "sum":
        return summed
    counts = valid.sum(axis=1).clip(1, None).astype(weight._data.dtype)[:, None]
    return summed / Tensor._make(counts)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding (*tensor.shape, num_classes) of the int64 ``tensor``, as
    ``torch.nn.functional.one_hot`` (``num_classes=-1`` uses ``tensor.max() + 1``).

    >>> ember.nn.functional.one_hot(ember.tensor([0, 2]))
    tensor([[1, 0, 0],
            [0, 0, 1]])
    """
    d = tensor._data
    if d.dtype.name != "int64":
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    xp = _xp(d)
    if d.size and int(d.min()) < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        if d.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(d.max()) + 1
    elif d.size and int(d.max()) >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = (d[..., None] == xp.arange(num_classes)).astype("int64")
    return Tensor._make(out)


def _bag_aux(
    weight: Tensor, indices: Tensor, offsets: Tensor, mode: int, include_last_offset, padding_idx
) -> tuple:
    """``torch.embedding_bag``'s auxiliary outputs ``(offset2bag, bag_size, max_indices)``
    as PyTorch's CPU kernel lays them out (its backward state; Ember's backward needs none)."""
    idx = indices._data
    xp = _xp(idx)
    off = offsets._data.astype("int64")
    num = weight.shape[0]
    padding_idx = _padding_idx("embedding_bag", padding_idx, num)
    starts = off[:-1] if include_last_offset else off
    bags = starts.shape[0]
    if mode == 0:
        # Sum records no bag sizes; its float32 fast path (no padding) not even offset2bag,
        # and the sizes are as long as offsets unless a gradient will be taken.
        grad = weight._requires_grad and is_grad_enabled()
        zeros = xp.zeros(bags if grad else off.shape[0], "int64")
        if weight._data.dtype == numpy.float32 and padding_idx is None:
            offset2bag = xp.zeros(0, "int64")
        else:
            pos = xp.arange(idx.shape[0])
            offset2bag = (xp.searchsorted(starts, pos, side="right") - 1).astype("int64")
        return Tensor._make(offset2bag), Tensor._make(zeros), Tensor._make(zeros.copy())
    pos = xp.arange(idx.shape[0])
    offset2bag = (xp.searchsorted(starts, pos, side="right") - 1).astype("int64")
    end = int(off[-1]) if include_last_offset and off.size else idx.shape[0]
    valid = (pos < end) & (offset2bag >= 0)
    if padding_idx is not None:
        valid &= idx != padding_idx
    bag_size = xp.bincount(offset2bag[valid], minlength=bags)[:bags].astype("int64")
    if mode == 1:
        return Tensor._make(offset2bag), Tensor._make(bag_size), Tensor._make(bag_size.copy())
    # Max: for each bag and feature the index whose row wins (the first of ties), 0 if empty.
    dim = weight.shape[1]
    longest = int(bag_size.max()) if bags else 0
    max_indices = xp.zeros((bags, dim), "int64")
    if longest:
        # offsets are ascending, so the valid positions are already grouped by bag
        ids = idx[valid]
        bag_of = offset2bag[valid]
        first = xp.concatenate([xp.zeros(1, "int64"), xp.cumsum(bag_size)[:-1]])
        slot = xp.arange(ids.shape[0]) - first[bag_of]
        block = xp.full((bags, longest, dim), -xp.inf)
        block[bag_of, slot] = weight._data[ids].astype("float64")
        ids_block = xp.zeros((bags, longest), "int64")
        ids_block[bag_of, slot] = ids
        best = block.argmax(axis=1)
        max_indices = xp.take_along_axis(ids_block, best, axis=1)
    return Tensor._make(offset2bag), Tensor._make(bag_size), Tensor._make(max_indices)


# -- torch.batch_norm / torch.instance_norm: see Note [top-level forms in the other family] --
def batch_norm(
    input: Tensor,
    weight: Tensor | None,
    bias: Tensor | None,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    training: bool,
    momentum: float,
    eps: float,
    cudnn_enabled: bool,
) -> Tensor:
    """Batch normalisation of ``input`` (N, C, *) over all dims but dim 1, as
    ``torch.batch_norm`` (the low-level form of ``nn.functional.batch_norm``: affine
    parameters before the running statistics, every argument given; ``cudnn_enabled`` is
    accepted and ignored).

    >>> x = ember.tensor([[1.0, 2.0], [3.0, 6.0]])
    >>> ember.batch_norm(x, None, None, None, None, True, 0.1, 1e-5, True)
    tensor([[-1.0000, -1.0000],
            [ 1.0000,  1.0000]])
    """
    return _norm.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(
    input: Tensor,
    weight: Tensor | None,
    bias: Tensor | None,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    use_input_stats: bool,
    momentum: float,
    eps: float,
    cudnn_enabled: bool,
) -> Tensor:
    """Instance normalisation of each (sample, channel) plane of ``input`` (N, C, *), as
    ``torch.instance_norm`` (the low-level form of ``nn.functional.instance_norm``: affine
    parameters before the running statistics, every argument given; ``cudnn_enabled`` is
    accepted and ignored).

    >>> x = ember.tensor([[[1.0, 3.0]]])
    >>> ember.instance_norm(x, None, None, None, None, True, 0.1, 1e-5, False)
    tensor([[[-1.0000,  1.0000]]])
    """
    return _norm.instance_norm(
        input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps
    )
