"""Upsample, UpsamplingNearest2d and UpsamplingBilinear2d against torch.nn, plus
interpolate / grid_sample / affine_grid behaviour: outputs, input grads, reprs, warnings,
errors."""

import numpy as np
import pytest
import torch

import ember
from ember import nn


@pytest.mark.parametrize(
    ("name", "kwargs", "shape"),
    [
        ("Upsample", dict(scale_factor=2), (2, 3, 4)),
        ("Upsample", dict(size=(5, 7), mode="bilinear"), (1, 2, 3, 4)),
        ("Upsample", dict(scale_factor=1.5, mode="bilinear", align_corners=True), (2, 1, 4, 4)),
        ("Upsample", dict(scale_factor=(2.0, 0.5), mode="bicubic"), (1, 2, 4, 6)),
        ("Upsample", dict(size=6, mode="linear"), (1, 2, 4)),
        ("Upsample", dict(scale_factor=2, mode="trilinear"), (1, 1, 2, 3, 2)),
        ("Upsample", dict(scale_factor=2, mode="nearest-exact"), (1, 2, 3, 3)),
        ("Upsample", dict(size=(2, 3), mode="area"), (1, 2, 5, 7)),
        ("UpsamplingNearest2d", dict(scale_factor=3), (1, 2, 2, 3)),
        ("UpsamplingBilinear2d", dict(size=(5, 4)), (2, 2, 3, 3)),
    ],
)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_upsample_module_matches_torch(name, kwargs, shape, dtype):
    e, t = getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    assert repr(e) == repr(t)
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    ex, tx = ember.from_numpy(x.copy()).requires_grad_(), torch.from_numpy(x).requires_grad_()
    ey, ty = e(ex), t(tx)
    tol = (1e-5, 1e-5) if dtype == "float32" else (1e-12, 1e-12)
    np.testing.assert_allclose(ey.detach().numpy(), ty.detach().numpy(), *tol)
    g = np.random.default_rng(1).standard_normal(tuple(ty.shape)).astype(dtype)
    ey.backward(ember.from_numpy(g)), ty.backward(torch.from_numpy(g))
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), *tol)


def test_bilinear_matches_torch_exactly_on_images():
    x = np.random.default_rng(2).standard_normal((2, 3, 17, 13)).astype("float32")
    for kw in (dict(size=(31, 40)), dict(scale_factor=0.6), dict(size=(9, 5), align_corners=True)):
        ey = ember.nn.functional.interpolate(ember.from_numpy(x), mode="bilinear", **kw)
        ty = torch.nn.functional.interpolate(torch.from_numpy(x), mode="bilinear", **kw)
        np.testing.assert_allclose(ey.numpy(), ty.numpy(), rtol=0, atol=2e-6)


def test_deprecated_upsample_functions_warn():
    F = ember.nn.functional
    with pytest.warns(UserWarning, match="deprecated"):
        F.upsample(ember.ones(1, 1, 2), scale_factor=2)
    with pytest.warns(UserWarning, match="deprecated"):
        F.upsample_nearest(ember.ones(1, 1, 2, 2), size=3)
    with pytest.warns(UserWarning, match="deprecated"):
        y = F.upsample_bilinear(ember.ones(1, 1, 2, 2), scale_factor=2)
    assert y.shape == (1, 1, 4, 4)


def test_interpolate_errors():
    F = ember.nn.functional
    x = ember.ones(1, 1, 4, 4)
    with pytest.raises(ValueError, match="only one of size or scale_factor"):
        F.interpolate(x, size=2, scale_factor=2)
    with pytest.raises(ValueError, match="either size or scale_factor"):
        F.interpolate(x)
    with pytest.raises(ValueError, match="align_corners option can only be set"):
        F.interpolate(x, size=2, align_corners=True)
    with pytest.raises(NotImplementedError, match="bilinear mode needs 4D input"):
        F.interpolate(ember.ones(1, 1, 4), size=2, mode="bilinear")
    with pytest.raises(ValueError, match="Anti-alias option"):
        F.interpolate(x, size=2, mode="nearest", antialias=True)


def test_grid_sample_and_affine_grid_warn_without_align_corners():
    F = ember.nn.functional
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        g = F.affine_grid(ember.eye(2, 3).unsqueeze(0), (1, 1, 3, 3))
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        y = F.grid_sample(ember.ones(1, 1, 3, 3), g)
    assert y.shape == (1, 1, 3, 3)


def test_identity_affine_grid_resamples_to_the_input():
    F = ember.nn.functional
    x = ember.randn(2, 3, 4, 5)
    theta = ember.eye(2, 3).unsqueeze(0).expand(2, 2, 3)
    for ac in (False, True):
        y = F.grid_sample(x, F.affine_grid(theta, (2, 3, 4, 5), align_corners=ac), align_corners=ac)
        np.testing.assert_allclose(y.numpy(), x.numpy(), rtol=1e-5, atol=1e-5)


def test_grid_sample_errors():
    F = ember.nn.functional
    with pytest.raises(RuntimeError, match="grid_sample"):
        F.grid_sample(ember.ones(1, 1, 3, 3), ember.zeros(1, 2, 2, 3), align_corners=False)
    with pytest.raises(ValueError, match="padding_mode"):
        F.grid_sample(
            ember.ones(1, 1, 3, 3),
            ember.zeros(1, 2, 2, 2),
            padding_mode="wrap",
            align_corners=False,
        )
    with pytest.raises(ValueError, match="Nx2x3"):
        F.affine_grid(ember.ones(1, 3, 3), (1, 1, 2, 2), align_corners=False)
