"""The low-level top-level forms ``ember.batch_norm``, ``ember.instance_norm``,
``ember.embedding`` and ``ember.embedding_bag`` against torch 2.13 (their argument order
differs from the ``nn.functional`` namesakes, which stay as they are): outputs, running
statistics, gradients, and embedding_bag's auxiliary outputs."""

import numpy as np
import pytest
import torch

import ember
import ember.nn.functional as F


def to_ember(t, grad=False):
    e = ember.from_numpy(t.detach().numpy().copy())
    return e.requires_grad_() if grad else e


def close(e, t, atol=1e-10):
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-7, atol=atol)


def test_functional_signatures_are_unchanged():
    assert F.batch_norm is not ember.batch_norm and F.embedding is not ember.embedding
    x = ember.tensor([[1.0, 2.0], [3.0, 6.0]])
    assert F.batch_norm(x, None, None, training=True).shape == (2, 2)
    assert F.embedding(ember.tensor([1]), ember.ones(2, 3)).shape == (1, 3)


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_matches_torch(training, affine):
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((4, 3, 5)), requires_grad=True)
    w = torch.tensor(rng.standard_normal(3), requires_grad=True) if affine else None
    b = torch.tensor(rng.standard_normal(3), requires_grad=True) if affine else None
    rm, rv = torch.tensor(rng.standard_normal(3)), torch.tensor(rng.uniform(0.5, 2, 3))
    ex = to_ember(x, True)
    ew, eb = (to_ember(w, True), to_ember(b, True)) if affine else (None, None)
    erm, erv = to_ember(rm), to_ember(rv)
    yt = torch.batch_norm(x, w, b, rm, rv, training, 0.2, 1e-3, True)
    ye = ember.batch_norm(ex, ew, eb, erm, erv, training, 0.2, 1e-3, True)
    close(ye, yt)
    close(erm, rm)
    close(erv, rv)
    yt.square().sum().backward()
    ye.square().sum().backward()
    close(ex.grad, x.grad, atol=1e-8)
    if affine:
        close(ew.grad, w.grad, atol=1e-8)
        close(eb.grad, b.grad, atol=1e-8)


@pytest.mark.parametrize("use_input_stats", [True, False])
def test_instance_norm_matches_torch(use_input_stats):
    rng = np.random.default_rng(1)
    x = torch.tensor(rng.standard_normal((2, 3, 6)), requires_grad=True)
    w = torch.tensor(rng.standard_normal(3), requires_grad=True)
    rm, rv = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    ex, ew, erm, erv = to_ember(x, True), to_ember(w, True), to_ember(rm), to_ember(rv)
    yt = torch.instance_norm(x, w, None, rm, rv, use_input_stats, 0.1, 1e-5, False)
    ye = ember.instance_norm(ex, ew, None, erm, erv, use_input_stats, 0.1, 1e-5, False)
    close(ye, yt)
    close(erm, rm)
    close(erv, rv)
    yt.sum().backward()
    ye.sum().backward()
    close(ex.grad, x.grad, atol=1e-8)
    close(ew.grad, w.grad, atol=1e-8)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"padding_idx": 4}, {"padding_idx": -1}, {"scale_grad_by_freq": True}],
)
def test_embedding_matches_torch(kwargs):
    w = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
    idx = torch.tensor([[1, 0, 4], [4, 4, 2]])
    ew = to_ember(w, True)
    yt = torch.embedding(w, idx, **kwargs)
    ye = ember.embedding(ew, ember.tensor(idx.numpy()), **kwargs)
    close(ye, yt)
    (yt * torch.arange(3.0, dtype=torch.float64)).sum().backward()
    (ye * ember.arange(3.0, dtype=ember.float64)).sum().backward()
    close(ew.grad, w.grad)


def test_embedding_positional_order_is_weight_then_indices():
    w = ember.tensor([[0.0, 1.0], [2.0, 3.0]])
    assert ember.embedding(w, ember.tensor([1]), -1, False, False).tolist() == [[2.0, 3.0]]


BAGS = [
    ([0, 1, 2, 4, 4], [0, 2, 2], False),
    ([3, 1, 2, 4, 3], [0, 0, 3], False),
    ([0, 1, 2, 4, 4], [0, 2, 5], True),
    ([2, 2, 0], [0], False),
]


@pytest.mark.parametrize("mode", [0, 1, 2])
@pytest.mark.parametrize("padding_idx", [None, 4, -1])
@pytest.mark.parametrize("indices, offsets, include_last_offset", BAGS)
@pytest.mark.parametrize("dtype, grad", [("float64", True), ("float32", True), ("float32", False)])
def test_embedding_bag_matches_torch_with_auxiliary_outputs(
    mode, padding_idx, indices, offsets, include_last_offset, dtype, grad
):
    # The auxiliary outputs' layout follows PyTorch's CPU kernel, which varies with the
    # dtype (float32 has a fast sum path) and with whether a gradient will be taken.
    w = torch.randn(5, 3, dtype=getattr(torch, dtype), requires_grad=grad)
    ew = to_ember(w, grad)
    args = (False, mode, False, None, include_last_offset, padding_idx)
    out_t = torch.embedding_bag(w, torch.tensor(indices), torch.tensor(offsets), *args)
    out_e = ember.embedding_bag(ew, ember.tensor(indices), ember.tensor(offsets), *args)
    assert len(out_e) == 4
    close(out_e[0], out_t[0], atol=1e-6)
    for e, t in zip(out_e[1:], out_t[1:]):
        assert e.dtype == ember.int64
        assert e.tolist() == t.tolist()
    if grad:
        out_t[0].sum().backward()
        out_e[0].sum().backward()
        close(ew.grad, w.grad, atol=1e-6)


def test_embedding_bag_per_sample_weights_matches_torch():
    w = torch.randn(5, 3, dtype=torch.float64)
    psw = torch.tensor([0.5, 2.0, 1.0, -1.0, 3.0], dtype=torch.float64)
    idx, off = torch.tensor([0, 1, 2, 4, 4]), torch.tensor([0, 2])
    out_t = torch.embedding_bag(w, idx, off, False, 0, False, psw)
    out_e = ember.embedding_bag(
        to_ember(w), ember.tensor(idx.numpy()), ember.tensor(off.numpy()), False, 0, False,
        to_ember(psw),
    )  # fmt: skip
    close(out_e[0], out_t[0])


def test_embedding_bag_rejects_an_unknown_mode():
    with pytest.raises(RuntimeError, match="`mode` must be sum, mean, or max"):
        ember.embedding_bag(ember.ones(2, 2), ember.tensor([0]), ember.tensor([0]), False, 3)
