"""Conv/linear + batch-norm fusion against PyTorch."""

import numpy as np
import pytest
import torch

import ember
from ember import nn


def _e(t):
    return ember.from_numpy(t.detach().numpy().copy())


def _close(e, t, **kw):
    torch.testing.assert_close(torch.from_numpy(np.asarray(e.detach().numpy())), t.detach(), **kw)


def _bn_stats(tbn, seed=0):
    rng = np.random.default_rng(seed)
    c = tbn.num_features
    with torch.no_grad():
        tbn.running_mean.copy_(torch.from_numpy(rng.standard_normal(c)))
        tbn.running_var.copy_(torch.from_numpy(rng.uniform(0.5, 2.0, c)))
        if tbn.weight is not None:
            tbn.weight.copy_(torch.from_numpy(rng.standard_normal(c)))
            tbn.bias.copy_(torch.from_numpy(rng.standard_normal(c)))


def _copy(em, tm):
    em.load_state_dict({k: _e(v) for k, v in tm.state_dict().items()})
    return em


@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("with_bias", [True, False])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fuse_conv_bn_weights_matches_torch(transpose, with_bias, affine, dtype):
    rng = np.random.default_rng(0)
    w = rng.standard_normal((3, 4, 2, 2) if transpose else (4, 3, 2, 2)).astype(dtype)
    b = rng.standard_normal(4).astype(dtype) if with_bias else None
    rm = rng.standard_normal(4).astype(dtype)
    rv = rng.uniform(0.5, 2, 4).astype(dtype)
    bw = rng.standard_normal(4).astype(dtype) if affine else None
    bb = rng.standard_normal(4).astype(dtype) if affine else None

    def args(conv):
        def opt(a):
            return None if a is None else conv(a.copy())

        return (conv(w.copy()), opt(b), conv(rm.copy()), conv(rv.copy()), 1e-5, opt(bw), opt(bb))

    ew, eb = nn.utils.fuse_conv_bn_weights(*args(ember.from_numpy), transpose)
    tw, tb = torch.nn.utils.fuse_conv_bn_weights(*args(torch.from_numpy), transpose)
    assert isinstance(ew, nn.Parameter) and isinstance(eb, nn.Parameter)
    assert ew.requires_grad == tw.requires_grad and eb.requires_grad == tb.requires_grad
    _close(ew, tw)
    _close(eb, tb)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("bias", [True, False])
def test_fuse_conv_bn_eval_matches_torch_and_unfused(dtype, bias):
    torch.manual_seed(0)
    tconv = torch.nn.Conv2d(3, 4, 3, padding=1, bias=bias).to(getattr(torch, dtype)).eval()
    tbn = torch.nn.BatchNorm2d(4).to(getattr(torch, dtype)).eval()
    _bn_stats(tbn)
    econv = _copy(nn.Conv2d(3, 4, 3, padding=1, bias=bias).to(getattr(ember, dtype)), tconv).eval()
    ebn = _copy(nn.BatchNorm2d(4).to(getattr(ember, dtype)), tbn).eval()
    efused = nn.utils.fuse_conv_bn_eval(econv, ebn)
    tfused = torch.nn.utils.fuse_conv_bn_eval(tconv, tbn)
    assert efused is not econv and isinstance(efused.bias, nn.Parameter)
    _close(efused.weight, tfused.weight)
    _close(efused.bias, tfused.bias)
    x = np.random.default_rng(1).standard_normal((2, 3, 5, 5)).astype(dtype)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == "float32" else {}
    _close(efused(ember.from_numpy(x.copy())), tbn(tconv(torch.from_numpy(x.copy()))), **tol)
    unfused = ebn(econv(ember.from_numpy(x.copy())))
    _close(efused(ember.from_numpy(x.copy())), torch.from_numpy(unfused.detach().numpy()), **tol)


def test_fuse_conv_transpose_bn_eval_matches_torch():
    torch.manual_seed(0)
    tconv = torch.nn.ConvTranspose2d(3, 4, 2).eval()
    tbn = torch.nn.BatchNorm2d(4).eval()
    _bn_stats(tbn)
    econv = _copy(nn.ConvTranspose2d(3, 4, 2), tconv).eval()
    ebn = _copy(nn.BatchNorm2d(4), tbn).eval()
    efused = nn.utils.fuse_conv_bn_eval(econv, ebn, transpose=True)
    tfused = torch.nn.utils.fuse_conv_bn_eval(tconv, tbn, transpose=True)
    _close(efused.weight, tfused.weight)
    _close(efused.bias, tfused.bias)


def test_fuse_requires_eval_mode():
    with pytest.raises(AssertionError, match="Fusion only for eval"):
        nn.utils.fuse_conv_bn_eval(nn.Conv2d(1, 2, 1), nn.BatchNorm2d(2).eval())
    with pytest.raises(AssertionError, match="Fusion only for eval"):
        nn.utils.fuse_linear_bn_eval(nn.Linear(2, 2).eval(), nn.BatchNorm1d(2))


@pytest.mark.parametrize("bn_features", [4, 1])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fuse_linear_bn_eval_matches_torch(bn_features, dtype):
    torch.manual_seed(0)
    tlin = torch.nn.Linear(3, 4).to(getattr(torch, dtype)).eval()
    tbn = torch.nn.BatchNorm1d(bn_features).to(getattr(torch, dtype)).eval()
    _bn_stats(tbn)
    elin = _copy(nn.Linear(3, 4).to(getattr(ember, dtype)), tlin).eval()
    ebn = _copy(nn.BatchNorm1d(bn_features).to(getattr(ember, dtype)), tbn).eval()
    efused = nn.utils.fuse_linear_bn_eval(elin, ebn)
    tfused = torch.nn.utils.fuse_linear_bn_eval(tlin, tbn)
    _close(efused.weight, tfused.weight)
    _close(efused.bias, tfused.bias)
    if bn_features == 4:
        x = np.random.default_rng(1).standard_normal((5, 3)).astype(dtype)
        tol = dict(rtol=1e-4, atol=1e-5) if dtype == "float32" else {}
        _close(efused(ember.from_numpy(x.copy())), tbn(tlin(torch.from_numpy(x.copy()))), **tol)


def test_fuse_linear_bn_feature_mismatch():
    with pytest.raises(AssertionError, match="linear.out_features == bn.num_features"):
        nn.utils.fuse_linear_bn_eval(nn.Linear(3, 4).eval(), nn.BatchNorm1d(3).eval())


def test_fuse_linear_bn_weights_matches_torch():
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in [(4, 3), (4,), (4,)]] + [rng.uniform(0.5, 2, 4)]
    arrays += [rng.standard_normal(4), rng.standard_normal(4)]
    w, b, rm, rv, bw, bb = arrays
    ew, eb = nn.utils.fuse_linear_bn_weights(
        *(ember.from_numpy(a.copy()) for a in (w, b, rm, rv)),
        1e-3,
        ember.from_numpy(bw.copy()),
        ember.from_numpy(bb.copy()),
    )
    tw, tb = torch.nn.utils.fuse_linear_bn_weights(
        *(torch.from_numpy(a.copy()) for a in (w, b, rm, rv)),
        1e-3,
        torch.from_numpy(bw.copy()),
        torch.from_numpy(bb.copy()),
    )
    _close(ew, tw)
    _close(eb, tb)
