"""Dropout layers and functions: eval mode / training=False is the identity, masks have the
right statistics and structure (element-wise or whole channels), gradients follow the mask,
in-place variants, reprs and argument errors."""

import numpy as np
import pytest
import torch

import ember
from ember import nn

F = ember.nn.functional


@pytest.mark.parametrize(
    ("name", "shape"),
    [
        ("Dropout", (4, 5)),
        ("Dropout1d", (2, 3, 4)),
        ("Dropout2d", (2, 3, 4, 4)),
        ("Dropout3d", (2, 3, 2, 2, 2)),
        ("AlphaDropout", (4, 5)),
        ("FeatureAlphaDropout", (2, 3, 4)),
    ],
)
def test_dropout_module_matches_torch_in_eval_and_repr(name, shape):
    e, t = getattr(nn, name)(0.3), getattr(torch.nn, name)(0.3)
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict()) == []
    x = ember.randn(*shape)
    e.eval()
    assert e(x) is x or bool((e(x) == x).all())
    assert repr(getattr(nn, name)(0.1, inplace=True)) == repr(getattr(torch.nn, name)(0.1, True))


def test_dropout_statistics_and_scaling():
    ember.manual_seed(0)
    x = ember.ones(200, 500)
    y = F.dropout(x, 0.3).numpy()
    kept = y != 0
    assert abs(kept.mean() - 0.7) < 0.01
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)
    assert abs(y.mean() - 1.0) < 0.02


def test_dropout_gradient_follows_the_mask():
    x = ember.randn(50, 40, requires_grad=True)
    y = F.dropout(x, 0.5)
    y.sum().backward()
    mask = y.detach().numpy() != 0
    np.testing.assert_allclose(x.grad.numpy(), mask * 2.0)


@pytest.mark.parametrize(
    ("fn", "shape", "channel_axes"),
    [
        (F.dropout1d, (8, 30, 6), 2),
        (F.dropout1d, (30, 6), 1),
        (F.dropout2d, (8, 30, 3, 3), 2),
        (F.dropout3d, (8, 30, 2, 2, 2), 2),
        (F.dropout3d, (30, 2, 2, 2), 1),
    ],
)
def test_channel_dropout_zeroes_whole_channels(fn, shape, channel_axes):
    ember.manual_seed(1)
    y = fn(ember.ones(*shape), 0.4).numpy()
    per_channel = y.reshape(y.shape[:channel_axes] + (-1,))
    assert (per_channel == per_channel[..., :1]).all()  # constant within a channel
    kept = per_channel[..., 0] != 0
    assert 0.45 < kept.mean() < 0.75
    np.testing.assert_allclose(per_channel[..., 0][kept], 1 / 0.6, rtol=1e-6)


def test_alpha_dropout_keeps_zero_mean_unit_variance():
    ember.manual_seed(2)
    x = ember.randn(400, 500)
    y = F.alpha_dropout(x, 0.2, training=True).numpy()
    assert abs(y.mean()) < 0.02
    assert abs(y.std() - 1.0) < 0.02
    # dropped entries all take the same value a * (-alpha) + b
    vals, counts = np.unique(np.round(y, 5), return_counts=True)
    assert counts.max() > 0.15 * y.size


def test_feature_alpha_dropout_is_constant_per_dropped_channel():
    ember.manual_seed(3)
    y = F.feature_alpha_dropout(ember.randn(4, 50, 6), 0.5, training=True).numpy()
    expected = (
        1.7580993408473766 * (1 / np.sqrt((1.7580993408473766**2 * 0.5 + 1) * 0.5)) * (0.5 - 1)
    )
    dropped = np.isclose(y, expected, atol=1e-5).all(axis=2)
    assert 0.3 < dropped.mean() < 0.7


@pytest.mark.parametrize("fn", [F.dropout, F.alpha_dropout, F.feature_alpha_dropout])
def test_training_false_is_identity(fn):
    x = ember.randn(3, 4, 5)
    assert fn(x, 0.5, training=False) is x


def test_dropout_p_one_and_zero():
    x = ember.randn(3, 4)
    assert bool((F.dropout(x, 1.0) == 0).all())
    assert bool((F.dropout(x, 0.0) == x).all())


def test_inplace_dropout_modifies_input():
    ember.manual_seed(4)
    x = ember.ones(10, 10)
    y = F.dropout(x, 0.5, inplace=True)
    assert y is x
    assert bool(((x == 0) | (x == 2)).all())


def test_dropout_uses_embers_rng():
    ember.manual_seed(5)
    a = F.dropout(ember.ones(20), 0.5)
    ember.manual_seed(5)
    b = F.dropout(ember.ones(20), 0.5)
    assert bool((a == b).all())


def test_dropout_rejects_bad_probability():
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout(ember.ones(2), -0.1)


def test_dropout2d_3d_input_warns_like_torch():
    with pytest.warns(UserWarning, match="3D input to dropout2d"):
        F.dropout2d(ember.ones(2, 3, 4), 0.5)
