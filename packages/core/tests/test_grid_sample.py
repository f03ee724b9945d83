"""grid_sample on image-sized inputs against PyTorch: values and both gradients for a
rotation (bilinear and nearest, every padding mode), batched 2-D and 3-D grids; the small
cases and double backward live in the vision OpSpecs."""

import math

import numpy
import pytest

import ember

torch = pytest.importorskip("torch")
EF, TF = ember.nn.functional, torch.nn.functional


def _rotation_grid(n, h, w, degrees):
    a = math.radians(degrees)
    theta = numpy.array([[[math.cos(a), -math.sin(a), 0.1], [math.sin(a), math.cos(a), -0.05]]])
    theta = torch.tensor(numpy.repeat(theta, n, axis=0), dtype=torch.float32)
    return TF.affine_grid(theta, (n, 1, h, w), align_corners=False).numpy()


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
def test_rotation_matches_torch_values_and_grads(mode, padding_mode):
    rng = numpy.random.default_rng(0)
    x = rng.random((2, 3, 24, 32)).astype("float32")
    grid = _rotation_grid(2, 20, 30, 30.0) * 1.1  # some samples fall outside
    cot = rng.normal(size=(2, 3, 20, 30)).astype("float32")
    ex, eg = ember.tensor(x, requires_grad=True), ember.tensor(grid, requires_grad=True)
    tx, tg = torch.tensor(x, requires_grad=True), torch.tensor(grid, requires_grad=True)
    ye = EF.grid_sample(ex, eg, mode, padding_mode, align_corners=False)
    yt = TF.grid_sample(tx, tg, mode, padding_mode, align_corners=False)
    numpy.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), atol=1e-5)
    ye.backward(ember.tensor(cot))
    yt.backward(torch.tensor(cot))
    numpy.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), atol=1e-4)
    if mode == "nearest":  # piecewise constant in the grid: PyTorch writes zeros, we leave None
        assert eg.grad is None and not tg.grad.any()
    else:
        numpy.testing.assert_allclose(eg.grad.numpy(), tg.grad.numpy(), rtol=1e-3, atol=1e-3)


def test_volumetric_grid_matches_torch():
    rng = numpy.random.default_rng(1)
    x = rng.random((2, 2, 5, 6, 7))
    grid = rng.uniform(-1.2, 1.2, size=(2, 3, 4, 5, 3))
    ex, eg = ember.tensor(x, requires_grad=True), ember.tensor(grid, requires_grad=True)
    tx, tg = torch.tensor(x, requires_grad=True), torch.tensor(grid, requires_grad=True)
    ye = EF.grid_sample(ex, eg, align_corners=True)
    yt = TF.grid_sample(tx, tg, align_corners=True)
    numpy.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), atol=1e-12)
    ye.sum().backward()
    yt.sum().backward()
    numpy.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), atol=1e-12)
    numpy.testing.assert_allclose(eg.grad.numpy(), tg.grad.numpy(), atol=1e-10)


def test_input_only_gradient_skips_grid_work():
    x = ember.rand(1, 3, 16, 16, requires_grad=True)
    grid = ember.tensor(_rotation_grid(1, 16, 16, 10.0))
    EF.grid_sample(x, grid, align_corners=False).sum().backward()
    assert grid.grad is None and x.grad.shape == x.shape
    # every output pixel's bilinear weights sum to <= 1, so the input gradient does too
    assert x.grad.sum().item() <= 16 * 16 * 3 + 1e-3
