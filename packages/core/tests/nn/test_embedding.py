"""Embedding and EmbeddingBag against torch.nn: outputs and weight grads with a copied
state_dict, padding_idx, max_norm renormalisation in place, from_pretrained/freeze, repr,
state_dict keys, default init, errors."""

import numpy as np
import pytest
import torch

import ember
from ember import nn


def copy_state(ember_module, torch_module) -> None:
    """Load a torch module's state_dict into the Ember module (keys must match)."""
    state = {
        k: ember.from_numpy(v.detach().numpy().copy()) for k, v in torch_module.state_dict().items()
    }
    ember_module.load_state_dict(state)


def _close(e, t, rtol=1e-6, atol=1e-6):
    torch.testing.assert_close(
        torch.from_numpy(np.array(e.detach().numpy())), t.detach(), rtol=rtol, atol=atol
    )


def _run(e, t, args_np, dtype, extra=()):
    t = t.to(getattr(torch, dtype))
    e = e.double() if dtype == "float64" else e.float()
    copy_state(e, t)
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict())
    ea = [ember.from_numpy(a.copy()) if a is not None else None for a in args_np]
    ta = [torch.from_numpy(a.copy()) if a is not None else None for a in args_np]
    for mode in (True, False):
        e.train(mode), t.train(mode)
        e.zero_grad(), t.zero_grad()
        ey, ty = e(*ea), t(*ta)
        _close(ey, ty)
        g = np.random.default_rng(0).standard_normal(tuple(ty.shape)).astype(dtype)
        ey.backward(ember.from_numpy(g))
        ty.backward(torch.from_numpy(g))
        _close(e.weight.grad, t.weight.grad)
        _close(e.weight, t.weight)


IDX = np.array([[1, 2, 4, 5], [4, 3, 2, 9]])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        dict(padding_idx=2),
        dict(padding_idx=-1),
        dict(max_norm=1.0),
        dict(max_norm=0.5, norm_type=1.0),
        dict(scale_grad_by_freq=True),
    ],
)
@pytest.mark.parametrize("idx", [IDX, IDX[:1], np.array([3]), np.array(7)])
def test_embedding_matches_torch(kwargs, dtype, idx):
    torch.manual_seed(0)
    _run(nn.Embedding(10, 3, **kwargs), torch.nn.Embedding(10, 3, **kwargs), [idx], dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "kwargs",
    [
        dict(mode="sum"),
        dict(mode="mean"),
        dict(mode="max"),
        dict(mode="sum", padding_idx=4),
        dict(mode="mean", padding_idx=2),
        dict(mode="max", max_norm=1.0),
        dict(mode="sum", include_last_offset=True),
    ],
)
def test_embedding_bag_matches_torch(kwargs, dtype):
    torch.manual_seed(0)
    e, t = nn.EmbeddingBag(10, 3, **kwargs), torch.nn.EmbeddingBag(10, 3, **kwargs)
    flat = np.array([1, 2, 4, 5, 4, 3, 2, 9])
    offsets = np.array([0, 2, 2, 5, 8] if kwargs.get("include_last_offset") else [0, 2, 2, 5])
    _run(e, t, [flat, offsets], dtype)
    if not kwargs.get("include_last_offset"):
        torch.manual_seed(0)
        e, t = nn.EmbeddingBag(10, 3, **kwargs), torch.nn.EmbeddingBag(10, 3, **kwargs)
        _run(e, t, [IDX], dtype)
        _run(e, t, [IDX[:1]], dtype)  # batch of one bag


def test_embedding_bag_per_sample_weights_matches_torch():
    torch.manual_seed(0)
    e, t = nn.EmbeddingBag(10, 3, mode="sum"), torch.nn.EmbeddingBag(10, 3, mode="sum")
    copy_state(e, t)
    psw = np.random.default_rng(0).standard_normal(8).astype("float32")
    flat, off = np.array([1, 2, 4, 5, 4, 3, 2, 9]), np.array([0, 3, 3])
    ep = ember.from_numpy(psw.copy()).requires_grad_()
    tp = torch.from_numpy(psw.copy()).requires_grad_()
    ey = e(ember.from_numpy(flat), ember.from_numpy(off), ep)
    ty = t(torch.from_numpy(flat), torch.from_numpy(off), tp)
    _close(ey, ty)
    ey.sum().backward(), ty.sum().backward()
    _close(ep.grad, tp.grad)
    _close(e.weight.grad, t.weight.grad)


def test_embedding_default_init_and_padding_row():
    ember.manual_seed(0)
    e = nn.Embedding(2000, 8, padding_idx=3)
    w = e.weight.detach().numpy()
    assert (w[3] == 0).all()
    assert abs(w.mean()) < 0.02 and abs(w.std() - 1.0) < 0.02  # N(0, 1) as torch
    assert e.weight.requires_grad


def test_embedding_from_pretrained_and_freeze():
    w = ember.randn(4, 3)
    e = nn.Embedding.from_pretrained(w)
    assert not e.weight.requires_grad
    assert bool((e(ember.tensor([2])) == w[2]).all())
    e2 = nn.Embedding.from_pretrained(w, freeze=False, padding_idx=1)
    assert e2.weight.requires_grad and e2.padding_idx == 1
    assert repr(e2) == repr(torch.nn.Embedding.from_pretrained(torch.randn(4, 3), padding_idx=1))
    bag = nn.EmbeddingBag.from_pretrained(w, mode="sum")
    assert not bag.weight.requires_grad
    assert repr(bag) == repr(torch.nn.EmbeddingBag.from_pretrained(torch.randn(4, 3), mode="sum"))


def test_embedding_max_norm_renormalises_weight_in_place():
    w = ember.tensor([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]])
    version = w._version
    ember.nn.functional.embedding(ember.tensor([0, 1]), w, max_norm=1.0)
    np.testing.assert_allclose(w.numpy()[0], [0.6, 0.8], rtol=1e-5)
    np.testing.assert_allclose(w.numpy()[1], [0.3, 0.4])
    np.testing.assert_allclose(w.numpy()[2], [6.0, 8.0])  # not looked up: untouched
    assert w._version > version


def test_one_hot_matches_torch_and_errors():
    F = ember.nn.functional
    assert F.one_hot(ember.tensor([1, 0]), 3).tolist() == [[0, 1, 0], [1, 0, 0]]
    with pytest.raises(RuntimeError, match="LongTensor"):
        F.one_hot(ember.tensor([1.0]))
    with pytest.raises(RuntimeError, match="smaller than num_classes"):
        F.one_hot(ember.tensor([5]), 3)
    with pytest.raises(RuntimeError, match="non-negative"):
        F.one_hot(ember.tensor([-1]), 3)


def test_embedding_errors():
    F = ember.nn.functional
    with pytest.raises(IndexError, match="out of range"):
        F.embedding(ember.tensor([5]), ember.randn(3, 2))
    with pytest.raises(RuntimeError, match="Long, Int"):
        F.embedding(ember.tensor([1.0]), ember.randn(3, 2))
    with pytest.raises(NotImplementedError, match="sparse"):
        F.embedding(ember.tensor([1]), ember.randn(3, 2), sparse=True)
    with pytest.raises(AssertionError, match="Padding_idx"):
        nn.Embedding(3, 2, padding_idx=3)
    with pytest.raises(ValueError, match="offsets has to be None"):
        F.embedding_bag(ember.tensor([[1]]), ember.randn(3, 2), ember.tensor([0]))
    with pytest.raises(NotImplementedError, match="per_sample_weights"):
        F.embedding_bag(ember.tensor([[1]]), ember.randn(3, 2), per_sample_weights=ember.ones(1, 1))
