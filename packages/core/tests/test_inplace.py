"""In-place ops in the graph: rebinding history, views (CopySlices), overwrites."""

import pytest
import torch

import ember
from ember.autograd.gradcheck import gradcheck, gradgradcheck


def _both(fn):
    out = []
    for lib in (ember, torch):
        out.append(fn(lib))
    return out


def _close(a, b):
    torch.testing.assert_close(torch.tensor(a), torch.tensor(b), rtol=1e-6, atol=1e-6)


def test_inplace_on_views_matches_pytorch_gradients():
    def run(lib):
        x = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=lib.float64, requires_grad=True)
        y = x * 2
        y[0].mul_(x[1])  # a row view, in place
        y.t()[1:].add_(1).tanh_()  # a permuted view, in place twice
        y.sum().backward()
        return x.grad.tolist(), y.grad_fn.name()

    (ge, ne), (gt, nt) = _both(run)
    _close(ge, gt)
    assert ne == "CopySlices" and nt.endswith("CopySlices")


def test_setitem_and_copy_into_constant_buffer_carry_gradients():
    def run(lib):
        w = lib.ones(3, requires_grad=True)
        a = lib.zeros(2, 3)
        a[0] = w * 3
        a[1].copy_(w)
        (a**2).sum().backward()
        return w.grad.tolist()

    _close(*_both(run))


def test_overwrite_stops_the_gradient_of_the_old_values():
    def run(lib):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        q = w * 5
        q.zero_()
        (q + w).sum().backward()
        return w.grad.tolist()

    _close(*_both(run))


def test_inplace_on_view_of_leaf_requiring_grad_is_refused():
    x = ember.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="view of a leaf Variable"):
        x[:2].mul_(2)


def test_view_inplace_is_twice_differentiable():
    def f(x):
        y = x * 1.5
        y[1:].mul_(x[:-1])
        return y.exp()

    x = ember.tensor([0.1, 0.2, 0.3, 0.4], dtype=ember.float64, requires_grad=True)
    assert gradcheck(f, (x,))
    assert gradgradcheck(f, (x,))
