"""Linear and Bilinear against torch.nn: outputs and input/parameter gradients with torch's
state_dict loaded (float64), state_dict keys and shapes, reprs, init bounds."""

import numpy as np
import pytest
import torch

import ember
from ember import nn


def to_ember(t, grad=False):
    e = ember.from_numpy(t.detach().numpy().copy())
    return e.requires_grad_() if grad else e


def close(e, t):
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-10, atol=1e-12)


def load_torch_state(e_module, t_module):
    e_module.load_state_dict({k: to_ember(v) for k, v in t_module.state_dict().items()})


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("lead", [(4,), (2, 3), ()])
def test_bilinear_matches_torch(bias, lead):
    t = torch.nn.Bilinear(3, 5, 2, bias=bias).double()
    e = nn.Bilinear(3, 5, 2, bias=bias, dtype=ember.float64)
    assert repr(e) == repr(t)
    assert [(k, tuple(v.shape)) for k, v in e.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in t.state_dict().items()
    ]
    load_torch_state(e, t)
    x1 = torch.randn(*lead, 3, dtype=torch.float64, requires_grad=True)
    x2 = torch.randn(*lead, 5, dtype=torch.float64, requires_grad=True)
    e1, e2 = to_ember(x1, True), to_ember(x2, True)
    yt, ye = t(x1, x2), e(e1, e2)
    close(ye, yt)
    yt.square().sum().backward()
    ye.square().sum().backward()
    close(e1.grad, x1.grad)
    close(e2.grad, x2.grad)
    for name, p in t.named_parameters():
        close(getattr(e, name).grad, p.grad)


def test_bilinear_init_bound_is_one_over_sqrt_in1():
    layer = nn.Bilinear(16, 3, 50)
    w = layer.weight.detach().numpy()
    assert np.abs(w).max() <= 0.25 and np.abs(w).max() > 0.24
    assert np.abs(layer.bias.detach().numpy()).max() <= 0.25


def test_bilinear_rejects_mismatched_inputs():
    with pytest.raises(RuntimeError, match="bilinear"):
        nn.Bilinear(3, 5, 2)(ember.ones(4, 3), ember.ones(4, 4))


@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(bias):
    t = torch.nn.Linear(6, 4, bias=bias).double()
    e = nn.Linear(6, 4, bias=bias, dtype=ember.float64)
    assert repr(e) == repr(t)
    load_torch_state(e, t)
    x = torch.randn(2, 3, 6, dtype=torch.float64, requires_grad=True)
    ex = to_ember(x, True)
    yt, ye = t(x), e(ex)
    close(ye, yt)
    yt.sum().backward()
    ye.sum().backward()
    close(ex.grad, x.grad)
    close(e.weight.grad, t.weight.grad)
