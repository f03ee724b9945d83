"""``nn.utils`` gradient clipping and parameter/vector conversion against PyTorch."""

import math
import warnings

import numpy as np
import pytest
import torch

import ember
from ember import nn


def _e(t):
    return ember.from_numpy(t.detach().numpy().copy())


def _twin_params(shapes, dtype=np.float32, scale=1.0, seed=0):
    """Ember and torch parameter lists with equal data and equal grads."""
    rng = np.random.default_rng(seed)
    eps, tps = [], []
    for shape in shapes:
        data = np.asarray(rng.standard_normal(shape), dtype=dtype)
        grad = np.asarray(rng.standard_normal(shape) * scale, dtype=dtype)
        ep = nn.Parameter(ember.from_numpy(data.copy()))
        ep.grad = ember.from_numpy(grad.copy())
        tp = torch.nn.Parameter(torch.from_numpy(data.copy()))
        tp.grad = torch.from_numpy(grad.copy())
        eps.append(ep)
        tps.append(tp)
    return eps, tps


def _close(e, t, **kw):
    torch.testing.assert_close(torch.from_numpy(np.asarray(e.detach().numpy())), t, **kw)


SHAPES = [(3, 4), (5,), (), (2, 2, 2)]


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, 0.5, math.inf, "inf"])
@pytest.mark.parametrize("max_norm", [0.1, 1.0, 1e6])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_clip_grad_norm_matches_torch(norm_type, max_norm, dtype):
    eps, tps = _twin_params(SHAPES, dtype)
    e_total = nn.utils.clip_grad_norm_(eps, max_norm, norm_type=norm_type)
    t_total = torch.nn.utils.clip_grad_norm_(tps, max_norm, norm_type=norm_type)
    assert e_total.shape == () and e_total.dtype == getattr(ember, np.dtype(dtype).name)
    _close(e_total, t_total)
    for ep, tp in zip(eps, tps):
        _close(ep.grad, tp.grad)


def test_clip_grad_norm_coefficient_is_clamped_to_one():
    eps, _ = _twin_params(SHAPES)
    before = [p.grad.clone() for p in eps]
    total = nn.utils.clip_grad_norm_(eps, 1e6)
    assert float(total) < 1e6
    for p, b in zip(eps, before):
        np.testing.assert_array_equal(p.grad.numpy(), b.numpy())


def test_clip_grad_norm_is_in_place_and_bumps_versions():
    eps, _ = _twin_params(SHAPES)
    grads = [p.grad for p in eps]
    versions = [g._version for g in grads]
    nn.utils.clip_grad_norm_(eps, 0.01)
    for p, g, v in zip(eps, grads, versions):
        assert p.grad is g
        assert g._version > v


def test_clip_grad_norm_single_tensor_skips_missing_grads_and_returns_norm():
    p = nn.Parameter(ember.ones(2))
    q = nn.Parameter(ember.ones(3))  # no grad
    p.grad = ember.tensor([3.0, 4.0])
    total = nn.utils.clip_grad_norm_([p, q], 2.5)
    assert float(total) == pytest.approx(5.0)
    assert q.grad is None
    np.testing.assert_allclose(p.grad.numpy(), [1.5, 2.0], rtol=1e-5)
    p.grad = ember.tensor([3.0, 4.0])
    assert float(nn.utils.clip_grad_norm_(p, 10.0)) == pytest.approx(5.0)


def test_clip_grad_norm_no_grads_returns_zero():
    p = nn.Parameter(ember.ones(2))
    total = nn.utils.clip_grad_norm_([p], 1.0)
    assert total.shape == () and float(total) == 0.0


def test_clip_grad_norm_empty_generator_warns():
    with pytest.warns(UserWarning, match="empty generator"):
        nn.utils.clip_grad_norm_((p for p in []), 1.0)


def test_clip_grad_norm_error_if_nonfinite():
    p = nn.Parameter(ember.ones(2))
    p.grad = ember.tensor([float("inf"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    p.grad = ember.tensor([float("nan"), 1.0])
    total = nn.utils.clip_grad_norm_(p, 1.0)  # scales by the nan norm, as torch does
    assert math.isnan(float(total))


def test_clip_grad_norm_foreach_flag_accepted():
    for foreach in (None, False, True):
        eps, tps = _twin_params(SHAPES)
        e = nn.utils.clip_grad_norm_(eps, 0.5, foreach=foreach)
        t = torch.nn.utils.clip_grad_norm_(tps, 0.5, foreach=foreach)
        _close(e, t)


def test_clip_grad_norm_deprecated_alias_warns():
    eps, tps = _twin_params(SHAPES)
    with pytest.warns(FutureWarning):
        e = nn.utils.clip_grad_norm(eps, 0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = torch.nn.utils.clip_grad_norm(tps, 0.5)
    _close(e, t)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf])
def test_get_total_norm_and_clip_grads_with_norm_match_torch(norm_type):
    eps, tps = _twin_params(SHAPES)
    e_total = nn.utils.get_total_norm([p.grad for p in eps], norm_type)
    t_total = torch.nn.utils.get_total_norm([p.grad for p in tps], norm_type)
    _close(e_total, t_total)
    nn.utils.clip_grads_with_norm_(eps, 0.3, e_total)
    torch.nn.utils.clip_grads_with_norm_(tps, 0.3, t_total)
    for ep, tp in zip(eps, tps):
        _close(ep.grad, tp.grad)
    assert float(nn.utils.get_total_norm([])) == 0.0


@pytest.mark.parametrize("clip_value", [0.0, 0.3, 5.0])
def test_clip_grad_value_matches_torch(clip_value):
    eps, tps = _twin_params(SHAPES, scale=2.0)
    assert nn.utils.clip_grad_value_(eps, clip_value) is None
    torch.nn.utils.clip_grad_value_(tps, clip_value)
    for ep, tp in zip(eps, tps):
        _close(ep.grad, tp.grad)
    p = nn.Parameter(ember.zeros(2))
    p.grad = ember.tensor([-3.0, 3.0])
    nn.utils.clip_grad_value_(p, 1)
    np.testing.assert_array_equal(p.grad.numpy(), [-1.0, 1.0])


def test_clip_grad_norm_on_model_grads_matches_torch():
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Tanh(), torch.nn.Linear(6, 2))
    em = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 2))
    em.load_state_dict({k: _e(v) for k, v in tm.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((3, 4)).astype(np.float32)
    (tm(torch.from_numpy(x)) ** 2).sum().backward()
    (em(ember.from_numpy(x)) ** 2).sum().backward()
    _close(
        nn.utils.clip_grad_norm_(em.parameters(), 0.2),
        torch.nn.utils.clip_grad_norm_(tm.parameters(), 0.2),
    )
    for ep, tp in zip(em.parameters(), tm.parameters()):
        _close(ep.grad, tp.grad)


# -- parameters_to_vector / vector_to_parameters ---------------------------------------------
def test_parameters_to_vector_matches_torch_and_is_differentiable():
    eps, tps = _twin_params(SHAPES, np.float64)
    ev = nn.utils.parameters_to_vector(eps)
    tv = torch.nn.utils.parameters_to_vector(tps)
    _close(ev, tv)
    (ev * ember.arange(float(ev.numel()), dtype=ember.float64)).sum().backward()
    (tv * torch.arange(float(tv.numel()), dtype=torch.float64)).sum().backward()
    for ep, tp in zip(eps, tps):
        _close(ep.grad, tp.grad)


def test_vector_to_parameters_matches_torch():
    eps, tps = _twin_params(SHAPES)
    n = sum(p.numel() for p in eps)
    vec = np.arange(n, dtype=np.float32)
    nn.utils.vector_to_parameters(ember.from_numpy(vec.copy()), eps)
    torch.nn.utils.vector_to_parameters(torch.from_numpy(vec.copy()), tps)
    for ep, tp in zip(eps, tps):
        assert isinstance(ep, nn.Parameter) and ep.requires_grad
        assert ep.shape == tuple(tp.shape)
        _close(ep, tp)
    with pytest.raises(TypeError, match="expected ember.Tensor"):
        nn.utils.vector_to_parameters(vec, eps)


def test_parameters_vector_round_trip():
    m = nn.Linear(3, 2)
    vec = nn.utils.parameters_to_vector(m.parameters()).detach() * 2
    nn.utils.vector_to_parameters(vec, m.parameters())
    np.testing.assert_allclose(
        nn.utils.parameters_to_vector(m.parameters()).detach().numpy(), vec.numpy()
    )
