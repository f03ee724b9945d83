"""Errors, dtypes and gradient details of ``ember.fft`` beyond the op registry
(``opspecs/fft.py`` checks values, VJPs and gradcheck for every transform)."""

import numpy
import pytest

import ember
from ember.autograd.gradcheck import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")


def _rand(*shape, seed=0):
    return numpy.random.default_rng(seed).uniform(-1, 1, size=shape)


def test_namespace_exports_torch_fft_names():
    for name in ember.fft.__all__:
        assert hasattr(torch.fft, name), name
    assert "fft" not in ember._ops.fft.__all__


@pytest.mark.parametrize(
    ("dtype", "expected"),
    [
        (ember.float32, ember.complex64),
        (ember.float64, ember.complex128),
        (ember.int64, ember.complex64),
        (ember.bool, ember.complex64),
        (ember.complex64, ember.complex64),
        (ember.complex128, ember.complex128),
    ],
)
def test_output_dtypes_follow_torch(dtype, expected):
    x = ember.ones(4, dtype=dtype)
    assert ember.fft.fft(x).dtype == expected


def test_real_transforms_dtypes():
    assert ember.fft.rfft(ember.ones(4)).dtype == ember.complex64
    assert ember.fft.irfft(ember.ones(3, dtype=ember.complex64)).dtype == ember.float32
    assert ember.fft.irfft(ember.ones(3, dtype=ember.complex128)).dtype == ember.float64
    assert ember.fft.hfft(ember.ones(3, dtype=ember.complex64)).dtype == ember.float32


def test_invalid_norm():
    with pytest.raises(RuntimeError, match='Invalid normalization mode: "xx"'):
        ember.fft.fft(ember.ones(2), norm="xx")


def test_invalid_sizes():
    with pytest.raises(RuntimeError, match=r"Invalid number of data points \(0\) specified"):
        ember.fft.fft(ember.ones(2), n=0)
    with pytest.raises(RuntimeError, match=r"Invalid number of data points \(0\) specified"):
        ember.fft.irfft(ember.ones(1, dtype=ember.complex64))
    with pytest.raises(RuntimeError, match="dim and shape arguments must have the same length"):
        ember.fft.fftn(ember.ones(2, 3), s=(2,), dim=(0, 1))
    with pytest.raises(RuntimeError, match="FFT dims must be unique"):
        ember.fft.fftn(ember.ones(2, 3), dim=(0, 0))
    with pytest.raises(IndexError, match="Dimension out of range"):
        ember.fft.fft(ember.ones(3), dim=2)


def test_rfft_rejects_complex_input():
    with pytest.raises(
        RuntimeError, match="rfft expects a real input tensor, but got ComplexFloat"
    ):
        ember.fft.rfft(ember.ones(2, dtype=ember.complex64))


def test_half_precision_is_not_implemented():
    with pytest.raises(NotImplementedError, match="fft_fft"):
        ember.fft.fft(ember.ones(4, dtype=ember.float16))


def test_round_trips():
    x = _rand(3, 8)
    t = ember.tensor(x)
    numpy.testing.assert_allclose(ember.fft.ifft(ember.fft.fft(t)).numpy().real, x, atol=1e-12)
    numpy.testing.assert_allclose(ember.fft.irfft(ember.fft.rfft(t), n=8).numpy(), x, atol=1e-12)
    numpy.testing.assert_allclose(
        ember.fft.irfftn(ember.fft.rfftn(t), s=(3, 8)).numpy(), x, atol=1e-12
    )
    numpy.testing.assert_allclose(
        ember.fft.ihfft(ember.fft.hfft(ember.fft.ihfft(t), n=8)).numpy(),
        ember.fft.ihfft(t).numpy(),
        atol=1e-12,
    )


def test_out_argument():
    out = ember.zeros(4, dtype=ember.complex64)
    ember.fft.fft(ember.ones(4), out=out)
    assert out.tolist()[0] == 4 + 0j


@pytest.mark.parametrize("n", [6, 7])
@pytest.mark.parametrize("norm", [None, "ortho", "forward"])
def test_rfft_irfft_vjp_hermitian_bookkeeping_matches_torch(n, norm):
    # the one-sided spectrum's bins 1..n-(n//2+1) stand for two bins each
    x = _rand(2, n)
    ex, tx = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    cot = _rand(2, n // 2 + 1, seed=1) + 1j * _rand(2, n // 2 + 1, seed=2)
    (eg,) = ember.autograd.grad(ember.fft.rfft(ex, norm=norm), ex, ember.tensor(cot))
    (tg,) = torch.autograd.grad(torch.fft.rfft(tx, norm=norm), tx, torch.tensor(cot))
    numpy.testing.assert_allclose(eg.numpy(), tg.numpy(), atol=1e-12)

    z = _rand(2, n // 2 + 1) + 1j * _rand(2, n // 2 + 1, seed=3)
    ez, tz = ember.tensor(z, requires_grad=True), torch.tensor(z, requires_grad=True)
    cot = _rand(2, n, seed=4)
    (eg,) = ember.autograd.grad(ember.fft.irfft(ez, n=n, norm=norm), ez, ember.tensor(cot))
    (tg,) = torch.autograd.grad(torch.fft.irfft(tz, n=n, norm=norm), tz, torch.tensor(cot))
    numpy.testing.assert_allclose(eg.numpy(), tg.numpy(), atol=1e-12)


def test_fft_double_backward_of_complex_input_matches_torch():
    x = _rand(5) + 1j * _rand(5, seed=1)
    v = _rand(5, seed=2) + 1j * _rand(5, seed=3)
    results = []
    for lib, fft in ((ember, ember.fft.fft), (torch, torch.fft.fft)):
        t = lib.tensor(x, requires_grad=True)
        y = fft(t, norm="ortho") * lib.tensor(v)
        loss = (y * y.conj()).sum()
        (g,) = lib.autograd.grad(loss, t, lib.tensor(1.0 + 0j), create_graph=True)
        (h,) = lib.autograd.grad(g, t, lib.tensor(v))
        results.append(numpy.asarray(h.detach().numpy()))
    numpy.testing.assert_allclose(results[0], results[1], atol=1e-12)


def test_gradgradcheck_through_rfft2_and_shifts():
    x = ember.tensor(_rand(4, 6), requires_grad=True)

    def f(t):
        return ember.fft.irfft2(ember.fft.fftshift(ember.fft.rfft2(t), dim=0), s=(4, 6))

    assert gradcheck(f, (x,)) and gradgradcheck(f, (x,))


def test_fftfreq_and_shift_values():
    numpy.testing.assert_allclose(
        ember.fft.fftfreq(5, d=0.5).numpy(), torch.fft.fftfreq(5, d=0.5).numpy()
    )
    numpy.testing.assert_allclose(ember.fft.rfftfreq(5).numpy(), torch.fft.rfftfreq(5).numpy())
    x = _rand(3, 5)
    numpy.testing.assert_allclose(
        ember.fft.fftshift(ember.tensor(x)).numpy(), torch.fft.fftshift(torch.tensor(x)).numpy()
    )
    numpy.testing.assert_allclose(
        ember.fft.ifftshift(ember.tensor(x), dim=1).numpy(),
        torch.fft.ifftshift(torch.tensor(x), dim=1).numpy(),
    )
    assert ember.fft.fftfreq(4, dtype=ember.float64).dtype == ember.float64
