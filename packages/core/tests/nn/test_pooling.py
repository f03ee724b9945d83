"""Pooling layers against torch.nn: outputs, indices and input grads, repr, errors."""

import numpy as np
import pytest
import torch

import ember
from ember import nn


def check_parity(ours, theirs, shape, dtype, extra=None):
    """Forward (values and indices) and input gradient of both layers, train and eval."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(dtype)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-7, atol=1e-7)
    for train in (True, False):
        ours.train(train)
        theirs.train(train)
        ex = ember.from_numpy(x.copy()).requires_grad_()
        tx = torch.from_numpy(x.copy()).requires_grad_()
        ey = ours(ex, *(extra[0] if extra else ()))
        ty = theirs(tx, *(extra[1] if extra else ()))
        if isinstance(ty, tuple):
            assert np.array_equal(ey[1].numpy(), ty[1].numpy())
            ey, ty = ey[0], ty[0]
        assert tuple(ey.shape) == tuple(ty.shape)
        torch.testing.assert_close(torch.from_numpy(ey.detach().numpy()), ty.detach(), **tol)
        g = rng.standard_normal(tuple(ty.shape)).astype(dtype)
        ey.backward(ember.from_numpy(g))
        ty.backward(torch.from_numpy(g))
        torch.testing.assert_close(torch.from_numpy(ex.grad.numpy()), tx.grad, **tol)


CASES = [
    ("MaxPool1d", (3,), dict(stride=2, padding=1, return_indices=True), (2, 3, 9)),
    ("MaxPool2d", (2,), {}, (2, 3, 6, 6)),
    (
        "MaxPool2d",
        (3, 2, 1),
        dict(dilation=(1, 2), ceil_mode=True, return_indices=True),
        (1, 2, 7, 8),
    ),
    ("MaxPool2d", ((3, 2),), dict(stride=1), (3, 5, 5)),
    ("MaxPool3d", (2,), dict(return_indices=True), (1, 2, 4, 5, 4)),
    ("AvgPool1d", (3,), dict(stride=2, padding=1, count_include_pad=False), (2, 3, 9)),
    ("AvgPool2d", (2,), {}, (2, 3, 6, 6)),
    ("AvgPool2d", (3, 2, 1), dict(ceil_mode=True, count_include_pad=False), (1, 2, 7, 8)),
    ("AvgPool2d", (3,), dict(divisor_override=4, padding=1), (3, 5, 5)),
    ("AvgPool3d", ((1, 2, 2),), {}, (1, 2, 4, 5, 4)),
    ("AdaptiveAvgPool1d", (4,), {}, (2, 3, 9)),
    ("AdaptiveAvgPool2d", ((3, 2),), {}, (2, 3, 7, 5)),
    ("AdaptiveAvgPool2d", ((None, 2),), {}, (3, 5, 4)),
    ("AdaptiveAvgPool2d", (1,), {}, (2, 3, 4, 4)),
    ("AdaptiveAvgPool3d", ((2, 1, 3),), {}, (1, 2, 5, 4, 7)),
    ("AdaptiveMaxPool1d", (4,), dict(return_indices=True), (2, 3, 9)),
    ("AdaptiveMaxPool2d", ((3, 2),), {}, (2, 3, 7, 5)),
    ("AdaptiveMaxPool3d", (2,), dict(return_indices=True), (1, 2, 5, 4, 7)),
    ("LPPool1d", (2, 3), dict(stride=2), (2, 3, 9)),
    ("LPPool2d", (1.5, 2), {}, (2, 3, 6, 6)),
    ("LPPool2d", (2, (3, 2)), dict(stride=2, ceil_mode=True), (1, 2, 7, 8)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("cls", "args", "kwargs", "shape"), CASES)
def test_pooling_layer_matches_torch(cls, args, kwargs, shape, dtype):
    ours, theirs = getattr(nn, cls)(*args, **kwargs), getattr(torch.nn, cls)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == []
    if cls.startswith("LPPool"):  # x**p of negative inputs is NaN for fractional p
        shape_ = shape
        rng = np.random.default_rng(1)
        x = np.abs(rng.standard_normal(shape_)) + 0.1
        ex, tx = ember.from_numpy(x.astype(dtype)), torch.from_numpy(x.astype(dtype))
        ex.requires_grad_(), tx.requires_grad_()
        ey, ty = ours(ex), theirs(tx)
        torch.testing.assert_close(torch.from_numpy(ey.detach().numpy()), ty.detach())
        ey.sum().backward()
        ty.sum().backward()
        torch.testing.assert_close(torch.from_numpy(ex.grad.numpy()), tx.grad)
        return
    check_parity(ours, theirs, shape, dtype)
    check_parity(ours, theirs, (1,) + shape[1:], dtype)  # batch size 1 (or C=1 unbatched)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    ("n", "kernel", "shape", "output_size"),
    [
        (1, 2, (2, 3, 8), None),
        (2, 2, (2, 3, 6, 4), None),
        (2, 2, (2, 3, 6, 4), (7, 5)),
        (3, 2, (1, 2, 4, 4, 2), None),
    ],
)
def test_max_unpool_layer_matches_torch(n, kernel, shape, output_size, dtype):
    pool = getattr(torch.nn, f"MaxPool{n}d")(kernel, return_indices=True)
    x = torch.from_numpy(np.random.default_rng(2).standard_normal(shape).astype(dtype))
    y, idx = pool(x)
    ours, theirs = (
        getattr(nn, f"MaxUnpool{n}d")(kernel),
        getattr(torch.nn, f"MaxUnpool{n}d")(kernel),
    )
    assert repr(ours) == repr(theirs)
    extra = ((ember.from_numpy(idx.numpy()), output_size), (idx, output_size))
    check_parity(ours, theirs, tuple(y.shape), dtype, extra)


def test_max_pool_picks_first_max_and_propagates_nan_like_torch():
    x = np.array([[[[1.0, 1.0, 2.0, 2.0], [0.0, 1.0, 2.0, 0.0]]]], dtype=np.float32)
    x2 = x.copy()
    x2[0, 0, 1, 2] = np.nan
    x2[0, 0, 0, 3] = np.nan
    for arr in (x, x2):
        ey, ei = ember.max_pool2d(ember.from_numpy(arr), 2, return_indices=True)
        ty, ti = torch.nn.functional.max_pool2d(torch.from_numpy(arr), 2, return_indices=True)
        assert np.array_equal(ei.numpy(), ti.numpy())
        torch.testing.assert_close(torch.from_numpy(ey.numpy()), ty, equal_nan=True)


def test_max_pool_integer_input_matches_torch():
    x = np.arange(32).reshape(1, 2, 4, 4)[:, :, ::-1].copy()
    ey, ei = ember.max_pool2d(ember.from_numpy(x), 2, return_indices=True)
    ty, ti = torch.nn.functional.max_pool2d(torch.from_numpy(x), 2, return_indices=True)
    assert ey.dtype == ember.int64
    assert np.array_equal(ey.numpy(), ty.numpy()) and np.array_equal(ei.numpy(), ti.numpy())


def test_pooling_double_backward_matches_torch():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 6, 6))
    for name, kwargs in [
        ("max_pool2d", dict(kernel_size=3, stride=2, padding=1)),
        ("avg_pool2d", dict(kernel_size=3, stride=2, padding=1)),
    ]:
        ex = ember.from_numpy(x.copy()).requires_grad_()
        tx = torch.from_numpy(x.copy()).requires_grad_()
        ey = getattr(ember.nn.functional, name)(ex, **kwargs)
        ty = getattr(torch.nn.functional, name)(tx, **kwargs)
        (eg,) = ember.autograd.grad((ey * ey).sum(), ex, create_graph=True)
        (tg,) = torch.autograd.grad((ty * ty).sum(), tx, create_graph=True)
        eg.pow(2).sum().backward()
        tg.pow(2).sum().backward()
        torch.testing.assert_close(torch.from_numpy(ex.grad.numpy()), tx.grad)


def test_pooling_errors_are_clear():
    with pytest.raises(
        RuntimeError, match=r"max_pool2d: expected input with 4 dims .* got \(32, 784\)"
    ):
        ember.max_pool2d(ember.ones(32, 784), 2)
    with pytest.raises(RuntimeError, match="pad should be at most half of effective kernel size"):
        ember.max_pool2d(ember.ones(1, 1, 4, 4), 2, padding=2)
    with pytest.raises(RuntimeError, match="Output size is too small"):
        ember.nn.functional.avg_pool2d(ember.ones(1, 1, 2, 2), 3)
    with pytest.raises(NotImplementedError, match="avg_pool2d"):
        ember.nn.functional.avg_pool2d(ember.ones(1, 1, 4, 4, dtype=ember.int64), 2)
    with pytest.raises(RuntimeError, match="Found an invalid max index"):
        ember.nn.functional.max_unpool2d(ember.ones(1, 1, 1, 1), ember.tensor([[[[9]]]]), 2)
