"""Conv layers against torch.nn: outputs and grads with a copied state_dict, repr, keys,
default-init bounds, errors."""

import math

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


def check_parity(ember_module, torch_module, shape, dtype="float64", extra=None, seed=0, tol=None):
    """Forward, input grad and parameter grads of both modules (train and eval mode)."""
    rng = np.random.default_rng(seed)
    torch_module = torch_module.to(getattr(torch, dtype))
    if dtype == "float64":
        ember_module = ember_module.double()
    else:
        ember_module = ember_module.float()
    copy_state(ember_module, torch_module)
    x = rng.standard_normal(shape).astype(dtype)
    rtol, atol = tol or ((1e-4, 1e-5) if dtype == "float32" else (1e-7, 1e-7))
    for train in (True, False):
        ember_module.train(train)
        torch_module.train(train)
        for p in ember_module.parameters():
            p.grad = None
        torch_module.zero_grad(set_to_none=True)
        ex = ember.from_numpy(x.copy()).requires_grad_()
        tx = torch.from_numpy(x.copy()).requires_grad_()
        args_e, args_t = (ex,), (tx,)
        if extra is not None:
            args_e, args_t = (ex, *extra[0]), (tx, *extra[1])
        ey = ember_module(*args_e)
        ty = torch_module(*args_t)
        if isinstance(ty, tuple):
            torch.testing.assert_close(torch.from_numpy(ey[1].numpy()), ty[1])
            ey, ty = ey[0], ty[0]
        torch.testing.assert_close(
            torch.from_numpy(np.array(ey.detach().numpy())), ty.detach(), rtol=rtol, atol=atol
        )
        g = rng.standard_normal(tuple(ty.shape)).astype(dtype)
        ey.backward(ember.from_numpy(g))
        ty.backward(torch.from_numpy(g))
        torch.testing.assert_close(torch.from_numpy(ex.grad.numpy()), tx.grad, rtol=rtol, atol=atol)
        tparams = dict(torch_module.named_parameters())
        for name, p in ember_module.named_parameters():
            torch.testing.assert_close(
                torch.from_numpy(p.grad.numpy()), tparams[name].grad, rtol=rtol, atol=atol
            )


def check_structure(ember_module, torch_module) -> None:
    """repr text, state_dict keys and parameter shapes equal torch's."""
    assert repr(ember_module) == repr(torch_module)
    es, ts = ember_module.state_dict(), torch_module.state_dict()
    assert list(es.keys()) == list(ts.keys())
    for k in ts:
        assert tuple(es[k].shape) == tuple(ts[k].shape), k


CASES = [
    ("Conv1d", (3, 4, 3), {}, (2, 3, 9)),
    ("Conv1d", (4, 6, 2), dict(stride=2, padding=1, groups=2, bias=False), (1, 4, 8)),
    ("Conv1d", (2, 3, 3), dict(padding="same", padding_mode="circular"), (2, 2, 6)),
    ("Conv2d", (3, 4, 3), {}, (2, 3, 7, 6)),
    (
        "Conv2d",
        (4, 6, (3, 2)),
        dict(stride=(2, 1), padding=1, dilation=(1, 2), groups=2),
        (1, 4, 7, 8),
    ),
    ("Conv2d", (2, 3, 3), dict(padding=1, padding_mode="reflect"), (2, 2, 5, 5)),
    ("Conv2d", (2, 3, 3), dict(padding=(1, 2), padding_mode="replicate"), (1, 2, 5, 4)),
    ("Conv2d", (2, 2, 3), dict(padding="same", padding_mode="circular"), (2, 5, 4)),
    ("Conv2d", (3, 4, 4), dict(padding="same", bias=False), (1, 3, 6, 6)),
    ("Conv3d", (2, 3, 2), {}, (1, 2, 4, 3, 4)),
    ("Conv3d", (2, 4, 3), dict(stride=2, padding=1, groups=2), (2, 2, 5, 5, 4)),
    ("ConvTranspose1d", (3, 4, 3), dict(stride=2, output_padding=1), (2, 3, 5)),
    ("ConvTranspose2d", (3, 4, 3), {}, (2, 3, 4, 3)),
    (
        "ConvTranspose2d",
        (4, 6, (3, 2)),
        dict(stride=2, padding=1, groups=2, dilation=(1, 2)),
        (1, 4, 3, 4),
    ),
    ("ConvTranspose2d", (2, 2, 2), dict(stride=2, bias=False), (2, 3, 3)),
    ("ConvTranspose3d", (2, 3, 2), dict(stride=(1, 2, 1)), (1, 2, 2, 3, 2)),
]


def _pair(cls, args, kwargs):
    torch.manual_seed(0)
    return getattr(nn, cls)(*args, **kwargs), getattr(torch.nn, cls)(*args, **kwargs)


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("cls", "args", "kwargs", "shape"), CASES)
def test_conv_layer_matches_torch(cls, args, kwargs, shape, dtype):
    ours, theirs = _pair(cls, args, kwargs)
    check_structure(ours, theirs)
    check_parity(ours, theirs, shape, dtype)


@pytest.mark.parametrize(("cls", "args", "kwargs", "shape"), CASES[:4] + CASES[12:13])
def test_conv_layer_batch_size_one(cls, args, kwargs, shape):
    ours, theirs = _pair(cls, args, kwargs)
    check_parity(ours, theirs, (1,) + shape[1:], "float64")


def test_conv_transpose_output_size_matches_torch():
    ours, theirs = _pair("ConvTranspose2d", (2, 3, 3), dict(stride=2, padding=1))
    size = (8, 6)
    x = np.random.default_rng(0).standard_normal((1, 2, 4, 3))
    ours.load_state_dict(
        {k: ember.from_numpy(v.detach().numpy()) for k, v in theirs.state_dict().items()}
    )
    y = ours(ember.from_numpy(x.astype(np.float32)), output_size=size)
    t = theirs(torch.from_numpy(x.astype(np.float32)), output_size=size)
    assert tuple(y.shape) == tuple(t.shape)
    torch.testing.assert_close(
        torch.from_numpy(y.detach().numpy()), t.detach(), rtol=1e-5, atol=1e-5
    )
    with pytest.raises(ValueError, match="requested an output size"):
        ours(ember.ones(1, 2, 4, 3), output_size=(20, 20))


@pytest.mark.parametrize(
    ("cls", "args"),
    [("Conv2d", (16, 32, 3)), ("Conv1d", (8, 4, 5)), ("ConvTranspose2d", (16, 8, 3))],
)
def test_default_init_bounds_match_torch_scheme(cls, args):
    layer = getattr(nn, cls)(*args)
    w = layer.weight.detach().numpy()
    fan_in = w.shape[1] * int(np.prod(w.shape[2:]))
    # kaiming_uniform(a=sqrt(5)): bound = sqrt(6 / ((1 + 5) * fan_in)) = 1 / sqrt(fan_in)
    bound = 1 / math.sqrt(fan_in)
    assert np.abs(w).max() <= bound
    assert np.abs(w).max() > 0.9 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.1 * bound
    b = layer.bias.detach().numpy()
    assert np.abs(b).max() <= bound


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(groups=0), "groups must be a positive integer"),
        (dict(groups=3), "in_channels must be divisible by groups"),
        (dict(padding="full"), "Invalid padding string"),
        (dict(padding="same", stride=2), "not supported for strided convolutions"),
        (dict(padding_mode="mirror"), "padding_mode must be one of"),
    ],
)
def test_conv_constructor_errors_match_torch(kwargs, message):
    with pytest.raises(ValueError, match=message):
        nn.Conv2d(4, 6, 3, **kwargs)
    with pytest.raises(ValueError):
        torch.nn.Conv2d(4, 6, 3, **kwargs)


def test_conv_transpose_rejects_non_zero_padding_mode():
    with pytest.raises(ValueError, match='Only "zeros" padding mode'):
        nn.ConvTranspose2d(2, 2, 3, padding_mode="reflect")


def test_conv_errors_name_op_and_shapes():
    with pytest.raises(
        RuntimeError, match=r"conv2d: expected input with 4 dims .* got \(32, 784\)"
    ):
        ember.conv2d(ember.ones(32, 784), ember.ones(8, 3, 3, 3))
    with pytest.raises(RuntimeError, match=r"expected input\[2, 4, 5, 5\] to have 3 channels"):
        ember.conv2d(ember.ones(2, 4, 5, 5), ember.ones(8, 3, 3, 3))
    with pytest.raises(RuntimeError, match="Kernel size can't be greater"):
        ember.conv2d(ember.ones(1, 3, 2, 2), ember.ones(8, 3, 3, 3))
    with pytest.raises(RuntimeError, match="expected bias to be 1-dimensional with 8 elements"):
        ember.conv2d(ember.ones(1, 3, 5, 5), ember.ones(8, 3, 3, 3), ember.ones(4))
    with pytest.raises(NotImplementedError, match="conv2d"):
        ember.conv2d(
            ember.ones(1, 3, 5, 5, dtype=ember.bool), ember.ones(8, 3, 3, 3, dtype=ember.bool)
        )


def test_conv_double_backward_matches_torch():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 3, 5, 5)), rng.standard_normal((4, 3, 3, 3))
    ex, ew = ember.from_numpy(x).requires_grad_(), ember.from_numpy(w).requires_grad_()
    tx, tw = torch.from_numpy(x).requires_grad_(), torch.from_numpy(w).requires_grad_()
    (egx,) = ember.autograd.grad(ember.conv2d(ex, ew, stride=2).pow(2).sum(), ex, create_graph=True)
    (tgx,) = torch.autograd.grad(torch.conv2d(tx, tw, stride=2).pow(2).sum(), tx, create_graph=True)
    egx.pow(2).sum().backward()
    tgx.pow(2).sum().backward()
    torch.testing.assert_close(torch.from_numpy(ew.grad.numpy()), tw.grad)
    torch.testing.assert_close(torch.from_numpy(ex.grad.numpy()), tx.grad)
