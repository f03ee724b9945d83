"""interpolate(..., antialias=True) against torch.nn.functional.interpolate: values and
gradients for down- and upsampling, both align_corners, bilinear/bicubic/lanczos, float32
and float64; plus the argument errors PyTorch raises."""

import numpy
import pytest

import ember
from ember.autograd.gradcheck import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")
EF, TF = ember.nn.functional, torch.nn.functional

RESIZES = [
    ((17, 23), dict(size=(5, 7))),  # downsample both axes
    ((9, 20), dict(size=(31, 6))),  # upsample one axis, downsample the other
    ((8, 8), dict(scale_factor=0.37)),  # scale passed to the kernel
    ((9, 12), dict(scale_factor=(2.5, 0.5))),
    ((9, 12), dict(size=(9, 4))),  # an unchanged axis is skipped
    ((6, 5), dict(size=(1, 1))),
]


def _cases():
    for mode in ("bilinear", "bicubic", "lanczos"):
        for align in (False, True) if mode != "lanczos" else (False,):
            for shape, kwargs in RESIZES:
                yield mode, align, shape, kwargs


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("mode", "align", "shape", "kwargs"), list(_cases()))
def test_antialias_matches_torch_values_and_grads(dtype, mode, align, shape, kwargs):
    rng = numpy.random.default_rng(0)
    a = rng.normal(size=(2, 3) + shape).astype(dtype)
    e = ember.tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    opts = dict(mode=mode, align_corners=align, antialias=True, **kwargs)
    ye, yt = EF.interpolate(e, **opts), TF.interpolate(t, **opts)
    assert ye.shape == tuple(yt.shape) and ye.dtype == e.dtype
    tol = 2e-5 if dtype == "float32" else 1e-10
    numpy.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=tol, atol=tol)
    cot = rng.normal(size=tuple(yt.shape)).astype(dtype)
    ye.backward(ember.tensor(cot))
    yt.backward(torch.tensor(cot))
    numpy.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=tol, atol=tol)


def test_antialias_gradcheck_and_gradgradcheck_float64():
    x = ember.tensor(numpy.random.default_rng(1).normal(size=(1, 2, 7, 9)), requires_grad=True)
    for mode in ("bilinear", "bicubic"):

        def fn(v, mode=mode):
            return EF.interpolate(v, size=(3, 4), mode=mode, antialias=True)

        assert gradcheck(fn, (x,))
        assert gradgradcheck(fn, (x,))


def test_antialias_downsample_averages_unlike_plain_bilinear():
    # A one-pixel checkerboard downsampled 3x: plain bilinear lands on pixel centres and
    # keeps the full 0/1 contrast; antialiasing averages it to about 0.5.
    board = (numpy.indices((15, 15)).sum(0) % 2).astype("float32")[None, None]
    x = ember.tensor(board)
    smooth = EF.interpolate(x, size=(5, 5), mode="bilinear", antialias=True)
    assert numpy.abs(smooth.numpy() - 0.5).max() < 0.01
    sharp = EF.interpolate(x, size=(5, 5), mode="bilinear", antialias=False)
    assert set(numpy.unique(sharp.numpy())) == {0.0, 1.0}


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        (dict(size=4, mode="nearest", antialias=True), ValueError, "Anti-alias option"),
        (dict(size=(4, 4), mode="lanczos"), ValueError, "requires antialias=True"),
        (
            dict(size=(4, 4), mode="lanczos", antialias=True, align_corners=True),
            ValueError,
            "align_corners",
        ),
    ],
)
def test_antialias_argument_errors(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        EF.interpolate(ember.ones(1, 1, 8, 8), **kwargs)
    with pytest.raises(ValueError, match="Anti-alias option"):
        EF.interpolate(ember.ones(1, 1, 8), size=4, mode="linear", antialias=True)
