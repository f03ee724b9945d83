"""The speed paths: chunked stride-1 convolutions and the one-Function LSTM layer, checked
against PyTorch (values and gradients) and by gradcheck/gradgradcheck."""

import numpy
import pytest
import torch

import ember
import ember._ops.conv as conv_ops
from ember._ops._rnn_lstm import LSTMLayer
from ember.autograd import gradcheck, gradgradcheck


def _pair(*shape, seed=0, dtype=numpy.float64):
    x = numpy.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return ember.from_numpy(x.copy()).requires_grad_(), torch.from_numpy(x).requires_grad_()


CONV_CASES = [
    # (input shape, weight shape, kwargs)
    ((2, 16, 7, 6), (8, 16, 3, 3), {"padding": 1}),
    ((2, 16, 7, 6), (8, 8, 3, 2), {"padding": (2, 0), "dilation": (2, 1), "groups": 2}),
    ((1, 4, 5, 5), (6, 4, 5, 5), {"padding": "same"}),
    ((3, 6, 9), (4, 6, 3), {}),  # conv1d
    ((1, 3, 4, 5, 4), (2, 3, 3, 2, 3), {"padding": 1}),  # conv3d
]


@pytest.mark.parametrize("chunk_bytes", [1 << 24, 64])
@pytest.mark.parametrize("case", CONV_CASES)
def test_stride1_conv_matches_torch(case, chunk_bytes, monkeypatch):
    # a tiny chunk size makes every GEMM a few columns: exercises the chunk boundaries
    monkeypatch.setattr(conv_ops, "_CHUNK_BYTES", chunk_bytes)
    monkeypatch.setattr(conv_ops, "_CHUNK_MAX_WASTE", 1e9)
    monkeypatch.setattr(conv_ops, "_CACHE_COLS_BYTES", 0)  # small images take the path too
    xs, ws, kw = case
    nd = len(xs) - 2
    efn = (ember.conv1d, ember.conv2d, ember.conv3d)[nd - 1]
    tfn = (torch.conv1d, torch.conv2d, torch.conv3d)[nd - 1]
    ex, tx = _pair(*xs, seed=1)
    ew, tw = _pair(*ws, seed=2)
    ey, ty = efn(ex, ew, **kw), tfn(tx, tw, **kw)
    numpy.testing.assert_allclose(ey.detach().numpy(), ty.detach().numpy(), atol=1e-10)
    g = numpy.random.default_rng(3).standard_normal(tuple(ty.shape))
    ey.backward(ember.from_numpy(g.copy()))
    ty.backward(torch.from_numpy(g))
    numpy.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), atol=1e-10)
    numpy.testing.assert_allclose(ew.grad.numpy(), tw.grad.numpy(), atol=1e-10)


def test_stride1_conv_transpose_matches_torch(monkeypatch):
    monkeypatch.setattr(conv_ops, "_CHUNK_MAX_WASTE", 1e9)
    monkeypatch.setattr(conv_ops, "_CACHE_COLS_BYTES", 0)
    ex, tx = _pair(2, 16, 5, 4, seed=4)
    ew, tw = _pair(16, 3, 3, 3, seed=5)
    ey = ember.conv_transpose2d(ex, ew, padding=1, output_padding=0)
    ty = torch.conv_transpose2d(tx, tw, padding=1)
    numpy.testing.assert_allclose(ey.detach().numpy(), ty.detach().numpy(), atol=1e-10)
    ey.sum().backward()
    ty.sum().backward()
    numpy.testing.assert_allclose(ew.grad.numpy(), tw.grad.numpy(), atol=1e-10)


def test_chunked_path_is_taken_for_large_images_only():
    calls = []
    real = conv_ops._conv_chunked

    def spy(*args):
        calls.append(args[1].shape)
        return real(*args)

    conv_ops._conv_chunked = spy
    try:
        w = ember.zeros(2, 3, 3, 3)
        ember.conv2d(ember.zeros(1, 3, 30, 30), w, padding=1)  # 32*32 / (30*30) = 1.14
        ember.conv2d(ember.zeros(1, 3, 4, 4), w, padding=1)  # 6*6 / (4*4) = 2.25
        ember.conv2d(ember.zeros(1, 3, 30, 30), w, padding=1, stride=2)
    finally:
        conv_ops._conv_chunked = real
    assert calls == [(1, 3, 30, 30)]


def test_stride1_conv_gradgradcheck_small_chunks(monkeypatch):
    monkeypatch.setattr(conv_ops, "_CHUNK_BYTES", 64)
    monkeypatch.setattr(conv_ops, "_CHUNK_MAX_WASTE", 1e9)
    monkeypatch.setattr(conv_ops, "_CACHE_COLS_BYTES", 0)
    x = ember.randn(1, 2, 3, 2, dtype=ember.float64, requires_grad=True)
    w = ember.randn(2, 2, 2, 2, dtype=ember.float64, requires_grad=True)
    assert gradcheck(lambda a, b: ember.conv2d(a, b, padding=1), (x, w))
    assert gradgradcheck(lambda a, b: ember.conv2d(a, b, padding=1), (x, w))


def _layer_inputs(steps=2, batch=1, hidden=2):
    ember.manual_seed(0)
    return [
        ember.randn(steps, batch, 4 * hidden, dtype=ember.float64, requires_grad=True),
        ember.randn(batch, hidden, dtype=ember.float64, requires_grad=True),
        ember.randn(batch, hidden, dtype=ember.float64, requires_grad=True),
        ember.randn(4 * hidden, hidden, dtype=ember.float64, requires_grad=True),
    ]


def test_lstm_layer_gradcheck_and_gradgradcheck():
    args = _layer_inputs()
    assert gradcheck(LSTMLayer.apply, args, atol=1e-6, rtol=1e-4)
    assert gradgradcheck(LSTMLayer.apply, args, atol=1e-6, rtol=1e-4)


def test_lstm_layer_only_final_state_used():
    args = _layer_inputs()
    assert gradcheck(lambda *a: LSTMLayer.apply(*a)[2], args, atol=1e-6, rtol=1e-4)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_lstm_module_matches_torch(bidirectional):
    torch.manual_seed(0)
    tm = torch.nn.LSTM(3, 4, num_layers=2, batch_first=True, bidirectional=bidirectional)
    tm = tm.double()
    em = ember.nn.LSTM(3, 4, num_layers=2, batch_first=True, bidirectional=bidirectional)
    em = em.double()
    em.load_state_dict({k: ember.from_numpy(v.numpy().copy()) for k, v in tm.state_dict().items()})
    ex, tx = _pair(2, 5, 3, seed=6)
    (eo, (eh, ec)), (to, (th, tc)) = em(ex), tm(tx)
    for e, t in ((eo, to), (eh, th), (ec, tc)):
        numpy.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), atol=1e-12)
    (eo.sum() + eh.sum() * 2 + ec.sum() * 3).backward()
    (to.sum() + th.sum() * 2 + tc.sum() * 3).backward()
    numpy.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), atol=1e-12)
    tgrads = dict(tm.named_parameters())
    for name, p in em.named_parameters():
        numpy.testing.assert_allclose(p.grad.numpy(), tgrads[name].grad.numpy(), atol=1e-12)


def test_batched_small_matmul_on_one_blas_thread_restores_threads():
    from ember._ops.linalg import _blas_libs

    before = [lib.num_threads for lib in _blas_libs()]
    a = numpy.random.default_rng(7).standard_normal((3, 64, 64)).astype(numpy.float32)
    b = numpy.random.default_rng(8).standard_normal((3, 64, 64)).astype(numpy.float32)
    ea = ember.from_numpy(a).requires_grad_()
    y = ember.matmul(ea, ember.from_numpy(b))  # 2**18 multiply-adds per matrix
    numpy.testing.assert_allclose(y.detach().numpy(), a @ b, rtol=1e-5, atol=1e-4)
    y.sum().backward()
    numpy.testing.assert_allclose(ea.grad.numpy(), b.sum(-1)[:, None, :].repeat(64, 1), atol=1e-4)
    assert [lib.num_threads for lib in _blas_libs()] == before
