"""Weight normalisation (legacy hook and parametrization) against PyTorch."""

import warnings

import numpy as np
import pytest
import torch

import ember
from ember import nn
from ember.nn.utils import parametrizations


def _e(t):
    return ember.from_numpy(t.detach().numpy().copy())


def _close(e, t, **kw):
    torch.testing.assert_close(torch.from_numpy(np.asarray(e.detach().numpy())), t.detach(), **kw)


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return fn(*args, **kwargs)


def _pair(make, dtype):
    torch.manual_seed(0)
    tm = make(torch).to(getattr(torch, dtype))
    em = make(ember).to(getattr(ember, dtype))
    em.load_state_dict({k: _e(v) for k, v in tm.state_dict().items()})
    return em, tm


LAYERS = {
    "linear": (lambda lib: lib.nn.Linear(4, 3), (2, 4)),
    "linear_batch1": (lambda lib: lib.nn.Linear(5, 2), (1, 5)),
    "conv2d": (lambda lib: lib.nn.Conv2d(2, 3, 3), (2, 2, 5, 5)),
}


def _run_both(em, tm, shape, dtype):
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    ex = ember.from_numpy(x.copy()).requires_grad_()
    tx = torch.from_numpy(x.copy()).requires_grad_()
    ey, ty = em(ex), tm(tx)
    _close(ey, ty)
    (ey * ey).sum().backward()
    (ty * ty).sum().backward()
    _close(ex.grad, tx.grad)
    for (en, ep), (tn, tp) in zip(em.named_parameters(), tm.named_parameters()):
        assert en == tn
        _close(ep.grad, tp.grad)


@pytest.mark.parametrize("layer", sorted(LAYERS))
@pytest.mark.parametrize("dim", [0, 1, None, -1])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_legacy_weight_norm_matches_torch(layer, dim, dtype):
    make, shape = LAYERS[layer]
    em, tm = _pair(make, dtype)
    with pytest.warns(FutureWarning):
        nn.utils.weight_norm(em, dim=dim)
    _quiet(torch.nn.utils.weight_norm, tm, dim=dim)
    assert list(em.state_dict()) == list(tm.state_dict())
    for k, v in tm.state_dict().items():
        assert em.state_dict()[k].shape == tuple(v.shape)
        _close(em.state_dict()[k], v)
    for mode in ("train", "eval"):
        getattr(em, mode)()
        getattr(tm, mode)()
        _run_both(em, tm, shape, dtype)
    _close(em.weight, tm.weight)


def test_legacy_weight_norm_remove_and_double_registration():
    em, tm = _pair(LAYERS["linear"][0], "float32")
    _quiet(nn.utils.weight_norm, em)
    _quiet(torch.nn.utils.weight_norm, tm)
    with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks"):
        _quiet(nn.utils.weight_norm, em)
    nn.utils.remove_weight_norm(em)
    torch.nn.utils.remove_weight_norm(tm)
    assert list(em.state_dict()) == list(tm.state_dict())
    assert isinstance(em.weight, nn.Parameter)
    _close(em.weight, tm.weight)
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found"):
        nn.utils.remove_weight_norm(em)


def test_legacy_weight_norm_tracks_g_after_update():
    em, tm = _pair(LAYERS["linear"][0], "float64")
    _quiet(nn.utils.weight_norm, em)
    _quiet(torch.nn.utils.weight_norm, tm)
    with ember.no_grad():
        em.weight_g.mul_(2.0)
    with torch.no_grad():
        tm.weight_g.mul_(2.0)
    _run_both(em, tm, (3, 4), "float64")


@pytest.mark.parametrize("layer", sorted(LAYERS))
@pytest.mark.parametrize("dim", [0, 1, None])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_parametrized_weight_norm_matches_torch(layer, dim, dtype):
    make, shape = LAYERS[layer]
    em, tm = _pair(make, dtype)
    parametrizations.weight_norm(em, dim=dim)
    torch.nn.utils.parametrizations.weight_norm(tm, dim=dim)
    assert list(em.state_dict()) == list(tm.state_dict())
    for k, v in tm.state_dict().items():
        _close(em.state_dict()[k], v)
    assert repr(em) == repr(tm)
    assert type(em).__name__ == type(tm).__name__
    for mode in ("train", "eval"):
        getattr(em, mode)()
        getattr(tm, mode)()
        _run_both(em, tm, shape, dtype)


def test_parametrized_weight_norm_loads_legacy_state_dict():
    _, tm = _pair(LAYERS["linear"][0], "float32")
    _quiet(torch.nn.utils.weight_norm, tm)
    legacy = {k: _e(v) for k, v in tm.state_dict().items()}
    assert sorted(legacy) == ["bias", "weight_g", "weight_v"]
    em = parametrizations.weight_norm(nn.Linear(4, 3))
    em.load_state_dict(legacy)
    _close(em.weight, tm.weight)


def test_parametrized_weight_norm_assignment_uses_right_inverse():
    em = parametrizations.weight_norm(nn.Linear(4, 3))
    target = ember.randn(3, 4)
    em.weight = target
    np.testing.assert_allclose(em.weight.detach().numpy(), target.numpy(), rtol=1e-5, atol=1e-6)
    g = em.parametrizations.weight.original0
    np.testing.assert_allclose(
        g.detach().numpy().ravel(), np.linalg.norm(target.numpy(), axis=1), rtol=1e-5
    )


def test_weight_norm_gradcheck_float64():
    m = parametrizations.weight_norm(nn.Linear(3, 2).double())
    g0 = m.parametrizations.weight.original0
    v0 = m.parametrizations.weight.original1
    x = ember.randn(4, 3, dtype=ember.float64)

    def fn(g, v):
        from ember.nn.utils.weight_norm import _weight_norm

        return x @ _weight_norm(v, g, 0).t()

    g = g0.detach().clone().requires_grad_()
    v = v0.detach().clone().requires_grad_()
    assert ember.autograd.gradcheck(fn, (g, v))
    assert ember.autograd.gradgradcheck(fn, (g, v))
