"""Distances and similarities: ``cosine_similarity``, ``pairwise_distance``, ``pdist``,
``cdist``.

All are composed from Ember ops (norms of differences, a sum of products), which is exact
and keeps double backward; ``cdist`` with ``p=2`` on large inputs uses the matmul form as
PyTorch's ``use_mm_for_euclid_dist_if_necessary`` does.

``__all__`` lists names PyTorch also has at top level (``torch.xxx``); ``FUNCTIONAL`` lists
the names ``ember.nn.functional`` re-exports.
"""

from __future__ import annotations

from ember._ops._checks import broadcast_shapes, dtype_not_implemented, wrap_dim
from ember._tensor import Tensor
from ember.backend import array_module

__all__ = ["cosine_similarity", "pairwise_distance", "pdist", "cdist"]
FUNCTIONAL = ["cosine_similarity", "pairwise_distance", "pdist"]


def _check_float(op: str, *tensors) -> None:
    for t in tensors:
        if t._data.dtype.kind not in "fV":
            raise dtype_not_implemented(op, t._data.dtype)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Cosine of the angle between ``x1`` and ``x2`` (broadcast together) along ``dim``, each
    norm clamped below at ``eps``, as ``torch.nn.functional.cosine_similarity``.

    >>> a, b = ember.tensor([[1.0, 0.0]]), ember.tensor([[1.0, 1.0]])
    >>> ember.nn.functional.cosine_similarity(a, b)
    tensor([0.7071])
    """
    from ember._ops.linalg import vector_norm

    _check_float("cosine_similarity", x1, x2)
    shape = broadcast_shapes("cosine_similarity", tuple(x1.shape), tuple(x2.shape))
    dim = wrap_dim("cosine_similarity", dim, len(shape))
    if tuple(x1.shape) != shape:
        x1 = x1.expand(shape)
    if tuple(x2.shape) != shape:
        x2 = x2.expand(shape)
    n1 = vector_norm(x1, 2, dim=dim, keepdim=True).clamp_min(eps)
    n2 = vector_norm(x2, 2, dim=dim, keepdim=True).clamp_min(eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim=dim)


def pairwise_distance(
    x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> Tensor:
    """``||x1 - x2 + eps||_p`` over the last dim (inputs broadcast), as
    ``torch.nn.functional.pairwise_distance``.

    >>> a, b = ember.tensor([[0.0, 0.0]]), ember.tensor([[3.0, 4.0]])
    >>> ember.nn.functional.pairwise_distance(a, b)
    tensor([5.0000])
    """
    from ember._ops.linalg import vector_norm

    _check_float("pairwise_distance", x1, x2)
    nd = max(x1.ndim, x2.ndim)
    return vector_norm(x1 - x2 + eps, p, dim=-1 if nd else None, keepdim=keepdim)


def pdist(input: Tensor, p: float = 2) -> Tensor:
    """The p-norm distances between every pair of rows of ``input`` (N, M): a vector of
    N*(N-1)/2 entries in row-major upper-triangle order, as ``torch.nn.functional.pdist``.

    >>> ember.nn.functional.pdist(ember.tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0]]))
    tensor([5.0000, 1.0000, 4.2426])
    """
    import numpy

    from ember._ops.linalg import vector_norm

    _check_float("pdist", input)
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    n = input.shape[0]
    i, j = numpy.triu_indices(n, 1)
    xp = array_module(input.device)
    ii, jj = Tensor._make(xp.asarray(i)), Tensor._make(xp.asarray(j))
    diff = input.index_select(0, ii) - input.index_select(0, jj)
    return vector_norm(diff, p, dim=-1)


def cdist(
    x1: Tensor,
    x2: Tensor,
    p: float = 2.0,
    compute_mode: str = "use_mm_for_euclid_dist_if_necessary",
) -> Tensor:
    """p-norm distances between each row of ``x1`` (*, P, M) and each row of ``x2`` (*, R, M),
    giving (*, P, R), as ``torch.cdist``; ``p=2`` uses the matmul expansion when P or R
    exceeds 25 (or with ``compute_mode='use_mm_for_euclid_dist'``), as PyTorch does.

    >>> ember.cdist(ember.tensor([[0.0, 0.0]]), ember.tensor([[3.0, 4.0], [1.0, 0.0]]))
    tensor([[5., 1.]])
    """
    from ember._ops.linalg import vector_norm

    _check_float("cdist", x1, x2)
    if x1.ndim < 2 or x2.ndim < 2:
        raise RuntimeError(
            f"cdist only supports at least 2D tensors, X1 got: {x1.ndim}D, X2 got: {x2.ndim}D"
        )
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(
            f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}"
        )
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    use_mm = p == 2 and (
        compute_mode == "use_mm_for_euclid_dist"
        or (
            compute_mode == "use_mm_for_euclid_dist_if_necessary"
            and (x1.shape[-2] > 25 or x2.shape[-2] > 25)
        )
    )
    if use_mm:
        sq1 = (x1 * x1).sum(dim=-1, keepdim=True)
        sq2 = (x2 * x2).sum(dim=-1, keepdim=True)
        d2 = sq1 - 2 * (x1 @ x2.transpose(-1, -2)) + sq2.transpose(-1, -2)
        return d2.clamp_min(0).sqrt()
    return vector_norm(x1.unsqueeze(-2) - x2.unsqueeze(-3), p, dim=-1)
