"""Activation layers against ``torch.nn``: outputs, input grads and parameter grads after
copying the state_dict (train and eval, several shapes, float32/float64), repr text,
state_dict keys, default init, in-place behaviour and error messages."""

import numpy as np
import pytest
import torch

import ember
from ember import nn

# (class name, constructor args, constructor kwargs, input shapes)
SHAPES = [(4, 3), (1, 3), (2, 3, 5), (3,)]
CASES = [
    ("ReLU", (), {}),
    ("ReLU", (), {"inplace": True}),
    ("ReLU6", (), {}),
    ("ReLU6", (), {"inplace": True}),
    ("LeakyReLU", (0.2,), {}),
    ("LeakyReLU", (), {"inplace": True}),
    ("PReLU", (), {}),
    ("PReLU", (3,), {"init": 0.1}),
    ("RReLU", (0.1, 0.3), {}),
    ("ELU", (), {"alpha": 0.5}),
    ("ELU", (), {"inplace": True}),
    ("CELU", (2.0,), {}),
    ("SELU", (), {}),
    ("SELU", (), {"inplace": True}),
    ("GELU", (), {}),
    ("GELU", (), {"approximate": "tanh"}),
    ("SiLU", (), {}),
    ("Mish", (), {}),
    ("Sigmoid", (), {}),
    ("Tanh", (), {}),
    ("Hardtanh", (-0.5, 0.5), {}),
    ("Hardtanh", (), {"inplace": True}),
    ("Hardsigmoid", (), {}),
    ("Hardswish", (), {}),
    ("Softplus", (), {"beta": 2.0, "threshold": 5.0}),
    ("Softsign", (), {}),
    ("Softshrink", (0.3,), {}),
    ("Hardshrink", (), {}),
    ("Tanhshrink", (), {}),
    ("Threshold", (0.1, 20.0), {}),
    ("Threshold", (0.1, 20.0), {"inplace": True}),
    ("LogSigmoid", (), {}),
    ("Softmax", (), {"dim": -1}),
    ("LogSoftmax", (), {"dim": 0}),
    ("Softmin", (), {"dim": -1}),
]


def _pair(name, args, kwargs):
    t_mod = getattr(torch.nn, name)(*args, **kwargs)
    e_mod = getattr(nn, name)(*args, **kwargs)
    state = {k: ember.from_numpy(v.detach().numpy().copy()) for k, v in t_mod.state_dict().items()}
    e_mod.load_state_dict(state)
    return t_mod, e_mod


def _check_parity(t_mod, e_mod, x, dtype, train):
    t_mod.train(train)
    e_mod.train(train)
    t_mod.to(getattr(torch, dtype))
    e_mod.to(getattr(ember, dtype))
    # Away from kinks (0, +-0.1..0.5, +-3) so derivative conventions don't matter.
    xt = torch.from_numpy(x.astype(dtype)).requires_grad_()
    xe = ember.from_numpy(x.astype(dtype)).requires_grad_()
    inplace = getattr(t_mod, "inplace", False)
    yt = t_mod(xt.clone() if inplace else xt)
    ye = e_mod(xe.clone() if inplace else xe)
    torch.testing.assert_close(torch.from_numpy(ye.detach().numpy()), yt.detach())
    cot = np.random.default_rng(1).standard_normal(tuple(yt.shape)).astype(dtype)
    yt.backward(torch.from_numpy(cot))
    ye.backward(ember.from_numpy(cot))
    torch.testing.assert_close(torch.from_numpy(xe.grad.numpy()), xt.grad)
    for (tn, tp), (en, ep) in zip(t_mod.named_parameters(), e_mod.named_parameters()):
        assert tn == en
        torch.testing.assert_close(torch.from_numpy(ep.grad.numpy()), tp.grad)


def _input(shape):
    rng = np.random.default_rng(sum(shape))
    x = rng.uniform(-4, 4, size=shape)
    kinks = np.array([0.0, 0.1, 0.3, 0.5, 1.0, 3.0, 6.0])
    close = np.min(np.abs(np.abs(x)[..., None] - kinks), axis=-1) < 0.05
    return np.where(close, x + 0.11, x)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize(("name", "args", "kwargs"), CASES)
def test_activation_module_matches_torch(name, args, kwargs, train, dtype):
    if name == "RReLU" and train:
        pytest.skip("random slopes: checked by test_rrelu_training_slopes_in_range")
    for shape in SHAPES:
        if name == "PReLU" and args and len(shape) < 2:
            continue  # per-channel slopes need a channel dim
        t_mod, e_mod = _pair(name, args, kwargs)
        _check_parity(t_mod, e_mod, _input(shape), dtype, train)


@pytest.mark.parametrize(("name", "args", "kwargs"), CASES)
def test_activation_repr_and_state_dict_match_torch(name, args, kwargs):
    t_mod, e_mod = _pair(name, args, kwargs)
    assert repr(e_mod) == repr(t_mod)
    t_state, e_state = t_mod.state_dict(), e_mod.state_dict()
    assert list(e_state) == list(t_state)
    for k in t_state:
        assert tuple(e_state[k].shape) == tuple(t_state[k].shape)


@pytest.mark.parametrize(
    ("name", "args"),
    [("GLU", ()), ("GLU", (0,)), ("Softmax2d", ()), ("Softmax", ()), ("Hardtanh", ())],
)
def test_activation_repr_more_modules(name, args):
    assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))


def test_glu_and_softmax2d_match_torch():
    x = _input((2, 4, 3, 3))
    for name, args in [("GLU", (1,)), ("Softmax2d", ())]:
        t_mod, e_mod = _pair(name, args, {})
        _check_parity(t_mod, e_mod, x, "float64", True)


def test_prelu_default_init_is_constant():
    m = nn.PReLU(4, init=0.3)
    assert m.weight.shape == (4,)
    np.testing.assert_allclose(m.weight.detach().numpy(), 0.3)
    assert m.weight.requires_grad


def test_rrelu_training_slopes_in_range():
    x = ember.full((1000,), -1.0)
    y = nn.RReLU(0.1, 0.3).train()(x).numpy()
    assert (y <= -0.1 + 1e-6).all() and (y >= -0.3 - 1e-6).all()
    assert y.std() > 0.01  # per-element slopes
    np.testing.assert_allclose(nn.RReLU(0.1, 0.3).eval()(x).numpy(), -0.2, rtol=1e-6)


def test_inplace_activation_overwrites_input():
    x = ember.tensor([-1.0, 2.0])
    y = nn.ELU(inplace=True)(x)
    assert y is x
    np.testing.assert_allclose(x.numpy(), [np.expm1(-1.0), 2.0], rtol=1e-6)
    x = ember.tensor([-1.0, 2.0])
    ember.nn.functional.hardtanh_(x)
    np.testing.assert_allclose(x.numpy(), [-1.0, 1.0])


def test_softmax_double_backward_matches_torch():
    x = np.random.default_rng(0).standard_normal((3, 4))
    xt = torch.from_numpy(x).requires_grad_()
    xe = ember.from_numpy(x.copy()).requires_grad_()
    (gt,) = torch.autograd.grad((torch.softmax(xt, 1) ** 2).sum(), xt, create_graph=True)
    (ge,) = ember.autograd.grad((ember.softmax(xe, 1) ** 2).sum(), xe, create_graph=True)
    (ggt,) = torch.autograd.grad(gt.sum(), xt)
    (gge,) = ember.autograd.grad(ge.sum(), xe)
    torch.testing.assert_close(torch.from_numpy(gge.numpy()), ggt)


def test_gumbel_softmax_soft_and_hard():
    logits = ember.randn(5, 4, requires_grad=True)
    soft = ember.nn.functional.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(soft.sum(-1).detach().numpy(), 1.0, rtol=1e-5)
    hard = ember.nn.functional.gumbel_softmax(logits, hard=True)
    h = hard.detach().numpy()
    assert set(np.unique(h)) <= {0.0, 1.0} and (h.sum(-1) == 1).all()
    (hard * ember.arange(4.0)).sum().backward()
    assert logits.grad is not None and logits.grad.shape == (5, 4)


def test_activation_errors_name_the_op():
    with pytest.raises(NotImplementedError, match="elu"):
        ember.nn.functional.elu(ember.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="approximate"):
        ember.nn.functional.gelu(ember.ones(2), approximate="fast")
    with pytest.raises(RuntimeError, match="Halving dimension must be even"):
        ember.nn.functional.glu(ember.ones(3))
    with pytest.raises(IndexError, match="softmax"):
        ember.softmax(ember.ones(2, 3), dim=2)
    with pytest.raises(RuntimeError, match="prelu"):
        ember.prelu(ember.ones(2, 3), ember.ones(4))
    with pytest.raises(NotImplementedError, match="softmax"):
        ember.softmax(ember.tensor([1, 2]), 0)


def test_tensor_softmax_methods():
    x = ember.tensor([[0.0, 0.0]])
    np.testing.assert_allclose(x.softmax(-1).numpy(), [[0.5, 0.5]])
    np.testing.assert_allclose(x.log_softmax(1).numpy(), [[-np.log(2)] * 2], rtol=1e-6)
