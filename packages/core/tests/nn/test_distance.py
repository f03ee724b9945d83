"""CosineSimilarity and PairwiseDistance against torch.nn (outputs and input grads), reprs,
and the functional distance ops' errors."""

import numpy as np
import pytest
import torch

import ember
from ember import nn


def _close(e, t, rtol=1e-6, atol=1e-6):
    torch.testing.assert_close(
        torch.from_numpy(np.array(e.detach().numpy())), t.detach(), rtol=rtol, atol=atol
    )


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    ("name", "kwargs", "shapes"),
    [
        ("CosineSimilarity", {}, [(4, 5), (4, 5)]),
        ("CosineSimilarity", dict(dim=0, eps=1e-6), [(3, 2), (3, 1)]),
        ("CosineSimilarity", dict(dim=-1), [(1, 5), (1, 5)]),
        ("PairwiseDistance", {}, [(4, 5), (4, 5)]),
        ("PairwiseDistance", dict(p=1.0, keepdim=True), [(1, 3), (1, 3)]),
        ("PairwiseDistance", dict(p=3.0, eps=1e-3), [(2, 3, 4), (4,)]),
    ],
)
def test_distance_module_matches_torch(name, kwargs, shapes, dtype):
    e, t = getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    assert repr(e) == repr(t)
    rng = np.random.default_rng(0)
    xs = [rng.standard_normal(s).astype(dtype) for s in shapes]
    ex = [ember.from_numpy(x.copy()).requires_grad_() for x in xs]
    tx = [torch.from_numpy(x.copy()).requires_grad_() for x in xs]
    ey, ty = e(*ex), t(*tx)
    _close(ey, ty)
    g = rng.standard_normal(tuple(ty.shape)).astype(dtype)
    ey.backward(ember.from_numpy(g)), ty.backward(torch.from_numpy(g))
    for a, b in zip(ex, tx):
        _close(a.grad, b.grad)


def test_distance_errors():
    F = ember.nn.functional
    with pytest.raises(RuntimeError, match="pdist only supports 2D"):
        F.pdist(ember.randn(2, 3, 4))
    with pytest.raises(RuntimeError, match="same number of columns"):
        ember.cdist(ember.randn(2, 3), ember.randn(2, 4))
    with pytest.raises(RuntimeError, match="cannot be broadcast"):
        F.cosine_similarity(ember.randn(2, 3), ember.randn(4, 3))
    with pytest.raises(NotImplementedError, match="pdist"):
        F.pdist(ember.ones(3, 2, dtype=ember.int64))
