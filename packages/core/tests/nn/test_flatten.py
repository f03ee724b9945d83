"""Flatten, Unflatten, PixelShuffle, PixelUnshuffle and ChannelShuffle against torch.nn:
outputs, input grads, reprs."""

import numpy as np
import pytest
import torch

import ember
from ember import nn


@pytest.mark.parametrize(
    ("name", "args", "shape"),
    [
        ("Flatten", (), (2, 3, 4)),
        ("Flatten", (0, 1), (2, 3, 4)),
        ("Flatten", (-2,), (1, 3, 4)),
        ("Unflatten", (1, (2, 3)), (4, 6)),
        ("Unflatten", (-1, (2, -1)), (2, 3, 4)),
        ("PixelShuffle", (2,), (1, 8, 3, 2)),
        ("PixelShuffle", (3,), (9, 2, 2)),
        ("PixelUnshuffle", (2,), (2, 1, 4, 6)),
        ("ChannelShuffle", (3,), (2, 6, 2, 2)),
        ("ChannelShuffle", (2,), (1, 4, 3)),
    ],
)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_reshaping_module_matches_torch(name, args, shape, dtype):
    e, t = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(e) == repr(t)
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    ex, tx = ember.from_numpy(x.copy()).requires_grad_(), torch.from_numpy(x).requires_grad_()
    ey, ty = e(ex), t(tx)
    np.testing.assert_array_equal(ey.detach().numpy(), ty.detach().numpy())
    g = np.random.default_rng(1).standard_normal(tuple(ty.shape)).astype(dtype)
    ey.backward(ember.from_numpy(g)), ty.backward(torch.from_numpy(g))
    np.testing.assert_array_equal(ex.grad.numpy(), tx.grad.numpy())


def test_shuffle_errors():
    with pytest.raises(RuntimeError, match="divisible by the square of upscale_factor"):
        ember.pixel_shuffle(ember.ones(1, 5, 2, 2), 2)
    with pytest.raises(RuntimeError, match="at least 3 dimensions"):
        ember.pixel_shuffle(ember.ones(4, 4), 2)
    with pytest.raises(RuntimeError, match="divisible by downscale_factor"):
        ember.pixel_unshuffle(ember.ones(1, 1, 3, 4), 2)
    with pytest.raises(RuntimeError, match="divisible by groups"):
        ember.channel_shuffle(ember.ones(1, 5, 2), 2)
