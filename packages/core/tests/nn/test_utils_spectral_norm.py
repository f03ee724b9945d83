"""Spectral normalisation (legacy hook and parametrization) against PyTorch, with the
power-iteration vectors u/v copied from PyTorch so both runs iterate from the same start."""

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


LAYERS = {
    "linear": (lambda lib: lib.nn.Linear(4, 3), (2, 4)),
    "linear_batch1": (lambda lib: lib.nn.Linear(3, 6), (1, 3)),
    "conv2d": (lambda lib: lib.nn.Conv2d(2, 3, 3), (2, 2, 5, 5)),
}


def _twins(layer, dtype, register_e, register_t):
    make, shape = LAYERS[layer]
    torch.manual_seed(0)
    tm = register_t(make(torch).to(getattr(torch, dtype)))
    em = register_e(make(ember).to(getattr(ember, dtype)))
    assert list(em.state_dict()) == list(tm.state_dict())
    for k, v in tm.state_dict().items():
        assert em.state_dict()[k].shape == tuple(v.shape), k
    em.load_state_dict({k: _e(v) for k, v in tm.state_dict().items()})
    return em, tm, shape


def _step(em, tm, shape, dtype, seed):
    # float32: gradients of a sum of squares reach ~50 after several float32 reductions
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == "float32" else {}
    x = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    ex = ember.from_numpy(x.copy()).requires_grad_()
    tx = torch.from_numpy(x.copy()).requires_grad_()
    ey, ty = em(ex), tm(tx)
    _close(ey, ty, **tol)
    (ey * ey).sum().backward()
    (ty * ty).sum().backward()
    _close(ex.grad, tx.grad, **tol)
    for (en, ep), (tn, tp) in zip(em.named_parameters(), tm.named_parameters()):
        assert en == tn
        _close(ep.grad, tp.grad, **tol)
    for (en, eb), (tn, tb) in zip(em.named_buffers(), tm.named_buffers()):
        assert en == tn
        _close(eb, tb, **tol)


@pytest.mark.parametrize("layer", sorted(LAYERS))
@pytest.mark.parametrize("n_power_iterations", [1, 3])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_legacy_spectral_norm_matches_torch(layer, n_power_iterations, dtype):
    em, tm, shape = _twins(
        layer,
        dtype,
        lambda m: nn.utils.spectral_norm(m, n_power_iterations=n_power_iterations),
        lambda m: torch.nn.utils.spectral_norm(m, n_power_iterations=n_power_iterations),
    )
    assert sorted(em.state_dict()) == ["bias", "weight_orig", "weight_u", "weight_v"]
    for step in range(3):  # u and v keep iterating in training mode
        _step(em, tm, shape, dtype, step)
    em.eval()
    tm.eval()
    _step(em, tm, shape, dtype, 5)
    _close(em.weight, tm.weight)


def test_legacy_spectral_norm_dim_and_remove():
    em, tm, shape = _twins(
        "conv2d",
        "float64",
        lambda m: nn.utils.spectral_norm(m, dim=1),
        lambda m: torch.nn.utils.spectral_norm(m, dim=1),
    )
    assert em.weight_u.shape == (2,) and em.weight_v.shape == (27,)
    _step(em, tm, shape, "float64", 0)
    with pytest.raises(RuntimeError, match="Cannot register two spectral_norm hooks"):
        nn.utils.spectral_norm(em)
    nn.utils.remove_spectral_norm(em)
    torch.nn.utils.remove_spectral_norm(tm)
    assert list(em.state_dict()) == list(tm.state_dict())
    _close(em.weight, tm.weight)
    with pytest.raises(ValueError, match="spectral_norm of 'weight' not found"):
        nn.utils.remove_spectral_norm(em)


def test_legacy_spectral_norm_normalises_largest_singular_value():
    m = nn.utils.spectral_norm(nn.Linear(6, 4).double(), n_power_iterations=50)
    m(ember.zeros(1, 6, dtype=ember.float64))
    sigma = np.linalg.svd(m.weight.detach().numpy(), compute_uv=False)[0]
    assert sigma == pytest.approx(1.0, rel=1e-6)


def test_legacy_spectral_norm_state_dict_metadata_and_reload():
    m = nn.utils.spectral_norm(nn.Linear(4, 3))
    sd = m.state_dict()
    assert sd._metadata[""]["spectral_norm"] == {"weight.version": 1}
    other = nn.utils.spectral_norm(nn.Linear(4, 3))
    other.load_state_dict(sd)
    np.testing.assert_array_equal(other.weight_u.numpy(), m.weight_u.numpy())


@pytest.mark.parametrize("layer", sorted(LAYERS))
@pytest.mark.parametrize("n_power_iterations", [1, 2])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_parametrized_spectral_norm_matches_torch(layer, n_power_iterations, dtype):
    em, tm, shape = _twins(
        layer,
        dtype,
        lambda m: parametrizations.spectral_norm(m, n_power_iterations=n_power_iterations),
        lambda m: torch.nn.utils.parametrizations.spectral_norm(
            m, n_power_iterations=n_power_iterations
        ),
    )
    assert repr(em) == repr(tm)
    for step in range(3):
        _step(em, tm, shape, dtype, step)
    em.eval()
    tm.eval()
    _step(em, tm, shape, dtype, 7)


def test_parametrized_spectral_norm_registration_runs_15_power_iterations():
    m = parametrizations.spectral_norm(nn.Linear(8, 5).double())
    w = m.parametrizations.weight.original.detach().numpy()
    u, v = m.parametrizations.weight[0]._u.numpy(), m.parametrizations.weight[0]._v.numpy()
    assert np.linalg.norm(u) == pytest.approx(1.0) and np.linalg.norm(v) == pytest.approx(1.0)
    sigma = np.linalg.svd(w, compute_uv=False)[0]
    assert float(u @ w @ v) == pytest.approx(sigma, rel=1e-3)


def test_parametrized_spectral_norm_errors_and_1d_weight():
    with pytest.raises(IndexError, match="Dimension out of range"):
        parametrizations.spectral_norm(nn.Linear(3, 2), dim=2)
    with pytest.raises(ValueError, match="n_power_iterations"):
        parametrizations.spectral_norm(nn.Linear(3, 2), n_power_iterations=0)
    with pytest.raises(ValueError, match="has no parameter or buffer with name 'nope'"):
        parametrizations.spectral_norm(nn.Linear(3, 2), name="nope")
    m = parametrizations.spectral_norm(nn.Linear(3, 2), name="bias")
    np.testing.assert_allclose(np.linalg.norm(m.bias.detach().numpy()), 1.0, rtol=1e-6)


def test_spectral_norm_defaults_to_dim_1_for_conv_transpose():
    torch.manual_seed(0)
    tm = torch.nn.utils.spectral_norm(torch.nn.ConvTranspose2d(2, 5, 3))
    em = nn.utils.spectral_norm(nn.ConvTranspose2d(2, 5, 3))
    assert em.weight_u.shape == tuple(tm.weight_u.shape) == (5,)
    assert em.weight_v.shape == tuple(tm.weight_v.shape) == (18,)
    em2 = parametrizations.spectral_norm(nn.ConvTranspose2d(2, 5, 3))
    assert em2.parametrizations.weight[0].dim == 1
