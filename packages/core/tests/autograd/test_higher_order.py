"""Higher-order gradients (``create_graph=True``) of composite functions, vs torch."""

import numpy
import pytest
import torch

import ember

RNG = numpy.random.default_rng(0)


def tanh(x):
    # Composite tanh (no dedicated op needed): (e^2x - 1) / (e^2x + 1).
    e = (x * 2).exp()
    return (e - 1) / (e + 1)


def both(shape):
    values = RNG.standard_normal(shape)
    return (
        ember.tensor(values, dtype=ember.float64, requires_grad=True),
        torch.tensor(values, dtype=torch.float64, requires_grad=True),
    )


def close(e, t, rtol=1e-10):
    numpy.testing.assert_allclose(numpy.asarray(e.detach()), t.detach().numpy(), rtol=rtol)


def hvp(lib, f, x, v):
    (g,) = lib.autograd.grad(f(x), x, create_graph=True)
    (hv,) = lib.autograd.grad((g * v).sum(), x)
    return hv


COMPOSITES = {
    "tanh_sum": lambda lib, x, w: tanh(x).sum() if lib is ember else torch.tanh(x).sum(),
    "exp_matmul": lambda lib, x, w: lib.matmul(x.exp(), w).sum(),
    "tanh_matmul_sq": lambda lib, x, w: (
        lib.matmul(tanh(x) if lib is ember else torch.tanh(x), w) ** 2
    ).sum(),
    "log_exp_mix": lambda lib, x, w: (lib.log(x * x + 1).sum() * lib.matmul(x, w).exp()).sum(),
    "div_chain": lambda lib, x, w: ((x * 3) / (x * x + 2)).sum() * lib.matmul(x, w).sum(),
}


@pytest.mark.parametrize("name", sorted(COMPOSITES))
def test_hessian_vector_product_matches_torch(name):
    f = COMPOSITES[name]
    x, tx = both((2, 3))
    w_values = RNG.standard_normal((3, 2))
    w, tw = ember.tensor(w_values, dtype=ember.float64), torch.tensor(w_values)
    v_values = RNG.standard_normal((2, 3))
    v, tv = ember.tensor(v_values, dtype=ember.float64), torch.tensor(v_values)
    got = hvp(ember, lambda t: f(ember, t, w), x, v)
    want = hvp(torch, lambda t: f(torch, t, tw), tx, tv)
    close(got, want)


def test_grad_of_grad_wrt_weights_matches_torch():
    x, tx = both((2, 3))
    w, tw = both((3, 2))
    (gx,) = ember.autograd.grad(ember.matmul(x, w).exp().sum(), x, create_graph=True)
    (tgx,) = torch.autograd.grad(torch.matmul(tx, tw).exp().sum(), tx, create_graph=True)
    (gw,) = ember.autograd.grad((gx * gx).sum(), w)
    (tgw,) = torch.autograd.grad((tgx * tgx).sum(), tw)
    close(gw, tgw)


def test_third_derivative_of_x_to_the_fourth():
    x = ember.tensor([1.5, -2.0, 0.5], dtype=ember.float64, requires_grad=True)
    (d1,) = ember.autograd.grad((x**4).sum(), x, create_graph=True)
    (d2,) = ember.autograd.grad(d1.sum(), x, create_graph=True)
    (d3,) = ember.autograd.grad(d2.sum(), x, create_graph=True)
    (d4,) = ember.autograd.grad(d3.sum(), x)
    xs = numpy.array([1.5, -2.0, 0.5])
    numpy.testing.assert_allclose(d1.detach().numpy(), 4 * xs**3)
    numpy.testing.assert_allclose(d2.detach().numpy(), 12 * xs**2)
    numpy.testing.assert_allclose(d3.detach().numpy(), 24 * xs)
    numpy.testing.assert_allclose(d4.numpy(), [24.0, 24.0, 24.0])


def test_third_derivative_of_composite_matches_torch():
    x, tx = both((4,))
    grads = []
    for lib, t in ((ember, x), (torch, tx)):
        y = (lib.exp(t * 0.5) * t * t).sum()
        for _ in range(3):
            (y,) = lib.autograd.grad(y.sum(), t, create_graph=True)
        grads.append(y)
    close(grads[0], grads[1])


def test_second_derivative_without_create_graph_is_constant():
    x = ember.tensor([2.0], dtype=ember.float64, requires_grad=True)
    (g,) = ember.autograd.grad((x**3).sum(), x)
    assert not g.requires_grad and g.grad_fn is None


def test_gradgradcheck_on_composites():
    x, _ = both((2, 3))
    w = ember.tensor(RNG.standard_normal((3, 2)), dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda a, b: tanh(ember.matmul(a, b)), (x, w))
    assert ember.autograd.gradgradcheck(lambda a: a.exp() / (a * a + 1), (x,))
