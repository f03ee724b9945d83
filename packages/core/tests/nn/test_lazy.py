"""Lazy modules against torch 2.13: UninitializedParameter/Buffer, LazyModuleMixin and
LazyLinear / LazyConv* / LazyConvTranspose* / LazyBatchNorm* / LazyInstanceNorm*: reprs
before and after the first forward, the class they become, state_dicts of uninitialised
modules, materialising through load_state_dict, optimizers built before materialisation, and
outputs and gradients once torch's materialised weights are copied in."""

import copy
import pickle

import numpy as np
import pytest
import torch

import ember
from ember import nn
from ember.nn.parameter import UninitializedBuffer, UninitializedParameter, is_lazy


def to_ember(t: torch.Tensor) -> ember.Tensor:
    return ember.from_numpy(t.detach().numpy().copy())


def ember_state(torch_module) -> dict:
    return {k: to_ember(v) for k, v in torch_module.state_dict().items()}


def close(e, t, atol=1e-5):
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-5, atol=atol)


# -- the placeholders -------------------------------------------------------------------------
def test_uninitialized_parameter_has_no_shape_until_materialized():
    p = UninitializedParameter(dtype=ember.float64)
    assert repr(p) == "<UninitializedParameter>" and p.requires_grad and is_lazy(p)
    with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized"):
        _ = p.shape
    with pytest.raises(ValueError, match="uninitialized parameter"):
        p.numel()
    p.materialize((2, 3))
    assert type(p) is nn.Parameter and p.shape == (2, 3) and p.dtype == ember.float64
    assert p.requires_grad and not is_lazy(p)


def test_uninitialized_buffer_becomes_a_plain_tensor():
    b = UninitializedBuffer()
    assert repr(b) == "<UninitializedBuffer>" and not b.requires_grad
    assert type(b.double()) is UninitializedBuffer and b.double().dtype == ember.float64
    assert type(b.to(ember.float16)) is UninitializedBuffer
    b.materialize(4, dtype=ember.int64)
    assert type(b) is ember.Tensor and b.shape == (4,) and b.dtype == ember.int64


def test_uninitialized_placeholders_copy_and_pickle_as_placeholders():
    p = UninitializedParameter(requires_grad=False)
    for q in (copy.deepcopy(p), pickle.loads(pickle.dumps(p))):
        assert type(q) is UninitializedParameter and not q.requires_grad


def test_is_lazy_matches_torch():
    assert is_lazy(UninitializedBuffer()) is torch.nn.parameter.is_lazy(
        torch.nn.UninitializedBuffer()
    )
    assert is_lazy(nn.Parameter(ember.ones(1))) is False


# -- LazyLinear -------------------------------------------------------------------------------
@pytest.mark.parametrize("bias", [True, False])
def test_lazy_linear_repr_and_state_dict_before_and_after_forward(bias):
    e, t = nn.LazyLinear(3, bias=bias), torch.nn.LazyLinear(3, bias=bias)
    assert repr(e) == repr(t)
    assert e.has_uninitialized_params() and t.has_uninitialized_params()
    es, ts = e.state_dict(), t.state_dict()
    assert list(es) == list(ts)
    assert all(type(v) is UninitializedParameter for v in es.values())
    e(ember.ones(2, 5))
    t(torch.ones(2, 5))
    assert repr(e) == repr(t) == f"Linear(in_features=5, out_features=3, bias={bias})"
    assert type(e) is nn.Linear and not hasattr(e, "_initialize_hook")
    assert [(k, tuple(v.shape)) for k, v in e.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in t.state_dict().items()
    ]


def test_lazy_linear_matches_torch_after_copying_the_materialized_weights():
    t = torch.nn.LazyLinear(4).double()
    e = nn.LazyLinear(4, dtype=ember.float64)
    x = torch.randn(3, 2, 6, dtype=torch.float64, requires_grad=True)
    t(x)
    ex = to_ember(x).requires_grad_()
    e(ex)  # materialises with Ember's own init
    assert e.weight.shape == (4, 6) and e.weight.dtype == ember.float64
    e.load_state_dict(ember_state(t))
    yt, ye = t(x), e(ex)
    close(ye, yt, atol=1e-12)
    yt.square().sum().backward()
    ye.square().sum().backward()
    close(ex.grad, x.grad, atol=1e-10)
    for name, p in t.named_parameters():
        close(getattr(e, name).grad, p.grad, atol=1e-10)


def test_lazy_linear_init_matches_linear_statistics():
    e = nn.LazyLinear(200)
    e(ember.ones(1, 100))
    bound = 1 / np.sqrt(100)
    w = e.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound


def test_optimizer_built_before_materialisation_trains_the_materialized_params():
    e = nn.LazyLinear(2)
    opt = ember.optim.SGD(e.parameters(), lr=0.5)
    weight = e.weight
    x = ember.randn(4, 3)
    e(x)  # materialise
    assert e.weight is weight and opt.param_groups[0]["params"][0] is weight
    t = torch.nn.Linear(3, 2)
    t.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in e.state_dict().items()})
    tx = torch.from_numpy(x.numpy().copy())
    for _ in range(2):
        opt.zero_grad()
        t.zero_grad()
        e(x).square().mean().backward()
        t(tx).square().mean().backward()
        opt.step()
        with torch.no_grad():  # plain SGD by hand: torch.optim takes seconds to import
            for p in t.parameters():
                p -= 0.5 * p.grad
    close(e.weight, t.weight)
    close(e.bias, t.bias)


def test_load_state_dict_materializes_a_lazy_linear_with_the_loaded_shapes():
    t = torch.nn.Linear(5, 3)
    e, tl = nn.LazyLinear(3), torch.nn.LazyLinear(3)
    e.load_state_dict(ember_state(t))
    tl.load_state_dict(t.state_dict())
    # as PyTorch: materialised but still a LazyLinear until its first forward
    assert repr(e) == repr(tl) == "LazyLinear(in_features=0, out_features=3, bias=True)"
    assert type(e) is nn.LazyLinear and not e.has_uninitialized_params()
    assert e.weight.shape == (3, 5)
    x = torch.randn(2, 5)
    close(e(to_ember(x)), t(x))
    assert type(e) is nn.Linear and e.in_features == 5


def test_forward_after_load_checks_the_input_width():
    e = nn.LazyLinear(3)
    e.load_state_dict(ember_state(torch.nn.Linear(5, 3)))
    with pytest.raises(AssertionError, match="in_features inferred from input: 4"):
        e(ember.ones(2, 4))


def test_loading_an_uninitialized_state_dict():
    e = nn.LazyLinear(3)
    assert not e.load_state_dict(nn.LazyLinear(3).state_dict()).missing_keys
    assert e.has_uninitialized_params()
    with pytest.raises(RuntimeError, match="Can't access the shape"):
        nn.Linear(2, 3).load_state_dict(nn.LazyLinear(3).state_dict())


def test_lazy_module_to_dtype_before_forward():
    e = nn.LazyLinear(2).double()
    assert e.has_uninitialized_params()
    e(ember.ones(1, 3, dtype=ember.float64))
    assert e.weight.dtype == ember.float64


# -- conv, batch norm, instance norm -------------------------------------------------------
CONVS = [
    ("LazyConv1d", (2, 3, 9), {}),
    ("LazyConv1d", (3, 9), {"stride": 2, "bias": False}),  # unbatched
    ("LazyConv2d", (2, 4, 7, 7), {"padding": 1, "groups": 2}),
    ("LazyConv3d", (1, 2, 5, 5, 5), {"dilation": 2, "padding": 2}),
    ("LazyConvTranspose1d", (2, 3, 6), {"stride": 2, "output_padding": 1}),
    ("LazyConvTranspose2d", (2, 4, 5, 5), {"groups": 2}),
    ("LazyConvTranspose3d", (1, 2, 3, 3, 3), {"bias": False}),
]


@pytest.mark.parametrize("name, shape, kwargs", CONVS)
def test_lazy_conv_matches_torch(name, shape, kwargs):
    t = getattr(torch.nn, name)(4, 3, **kwargs).double()
    e = getattr(nn, name)(4, 3, dtype=ember.float64, **kwargs)
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict())
    x = torch.randn(*shape, dtype=torch.float64, requires_grad=True)
    t(x)
    ex = to_ember(x).requires_grad_()
    e(ex)
    assert repr(e) == repr(t) and type(e).__name__ == type(t).__name__
    e.load_state_dict(ember_state(t))
    yt, ye = t(x), e(ex)
    close(ye, yt, atol=1e-10)
    yt.sum().backward()
    ye.sum().backward()
    close(ex.grad, x.grad, atol=1e-10)
    close(e.weight.grad, t.weight.grad, atol=1e-10)


def test_lazy_conv_rejects_inputs_of_the_wrong_rank():
    with pytest.raises(RuntimeError, match="Expected 3D \\(unbatched\\) or 4D \\(batched\\)"):
        nn.LazyConv2d(2, 3)(ember.ones(2, 5))


NORMS = [
    ("LazyBatchNorm1d", (4, 3), {}),
    ("LazyBatchNorm1d", (4, 3, 5), {"affine": False}),
    ("LazyBatchNorm2d", (2, 3, 4, 4), {"momentum": None}),
    ("LazyBatchNorm3d", (2, 3, 2, 3, 3), {"track_running_stats": False}),
    ("LazyInstanceNorm1d", (2, 3, 7), {}),
    ("LazyInstanceNorm2d", (2, 3, 5, 5), {"bias": False}),
    ("LazyInstanceNorm3d", (2, 3, 3, 3, 3), {"affine": False}),
]


@pytest.mark.parametrize("name, shape, kwargs", NORMS)
def test_lazy_norm_matches_torch(name, shape, kwargs):
    t = getattr(torch.nn, name)(**kwargs).double()
    e = getattr(nn, name)(dtype=ember.float64, **kwargs)
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict())
    for key, value in e.state_dict().items():
        assert is_lazy(value) == torch.nn.parameter.is_lazy(t.state_dict()[key])
    x = torch.randn(*shape, dtype=torch.float64, requires_grad=True)
    ex = to_ember(x).requires_grad_()
    yt, ye = t(x), e(ex)  # the first forward materialises and runs in training mode
    assert repr(e) == repr(t) and type(e).__name__ == type(t).__name__
    close(ye, yt, atol=1e-10)
    for key, value in t.state_dict().items():
        close(e.state_dict()[key], value, atol=1e-10)
    yt.square().sum().backward()
    ye.square().sum().backward()
    close(ex.grad, x.grad, atol=1e-8)
    for pname, p in t.named_parameters():
        close(getattr(e, pname).grad, p.grad, atol=1e-8)


def test_lazy_batch_norm_loads_a_state_dict():
    t = torch.nn.BatchNorm2d(3)
    t(torch.randn(2, 3, 4, 4))
    e = nn.LazyBatchNorm2d()
    e.load_state_dict(ember_state(t))
    assert not e.has_uninitialized_params()
    assert e.running_mean.shape == (3,) and type(e.running_mean) is ember.Tensor
    close(e.running_var, t.running_var)
    e.eval()
    t.eval()
    x = torch.randn(2, 3, 4, 4)
    close(e(to_ember(x)), t(x))
